"""Editors see the schedule: the dashboard's "Scheduled publications" and each review's status."""

from datetime import UTC, date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date

from wagtail.models import Revision
from wagtail.users.models import UserProfile

import pytest
from bs4 import BeautifulSoup

from learning.admin_panels import ScheduledPublicationsPanel
from learning.management.commands.setup_sign_off import APPROVERS, EDITORS
from learning.models import ReviewDocument, ReviewPage
from learning.review_status import (
    UK_TIME,
    Status,
    review_status,
    uk_today,
    withdrawal_time,
)
from site_core.publishing.models import SchedulerHeartbeat
from tests.factories import DocumentFactory, ReviewPageFactory
from tests.test_sign_off import member_of, set_up_sign_off

pytestmark = pytest.mark.django_db

IN_JULY = datetime(2027, 7, 1, 8, 0, tzinfo=UTC)  # 09:00 in London (BST)


# --- The status of a review ------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "status", "label"),
    [
        ({"live": False}, Status.DRAFT, "Draft"),
        ({"live": False, "in_sign_off": True}, Status.IN_SIGN_OFF, "In sign-off"),
        (
            {"live": False, "in_sign_off": True, "changes_requested": True},
            Status.SENT_BACK,
            "Sent back for changes",
        ),
        (
            {"live": True, "in_sign_off": True, "scheduled_at": IN_JULY},
            Status.IN_SIGN_OFF,
            "Live; new version in sign-off",
        ),
        (
            {"live": False, "scheduled_at": IN_JULY},
            Status.SCHEDULED,
            "Scheduled for Thursday 1 July 2027 at 09:00",
        ),
        (
            {"live": True, "scheduled_at": IN_JULY, "report_withdrawn": True},
            Status.SCHEDULED,
            "Live; new version scheduled for Thursday 1 July 2027 at 09:00",
        ),
        ({"live": True}, Status.LIVE, "Live"),
        ({"live": True, "draft_changes": True}, Status.LIVE, "Live, with unpublished changes"),
        (
            {"live": True, "report_withdrawn": True},
            Status.REPORT_WITHDRAWN,
            "Live, report withdrawn",
        ),
        (
            {"live": False, "in_sign_off": True, "proposed_go_live_at": IN_JULY},
            Status.IN_SIGN_OFF,
            "In sign-off (to go live Thursday 1 July 2027 at 09:00)",
        ),
        (
            {
                "live": False,
                "in_sign_off": True,
                "proposed_go_live_at": IN_JULY,
                "now": IN_JULY + timedelta(minutes=1),
            },
            Status.IN_SIGN_OFF,
            "In sign-off",  # approval would publish it at once
        ),
        ({"live": False, "expired": True}, Status.EXPIRED, "Expired"),
        ({"live": False, "expired": True, "report_withdrawn": True}, Status.EXPIRED, "Expired"),
    ],
)
def test_review_status_says_what_an_editor_must_know_first(facts, status, label):
    result = review_status(**facts)

    assert (result.status, result.label) == (status, label)
    assert result.live == facts["live"]


def test_a_report_is_published_through_its_last_day_and_withdrawn_at_uk_midnight():
    assert withdrawal_time(date(2027, 3, 4)) == datetime(2027, 3, 5, 0, 0, tzinfo=UTC)
    assert withdrawal_time(date(2027, 7, 1)) == datetime(2027, 7, 1, 23, 0, tzinfo=UTC)


# --- Content in every state ------------------------------------------------------------


@pytest.fixture
def people(library):
    set_up_sign_off()
    return member_of(EDITORS, "ed"), member_of(APPROVERS, "ann")


def live_review(library, **kwargs):
    """A published review as the database holds it (the factory's instance is the draft)."""
    return ReviewPage.objects.get(pk=ReviewPageFactory(parent=library, **kwargs).pk)


def schedule(review, editor, approver, go_live_at):
    """The editor's version, approved by the approver to go live later."""
    review.go_live_at = go_live_at
    review.save_revision(user=editor).publish(user=approver)
    return review


def scheduled_review(library, editor, approver, go_live_at, **kwargs):
    return schedule(
        ReviewPageFactory(parent=library, publish=False, **kwargs), editor, approver, go_live_at
    )


def expiring_review(library, approver, expire_at, **kwargs):
    review = live_review(library, **kwargs)
    review.expire_at = expire_at
    review.save_revision(user=approver).publish(user=approver)
    return review


def review_with_report_until(library, approver, available_until, **kwargs):
    review = ReviewPageFactory(
        parent=library, documents=[(DocumentFactory(), "full_report")], **kwargs
    )
    ReviewDocument.objects.filter(page=review).update(available_until=available_until)
    # Published again so its live version carries the date, as when an editor sets it.
    review = ReviewPage.objects.get(pk=review.pk)
    review.save_revision(user=approver).publish(user=approver)
    return review


def in_sign_off(library, editor, go_live_at=None, **kwargs):
    review = ReviewPageFactory(parent=library, publish=False, **kwargs)
    review.go_live_at = go_live_at
    review.save_revision(user=editor)
    review.get_workflow().start(review, editor)
    return review


# --- The dashboard panel ---------------------------------------------------------------


def render_panel(user) -> str:
    request = RequestFactory().get("/admin/")
    request.user = user
    return ScheduledPublicationsPanel().render_html({"request": request})


def panel_rows(html: str) -> list[list[str]]:
    soup = BeautifulSoup(html, "html.parser")
    return [
        [" ".join(cell.get_text(" ", strip=True).split()) for cell in row.find_all("td")]
        for row in soup.select("[data-scheduled-item]")
    ]


def uk(moment) -> str:
    return format_date(timezone.localtime(moment, UK_TIME), "D j M Y, H:i")


def test_the_panel_lists_what_goes_live_expires_or_is_withdrawn_with_who_scheduled_it(
    admin_client, admin_user, library, people
):
    editor, approver = people
    editor.first_name, editor.last_name = "Ed", "Itor"
    editor.save()
    now = timezone.now()
    going_live = scheduled_review(
        library, editor, approver, now + timedelta(days=7), title="Child Q"
    )
    expiring = expiring_review(library, approver, now + timedelta(days=3), title="Child R")
    last_day = uk_today() + timedelta(days=10)
    withdrawing = review_with_report_until(library, approver, last_day, title="Child S")
    scheduled_review(library, editor, approver, now + timedelta(days=45), title="Much later")
    review_with_report_until(
        library, approver, uk_today() - timedelta(days=1), title="Already gone"
    )
    # The dashboard shows UK times whatever the reader's own time zone preference.
    UserProfile.objects.update_or_create(
        user=admin_user, defaults={"current_time_zone": "America/New_York"}
    )
    SchedulerHeartbeat.objects.create(last_tick_at=now - timedelta(minutes=1))

    response = admin_client.get(reverse("wagtailadmin_home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert panel_rows(html) == [
        [uk(expiring.expire_at), "Expires", "Child R", "ann"],
        [uk(going_live.go_live_at), "Goes live", "Child Q", "ann prepared by Ed Itor"],
        [uk(withdrawal_time(last_day)), "Report withdrawn: Full report", "Child S", "ann"],
    ]
    soup = BeautifulSoup(html, "html.parser")
    links = [a["href"] for a in soup.select("[data-scheduled-item] a")]
    assert links == [
        reverse("wagtailadmin_pages:edit", args=(page.pk,))
        for page in (expiring, going_live, withdrawing)
    ]
    assert soup.select("[data-scheduler-warning]") == []
    assert "The scheduler last ran" in soup.select_one("[data-scheduler-status]").get_text()


def test_a_new_version_of_a_live_review_and_its_expiry_are_listed(library, people):
    editor, approver = people
    review = live_review(library, title="Child T")
    review.expire_at = timezone.now() + timedelta(days=20)
    go_live_at = timezone.now() + timedelta(days=5)
    schedule(review, editor, approver, go_live_at)

    rows = panel_rows(render_panel(approver))

    assert [row[1:3] for row in rows] == [
        ["New version goes live", "Child T"],
        ["Expires", "Child T"],
    ]


def test_after_the_scheduler_publishes_a_review_its_expiry_names_who_scheduled_it(library, people):
    editor, approver = people
    review = ReviewPageFactory(parent=library, publish=False, title="Child U")
    review.expire_at = timezone.now() + timedelta(days=9)
    scheduled = schedule(review, editor, approver, timezone.now() + timedelta(minutes=1))
    revision = Revision.objects.get(approved_go_live_at__isnull=False)
    # The minute passes; then the scheduler does what it does: publish with no user.
    revision.content["go_live_at"] = revision.approved_go_live_at = timezone.now()
    revision.save()
    revision.publish(log_action="wagtail.publish.scheduled")
    assert ReviewPage.objects.get(pk=scheduled.pk).live

    rows = panel_rows(render_panel(approver))

    assert [row[1:] for row in rows] == [["Expires", "Child U", "ann prepared by ed"]]


def test_an_overdue_item_is_marked(library, people):
    editor, approver = people
    review = scheduled_review(library, editor, approver, timezone.now() + timedelta(minutes=10))
    # As if the scheduler had stopped before the time came.
    Revision.objects.filter(object_id=str(review.pk), approved_go_live_at__isnull=False).update(
        approved_go_live_at=timezone.now() - timedelta(minutes=10)
    )

    rows = panel_rows(render_panel(approver))

    assert len(rows) == 1
    assert "Overdue" in rows[0][0]


@pytest.mark.parametrize(
    "last_tick_ago",
    [None, timedelta(minutes=6), timedelta(days=2)],
    ids=["never", "six minutes ago", "two days ago"],
)
def test_the_panel_warns_when_the_scheduler_has_stopped_and_something_is_due(
    library, people, last_tick_ago
):
    editor, approver = people
    scheduled_review(library, editor, approver, timezone.now() + timedelta(days=1))
    if last_tick_ago is not None:
        SchedulerHeartbeat.objects.create(last_tick_at=timezone.now() - last_tick_ago)

    soup = BeautifulSoup(render_panel(approver), "html.parser")

    warning = soup.select_one("[data-scheduler-warning]")
    assert warning is not None
    assert "Scheduled publishing is not running" in warning.get_text()
    assert ("never run" in warning.get_text()) == (last_tick_ago is None)


def test_no_warning_when_the_scheduler_ticked_recently_or_nothing_is_due(library, people):
    editor, approver = people

    assert "Scheduled publishing is not running" not in render_panel(approver)
    assert "Nothing is due" in render_panel(approver)

    scheduled_review(library, editor, approver, timezone.now() + timedelta(days=1))
    SchedulerHeartbeat.objects.create(last_tick_at=timezone.now() - timedelta(minutes=4))

    assert "Scheduled publishing is not running" not in render_panel(approver)


def test_the_panel_is_only_for_people_who_work_on_pages(client, library, people):
    editor, approver = people
    scheduled_review(
        library, editor, approver, timezone.now() + timedelta(days=1), title="Embargoed"
    )
    snippets_only = get_user_model().objects.create_user("sam")
    snippets_only.user_permissions.add(Permission.objects.get(codename="access_admin"))

    assert render_panel(snippets_only) == ""
    client.force_login(editor)
    dashboard = client.get(reverse("wagtailadmin_home"))
    assert [row[2] for row in panel_rows(dashboard.content.decode())] == ["Embargoed"]


def add_one_of_each(library, editor, approver, count):
    now = timezone.now()
    for n in range(count):
        other_editor = member_of(EDITORS, f"ed{count}-{n}")
        scheduled_review(library, other_editor, approver, now + timedelta(days=1 + n))
        expiring_review(library, approver, now + timedelta(days=2 + n))
        review_with_report_until(library, approver, uk_today() + timedelta(days=3 + n))


def queries_to_render_panel(user) -> tuple[int, int]:
    render_panel(user)  # warm per-process caches (content types)
    with CaptureQueriesContext(connection) as captured:
        html = render_panel(user)
    return len(captured), len(panel_rows(html))


def test_the_panel_costs_the_same_queries_however_many_items(library, people):
    editor, approver = people
    add_one_of_each(library, editor, approver, 1)
    few = queries_to_render_panel(approver)
    add_one_of_each(library, editor, approver, 4)

    many = queries_to_render_panel(approver)

    assert (few[1], many[1]) == (3, 15)
    assert many[0] == few[0]


# --- The reviews' status in the admin listings -----------------------------------------


def reviews_in_every_state(library, editor, approver, suffix=""):
    yesterday = uk_today() - timedelta(days=1)
    ReviewPageFactory(parent=library, title=f"Draft one{suffix}", publish=False)
    ReviewPageFactory(parent=library, title=f"Live one{suffix}")
    scheduled_review(library, editor, approver, IN_JULY, title=f"Scheduled one{suffix}")
    in_sign_off(library, editor, IN_JULY, title=f"Signing one{suffix}")
    review_with_report_until(library, approver, yesterday, title=f"Withdrawn one{suffix}")
    review_with_report_until(library, approver, uk_today(), title=f"Last day one{suffix}")
    live_review(library, title=f"Expired one{suffix}").unpublish(set_expired=True)


EXPECTED_STATUSES = {
    "Draft one": "draft",
    "Live one": "live",
    "Scheduled one": "scheduled",
    "Signing one": "in_sign_off",
    "Withdrawn one": "report_withdrawn",
    "Last day one": "live",
    "Expired one": "expired",
}


def statuses_shown(response) -> dict[str, str]:
    soup = BeautifulSoup(response.content, "html.parser")
    shown = {}
    for row in soup.select("tbody tr"):
        status = row.select_one("[data-review-status]")
        title = row.select_one("td.title a")
        if status and title:
            shown[" ".join(title.get_text(" ", strip=True).split())] = status["data-review-status"]
    return shown


def test_exploring_the_library_shows_each_reviews_status(admin_client, library, people):
    reviews_in_every_state(library, *people)

    response = admin_client.get(reverse("wagtailadmin_explore", args=(library.pk,)))

    assert response.status_code == 200
    assert statuses_shown(response) == EXPECTED_STATUSES
    html = response.content.decode()
    assert "Scheduled for Thursday 1 July 2027 at 09:00" in html
    assert "In sign-off (to go live Thursday 1 July 2027 at 09:00)" in html


def test_the_list_of_every_review_shows_each_reviews_status(admin_client, library, people):
    reviews_in_every_state(library, *people)

    response = admin_client.get(
        reverse("wagtailadmin_pages:type_use", args=("learning", "reviewpage"))
    )

    assert response.status_code == 200
    assert statuses_shown(response) == EXPECTED_STATUSES


def test_an_editor_explores_the_library_and_sees_the_statuses(client, library, people):
    editor, approver = people
    reviews_in_every_state(library, editor, approver)
    client.force_login(editor)

    response = client.get(reverse("wagtailadmin_explore", args=(library.pk,)))

    assert statuses_shown(response) == EXPECTED_STATUSES


def queries_to_explore(client, library) -> int:
    url = reverse("wagtailadmin_explore", args=(library.pk,))
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_exploring_the_library_costs_the_same_queries_however_many_reviews(
    admin_client, library, people
):
    reviews_in_every_state(library, *people)
    few = queries_to_explore(admin_client, library)
    for n in range(3):
        reviews_in_every_state(library, *people, suffix=f" {n}")

    assert queries_to_explore(admin_client, library) == few
