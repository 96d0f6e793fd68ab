"""Screenshots of sign-off and the report checks as editors and approvers see them, for
docs/sign-off.md and docs/report-checks.md.

Not part of the suite (`make screenshots` runs it): it writes PNGs to docs/screenshots/,
replacing the last ones, so the docs show the admin as it is. The reviews are made as the
journey tests make theirs (test_sign_off_journey.py).
"""

from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from wagtail.models import Workflow

import pytest
from playwright.sync_api import Page, expect

from learning.management.commands.setup_sign_off import WORKFLOW_NAME
from learning.models import ReportDocument, ReviewPage
from learning.review_status import UK_TIME
from tests.browser.conftest import sign_in
from tests.browser.test_sign_off_journey import (
    NEW_REPORT,
    OLD_REPORT,
    draft_review,
    people,  # noqa: F401 (a fixture)
    submit_for_sign_off,
)
from tests.test_report_checks import four_page_report, make_pdf

pytestmark = [pytest.mark.screenshots, pytest.mark.django_db]

SHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
WIDE = {"width": 1280, "height": 900}


def shoot(target, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=SHOTS / f"{name}.png")
    print(SHOTS / f"{name}.png")


@pytest.fixture(scope="module")
def reviews(people, django_db_blocker):  # noqa: F811
    editor, approver = people
    with django_db_blocker.unblock():
        workflow = Workflow.objects.get(name=WORKFLOW_NAME)
        plain = draft_review(editor, title="Child Zara", publication_date=date(2027, 1, 15))
        workflow.start(plain, editor)

        naming = ReportDocument.objects.create(
            title="Child Yusuf full report",
            file=ContentFile(four_page_report(), name="child-yusuf.pdf"),
            uploaded_by_user=editor,
        )
        scanned = ReportDocument.objects.create(
            title="Child Yusuf briefing",
            file=ContentFile(
                make_pdf("A page of text.", None, title="Briefing", lang="en-GB"),
                name="child-yusuf-briefing.pdf",
            ),
            uploaded_by_user=editor,
        )
        blocked = draft_review(
            editor,
            title="Child Yusuf",
            publication_date=date(2024, 5, 1),
            reports=[naming, scanned],
        )
        blocked.protected_names = "Smith-Jones\nOak Primary School"
        blocked.save_revision(user=editor)
        workflow.start(blocked, editor)

        live_report = ReportDocument.objects.create(
            title="Child Xavier full report",
            file=ContentFile(OLD_REPORT, name="child-xavier.pdf"),
            uploaded_by_user=editor,
        )
        live = draft_review(
            editor, title="Child Xavier", publication_date=date(2024, 5, 1), reports=[live_report]
        )
        live.get_latest_revision().publish(user=approver)

        day = timezone.localtime(timezone.now(), UK_TIME).date() + timedelta(days=14)
        scheduled = draft_review(editor, title="Child Wren", publication_date=date(2024, 5, 1))
        scheduled.go_live_at = datetime.combine(day, datetime.min.time(), tzinfo=UK_TIME).replace(
            hour=9
        )
        scheduled.save_revision(user=editor).publish(user=approver)
        return {
            "plain": plain,
            "blocked": blocked,
            "live_report": live_report,
            "scheduled": scheduled,
        }


def approval_step(page: Page, title: str):
    row = page.locator("#awaiting-review-section tr", has_text=title)
    row.get_by_role("button", name="Actions").click()
    row.get_by_role("button", name="Approve…").click()
    modal = page.locator(".modal-content")
    expect(modal.locator(".modal-body")).to_be_visible()
    return modal


def test_the_approval_step(demo_site, new_page, people, reviews):  # noqa: F811
    _, approver = people
    page = new_page(WIDE)
    sign_in(page, demo_site, approver)

    modal = approval_step(page, "Child Zara")
    shoot(modal, "approve-1-choose")
    modal.get_by_label("At this time").check()
    modal.get_by_label("Go-live time (UK)").fill("2027-01-15 09:00")
    modal.get_by_role("button", name="Continue").click()
    expect(modal.locator("#sign-off-outcome")).to_be_visible()
    shoot(modal, "approve-2-confirm")
    modal.get_by_role("button", name="Approve: goes live on").click()
    message = page.locator(".messages")
    expect(message).to_contain_text("was approved")
    shoot(message, "approve-3-message")

    page.goto(demo_site.url("/admin/"))
    modal = approval_step(page, "Child Yusuf")
    expect(modal.locator("#sign-off-blocked")).to_be_visible()
    shoot(modal, "approve-blocked")


def test_the_review_form(demo_site, new_page, people, reviews):  # noqa: F811
    editor, _ = people
    page = new_page(WIDE)
    sign_in(page, demo_site, editor)
    with_library = ReviewPage.objects.get(pk=reviews["plain"].pk).get_parent()
    page.goto(demo_site.url(f"/admin/pages/add/learning/reviewpage/{with_library.pk}/"))
    page.locator("#id_title").fill("Child Vera")
    page.locator("#id_publication_date").fill("2027-01-15")
    submit_for_sign_off(page)
    publishing = page.locator("#panel-child-content-publishing-section")
    expect(publishing.locator(".error-message").first).to_be_visible()
    shoot(publishing, "form-publishing-panel")


def test_the_checks_tab(demo_site, new_page, people, reviews):  # noqa: F811
    _, approver = people
    page = new_page(WIDE)
    sign_in(page, demo_site, approver)
    page.goto(demo_site.url(f"/admin/pages/{reviews['blocked'].pk}/edit/"))
    page.get_by_role("tab", name="Checks").click()
    checks = page.locator("#release-checks")
    expect(checks).to_be_visible()
    shoot(page.locator("section.w-panel", has=checks), "checks-tab")


def test_a_new_file_for_a_live_report(demo_site, new_page, people, reviews, tmp_path):  # noqa: F811
    editor, approver = people
    document = reviews["live_report"]
    new_file = tmp_path / "child-xavier.pdf"
    new_file.write_bytes(NEW_REPORT)
    page = new_page(WIDE)
    sign_in(page, demo_site, editor)
    page.goto(demo_site.url(f"/admin/documents/edit/{document.pk}/"))
    page.locator("input[type=file][name=file]").set_input_files(new_file)
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text("The new file is waiting for an Approver")).to_be_visible()
    shoot(page.locator(".messages"), "document-waiting-editor")

    page = new_page(WIDE)
    sign_in(page, demo_site, approver)
    page.goto(demo_site.url(f"/admin/documents/edit/{document.pk}/"))
    panel = page.get_by_role("button", name="Accept the new file").locator(
        "xpath=ancestor::section[1]"
    )
    shoot(panel, "document-waiting-approver")


def test_cancelling_a_schedule(demo_site, new_page, people, reviews):  # noqa: F811
    _, approver = people
    page = new_page(WIDE)
    sign_in(page, demo_site, approver)
    page.goto(demo_site.url(f"/admin/pages/{reviews['scheduled'].pk}/edit/"))
    page.get_by_role("button", name="Cancel scheduled publish").click()
    expect(page.locator("[data-cancel-schedule]")).to_be_visible()
    shoot(page.locator("main"), "cancel-schedule")


def test_what_readers_are_told_about_a_report(demo_site, new_page, reviews):
    page = new_page(WIDE)
    review = ReviewPage.objects.get(title="Child Xavier")
    page.goto(demo_site.url(review.url))
    reports = page.locator("section", has=page.get_by_role("heading", name="Reports"))
    expect(reports.first).to_be_visible()
    shoot(reports.first, "reader-report-notice")
