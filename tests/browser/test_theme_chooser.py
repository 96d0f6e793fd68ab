"""An editor adds two key themes from different groups to a review, filtering to find one.

In the review's edit form, "Add theme" opens the theme chooser (learning/admin_themes.py,
static/js/admin/theme-chooser.js) with all 48 demo themes under their group headings. The
editor filters to one theme and ticks it, clears the filter (the tick stays), ticks a theme
of another group with the keyboard and confirms: both are added to the Key themes panel.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from learning.models import ReviewPage, Theme
from tests.browser.conftest import DESKTOP, NARROW, sign_in
from tests.browser.test_accessibility import AXE_OPTIONS, describe_violations
from tests.browser.test_csp import violations, watch

pytestmark = pytest.mark.django_db

STATUS = re.compile(r"^(\d+) of 48 themes shown$")


def assert_accessible_at_320px_and_desktop(page: Page, chooser) -> None:
    """axe-core's WCAG 2.2 A and AA rules over what the chooser draws, wide and narrow, and
    nothing of it wider than the modal at 320 CSS pixels (Reflow)."""
    for viewport in (NARROW, DESKTOP):
        page.set_viewport_size(viewport)
        found = Axe().run(page, context=".modal-body", options=AXE_OPTIONS).response["violations"]
        assert not found, describe_violations(found)
        overflow = chooser.evaluate(
            """(modal) => {
                const body = modal.querySelector(".modal-body").getBoundingClientRect();
                return Array.from(modal.querySelectorAll(".modal-body *"))
                    .filter((el) => el.getBoundingClientRect().right > body.right + 1)
                    .map((el) => el.outerHTML.slice(0, 80));
            }"""
        )
        assert overflow == [], f"wider than the chooser at {viewport['width']}px: {overflow}"


def shown(status_text: str) -> int:
    match = STATUS.match(status_text)
    assert match, f"the live count says “{status_text}”"
    return int(match.group(1))


def test_an_editor_filters_ticks_themes_in_two_groups_and_both_are_added(
    demo_site, new_page, superuser
):
    assert Theme.objects.count() == 48
    review = (
        ReviewPage.objects.live()
        .exclude(review_themes__theme__slug__in=["advocacy", "neglect"])
        .order_by("path")
        .first()
    )
    already = review.review_themes.first().theme.name
    page = new_page()
    console = watch(page)
    sign_in(page, demo_site, superuser)
    page.goto(demo_site.url(f"/admin/pages/{review.pk}/edit/"))

    page.get_by_role("button", name="Add theme").click()
    chooser = page.locator(".modal")
    search_box = chooser.get_by_label("Filter themes")
    expect(search_box).to_be_visible()  # shown by the chooser's script
    status = chooser.get_by_role("status")
    expect(status).to_have_text("48 of 48 themes shown")
    headings = chooser.get_by_role("heading", level=2)
    expect(headings).to_have_text(
        ["Type of harm", "Practice theme", "Child and family context", "Multi-agency system"]
    )
    assert_accessible_at_320px_and_desktop(page, chooser)
    # The review's own themes are marked, in their names too, ticked and cannot be ticked again.
    on_the_review = chooser.get_by_role("checkbox", name=f"{already} Already chosen", exact=True)
    expect(on_the_review).to_be_checked()
    expect(on_the_review).to_be_disabled()

    search_box.fill("ADVOCÂCY")  # case and accents are ignored
    expect(status).to_have_text(STATUS)
    expect(chooser.get_by_role("checkbox", name="Neglect", exact=True)).to_be_hidden()
    assert (
        shown(status.text_content())
        == chooser.locator("[data-theme-chooser-theme]:visible").count()
    )
    expect(chooser.get_by_text("Type of harm")).to_be_hidden()  # a group with no match
    chooser.get_by_role("checkbox", name="Advocacy", exact=True).check()

    # Escape clears the filter and leaves the chooser open, the tick kept.
    search_box.press("Escape")
    expect(search_box).to_have_value("")
    expect(status).to_have_text("48 of 48 themes shown")
    expect(chooser.get_by_role("checkbox", name="Advocacy", exact=True)).to_be_checked()

    neglect = chooser.get_by_role("checkbox", name="Neglect", exact=True)
    neglect.focus()
    page.keyboard.press("Space")
    expect(neglect).to_be_checked()
    chooser.get_by_role("button", name="Confirm selection").click()

    expect(chooser).to_have_count(0)
    key_themes = page.locator("#id_review_themes-FORMS [data-chooser-title]")
    expect(key_themes).to_contain_text([already, "Advocacy", "Neglect"])
    assert violations(page, console) == []
