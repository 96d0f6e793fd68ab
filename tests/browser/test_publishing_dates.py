"""An editor types a review's dates in Chromium: what they type stays as they typed it, and
what cannot be read is an error at its field, never "now" (docs/scheduling.md).

Wagtail's date picker rewrote what it could not read as the field lost focus: `2026-12-14
09:00` typed into the go-live field became today's date, and `12/14/2026` in the
publication date became today.
"""

import pytest
from playwright.sync_api import Page, expect

from learning.admin_dates import UNREADABLE_DATE
from learning.models import ReviewPage
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db


def retype(page: Page, selector: str, text: str) -> None:
    field = page.locator(selector)
    field.fill("")
    field.press_sequentially(text)


def test_a_typed_go_live_time_is_kept_and_an_unreadable_date_is_an_error_at_its_field(
    demo_site, new_page, superuser
):
    review = ReviewPage.objects.live().get(title=demo_site.review_title)
    page = new_page()
    sign_in(page, demo_site, superuser)
    page.goto(demo_site.url(f"/admin/pages/{review.pk}/edit/"))

    retype(page, "#id_go_live_at", "2026-12-14 09:00")
    retype(page, "#id_publication_date", "12/14/2026")
    page.locator("#id_expire_at").focus()  # leaving a field is when a picker rewrote it

    expect(page.locator("#id_go_live_at")).to_have_value("2026-12-14 09:00")
    expect(page.locator("#id_go_live_at-reading")).to_have_text(
        "Monday 14 December 2026 at 09:00 (UK time)"
    )
    expect(page.locator("#id_publication_date")).to_have_value("12/14/2026")
    expect(page.locator("#id_publication_date-reading")).to_have_text("")

    page.get_by_role("button", name="Save draft").click()

    publication_date = page.locator("[data-field-wrapper]").filter(
        has=page.locator("#id_publication_date")
    )
    expect(publication_date.locator(".error-message")).to_contain_text(UNREADABLE_DATE)
    expect(page.locator("#id_publication_date")).to_have_value("12/14/2026")
    expect(page.locator("#id_go_live_at")).to_have_value("2026-12-14 09:00")
    assert ReviewPage.objects.get(pk=review.pk).get_latest_revision().pk == (
        review.get_latest_revision().pk
    )
