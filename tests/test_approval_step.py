"""The approval step of sign-off: nothing goes live without a visible, explicit time.

An approver approving from the dashboard gets Wagtail's workflow modal, which here is the
step of learning/sign_off.py: choose a time or "now", read what will happen, confirm. The
modal is driven here as the browser does it (XMLHttpRequest, JSON answers).
"""

import json
from datetime import datetime

from django.contrib.messages import get_messages
from django.urls import reverse

from wagtail.models import PageLogEntry, Revision, Workflow

import pytest
import time_machine
from bs4 import BeautifulSoup

from learning.management.commands.setup_sign_off import WORKFLOW_NAME
from learning.review_status import UK_TIME
from tests.factories import ReviewPageFactory
from tests.test_sign_off import member_of, set_up_sign_off

pytestmark = pytest.mark.django_db

# A Monday morning in winter (UK time is GMT), a week before the agreed date.
TODAY = datetime(2026, 12, 7, 10, 0, tzinfo=UK_TIME)
AGREED = datetime(2026, 12, 14, 9, 0, tzinfo=UK_TIME)
AGREED_WORDS = "Monday 14 December 2026 at 09:00"
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def people(library):
    set_up_sign_off()
    return member_of("Editors", "ed"), member_of("Approvers", "ann")


def submitted(library, editor, *, go_live_at=None, title="Child Z"):
    """A review its editor submitted to sign-off, proposing `go_live_at` (or no time)."""
    review = ReviewPageFactory(parent=library, publish=False, title=title)
    review.go_live_at = go_live_at
    review.save_revision(user=editor)
    Workflow.objects.get(name=WORKFLOW_NAME).start(review, editor)
    return review


def step_url(review):
    task_state = review.current_workflow_task_state
    return reverse("wagtailadmin_pages:workflow_action", args=(review.pk, "approve", task_state.pk))


def open_step(client, approver, review):
    client.force_login(approver)
    response = client.get(step_url(review), **XHR)
    assert response.status_code == 200
    return BeautifulSoup(response.json()["html"], "html.parser")


def post_step(client, review, data):
    response = client.post(step_url(review), {"next": "/admin/", **data}, **XHR)
    assert response.status_code == 200
    return response.json()


def screen(answer) -> BeautifulSoup:
    assert answer["step"] == "action", answer
    return BeautifulSoup(answer["html"], "html.parser")


def field_error(soup, name: str) -> str:
    field = soup.find(attrs={"name": name})
    wrapper = field.find_parent(class_="w-field__wrapper")
    return " ".join(e.get_text(" ", strip=True) for e in wrapper.select(".error-message"))


def text(soup) -> str:
    return " ".join(soup.get_text().split())


def test_the_step_offers_the_proposed_time_and_never_preselects_now(client, library, people):
    editor, approver = people
    review = submitted(library, editor, go_live_at=AGREED)

    soup = open_step(client, approver, review)

    assert f"The editor proposed that it goes live on {AGREED_WORDS}" in text(soup)
    assert soup.find("input", {"name": "go_live", "value": "at"}).has_attr("checked")
    assert not soup.find("input", {"name": "go_live", "value": "now"}).has_attr("checked")
    assert soup.find("input", {"name": "go_live_at"})["value"] == "2026-12-14 09:00"


def test_without_a_proposed_time_the_approver_must_choose(client, library, people):
    editor, approver = people
    review = submitted(library, editor)

    soup = open_step(client, approver, review)
    assert "No go-live time was proposed" in text(soup)
    assert not soup.select("input[name=go_live][checked]")

    soup = screen(post_step(client, review, {"go_live": ""}))
    assert "Choose when the review goes live" in field_error(soup, "go_live")
    review.refresh_from_db()
    assert not review.live and review.workflow_in_progress


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("12/14/2026", "Enter the date and time as 2026-12-14 09:00"),
        ("2026-13-01 09:00", "Enter the date and time as 2026-12-14 09:00"),
        ("tomorrow", "Enter the date and time as 2026-12-14 09:00"),
        ("", "Enter the time the review goes live"),
        ("2026-12-07 09:59", "This time has passed"),
    ],
)
def test_a_time_that_cannot_be_read_or_has_passed_is_an_error_at_the_field(
    client, library, people, typed, error
):
    editor, approver = people
    review = submitted(library, editor, go_live_at=AGREED)
    client.force_login(approver)

    soup = screen(post_step(client, review, {"go_live": "at", "go_live_at": typed}))

    assert error in field_error(soup, "go_live_at")
    # What was typed is shown again, to be corrected.
    assert soup.find("input", {"name": "go_live_at"}).get("value", "") == typed
    review.refresh_from_db()
    assert not review.live and review.workflow_in_progress
    assert not Revision.objects.filter(approved_go_live_at__isnull=False).exists()


def test_the_step_says_what_will_happen_before_anything_does(client, library, people):
    editor, approver = people
    review = submitted(library, editor, go_live_at=AGREED)
    client.force_login(approver)

    soup = screen(post_step(client, review, {"go_live": "at", "go_live_at": "2026-12-14 09:00"}))

    assert f"“Child Z” goes live on {AGREED_WORDS}." in text(soup.find(id="sign-off-outcome"))
    buttons = [text(button) for button in soup.find_all("button")]
    assert f"Approve: goes live on {AGREED_WORDS}" in buttons
    review.refresh_from_db()
    assert review.workflow_in_progress  # nothing approved yet


def test_now_is_said_as_now(client, library, people):
    editor, approver = people
    review = submitted(library, editor, go_live_at=AGREED)
    client.force_login(approver)

    soup = screen(post_step(client, review, {"go_live": "now", "go_live_at": "2026-12-14 09:00"}))

    assert "“Child Z” goes live now, as soon as you approve." in text(
        soup.find(id="sign-off-outcome")
    )


def test_confirming_schedules_the_review_and_the_message_names_the_time(client, library, people):
    editor, approver = people
    review = submitted(library, editor, go_live_at=AGREED)
    client.force_login(approver)

    answer = post_step(
        client, review, {"go_live": "at", "go_live_at": "2026-12-14 09:00", "confirmed": "on"}
    )

    assert answer["step"] == "success"
    review.refresh_from_db()
    assert not review.live
    assert review.scheduled_revision.approved_go_live_at == AGREED
    landing = client.get(answer["redirect"])
    assert landing.status_code == 302 and landing.url == "/admin/"
    assert [str(m) for m in get_messages(landing.wsgi_request)] == [
        f"“Child Z” was approved. It goes live on {AGREED_WORDS}."
    ]


def test_choosing_now_publishes_at_once_whatever_the_editor_proposed(client, library, people):
    editor, approver = people
    review = submitted(library, editor, go_live_at=AGREED)
    client.force_login(approver)

    answer = post_step(client, review, {"go_live": "now", "confirmed": "on"})

    review.refresh_from_db()
    assert review.live and review.go_live_at is None
    landing = client.get(answer["redirect"])
    assert [str(m) for m in get_messages(landing.wsgi_request)] == [
        "“Child Z” was approved. It is live now."
    ]


def test_an_approver_who_changes_the_time_is_recorded_as_choosing_it(client, library, people):
    editor, approver = people
    review = submitted(library, editor, go_live_at=AGREED)
    client.force_login(approver)

    post_step(
        client, review, {"go_live": "at", "go_live_at": "2026-12-15 14:30", "confirmed": "on"}
    )

    review.refresh_from_db()
    scheduled = review.scheduled_revision
    assert scheduled.approved_go_live_at == datetime(2026, 12, 15, 14, 30, tzinfo=UK_TIME)
    assert scheduled.user == approver
    # The editor's version is kept as submitted.
    assert (
        Revision.objects.filter(user=editor)
        .get()
        .content["go_live_at"]
        .startswith("2026-12-14T09:00")
    )
    assert PageLogEntry.objects.filter(action="wagtail.publish.schedule", user=approver).exists()


def test_a_summer_time_is_read_as_uk_time(client, library, people):
    editor, approver = people
    review = submitted(library, editor)
    client.force_login(approver)

    post_step(
        client, review, {"go_live": "at", "go_live_at": "2027-07-01 09:00", "confirmed": "on"}
    )

    review.refresh_from_db()
    # 09:00 British Summer Time is 08:00 UTC.
    assert review.scheduled_revision.approved_go_live_at.isoformat() == (
        "2027-07-01T08:00:00+00:00"
    )


def test_a_forged_approval_without_a_decision_approves_nothing(client, library, people):
    editor, approver = people
    review = submitted(library, editor, go_live_at=AGREED)
    client.force_login(approver)

    response = client.post(step_url(review), {"go_live": "sometime", "confirmed": "on"})

    assert response.status_code == 302
    review.refresh_from_db()
    assert not review.live and review.workflow_in_progress
    assert not Revision.objects.filter(approved_go_live_at__isnull=False).exists()


def test_the_editor_path_without_the_steps_data_approves_nothing(client, library, people):
    editor, approver = people
    review = submitted(library, editor, go_live_at=AGREED)
    task_state = review.current_workflow_task_state

    # on_action is reached with whatever the browser sent: here, nothing.
    task_state.task.specific.on_action(task_state, approver, "approve", **json.loads("{}"))

    review.refresh_from_db()
    assert not review.live and review.workflow_in_progress
