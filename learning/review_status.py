"""A review's editorial status, in words an editor understands.

Pure functions of facts a listing loads in bulk (live, expired, workflow, scheduled
go-live time, withdrawn reports), so showing a status costs no query per review.
Dates and times are UK time: reviews are published on dates agreed with the national
Panel and the press office, whatever an editor's own time zone preference says.

The names of the states are here and nowhere else: the review listings, the status tag
Wagtail shows in its other listings (`ReviewPage.status_string`), the page's status side
panel and locks, the dashboard's workflow panels, the workflow history and the emails
(learning/notifications/) all take them from this module (docs/notifications.md).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.dateformat import format as format_date

UK_TIME = ZoneInfo("Europe/London")

# The name of each state, exactly as every screen and email writes it.
DRAFT = "Draft"
IN_SIGN_OFF = "In sign-off"
SENT_BACK = "Sent back for changes"  # an approver asked for changes
SCHEDULED = "Scheduled"  # approved to go live at a time: see scheduled_for()
LIVE = "Live"
EXPIRED = "Expired"
# The one step of the "Partnership sign-off" workflow (learning/management/commands/
# setup_sign_off.py names its task so), in the sentences that say a review needs it again.
SIGN_OFF = "Sign-off"


class Status(StrEnum):
    DRAFT = "draft"
    IN_SIGN_OFF = "in_sign_off"
    SENT_BACK = "sent_back"
    SCHEDULED = "scheduled"
    LIVE = "live"
    REPORT_WITHDRAWN = "report_withdrawn"
    EXPIRED = "expired"


# By (live, sent back for changes): an approver may send a review back to its editor.
SIGN_OFF_LABELS = {
    (False, False): IN_SIGN_OFF,
    (False, True): SENT_BACK,
    (True, False): f"{LIVE}; new version in sign-off",
    (True, True): f"{LIVE}; new version sent back for changes",
}

# Wagtail's workflow and task states (WorkflowState.STATUS_*, TaskState.STATUS_*), for the
# dashboard and the workflow history, which otherwise say "In progress", "Needs changes"
# and "Rejected".
WORKFLOW_STATE_LABELS = {
    "in_progress": IN_SIGN_OFF,
    "needs_changes": SENT_BACK,
    "approved": "Approved",
    "cancelled": "Cancelled",
}
TASK_STATE_LABELS = {
    "in_progress": IN_SIGN_OFF,
    "approved": "Approved",
    "rejected": SENT_BACK,
    "skipped": "Skipped",
    "cancelled": "Cancelled",
}


@dataclass(frozen=True)
class ReviewStatus:
    status: Status
    label: str
    live: bool = False  # readers can see a version of it now, whatever is pending


def uk_today(now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), UK_TIME).date()


def uk_datetime_label(moment: datetime) -> str:
    """For example "Friday 5 March 2027 at 09:00", in UK time: the one way the admin writes a
    moment, with the day name so a date cannot be misread, and a 24-hour clock."""
    return format_date(timezone.localtime(moment, UK_TIME), r"l j F Y \a\t H:i")


def scheduled_for(moment: datetime) -> str:
    """The name of the scheduled state with its time: "Scheduled for Monday 14 December 2026
    at 09:00"."""
    return f"{SCHEDULED} for {uk_datetime_label(moment)}"


def withdrawal_time(available_until: date) -> datetime:
    """When a report stops being published: it is published through its "available until"
    day, so from the start of the next day, UK time."""
    return datetime.combine(available_until + timedelta(days=1), time.min, tzinfo=UK_TIME)


def review_status(
    *,
    live: bool,
    expired: bool = False,
    draft_changes: bool = False,
    in_sign_off: bool = False,
    changes_requested: bool = False,
    proposed_go_live_at: datetime | None = None,
    scheduled_at: datetime | None = None,
    report_withdrawn: bool = False,
    now: datetime | None = None,
) -> ReviewStatus:
    """The one status that matters most to an editor, and a label that says the rest.

    What is pending (sign-off, then a schedule) comes before what readers see now,
    because that is what an editor has to act on; the label still says when the
    current version stays live meanwhile. `proposed_go_live_at` is the go-live time in
    the version being signed off: approving it schedules the review for then, or
    publishes it at once if that time has passed.
    """
    if in_sign_off:
        label = SIGN_OFF_LABELS[live, changes_requested]
        if proposed_go_live_at is not None and proposed_go_live_at > (now or timezone.now()):
            label += f" (to go live {uk_datetime_label(proposed_go_live_at)})"
        status = Status.SENT_BACK if changes_requested else Status.IN_SIGN_OFF
        return ReviewStatus(status, label, live)
    if scheduled_at is not None:
        when = uk_datetime_label(scheduled_at)
        label = f"{LIVE}; new version scheduled for {when}" if live else scheduled_for(scheduled_at)
        return ReviewStatus(Status.SCHEDULED, label, live)
    if live and report_withdrawn:
        return ReviewStatus(Status.REPORT_WITHDRAWN, f"{LIVE}, report withdrawn", live)
    if live:
        label = f"{LIVE}, with unpublished changes" if draft_changes else LIVE
        return ReviewStatus(Status.LIVE, label, live)
    if expired:
        return ReviewStatus(Status.EXPIRED, EXPIRED)
    return ReviewStatus(Status.DRAFT, DRAFT)


def page_status(page, *, in_listing: bool = False) -> ReviewStatus:
    """The status of one page as it is in the database: a query or two, for the screens that
    show one page (its side panel, emails). Our listings use review_status() with facts
    loaded in bulk (learning/admin_listing.py).

    Wagtail's own listings ask each row (`ReviewPage.status_string`), `in_listing`:
    the schedule is then read only when Wagtail's bulk annotation says there is one, and a
    withdrawn report (which no Wagtail listing loads) is left out of the label.
    """
    workflow_state = page.current_workflow_state
    scheduled = page.scheduled_revision if not in_listing or page.approved_schedule else None
    reports = None if in_listing else getattr(page, "report_documents", None)
    return review_status(
        live=page.live,
        expired=page.expired,
        draft_changes=page.has_unpublished_changes,
        in_sign_off=workflow_state is not None,
        changes_requested=workflow_state is not None
        and workflow_state.status == workflow_state.STATUS_NEEDS_CHANGES,
        scheduled_at=scheduled.approved_go_live_at if scheduled else None,
        report_withdrawn=page.live
        and reports is not None
        and any(report.is_withdrawn for report in reports.all()),
    )
