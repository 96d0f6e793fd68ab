"""The whole story of a scheduled review, with the clock moved: nothing leaks before its date.

An editor prepares a review with its full report (a PDF) and a 7-minute briefing, proposes
a go-live date next week and submits it to Partnership sign-off; an approver approves it.
Until the date, an anonymous reader finds no trace of it on any public URL (collected by
following the site: tests/public_surface.py) and its page and both documents are 404s. One
scheduler tick after the date everything appears together; after the report's "available
until" date the report is 410 Gone while the briefing stays; after the review's expiry
everything is gone again.
"""

import io
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from wagtail.models import Collection
from wagtail.test.utils.form_data import inline_formset

import pytest
import time_machine

from learning.management.commands.setup_sign_off import APPROVERS, EDITORS
from learning.models import ReportDocument, ReviewPage
from learning.review_status import UK_TIME
from site_core.publishing.scheduler import run_tick
from tests.factories import ReviewPageFactory, ThemeFactory
from tests.public_surface import crawl, traces
from tests.test_extraction import pdf_bytes
from tests.test_review_admin import add_review_url, error_texts, review_form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("files_on_disk")]

# Words that appear nowhere else: one only in the review's body, one only inside its PDF.
BODY_WORD = "quokkaflux"
PDF_WORD = "xylomantic"
TITLE = "Child Zephyrine"

# Monday 1 March 2027, 10:00 in London (GMT); go-live a week later, at 09:30.
START = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
GO_LIVE = datetime(2027, 3, 8, 9, 30, tzinfo=UTC)
REPORT_AVAILABLE_UNTIL = date(2027, 6, 30)  # the last day; London is on BST by then
EXPIRY = datetime(2027, 9, 1, 8, 0, tzinfo=UTC)


def form_time(moment: datetime) -> str:
    """How an editor types a time on the review form (London time, year first)."""
    return timezone.localtime(moment, UK_TIME).strftime("%Y-%m-%d %H:%M")


def user_in(group: str, username: str):
    user = get_user_model().objects.create_user(username, password="not-a-demo-password")
    user.groups.add(Group.objects.get(name=group))
    return user


def upload(client, on_commit, title: str, data: bytes, filename: str) -> ReportDocument:
    """Upload a document through the admin, as the logged-in editor.

    The text is read after the upload commits; the test's transaction never commits, so
    what the upload queued for then is run here.
    """
    with on_commit(execute=True):
        response = client.post(
            reverse("wagtaildocs:add"),
            {
                "title": title,
                "file": SimpleUploadedFile(filename, data, content_type="application/pdf"),
                "collection": Collection.get_first_root_node().pk,
            },
        )
    assert response.status_code == 302, error_texts(response)
    return ReportDocument.objects.get(title=title)


def needles(review_path: str, documents: list[ReportDocument], *, words: bool) -> list[str]:
    found = [TITLE, review_path, *(d.url for d in documents)]
    return [*found, BODY_WORD, PDF_WORD] if words else found


def no_trace(client, review_path: str, documents: list[ReportDocument]) -> dict:
    """Crawl every public URL, plus searches for the two unique words, and find nothing.

    A search page repeats the reader's words back, so there only the title, the page's
    address and the documents' addresses count as a trace.
    """
    searches = [
        f"{path}?q={word}"
        for path in ("/search/", "/learning-from-reviews/", "/learning-from-reviews/feed/")
        for word in (BODY_WORD, PDF_WORD)
    ]
    responses = crawl(client, extra=searches)
    leaks = traces(
        {p: r for p, r in responses.items() if "q=" not in p},
        needles(review_path, documents, words=True),
    ) + traces(
        {p: r for p, r in responses.items() if "q=" in p},
        needles(review_path, documents, words=False),
    )
    assert leaks == []
    assert all(r.status_code != 500 for r in responses.values())
    return responses


def test_a_scheduled_review_leaks_nothing_before_its_date_and_goes_away_after_expiry(
    client, home, library, django_capture_on_commit_callbacks
):
    call_command("setup_sign_off", stdout=io.StringIO())
    editor, approver = user_in(EDITORS, "ed"), user_in(APPROVERS, "ann")
    # Another live review, so the library, its facets, the feed and the sitemap have content.
    ReviewPageFactory(parent=library, title="Child Other", summary="Another review.")
    theme = ThemeFactory(name="Zephyr theme", slug="zephyr-theme")

    with time_machine.travel(START, tick=False) as clock:
        # --- The editor prepares and submits it, proposing next week's date. ---
        client.force_login(editor)
        on_commit = django_capture_on_commit_callbacks
        report = upload(
            client, on_commit, "Child Zephyrine report", pdf_bytes(f"The {PDF_WORD}."), "r.pdf"
        )
        briefing = upload(
            client, on_commit, "Child Zephyrine briefing", pdf_bytes("Seven minutes."), "b.pdf"
        )
        assert PDF_WORD in ReportDocument.objects.get(pk=report.pk).extracted_text
        response = client.post(
            add_review_url(library),
            review_form_data(
                themes=[theme],
                title=TITLE,
                slug="child-zephyrine",
                summary=f"A review whose body says {BODY_WORD}.",
                report_documents=inline_formset(
                    [
                        {
                            "document": report.pk,
                            "kind": "full_report",
                            "title": "",
                            "available_until": REPORT_AVAILABLE_UNTIL.isoformat(),
                        },
                        {"document": briefing.pk, "kind": "briefing", "title": ""},
                    ]
                ),
                go_live_at=form_time(GO_LIVE),
                expire_at=form_time(EXPIRY),
                action="action-submit",
            ),
        )
        assert response.status_code == 302, error_texts(response)
        review = ReviewPage.objects.get(slug="child-zephyrine")
        assert not review.live

        # --- The approver approves it for the proposed date, confirming that time. ---
        client.force_login(approver)
        task_state = review.current_workflow_task_state
        response = client.post(
            reverse(
                "wagtailadmin_pages:workflow_action", args=(review.pk, "approve", task_state.pk)
            ),
            {"go_live": "at", "go_live_at": form_time(GO_LIVE), "confirmed": "on"},
        )
        assert response.status_code == 302
        review.refresh_from_db()
        assert not review.live
        assert review.scheduled_revision is not None
        client.logout()

        review_path = "/learning-from-reviews/child-zephyrine/"
        documents = [report, briefing]

        # --- Until the date: 404s, and no trace anywhere. ---
        clock.move_to(GO_LIVE - timedelta(minutes=1))
        run_tick()
        assert client.get(review_path).status_code == 404
        for document in documents:
            assert client.get(document.url).status_code == 404
        no_trace(client, review_path, documents)

        # --- One tick after the date, everything appears together. ---
        clock.move_to(GO_LIVE + timedelta(seconds=1))
        run_tick()
        assert client.get(review_path).status_code == 200
        for document in documents:
            assert client.get(document.url).status_code == 200
        responses = crawl(
            client, extra=[f"/search/?q={BODY_WORD}", f"/learning-from-reviews/?q={PDF_WORD}"]
        )
        showing = {path for path, _ in traces(responses, [review_path])}
        for path in (
            "/",
            "/sitemap.xml",
            "/learning-from-reviews/",
            "/learning-from-reviews/feed/",
            "/learning-from-reviews/themes/zephyr-theme/",
            f"/search/?q={BODY_WORD}",
            f"/learning-from-reviews/?q={PDF_WORD}",
        ):
            assert path in showing, path

        # --- After the report's last day: the report is gone, the briefing stays. ---
        clock.move_to(datetime(2027, 7, 1, 0, 1, tzinfo=UK_TIME))
        run_tick()
        assert client.get(report.url).status_code == 410
        assert client.get(briefing.url).status_code == 200
        page = client.get(review_path)
        assert page.status_code == 200
        assert "no longer published" in page.content.decode()

        # --- After expiry, everything is gone again. ---
        clock.move_to(EXPIRY + timedelta(seconds=1))
        run_tick()
        review.refresh_from_db()
        assert not review.live
        assert client.get(review_path).status_code == 404
        for document in documents:
            assert client.get(document.url).status_code == 404
        no_trace(client, review_path, documents)
