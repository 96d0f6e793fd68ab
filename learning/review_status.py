"""A review's editorial status, in words an editor understands.

Pure functions of facts a listing loads in bulk (live, expired, workflow, scheduled
go-live time, withdrawn reports), so showing a status costs no query per review.
Dates and times are UK time: reviews are published on dates agreed with the national
Panel and the press office, whatever an editor's own time zone preference says.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.dateformat import format as format_date

UK_TIME = ZoneInfo("Europe/London")


class Status(StrEnum):
    DRAFT = "draft"
    IN_SIGN_OFF = "in_sign_off"
    SCHEDULED = "scheduled"
    LIVE = "live"
    REPORT_WITHDRAWN = "report_withdrawn"
    EXPIRED = "expired"


# By (live, sent back for changes): an approver may send a review back to its editor.
SIGN_OFF_LABELS = {
    (False, False): "In sign-off",
    (False, True): "In sign-off: sent back for changes",
    (True, False): "Live; new version in sign-off",
    (True, True): "Live; new version sent back for changes",
}


@dataclass(frozen=True)
class ReviewStatus:
    status: Status
    label: str
    live: bool = False  # readers can see a version of it now, whatever is pending


def uk_today(now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), UK_TIME).date()


def uk_datetime_label(moment: datetime) -> str:
    """For example "5 March 2027, 09:00", in UK time."""
    return format_date(timezone.localtime(moment, UK_TIME), "j F Y, H:i")


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
        return ReviewStatus(Status.IN_SIGN_OFF, label, live)
    if scheduled_at is not None:
        when = uk_datetime_label(scheduled_at)
        label = f"Live; new version scheduled for {when}" if live else f"Scheduled for {when}"
        return ReviewStatus(Status.SCHEDULED, label, live)
    if live and report_withdrawn:
        return ReviewStatus(Status.REPORT_WITHDRAWN, "Live, report withdrawn", live)
    if live:
        label = "Live, with unpublished changes" if draft_changes else "Live"
        return ReviewStatus(Status.LIVE, label, live)
    if expired:
        return ReviewStatus(Status.EXPIRED, "Expired")
    return ReviewStatus(Status.DRAFT, "Draft")
