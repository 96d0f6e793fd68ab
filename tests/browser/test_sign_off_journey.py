"""Issue 17's cases, walked in Chromium through the real admin by an editor and an approver.

Each test is one numbered case of the issue ("Nothing goes public by mistake") and shows
the behaviour that replaced it: nothing goes live without a visible, explicit time. Two
cases have modules of their own, which walk them in more detail: case 2 (a date typed
`2026-12-14 09:00` is kept, `12/14/2026` is an error at its field) in
test_publishing_dates.py, and case 7 (the theme chooser keeps every tick) in
test_theme_chooser.py. The people and reviews are committed (the live server answers
from its own connection); the package's demo site is put back as it was afterwards
(tests/browser/conftest.py).
"""

import io
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from wagtail.models import Workflow

import pytest
from playwright.sync_api import Page, expect

from learning.management.commands.setup_sign_off import APPROVERS, EDITORS, WORKFLOW_NAME
from learning.models import ReportDocument, ReviewPage, ThemeIndexPage
from learning.review_status import UK_TIME
from tests.browser.conftest import ADMIN_PASSWORD, sign_in
from tests.test_report_checks import four_page_report, make_pdf

# Rows the live server must see are made by module fixtures, outside the tests' own
# transactions, under `django_db_blocker.unblock()`.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def people(demo_site, django_db_blocker):
    """An editor and an approver, as `setup_sign_off` makes them, that the server can see."""
    with django_db_blocker.unblock():
        call_command("setup_sign_off", stdout=io.StringIO())
        users = {}
        for username, group in (("journey-editor", EDITORS), ("journey-approver", APPROVERS)):
            user = get_user_model().objects.create_user(
                username, f"{username}@example.org", ADMIN_PASSWORD, first_name=username.title()
            )
            user.groups.add(Group.objects.get(name=group))
            users[group] = user
    yield users[EDITORS], users[APPROVERS]


def draft_review(editor, *, title: str, publication_date: date, reports=()) -> ReviewPage:
    """A complete draft review by `editor`, like a demo review, not yet submitted."""
    library = ThemeIndexPage.objects.get()
    model = ReviewPage.objects.live().first()
    review = ReviewPage(
        title=title,
        slug=title.lower().replace(" ", "-"),
        subject=title,
        summary="A review made for the sign-off journey.",
        review_type=model.review_type,
        publication_date=publication_date,
        live=False,
        owner=editor,
    )
    library.add_child(instance=review)
    for link in model.review_themes.all():
        review.review_themes.create(theme=link.theme)
    for document in reports:
        review.report_documents.create(document=document, kind="full_report")
    review.save()  # its themes and reports as rows, as the admin's first save makes them
    review.save_revision(user=editor)
    return review


def submitted_review(django_db_blocker, editor, *, title: str, publication_date: date):
    """A draft review its editor has submitted, with a publication date and no go-live."""
    with django_db_blocker.unblock():
        review = draft_review(editor, title=title, publication_date=publication_date)
        Workflow.objects.get(name=WORKFLOW_NAME).start(review, editor)
        return review


@pytest.fixture(scope="module")
def case_1_review(people, django_db_blocker):
    return submitted_review(
        django_db_blocker, people[0], title="Child Journey", publication_date=date(2027, 1, 15)
    )


def test_1_approving_from_the_dashboard_asks_when_and_says_it(
    demo_site, new_page, people, case_1_review, django_db_blocker
):
    """Case 1: only a publication date (15 January 2027), no go-live; the approver clicks
    Approve in "Awaiting your review". Now: a step that asks when, says it, and confirms."""
    _, approver = people
    review = case_1_review
    page = new_page()
    sign_in(page, demo_site, approver)

    row = page.locator("#awaiting-review-section tr", has_text="Child Journey")
    row.get_by_role("button", name="Actions").click()
    row.get_by_role("button", name="Approve…").click()
    modal = page.locator(".modal-body")
    expect(modal).to_contain_text("No go-live time was proposed. Choose a time, or now.")
    expect(modal.get_by_label("Now, as soon as I approve")).not_to_be_checked()
    expect(modal.get_by_label("At this time")).not_to_be_checked()

    # Continuing without a choice is an error at the choice, not an approval.
    modal.get_by_role("button", name="Continue").click()
    expect(modal).to_contain_text("Choose when the review goes live: at a time, or now.")

    modal.get_by_label("At this time").check()
    modal.get_by_label("Go-live time (UK)").fill("2027-01-15 09:00")
    modal.get_by_role("button", name="Continue").click()
    expect(modal.locator("#sign-off-outcome")).to_have_text(
        "“Child Journey” goes live on Friday 15 January 2027 at 09:00."
    )
    modal.get_by_role(
        "button", name="Approve: goes live on Friday 15 January 2027 at 09:00"
    ).click()

    expect(
        page.get_by_text(
            "“Child Journey” was approved. It goes live on Friday 15 January 2027 at 09:00."
        )
    ).to_be_visible()
    with django_db_blocker.unblock():
        review.refresh_from_db()
        assert not review.live
        assert review.scheduled_revision is not None
        address = review.get_url()
    # The public do not get it before then.
    assert new_page().request.get(demo_site.url(address)).status == 404


def edit(page: Page, demo_site, review) -> None:
    page.goto(demo_site.url(f"/admin/pages/{review.pk}/edit/"))


def submit_for_sign_off(page: Page) -> None:
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Submit to Partnership sign-off").click()


def field(page: Page, input_id: str):
    """The wrapper of a form field, holding its label, help, reading and errors."""
    return page.locator("[data-field-wrapper]").filter(has=page.locator(f"#{input_id}"))


@pytest.fixture(scope="module")
def case_3_review(people, django_db_blocker):
    with django_db_blocker.unblock():
        return draft_review(people[0], title="Child Dates", publication_date=date(2024, 5, 1))


def test_3_the_go_live_time_is_on_the_form_and_a_future_date_without_one_is_a_warning(
    demo_site, new_page, people, case_3_review, django_db_blocker
):
    """Case 3: the go-live control was hidden under "Set schedule"; a publication date in the
    future with no go-live got no warning. Now: a Publishing panel, and a warning to confirm."""
    editor, _ = people
    page = new_page()
    sign_in(page, demo_site, editor)
    edit(page, demo_site, case_3_review)

    publishing = page.locator("section", has=page.get_by_role("heading", name="Publishing"))
    expect(publishing.get_by_label("Go-live time")).to_be_visible()
    expect(publishing.get_by_label("Expiry time")).to_be_visible()
    expect(page.get_by_text("Set schedule")).to_have_count(0)

    publishing.get_by_label("Publication date").fill("2027-01-15")
    submit_for_sign_off(page)

    warning = field(page, "id_publication_date").locator(".error-message")
    expect(warning).to_contain_text("The publication date is in the future")
    expect(warning).to_contain_text("no go-live time is set")
    with django_db_blocker.unblock():
        assert not ReviewPage.objects.get(pk=case_3_review.pk).workflow_in_progress

    page.get_by_label("Go-live time").fill("2027-01-15 09:00")
    expect(page.locator("#id_go_live_at-reading")).to_have_text(
        "Friday 15 January 2027 at 09:00 (UK time)"
    )
    submit_for_sign_off(page)
    expect(page.get_by_text("“Child Dates” was submitted for sign-off.")).to_be_visible()
    with django_db_blocker.unblock():
        review = ReviewPage.objects.get(pk=case_3_review.pk)
        assert review.workflow_in_progress
        # The version submitted is the last: no autosave sent before Submit lands after it.
        assert review.get_latest_revision() == review.current_workflow_task_state.revision
        assert review.get_latest_revision().content["go_live_at"].startswith("2027-01-15T09:00")


OLD_REPORT = make_pdf("The report as published.", title="Child File report", lang="en-GB")
NEW_REPORT = make_pdf("The report, corrected.", title="Child File report", lang="en-GB")


@pytest.fixture(scope="module")
def case_4_report(people, django_db_blocker):
    editor, approver = people
    with django_db_blocker.unblock():
        report = ReportDocument.objects.create(
            title="Child File full report",
            file=ContentFile(OLD_REPORT, name="child-file.pdf"),
            uploaded_by_user=editor,
        )
        review = draft_review(
            editor, title="Child File", publication_date=date(2024, 5, 1), reports=[report]
        )
        review.get_latest_revision().publish(user=approver)
        return ReportDocument.objects.get(pk=report.pk)


def test_4_an_editors_new_file_for_a_live_report_waits_for_an_approver(
    demo_site, new_page, people, case_4_report, tmp_path
):
    """Case 4: an editor replaced the file of a live review's report with no sign-off. Now:
    the new file waits, the public keep the old one, and an approver accepts it."""
    editor, approver = people
    public = new_page().request
    address = demo_site.url(case_4_report.url)
    assert public.get(address).body() == OLD_REPORT
    new_file = tmp_path / "child-file.pdf"
    new_file.write_bytes(NEW_REPORT)

    page = new_page()
    sign_in(page, demo_site, editor)
    page.goto(demo_site.url(f"/admin/documents/edit/{case_4_report.pk}/"))
    expect(page.get_by_text("Child File (live)")).to_be_visible()
    page.locator("input[type=file][name=file]").set_input_files(new_file)
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text("The new file is waiting for an Approver")).to_be_visible()
    assert public.get(address).body() == OLD_REPORT

    page = new_page()
    sign_in(page, demo_site, approver)
    page.goto(demo_site.url(f"/admin/documents/edit/{case_4_report.pk}/"))
    page.get_by_role("button", name="Accept the new file").click()
    expect(page.get_by_text("will change at once")).to_be_visible()
    page.get_by_role("button", name="Yes, accept the new file").click()
    assert public.get(address).body() == NEW_REPORT


@pytest.fixture(scope="module")
def case_5_review(people, django_db_blocker):
    """Approved by the approver to go live a fortnight ahead, at 09:00 UK time."""
    editor, approver = people
    day = timezone.localtime(timezone.now(), UK_TIME).date() + timedelta(days=14)
    go_live = datetime.combine(day, datetime.min.time(), tzinfo=UK_TIME).replace(hour=9)
    with django_db_blocker.unblock():
        review = draft_review(editor, title="Child Schedule", publication_date=date(2024, 5, 1))
        review.go_live_at = go_live
        review.save_revision(user=editor).publish(user=approver)
        return review, go_live


def test_5_one_name_per_state_24_hour_times_and_a_cancel_that_asks_first(
    demo_site, new_page, people, case_5_review, case_1_review, django_db_blocker
):
    """Case 5: the same state had three names; times were "12:27 a.m." and "00:28"; "Cancel
    scheduled publish" dropped an approved date in one click and nobody was told. Now: one
    name, a 24-hour clock with the day, and a confirmation that says who is emailed."""
    _, approver = people
    review, go_live = case_5_review
    when = go_live.strftime("%A ") + str(go_live.day) + go_live.strftime(" %B %Y at 09:00")
    page = new_page()
    sign_in(page, demo_site, approver)

    with django_db_blocker.unblock():
        library = ThemeIndexPage.objects.get()
    page.goto(demo_site.url(f"/admin/pages/{library.pk}/"))
    listing = " ".join(page.locator("main").text_content().split())
    assert f"Scheduled for {when}" in listing
    assert "a.m." not in listing and "p.m." not in listing
    assert "moderation" not in listing.lower()

    edit(page, demo_site, review)
    expect(page.get_by_text(f"Scheduled for {when}").first).to_be_visible()
    page.get_by_role("button", name="Cancel scheduled publish").click()
    expect(page.locator("[data-consequence]")).to_have_text(
        f"Child Schedule will no longer go live on {when}. It goes back to Draft; it must be "
        "approved again (Sign-off) to be published."
    )
    expect(page.locator("[data-people-to-tell]")).to_contain_text("will be emailed")
    with django_db_blocker.unblock():
        assert ReviewPage.objects.get(pk=review.pk).scheduled_revision is not None
    page.get_by_role("button", name="Yes, cancel the schedule").click()
    with django_db_blocker.unblock():
        assert ReviewPage.objects.get(pk=review.pk).scheduled_revision is None


def test_6_an_invalid_new_review_says_what_was_not_done_and_where(demo_site, new_page, people):
    """Case 6: "The page could not be created" although a draft was; the missing themes only
    in the banner; "before publishing" for a submit. Now: the truth, at the field, in the
    editor's verb."""
    editor, _ = people
    with_library = ThemeIndexPage.objects.get()
    page = new_page()
    sign_in(page, demo_site, editor)
    page.goto(demo_site.url(f"/admin/pages/add/learning/reviewpage/{with_library.pk}/"))
    page.locator("#id_title").fill("Child Incomplete")
    submit_for_sign_off(page)

    expect(page.get_by_text("The review was not submitted for sign-off")).to_be_visible()
    expect(page.get_by_text("could not be created")).to_have_count(0)
    expect(
        page.locator("#panel-child-content-key_themes-content > .error-message")
    ).to_contain_text("Add at least one key theme before submitting it for sign-off")
    expect(field(page, "id_summary").locator(".error-message")).to_contain_text(
        "before submitting it for sign-off"
    )


@pytest.fixture(scope="module")
def case_8_review(people, django_db_blocker):
    editor, _ = people
    with django_db_blocker.unblock():
        report = ReportDocument.objects.create(
            title="Child Names full report",
            file=ContentFile(four_page_report(), name="child-names.pdf"),
            uploaded_by_user=editor,
        )
        return draft_review(
            editor, title="Child Names", publication_date=date(2024, 5, 1), reports=[report]
        )


def test_8_a_report_naming_the_family_cannot_be_submitted(
    demo_site, new_page, people, case_8_review, django_db_blocker
):
    """Case 8: reports were never checked. Now: a name from the review's private list on page
    3 of its report stops submission, and says where."""
    editor, _ = people
    page = new_page()
    sign_in(page, demo_site, editor)
    edit(page, demo_site, case_8_review)
    page.get_by_role("tab", name="Checks").click()
    page.get_by_label("Names that must never appear").fill("Smith-Jones\nOak Primary School")
    submit_for_sign_off(page)

    expect(page.get_by_text("The review was not submitted for sign-off")).to_be_visible()
    page.get_by_role("tab", name="Content").click()
    reports = page.locator("section.w-panel", has=page.locator("h2", has_text="Reports"))
    expect(
        reports.locator(".error-message", has_text="appears in Full report, page 3").first
    ).to_contain_text("“Smith-Jones” appears in Full report, page 3")
    page.get_by_role("tab", name="Checks").click()
    expect(page.locator("#release-checks")).to_contain_text("Submission and approval are blocked")
    with django_db_blocker.unblock():
        assert not ReviewPage.objects.get(pk=case_8_review.pk).workflow_in_progress
