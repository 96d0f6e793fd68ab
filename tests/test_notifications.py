"""One name for each state, and the emails of sign-off (docs/notifications.md).

An editor submits "Child Z" to the Partnership sign-off; the approvers are emailed. An
approver approves it for Monday 14 December 2037 at 09:00; the editor is told when it goes
live. Everywhere the admin shows the review's state it uses the same words: "In sign-off",
"Sent back for changes", "Scheduled for …", "Draft", "Live", "Expired". Cancelling the
schedule always goes through a page that says what will happen, and the editor is emailed.

The workflow is driven through Wagtail's API (`Workflow.start`, the task's `on_action`); the
approval goes through `approve()`, which gives the sign-off task's approval step its
decision (a time or "now") when the task has one, and works with Wagtail's plain group
approval task otherwise.
"""

import io
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from wagtail.models import GroupApprovalTask, Page, PageLogEntry, WorkflowState
from wagtail.users.models import UserProfile

import pytest
import time_machine
from bs4 import BeautifulSoup

from learning.management.commands.setup_sign_off import APPROVERS, EDITORS
from learning.models import ReviewPage
from learning.unschedule import CONFIRMED
from site_core.publishing.scheduler import run_tick
from tests.factories import ReviewPageFactory
from tests.test_sign_off import set_up_sign_off

pytestmark = pytest.mark.django_db

# Monday 14 December 2037, 09:00 in London (GMT in winter).
GO_LIVE = datetime(2037, 12, 14, 9, 0, tzinfo=UTC)
GO_LIVE_WORDS = "Monday 14 December 2037 at 09:00"
WAGTAILS_WORDS = re.compile(r"moderation|awaiting", re.IGNORECASE)


# --- People and a review in each state -------------------------------------------------


def person(username, group, first_name, last_name="", *, is_superuser=False):
    user = get_user_model().objects.create_user(
        username,
        email=f"{username}@example.org",
        password="not-a-demo-password",
        first_name=first_name,
        last_name=last_name,
        is_superuser=is_superuser,
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def team(library):
    set_up_sign_off()
    return {
        "editor": person("editor", EDITORS, "Ed", "Editor"),
        "approver": person("approver", APPROVERS, "Ann", "Approver"),
        "second_approver": person("approver2", APPROVERS, "Cy", "Approver"),
        # Wagtail emails superusers too unless told not to: this site does not.
        "admin": person("admin", None, "Ada", "Admin", is_superuser=True),
    }


def submit(library, editor, *, go_live_at=None, live=False, **fields) -> ReviewPage:
    """The editor's review "Child Z", submitted to sign-off (as Wagtail's edit view does)."""
    # The latest version as the editor's form holds it (a draft's themes are in its revision).
    review = ReviewPageFactory(parent=library, title="Child Z", publish=live, **fields)
    review = ReviewPage.objects.get(pk=review.pk).get_latest_revision_as_object()
    review.go_live_at = go_live_at
    review.save_revision(user=editor)
    review.get_workflow().start(review, editor)
    return ReviewPage.objects.get(pk=review.pk)


def approve(review, approver, *, go_live_at=None, comment=""):
    """Approve the review's sign-off: at `go_live_at`, or now.

    The sign-off task's approval step (learning.models.SignOffTask) needs the approver's
    decision; Wagtail's group approval task publishes the submitted version, which carries
    the time. Tests submit with the time they approve for, so both agree.
    """
    task_state = review.current_workflow_task_state
    task = task_state.task.specific
    decision = {}
    if not isinstance(task, GroupApprovalTask):
        decision = {"go_live": "at", "go_live_at": go_live_at} if go_live_at else {"go_live": "now"}
        decision["confirmed"] = True
    task.on_action(task_state, approver, "approve", comment=comment, **decision)
    return ReviewPage.objects.get(pk=review.pk)


def send_back(review, approver, comment):
    task_state = review.current_workflow_task_state
    task_state.task.specific.on_action(task_state, approver, "reject", comment=comment)
    return ReviewPage.objects.get(pk=review.pk)


def scheduled(library, team) -> ReviewPage:
    review = submit(library, team["editor"], go_live_at=GO_LIVE)
    review = approve(review, team["approver"], go_live_at=GO_LIVE)
    assert review.scheduled_revision.approved_go_live_at == GO_LIVE
    return review


# --- What an email says --------------------------------------------------------------------


def emails_to(address):
    return [message for message in mail.outbox if message.to == [address]]


def one_email_to(address):
    found = emails_to(address)
    assert len(found) == 1, [(m.to, m.subject) for m in mail.outbox]
    return found[0]


def words(message) -> str:
    return " ".join(message.body.split())


# --- Submission -----------------------------------------------------------------------------


def test_submitting_emails_the_approvers_that_it_is_in_sign_off_with_the_proposed_time(
    library, team
):
    submit(library, team["editor"], go_live_at=GO_LIVE)

    for approver in ("approver@example.org", "approver2@example.org"):
        email = one_email_to(approver)
        assert email.subject == "In sign-off: Child Z"
        body = words(email)
        assert "Ed Editor submitted Child Z for sign-off." in body
        assert "Its status is now: In sign-off." in body
        assert f"Proposed go-live: {GO_LIVE_WORDS} (UK time)." in body
        review = ReviewPage.objects.get()
        assert f"/admin/pages/{review.pk}/edit/" in body
        assert (
            f"Preview it: http://127.0.0.1:8000/admin/pages/workflow/preview/{review.pk}/" in body
        )
    # Not the editor who submitted, nor the superuser: one email to each approver, no more.
    assert sorted(m.to[0] for m in mail.outbox) == [
        "approver2@example.org",
        "approver@example.org",
    ]


def test_an_approver_who_turned_submission_emails_off_is_not_emailed(library, team):
    profile = UserProfile.get_for_user(team["second_approver"])
    profile.submitted_notifications = False
    profile.save()

    submit(library, team["editor"])

    assert [m.to for m in mail.outbox] == [["approver@example.org"]]
    assert "No go-live time is proposed" in words(mail.outbox[0])


# --- Approval -----------------------------------------------------------------------------


def test_approving_for_a_time_tells_the_submitter_when_it_goes_live(library, team):
    review = submit(library, team["editor"], go_live_at=GO_LIVE)
    mail.outbox.clear()

    approve(review, team["approver"], go_live_at=GO_LIVE)

    email = one_email_to("editor@example.org")
    assert email.subject == f"Approved: Child Z goes live on {GO_LIVE_WORDS}"
    body = words(email)
    assert f"Child Z was approved by Ann Approver and goes live on {GO_LIVE_WORDS}." in body
    assert f"Its status is now: Scheduled for {GO_LIVE_WORDS}." in body
    assert len(mail.outbox) == 1  # the approver knows: they did it


def test_approving_now_tells_the_submitter_it_is_live(library, team):
    review = submit(library, team["editor"])
    mail.outbox.clear()

    review = approve(review, team["approver"])

    assert review.live
    email = one_email_to("editor@example.org")
    assert email.subject == "Approved: Child Z is now live"
    body = words(email)
    assert "Child Z was approved by Ann Approver and is now live." in body
    assert "Its status is now: Live." in body


def test_sending_back_tells_the_submitter_with_the_comment_and_never_a_protected_name(
    library, team
):
    review = submit(library, team["editor"], protected_names="Jayden Smith\nOakfield Primary")
    mail.outbox.clear()

    send_back(review, team["approver"], "Take jayden smith out of the summary, and Oakfield.")

    email = one_email_to("editor@example.org")
    assert email.subject == "Sent back for changes: Child Z"
    body = words(email)
    assert "Ann Approver sent Child Z back for changes." in body
    assert "Their comment: “Take [withheld] out of the summary, and Oakfield.”" in body
    assert "Its status is now: Sent back for changes." in body
    everything = f"{email.subject} {email.body} {email.alternatives}".lower()
    assert "jayden" not in everything and "smith" not in everything


def test_the_html_email_says_the_same_and_withholds_the_same(library, team, settings):
    settings.WAGTAILADMIN_NOTIFICATION_USE_HTML = True
    review = submit(library, team["editor"], protected_names="Jayden Smith")
    mail.outbox.clear()

    send_back(review, team["approver"], "Remove Jayden Smith.")

    html = one_email_to("editor@example.org").alternatives[0][0]
    text = " ".join(BeautifulSoup(html, "html.parser").get_text(" ", strip=True).split())
    assert "Their comment: “Remove [withheld].”" in text
    assert "Its status is now: Sent back for changes." in text
    assert "Jayden" not in html


# --- Going live -------------------------------------------------------------------------------


def test_when_the_scheduler_publishes_it_the_submitter_and_the_approver_are_told(
    library, team, django_capture_on_commit_callbacks
):
    review = scheduled(library, team)
    mail.outbox.clear()

    with (
        time_machine.travel(GO_LIVE + timedelta(seconds=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run_tick()

    assert ReviewPage.objects.get(pk=review.pk).live
    assert sorted(m.to[0] for m in mail.outbox) == ["approver@example.org", "editor@example.org"]
    email = one_email_to("editor@example.org")
    assert email.subject == "Live: Child Z is now live"
    body = words(email)
    assert f"Child Z is now live: it went live on {GO_LIVE_WORDS}, as Ann Approver approved." in (
        body
    )
    assert "Its status is now: Live." in body


def test_a_review_published_at_once_sends_no_go_live_email(
    library, team, django_capture_on_commit_callbacks
):
    review = submit(library, team["editor"])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        approve(review, team["approver"])

    assert [m.subject for m in mail.outbox] == ["Approved: Child Z is now live"]


def test_a_schedule_set_by_publishing_directly_tells_the_approver_not_an_old_submitter(
    library, team, django_capture_on_commit_callbacks
):
    # Approved once, live; later an approver schedules a new version without sign-off.
    review = approve(submit(library, team["editor"]), team["approver"])
    review.go_live_at = GO_LIVE
    review.save_revision(user=team["second_approver"]).publish(user=team["second_approver"])
    mail.outbox.clear()

    with (
        time_machine.travel(GO_LIVE + timedelta(seconds=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run_tick()

    assert [m.to for m in mail.outbox] == [["approver2@example.org"]]
    assert f"it went live on {GO_LIVE_WORDS}, as Cy Approver approved." in words(mail.outbox[0])


# --- Cancelling a schedule ------------------------------------------------------------------


def edit_page(client, review):
    return client.get(reverse("wagtailadmin_pages:edit", args=(review.pk,)))


def unschedule_url(review):
    return reverse(
        "wagtailadmin_pages:revisions_unschedule", args=(review.pk, review.scheduled_revision.pk)
    )


def cancel_button(response):
    soup = BeautifulSoup(response.content, "html.parser")
    for button in soup.select("[data-w-action-url-value]"):
        if button.get_text(strip=True) == "Cancel scheduled publish":
            return button
    return None


def test_wagtails_cancel_button_leads_to_the_confirmation_page_and_cancels_nothing(
    client, library, team
):
    review = scheduled(library, team)
    client.force_login(team["second_approver"])
    edit_url = reverse("wagtailadmin_pages:edit", args=(review.pk,))
    button = cancel_button(edit_page(client, review))
    assert button is not None and button["data-action"] == "w-action#post"

    # What the button sends: a POST with the CSRF token and where it was pressed.
    response = client.post(button["data-w-action-url-value"], {"next": edit_url})

    assert response.status_code == 302
    assert response.url.startswith(unschedule_url(review) + "?")
    assert ReviewPage.objects.get(pk=review.pk).scheduled_revision is not None
    assert not PageLogEntry.objects.filter(action="wagtail.schedule.cancel").exists()
    page = client.get(response.url)
    assert page.status_code == 200
    text = " ".join(BeautifulSoup(page.content, "html.parser").get_text(" ").split())
    assert (
        f"Child Z will no longer go live on {GO_LIVE_WORDS}. It goes back to Draft; it must be "
        "approved again (Sign-off) to be published."
    ) in text
    assert "Ed Editor will be emailed to say so." in text
    form = BeautifulSoup(page.content, "html.parser").find("form", action=unschedule_url(review))
    assert form.find("input", {"name": CONFIRMED})["value"] == "yes"
    assert form.find("input", {"name": "next"})["value"] == edit_url


def test_a_post_without_the_confirmation_cancels_nothing(client, library, team):
    review = scheduled(library, team)
    client.force_login(team["approver"])

    client.post(unschedule_url(review))
    client.post(unschedule_url(review), {CONFIRMED: "no"})

    assert ReviewPage.objects.get(pk=review.pk).scheduled_revision is not None
    assert not [m for m in mail.outbox if m.subject.startswith("Schedule cancelled")]


def test_cancelling_after_confirming_emails_the_submitter_and_says_who_was_told(
    client, library, team, settings
):
    settings.WAGTAILADMIN_NOTIFICATION_USE_HTML = True
    review = scheduled(library, team)
    mail.outbox.clear()
    client.force_login(team["second_approver"])
    edit_url = reverse("wagtailadmin_pages:edit", args=(review.pk,))

    response = client.post(
        unschedule_url(review), {CONFIRMED: "yes", "next": edit_url}, follow=True
    )

    review = ReviewPage.objects.get(pk=review.pk)
    assert review.scheduled_revision is None
    cancelled = PageLogEntry.objects.get(action="wagtail.schedule.cancel")
    assert cancelled.user == team["second_approver"]
    email = one_email_to("editor@example.org")
    assert email.subject == f"Schedule cancelled: Child Z will not go live on {GO_LIVE_WORDS}"
    body = words(email)
    assert "Cy Approver cancelled the schedule." in body
    assert (
        f"Child Z will no longer go live on {GO_LIVE_WORDS}. It goes back to Draft; it must be "
        "approved again (Sign-off) to be published."
    ) in body
    assert "Its status is now: Draft." in body
    html = BeautifulSoup(email.alternatives[0][0], "html.parser").get_text(" ")
    assert f"Child Z will no longer go live on {GO_LIVE_WORDS}." in " ".join(html.split())
    assert len(mail.outbox) == 1  # not the canceller
    said = [str(m) for m in response.context["messages"]]
    assert any("Emailed to tell them: Ed Editor." in m for m in said), said
    assert response.redirect_chain[-1][0] == edit_url


def test_a_time_the_approver_chose_is_cancelled_with_the_submitter_and_approver_told(
    client, library, team
):
    review = submit(library, team["editor"])  # no time proposed
    if isinstance(review.current_workflow_task_state.task.specific, GroupApprovalTask):
        pytest.skip("Wagtail's group approval task publishes the version as submitted")
    review = approve(review, team["approver"], go_live_at=GO_LIVE)
    # The approver's time is a version of their own: its author is the approver.
    assert review.scheduled_revision.user == team["approver"]
    mail.outbox.clear()
    client.force_login(team["second_approver"])

    client.post(unschedule_url(review), {CONFIRMED: "yes"})

    assert sorted(m.to[0] for m in mail.outbox) == ["approver@example.org", "editor@example.org"]


def test_after_cancelling_the_review_reads_draft_and_can_be_changed(client, library, team):
    review = scheduled(library, team)
    client.force_login(team["approver"])
    client.post(unschedule_url(review), {CONFIRMED: "yes"})

    review = ReviewPage.objects.get(pk=review.pk)
    assert review.status_string == "Draft"
    assert listed_statuses(client, library) == {"Child Z": ("draft", "Draft")}
    assert review.get_lock() is None


def test_cancelling_a_new_version_of_a_live_review_keeps_it_live(client, library, team):
    review = submit(library, team["editor"], go_live_at=GO_LIVE, live=True)
    review = approve(review, team["approver"], go_live_at=GO_LIVE)
    client.force_login(team["approver"])
    page = client.get(unschedule_url(review))
    assert "The version on the website stays live" in page.content.decode()

    client.post(unschedule_url(review), {CONFIRMED: "yes"})

    review = ReviewPage.objects.get(pk=review.pk)
    assert review.live
    assert review.status_string == "Live, with unpublished changes"
    assert listed_statuses(client, library) == {
        "Child Z": ("live", "Live, with unpublished changes")
    }


def test_an_editor_cannot_cancel_a_schedule(client, library, team):
    review = scheduled(library, team)
    client.force_login(team["editor"])

    assert cancel_button(edit_page(client, review)) is None
    response = client.post(unschedule_url(review), {CONFIRMED: "yes"})

    assert response.status_code in (302, 403)
    assert ReviewPage.objects.get(pk=review.pk).scheduled_revision is not None


# --- One name for each state ------------------------------------------------------------------


def listed_statuses(client, library) -> dict[str, tuple[str, str]]:
    response = client.get(reverse("wagtailadmin_explore", args=(library.pk,)))
    soup = BeautifulSoup(response.content, "html.parser")
    found = {}
    for row in soup.select("tbody tr"):
        status, title = row.select_one("[data-review-status]"), row.select_one("td.title a")
        if status and title:
            found[title.get_text(strip=True)] = (
                status["data-review-status"],
                status.get_text(strip=True),
            )
    return found


def status_panel_text(response) -> str:
    panel = BeautifulSoup(response.content, "html.parser").find(attrs={"data-side-panel": "status"})
    return " ".join(panel.get_text(" ", strip=True).split())


def messages_text(response) -> str:
    soup = BeautifulSoup(response.content, "html.parser")
    return " ".join(" ".join(m.get_text() for m in soup.select(".messages")).split())


@pytest.mark.parametrize("who", ["editor", "approver"])
def test_a_review_in_sign_off_says_in_sign_off_in_the_listing_side_panel_and_lock(
    client, library, team, who
):
    review = submit(library, team["editor"], go_live_at=GO_LIVE)
    client.force_login(team[who])

    response = edit_page(client, review)

    panel = status_panel_text(response)
    assert "In sign-off" in panel
    assert "In sign-off since" in panel
    assert not WAGTAILS_WORDS.search(panel), panel
    if who == "editor":
        assert (
            "Status: In sign-off. Only Approvers can change “Child Z” until it is approved or "
            "sent back for changes."
        ) in messages_text(response)
    assert not WAGTAILS_WORDS.search(messages_text(response))
    assert listed_statuses(client, library) == {
        "Child Z": ("in_sign_off", f"In sign-off (to go live {GO_LIVE_WORDS})")
    }
    assert ReviewPage.objects.get().status_string == "In sign-off"


def test_a_review_sent_back_says_so_everywhere(client, library, team):
    review = send_back(submit(library, team["editor"]), team["approver"], "Add the themes.")
    client.force_login(team["editor"])

    panel = status_panel_text(edit_page(client, review))

    assert "Sent back for changes" in panel
    assert not WAGTAILS_WORDS.search(panel)
    assert listed_statuses(client, library) == {"Child Z": ("sent_back", "Sent back for changes")}
    assert review.status_string == "Sent back for changes"


def test_a_scheduled_review_says_scheduled_for_its_time(client, library, team):
    review = scheduled(library, team)
    client.force_login(team["approver"])

    response = edit_page(client, review)

    assert f"Scheduled for {GO_LIVE_WORDS}" in status_panel_text(response)
    assert f"Status: Scheduled for {GO_LIVE_WORDS}." in messages_text(response)
    assert listed_statuses(client, library) == {
        "Child Z": ("scheduled", f"Scheduled for {GO_LIVE_WORDS}")
    }
    assert review.status_string == f"Scheduled for {GO_LIVE_WORDS}"


def test_an_expired_review_says_expired(client, library, team):
    review = ReviewPage.objects.get(pk=ReviewPageFactory(parent=library, title="Child Z").pk)
    review.unpublish(set_expired=True)
    client.force_login(team["approver"])

    panel = status_panel_text(edit_page(client, review))

    assert "Expired" in panel and "Draft" not in panel
    assert listed_statuses(client, library) == {"Child Z": ("expired", "Expired")}
    assert ReviewPage.objects.get(pk=review.pk).status_string == "Expired"


def test_wagtails_search_listing_uses_the_same_names(client, library, team):
    submit(library, team["editor"])
    client.force_login(team["approver"])

    response = client.get(reverse("wagtailadmin_pages:search"), {"q": "Child"})

    text = " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())
    assert "In sign-off" in text
    assert not WAGTAILS_WORDS.search(text)


def test_the_dashboards_workflow_panels_use_the_same_names(client, library, team):
    review = submit(library, team["editor"])

    client.force_login(team["editor"])
    editors = client.get(reverse("wagtailadmin_home"))
    client.force_login(team["approver"])
    approvers = client.get(reverse("wagtailadmin_home"))

    soup = BeautifulSoup(editors.content, "html.parser")
    yours = " ".join(soup.find(id="objects-in-workflow-section").get_text(" ", strip=True).split())
    assert "Your pages in sign-off" in yours and "Child Z In sign-off" in yours
    soup = BeautifulSoup(approvers.content, "html.parser")
    to_approve = " ".join(soup.find(id="awaiting-review-section").get_text(" ", strip=True).split())
    assert "In sign-off: yours to approve" in to_approve
    for text in (yours, to_approve):
        assert not WAGTAILS_WORDS.search(text), text

    send_back(review, team["approver"], "Add the themes.")
    client.force_login(team["editor"])
    soup = BeautifulSoup(client.get(reverse("wagtailadmin_home")).content, "html.parser")
    assert "Child Z Sent back for changes" in " ".join(
        soup.find(id="objects-in-workflow-section").get_text(" ", strip=True).split()
    )


def test_the_workflow_history_uses_the_same_names(client, library, team):
    review = send_back(submit(library, team["editor"]), team["approver"], "Add the themes.")
    client.force_login(team["approver"])

    listing = client.get(reverse("wagtailadmin_pages:workflow_history", args=(review.pk,)))
    state = WorkflowState.objects.get()
    detail = client.get(
        reverse("wagtailadmin_pages:workflow_history_detail", args=(review.pk, state.pk))
    )

    client.force_login(team["admin"])
    reports = [
        client.get(reverse("wagtailadmin_reports:workflow")),
        client.get(reverse("wagtailadmin_reports:workflow_tasks")),
    ]

    for response in (listing, detail, *reports):
        assert response.status_code == 200
        soup = BeautifulSoup(response.content, "html.parser")
        # The reports' filters keep Wagtail's names for the states; their results do not.
        shown = soup.select_one("main table") if response in reports else soup
        text = " ".join(shown.get_text(" ").split())
        assert "Sent back for changes" in text
        assert "Needs changes" not in text and "Rejected" not in text


def test_other_pages_keep_wagtails_words(client, home, team):
    home.save_revision(user=team["admin"])
    client.force_login(team["admin"])

    response = client.get(reverse("wagtailadmin_pages:edit", args=(home.pk,)))

    assert response.status_code == 200
    panel = status_panel_text(response)
    assert "Live" in panel and "Draft" in panel
    assert Page.objects.get(pk=home.pk).specific.status_string == "live + draft"


# --- Demo logins and settings ---------------------------------------------------------------


def test_the_demo_logins_have_documentation_addresses(library):
    set_up_sign_off()
    # A demo login made before they had addresses gets one; its password is left alone.
    get_user_model().objects.create_user("editor", email="", password="kept")

    out = io.StringIO()
    call_command("create_demo_logins", stdout=out)

    addresses = dict(get_user_model().objects.values_list("username", "email"))
    assert addresses == {
        "admin": "admin@example.org",
        "editor": "editor@example.org",
        "approver": "approver@example.org",
    }
    assert get_user_model().objects.get(username="editor").check_password("kept")
    assert "email: approver@example.org" in out.getvalue()


def production_email_settings(**env) -> subprocess.CompletedProcess:
    from tests.test_settings import DATABASE, GOOD_KEY, REDIS, ROOT

    names = ("EMAIL_URL", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "DEFAULT_FROM_EMAIL")
    environment = {k: v for k, v in __import__("os").environ.items() if k not in names}
    environment.update(
        SECRET_KEY=GOOD_KEY,
        DATABASE_URL=DATABASE,
        REDIS_URL=REDIS,
        DJANGO_SETTINGS_MODULE="site_core.settings.production",
        **env,
    )
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, "
        "s.EMAIL_CONFIGURED, s.WAGTAILADMIN_NOTIFICATION_FROM_EMAIL)"
    )
    return subprocess.run(
        [sys.executable, "-W", "always", "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def last_line(result) -> list[str]:
    # Before it, production's start-up logs its JSON lines on stdout.
    return result.stdout.strip().splitlines()[-1].split()


@pytest.mark.parametrize(
    "server",
    [
        {"EMAIL_URL": "smtp+tls://reviews:secret@smtp.example.org:587"},
        {"EMAIL_HOST": "smtp.example.org", "EMAIL_HOST_USER": "reviews"},
    ],
    ids=["EMAIL_URL", "EMAIL_HOST"],
)
def test_production_sends_email_through_the_smtp_server_it_is_given(server):
    result = production_email_settings(**server, DEFAULT_FROM_EMAIL="reviews@example.org")

    assert result.returncode == 0, result.stderr
    assert last_line(result) == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        "587",
        "True",
        "True",
        "reviews@example.org",
    ]
    assert "sign-off emails are not sent" not in result.stdout + result.stderr


def test_production_without_a_mail_server_starts_but_warns_and_sends_nothing():
    result = production_email_settings()

    assert result.returncode == 0, result.stderr
    assert last_line(result)[0] == "django.core.mail.backends.dummy.EmailBackend"
    assert last_line(result)[4] == "False"
    # In the log, as a JSON line like every other (a plain warning would break the format).
    assert "No mail server is configured (EMAIL_URL or EMAIL_HOST)" in result.stdout
    assert "No mail server" not in result.stderr


def test_no_email_configured_and_cancelling_says_nobody_was_emailed(
    client, library, team, settings
):
    review = scheduled(library, team)
    settings.EMAIL_CONFIGURED = False
    client.force_login(team["approver"])

    page = client.get(unschedule_url(review))
    response = client.post(unschedule_url(review), {CONFIRMED: "yes"}, follow=True)

    assert "nobody will be emailed" in page.content.decode()
    said = " ".join(str(m) for m in response.context["messages"])
    assert "Email is not set up on this site, so nobody was emailed." in said


def test_wagtails_own_listings_ask_no_query_per_review_for_its_status(admin_client, library):
    counts = []
    for size in (3, 9):
        while library.get_children().count() < size:
            ReviewPageFactory(parent=library, title=f"Child {library.get_children().count()}")
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get("/admin/pages/search/", {"q": "child"})
        assert response.status_code == 200
        counts.append(len(queries))

    assert counts[1] <= counts[0]
