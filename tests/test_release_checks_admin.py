"""The report checks where editors and approvers meet them: submission, approval, the
review's Checks tab; and the private names list, which readers never get in any form.

The files are real PDF and Word files made by tests/test_report_checks.py's builders.
"""

import logging

from django.core.files.base import ContentFile
from django.urls import reverse

from wagtail.models import Workflow, WorkflowState
from wagtail.test.utils.form_data import inline_formset

import pytest
from bs4 import BeautifulSoup

from learning.management.commands.setup_sign_off import WORKFLOW_NAME
from learning.models import ReportDocument, ReviewPage
from tests.factories import ReviewPageFactory, ThemeFactory
from tests.test_report_checks import (
    AUTHOR,
    docx_with_everything_to_remove,
    four_page_report,
    pdf_with_author,
)
from tests.test_review_admin import add_review_url, error_texts, review_form_data
from tests.test_sign_off import member_of, set_up_sign_off

pytestmark = pytest.mark.django_db

# The family's real names and school, which must never appear (tests/test_report_checks.py's
# four-page report names them on page 3).
NAMES = "Smith-Jones\nOak Primary School"
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


@pytest.fixture
def people(library):
    set_up_sign_off()
    return member_of("Editors", "ed"), member_of("Approvers", "ann")


def report_naming_the_family() -> ReportDocument:
    return ReportDocument.objects.create(
        title="Child Q full report", file=ContentFile(four_page_report(), name="child-q.pdf")
    )


def submit(client, editor, library, *, report, summary=None, names=NAMES, follow=False):
    client.force_login(editor)
    fields = {"protected_names": names}
    if summary:
        fields["summary"] = summary
    return client.post(
        add_review_url(library),
        review_form_data(
            themes=[ThemeFactory()],
            documents=[(report, "full_report")],
            action="action-submit",
            **fields,
        ),
        follow=follow,
    )


def panel_errors(response, heading: str) -> str:
    """The errors shown inside the inline panel headed `heading` ("Reports")."""
    soup = BeautifulSoup(response.content, "html.parser")
    section = next(
        s for s in soup.select("section.w-panel") if heading in s.select_one("h2").get_text()
    )
    return " ".join(e.get_text(" ", strip=True) for e in section.select(".error-message"))


def field_error(response, name: str) -> str:
    soup = BeautifulSoup(response.content, "html.parser")
    wrapper = soup.find(attrs={"name": name}).find_parent(class_="w-field__wrapper")
    return " ".join(e.get_text(" ", strip=True) for e in wrapper.select(".error-message"))


def test_a_name_on_page_3_of_a_report_stops_submission_and_says_page_3(client, library, people):
    editor, _ = people

    response = submit(client, editor, library, report=report_naming_the_family())

    assert response.status_code == 200, error_texts(response)
    errors = panel_errors(response, "Reports")
    assert "“Smith-Jones” appears in Full report, page 3" in errors
    assert "“Oak Primary School” appears in Full report, page 3" in errors
    assert "The review was not submitted for sign-off" in error_texts(response)
    assert not WorkflowState.objects.filter(status=WorkflowState.STATUS_IN_PROGRESS).exists()


def test_a_name_in_the_summary_is_an_error_at_the_summary(client, library, people):
    editor, _ = people
    clean = ReportDocument.objects.create(
        title="Briefing", file=ContentFile(four_page_report(), name="briefing.pdf")
    )

    response = submit(
        client,
        editor,
        library,
        report=clean,
        summary="A review about Mrs SMITH-JONES\u2019s son.",
        names="Smith-Jones",
    )

    assert "“Smith-Jones” appears in Summary" in field_error(response, "summary")


def test_a_report_with_tracked_changes_stops_submission_at_the_reports_panel(
    client, library, people
):
    editor, _ = people
    notes = ReportDocument.objects.create(
        title="Notes", file=ContentFile(docx_with_everything_to_remove(), name="notes.docx")
    )

    response = submit(client, editor, library, report=notes, names="")

    errors = panel_errors(response, "Reports")
    assert "Full report:" in errors and "tracked changes" in errors.lower()


def submitted_with(library, editor, report, names=NAMES) -> ReviewPage:
    review = ReviewPageFactory(
        parent=library, publish=False, title="Child Q", documents=[(report, "full_report")]
    )
    review.protected_names = names
    review.save_revision(user=editor)
    Workflow.objects.get(name=WORKFLOW_NAME).start(review, editor)
    return review


def test_a_name_on_page_3_blocks_approval_and_the_step_says_page_3(client, library, people):
    editor, approver = people
    # Submitted before the checks could stop it (say, the report was replaced since).
    review = submitted_with(library, editor, report_naming_the_family())
    url = reverse(
        "wagtailadmin_pages:workflow_action",
        args=(review.pk, "approve", review.current_workflow_task_state.pk),
    )
    client.force_login(approver)

    step = BeautifulSoup(client.get(url, **XHR).json()["html"], "html.parser")
    blocked = step.find(id="sign-off-blocked").get_text(" ", strip=True)
    assert "This review cannot be approved yet" in blocked
    assert "Full report, page 3" in blocked
    assert not step.find("button", string="Continue")

    # A POST that skips the step approves nothing either.
    response = client.post(url, {"go_live": "now", "confirmed": "on", "next": "/admin/"})
    review.refresh_from_db()
    assert not review.live and review.workflow_in_progress
    landing = client.get(response.url, follow=True)
    assert "was not approved: the report checks block it" in error_texts(landing)


def test_the_checks_tab_lists_what_blocks_release(client, library, people):
    editor, approver = people
    review = submitted_with(library, editor, report_naming_the_family())
    client.force_login(approver)

    response = client.get(reverse("wagtailadmin_pages:edit", args=(review.pk,)))

    panel = BeautifulSoup(response.content, "html.parser").find(id="release-checks")
    text = panel.get_text(" ", strip=True)
    assert "Submission and approval are blocked" in text
    assert "“Smith-Jones” appears in Full report, page 3" in text


def test_the_names_list_reaches_no_reader_no_index_no_feed_and_no_log(
    client, library, people, caplog
):
    _, approver = people
    secret = "Zebediah Quartermaine"
    review = ReviewPageFactory(parent=library, title="Child R", summary="A review.")
    review.protected_names = secret
    with caplog.at_level(logging.DEBUG):
        review.save_revision(user=approver).publish(user=approver)
        page = client.get(review.url)
        feed = client.get(library.url + "feed/")
        search = client.get("/search/", {"q": "Quartermaine"})
        library_search = client.get(library.url, {"q": "Quartermaine"})

    assert page.status_code == 200
    for response in (page, feed):
        assert b"Quartermaine" not in response.content
    # The search pages repeat the query; they find nothing for it.
    assert "Child R" not in error_texts(search)
    assert "Child R" not in error_texts(library_search)
    assert not ReviewPage.objects.live().search("Quartermaine")
    assert "Quartermaine" not in caplog.text


def test_an_approver_in_the_editor_cannot_approve_past_the_checks(client, library, people):
    editor, approver = people
    review = submitted_with(library, editor, report_naming_the_family())
    report = review.get_latest_revision_as_object().report_documents.get()
    theme = ThemeFactory()
    client.force_login(approver)

    response = client.post(
        reverse("wagtailadmin_pages:edit", args=(review.pk,)),
        review_form_data(
            slug=review.slug,
            protected_names=NAMES,
            review_themes=inline_formset([{"theme": theme.pk}]),
            report_documents=inline_formset(
                [{"document": report.document_id, "kind": "full_report", "title": ""}]
            ),
            action="action-workflow-action",
            **{
                "workflow-action-name": "approve",
                "workflow-action-extra-data": '{"go_live": "now"}',
            },
        ),
        follow=True,
    )

    review.refresh_from_db()
    assert not review.live and review.workflow_in_progress
    assert "was not approved: the report checks block it" in error_texts(response)


def test_submitting_a_clean_review_goes_through(client, library, people):
    editor, _ = people
    clean = ReportDocument.objects.create(
        title="Briefing", file=ContentFile(four_page_report(), name="briefing.pdf")
    )

    response = submit(client, editor, library, report=clean, names="Zebediah Quartermaine")

    assert response.status_code == 302, error_texts(response)
    assert ReviewPage.objects.get(slug="child-q").workflow_in_progress


def test_submitting_says_sign_off_not_moderation(client, library, people):
    editor, _ = people
    clean = ReportDocument.objects.create(
        title="Briefing", file=ContentFile(four_page_report(), name="briefing.pdf")
    )

    response = submit(client, editor, library, report=clean, names="", follow=True)

    text = error_texts(response)
    assert "“Child Q” was created and submitted for sign-off." in text
    assert "moderation" not in text.lower()


def test_the_checks_tab_lists_a_reports_properties_and_what_readers_do_not_get(
    client, library, people
):
    editor, _ = people
    report = ReportDocument.objects.create(
        title="Child Q full report", file=ContentFile(pdf_with_author(), name="child-q.pdf")
    )
    review = submitted_with(library, editor, report, names="")
    client.force_login(editor)

    response = client.get(reverse("wagtailadmin_pages:edit", args=(review.pk,)))

    panel = BeautifulSoup(response.content, "html.parser").find(id="release-checks")
    text = " ".join(panel.get_text(" ", strip=True).split())
    assert "Document properties:" in text and AUTHOR in text
    assert "Removed from the copy readers download:" in text
