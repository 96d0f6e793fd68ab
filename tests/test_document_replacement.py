"""A new file for a report that a live or scheduled review uses waits for an Approver.

An editor who uploaded a report can still edit it (Wagtail lets them), but a new file for a
report on a live, scheduled or in-sign-off review is kept aside until an Approver accepts
it: until then the public keeps getting the old file. See docs/document-replacement.md.
"""

import datetime
import hashlib
import io
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from wagtail.documents import get_document_model
from wagtail.models import Collection, Workflow
from wagtail.permissions import policy_registry

import pytest
from bs4 import BeautifulSoup

from home.models import HomePage
from learning.document_sign_off import ReplacementRefused, accept
from learning.document_sign_off.views import DocumentEditView
from learning.management.commands.setup_sign_off import APPROVERS, EDITORS, WORKFLOW_NAME
from learning.models import DocumentReplacement
from learning.review_status import UK_TIME, uk_datetime_label
from tests.factories import DocumentFactory, ReviewPageFactory, ThemeIndexPageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("files_on_disk")]

OLD = b"%PDF-1.4\n%the report as published\n"
NEW = b"%PDF-1.4\n%the report, corrected\n"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The library, sign-off and its people, made once for this module and rolled back after
    it; each test's own documents, reviews and decisions are rolled back after each test."""
    with django_db_blocker.unblock(), transaction.atomic():
        library = ThemeIndexPageFactory(parent=HomePage.objects.get())
        call_command("setup_sign_off", stdout=io.StringIO())
        yield SimpleNamespace(
            library=library,
            editor=person(EDITORS, "ed", "Eddie", "Editor"),
            other_editor=person(EDITORS, "eve", "Eve", "Editor"),
            approvers=[
                person(APPROVERS, "bob", "Bob", "Approver"),
                person(APPROVERS, "ann", "Ann", "Approver"),
            ],
        )
        transaction.set_rollback(True)


def person(group_name: str, username: str, first_name: str, last_name: str):
    user = get_user_model().objects.create_user(
        username,
        email=f"{username}@partnership.example",
        password="not-a-demo-password",
        first_name=first_name,
        last_name=last_name,
    )
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def editor(world):
    return world.editor


@pytest.fixture
def approver(world):
    return world.approvers[1]  # Ann


@pytest.fixture
def report(world):
    """A report the editor uploaded: Wagtail lets them edit it, its file included."""
    return uploaded_by(world.editor, "Child Z full report")


def uploaded_by(user, title: str):
    return DocumentFactory(
        title=title,
        file__filename="child-z.pdf",
        file__data=OLD,
        uploaded_by_user=user,
        collection=Collection.get_first_root_node(),
    )


@pytest.fixture
def live_review(world, report):
    return ReviewPageFactory(
        parent=world.library, title="Child Z", documents=[(report, "full_report")]
    )


def a_week_ahead() -> datetime.datetime:
    """09:00 UK time a week from today: a go-live time as the admin sets it."""
    day = timezone.localtime(timezone.now(), UK_TIME).date() + datetime.timedelta(days=7)
    return datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=UK_TIME)


def scheduled_review(world, document, go_live_at):
    review = ReviewPageFactory(
        parent=world.library, title="Child Y", documents=[(document, "full_report")], publish=False
    )
    review.go_live_at = go_live_at
    review.save_revision().publish()
    review.refresh_from_db()
    assert not review.live
    return review


def edit_url(document) -> str:
    return reverse("wagtaildocs:edit", args=[document.pk])


def upload_new_file(client, user, document, *, title=None, data=NEW):
    """The user saves the document's edit form with a new file (and perhaps a new title)."""
    client.force_login(user)
    response = client.post(
        edit_url(document),
        {
            "title": title or document.title,
            "collection": document.collection_id,
            "file": SimpleUploadedFile("child-z-corrected.pdf", data),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def decide(client, user, replacement, decision: str, *, confirmed=True):
    client.force_login(user)
    url = reverse(f"learning_document_replacement:{decision}", args=[replacement.pk])
    return client.post(url, {"confirmed": "on"} if confirmed else {})


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def public_bytes(document) -> bytes:
    """What an anonymous reader downloads from the document's public address."""
    document.refresh_from_db()
    response = Client().get(document.url)
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def texts(elements) -> list[str]:
    return [" ".join(element.get_text().split()) for element in elements]


def waiting_for(document) -> DocumentReplacement:
    return document.replacements.get(status=DocumentReplacement.Status.WAITING)


# --- An editor's new file for a live report waits --------------------------------------------


def test_an_editors_new_file_for_a_live_report_waits_for_an_approver(
    client, editor, report, live_review, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_new_file(client, editor, report, title="Child Z full report (v2)")

    # The public still gets the report as published, and the title edit is saved.
    assert public_bytes(report) == OLD
    report.refresh_from_db()
    assert report.title == "Child Z full report (v2)"
    assert report.file_hash == hashlib.sha1(OLD).hexdigest()
    # The new file waits, stored apart from the document's.
    replacement = waiting_for(report)
    assert replacement.requested_by == editor
    assert replacement.file.name.startswith("documents/replacements/")
    assert replacement.file.read() == NEW
    # The editor is told, and who can approve it.
    assert (
        "The new file is waiting for an Approver: it replaces the report on “Child Z” once "
        "approved. Approvers: Ann Approver, Bob Approver."
    ) in messages_of(response)
    # Each Approver gets an email with the document, the page, the editor and the link.
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ann@partnership.example",
        "bob@partnership.example",
    ]
    email = mail.outbox[0]
    assert "Child Z full report (v2)" in email.subject
    assert "Eddie Editor uploaded a new file" in email.body
    assert "- Child Z (live)" in email.body
    assert f"http://127.0.0.1:8000{edit_url(report)}" in email.body


def test_the_waiting_file_is_served_to_nobody_outside_the_admin(
    client, world, editor, report, live_review
):
    upload_new_file(client, editor, report)
    replacement = waiting_for(report)
    download = reverse("learning_document_replacement:download", args=[replacement.pk])

    # Not under the media address (only images are served there), not to the public.
    assert Client().get(f"/media/{replacement.file.name}").status_code == 404
    assert Client().get(download).status_code == 302  # the admin's sign-in
    client.force_login(world.other_editor)  # cannot edit the document
    assert client.get(download).status_code == 403
    client.force_login(editor)
    # The editor who uploaded it (and any Approver) can download it from the admin.
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == NEW
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))
    assert response["Content-Disposition"].startswith("attachment")


def test_a_scheduled_reviews_report_waits_too(client, world, editor):
    report = uploaded_by(editor, "Child Y report")
    go_live = a_week_ahead()
    scheduled_review(world, report, go_live)

    response = upload_new_file(client, editor, report)

    report.refresh_from_db()
    assert report.file.read() == OLD
    assert waiting_for(report).file.read() == NEW
    assert any("replaces the report on “Child Y”" in m for m in messages_of(response))


def test_a_report_in_sign_off_waits_too(client, world, editor):
    """The Approver may already have read the report they are about to approve."""
    report = uploaded_by(editor, "Child X report")
    review = ReviewPageFactory(
        parent=world.library, title="Child X", documents=[(report, "full_report")], publish=False
    )
    Workflow.objects.get(name=WORKFLOW_NAME).start(review, editor)

    upload_new_file(client, editor, report)

    report.refresh_from_db()
    assert report.file.read() == OLD
    assert waiting_for(report).file.read() == NEW


def test_a_report_only_a_draft_review_uses_is_replaced_at_once_by_its_uploader(
    client, world, editor
):
    """Publishing the draft needs sign-off, and the Approver then sees the file as it is."""
    report = uploaded_by(editor, "Child W report")
    ReviewPageFactory(
        parent=world.library, title="Child W", documents=[(report, "full_report")], publish=False
    )

    response = upload_new_file(client, editor, report)

    report.refresh_from_db()
    assert report.file.read() == NEW
    assert report.file_hash == hashlib.sha1(NEW).hexdigest()
    assert not report.replacements.exists()
    assert not any("waiting for an Approver" in m for m in messages_of(response))


def test_an_approver_replaces_a_live_report_at_once(client, approver, report, live_review):
    upload_new_file(client, approver, report)

    assert public_bytes(report) == NEW
    assert not report.replacements.exists()
    assert not mail.outbox


# --- The edit page --------------------------------------------------------------------------


def test_the_edit_page_lists_the_live_and_scheduled_pages_using_the_document(
    client, world, editor, report, live_review
):
    go_live = a_week_ahead()
    scheduled_review(world, report, go_live)
    client.force_login(editor)

    page = soup(client.get(edit_url(report)))

    uses = page.select_one("#document-sign-off-uses")
    assert texts(uses.select("li")) == [
        "Child Z (live)",
        f"Child Y (scheduled for {uk_datetime_label(go_live)})",
    ]
    assert "A new file changes the report on “Child Z” and “Child Y”" in uses.get_text()
    assert "waits for an Approver" in uses.get_text()
    # Outside Wagtail's form, which is still there.
    assert uses.find_parent("form") is None
    assert page.select_one("form#w-editor-form input[type=file][name=file]") is not None


def test_the_label_of_a_scheduled_time_is_the_admins_uk_one():
    moment = datetime.datetime(2026, 12, 14, 9, 0, tzinfo=UK_TIME)
    assert uk_datetime_label(moment) == "Monday 14 December 2026 at 09:00"


def test_the_edit_page_says_nothing_for_a_document_no_live_page_uses(client, world, editor):
    report = uploaded_by(editor, "Child V report")
    client.force_login(editor)

    page = soup(client.get(edit_url(report)))

    assert page.select_one("#document-sign-off-uses") is None
    assert page.select_one("#document-replacement-waiting") is None


def test_an_approver_sees_the_waiting_file_with_its_buttons_and_the_editor_does_not(
    client, editor, approver, report, live_review
):
    upload_new_file(client, editor, report)

    client.force_login(approver)
    waiting = soup(client.get(edit_url(report))).select_one("#document-replacement-waiting")
    assert "Eddie Editor uploaded child-z-corrected" in " ".join(waiting.get_text().split())
    assert waiting.select_one("a[data-replacement-download]")["href"] == reverse(
        "learning_document_replacement:download", args=[waiting_for(report).pk]
    )
    assert texts(waiting.select("[data-replacement-consequence]")) == [
        "The report on “Child Z” (live) will change at once."
    ]
    forms = waiting.select("form")
    assert [form["method"] for form in forms] == ["POST", "POST"]
    assert all(form.select_one("input[name=csrfmiddlewaretoken]") for form in forms)
    assert texts(form.select_one("button") for form in forms) == [
        "Accept the new file",
        "Decline",
    ]

    client.force_login(editor)
    waiting = soup(client.get(edit_url(report))).select_one("#document-replacement-waiting")
    assert waiting is not None
    assert waiting.select("form") == []


def test_wagtails_edit_address_reaches_the_edit_view_that_tells_the_editor(report):
    assert resolve(edit_url(report)).func.view_class is DocumentEditView


# --- An Approver decides --------------------------------------------------------------------


def test_an_approver_accepts_and_the_public_gets_the_new_file(
    client, editor, approver, report, live_review, django_capture_on_commit_callbacks
):
    upload_new_file(client, editor, report)
    replacement = waiting_for(report)
    stored = replacement.file.name
    mail.outbox.clear()

    # First, what accepting does; nothing changes yet.
    confirm = decide(client, approver, replacement, "accept", confirmed=False)
    assert "The report on “Child Z” (live) will change at once." in confirm.content.decode()
    assert public_bytes(report) == OLD

    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, approver, replacement, "accept")

    assert response.status_code == 302
    assert response.url == edit_url(report)
    assert public_bytes(report) == NEW
    report.refresh_from_db()
    assert report.file_hash == hashlib.sha1(NEW).hexdigest()
    assert report.file_size == len(NEW)
    replacement.refresh_from_db()
    assert replacement.status == DocumentReplacement.Status.ACCEPTED
    assert replacement.decided_by == approver
    assert replacement.decided_at is not None
    assert not default_storage.exists(stored)
    [email] = mail.outbox
    assert email.to == ["ed@partnership.example"]
    assert "Ann Approver accepted the new file" in email.body


def test_an_approver_declines_and_the_report_stays_as_it_was(
    client, editor, approver, report, live_review, django_capture_on_commit_callbacks
):
    upload_new_file(client, editor, report)
    replacement = waiting_for(report)
    stored = replacement.file.name
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, approver, replacement, "decline")

    assert response.status_code == 302
    assert public_bytes(report) == OLD
    replacement.refresh_from_db()
    assert replacement.status == DocumentReplacement.Status.DECLINED
    assert replacement.decided_by == approver
    assert not default_storage.exists(stored)
    [email] = mail.outbox
    assert email.to == ["ed@partnership.example"]
    assert "Ann Approver declined the new file" in email.body
    # Declined is final: accepting it afterwards changes nothing.
    decide(client, approver, replacement, "accept")
    assert public_bytes(report) == OLD


@pytest.mark.parametrize("decision", ["accept", "decline"])
def test_an_editor_cannot_accept_or_decline(client, world, editor, report, live_review, decision):
    upload_new_file(client, editor, report)
    replacement = waiting_for(report)

    for user in (editor, world.other_editor):
        assert decide(client, user, replacement, decision).status_code == 403
        assert decide(client, user, replacement, decision, confirmed=False).status_code == 403

    assert waiting_for(report) == replacement
    assert public_bytes(report) == OLD


def test_a_newer_file_takes_the_place_of_the_one_waiting(client, editor, report, live_review):
    upload_new_file(client, editor, report, data=NEW)
    first = waiting_for(report)

    upload_new_file(client, editor, report, data=NEW + b"%again\n")

    first.refresh_from_db()
    assert first.status == DocumentReplacement.Status.DECLINED
    assert first.decided_by is None
    assert waiting_for(report).file.read() == NEW + b"%again\n"


def test_a_reviews_private_names_never_reach_the_emails(
    client, world, editor, django_capture_on_commit_callbacks
):
    report = uploaded_by(editor, "Report on the Smith family")
    ReviewPageFactory(
        parent=world.library,
        title="Child S",
        protected_names="Smith\nOakfield Primary",
        documents=[(report, "full_report")],
    )

    with django_capture_on_commit_callbacks(execute=True):
        upload_new_file(client, editor, report)

    assert len(mail.outbox) == 2
    for email in mail.outbox:
        assert "Smith" not in email.subject + email.body
        assert "Report on the [withheld] family" in email.subject


def test_two_approvers_deciding_at_once_act_one_after_the_other(
    client, world, editor, approver, report, live_review
):
    upload_new_file(client, editor, report)
    seen_by_bob = waiting_for(report)  # Bob opens the page while Ann declines
    decide(client, approver, waiting_for(report), "decline")

    with pytest.raises(ReplacementRefused, match="already been accepted or declined"):
        accept(seen_by_bob, world.approvers[0])

    assert public_bytes(report) == OLD
    seen_by_bob.refresh_from_db()
    assert seen_by_bob.decided_by == approver


def delete_url(document) -> str:
    return reverse("wagtaildocs:delete", args=[document.pk])


def test_an_editor_cannot_delete_a_report_a_live_review_uses(client, editor, report, live_review):
    client.force_login(editor)

    response = client.post(delete_url(report))

    assert response.status_code in (302, 403)
    assert get_document_model().objects.filter(pk=report.pk).exists()
    assert live_review.report_documents.get().document_id == report.pk


def test_an_editor_deletes_their_own_document_no_live_page_uses(client, world, editor):
    unused = uploaded_by(world.editor, "A draft's briefing")
    ReviewPageFactory(parent=world.library, documents=[(unused, "briefing")], publish=False)
    client.force_login(editor)

    client.post(delete_url(unused))

    assert not get_document_model().objects.filter(pk=unused.pk).exists()


def test_an_approver_may_delete_a_live_report(approver, report, live_review):
    policy = policy_registry.get_by_type(get_document_model())

    assert policy.user_has_permission_for_instance(approver, "delete", report)
    assert not policy.user_has_permission_for_instance(report.uploaded_by_user, "delete", report)
    # Changing it (its title, its file held back) stays the uploader's to do.
    assert policy.user_has_permission_for_instance(report.uploaded_by_user, "change", report)
