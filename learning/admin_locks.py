"""Wagtail's locks on a review, in the names of its states (learning/review_status.py).

Wagtail locks a page while a workflow task is in progress ("This review is currently
awaiting moderation. Only reviewers for this task can edit the review.") and while a
version is scheduled ("… is locked and has been scheduled to go live at …"). A review says
"In sign-off" and "Scheduled for Monday 14 December 2026 at 09:00" instead. These are
subclasses of Wagtail's locks, returned by `ReviewPage.get_lock()`: they lock exactly as
Wagtail's do, and Wagtail's views, which test `isinstance(lock, ScheduledForPublishLock)`
to offer "Cancel scheduled publish", treat them the same.
"""

from django.utils.html import format_html

from wagtail.locks import ScheduledForPublishLock, WorkflowLock

from learning.review_status import (
    DRAFT,
    IN_SIGN_OFF,
    SENT_BACK,
    SIGN_OFF,
    review_status,
    uk_datetime_label,
)


class SignOffLock(WorkflowLock):
    def get_message(self, user):
        if not self.for_user(user):
            return None
        return format_html(
            "Status: <b>{}</b>. Only {} can change “{}” until it is approved or {}.",
            IN_SIGN_OFF,
            _approvers(self.task),
            self.object.get_admin_display_title(),
            SENT_BACK.lower(),
        )

    def get_locked_by(self, user, can_lock=False):
        if can_lock:
            return super().get_locked_by(user, can_lock)
        return f"Locked while {IN_SIGN_OFF.lower()}"

    def get_description(self, user, can_lock=False):
        if can_lock:
            return super().get_description(user, can_lock)
        approvers = _approvers(self.task)
        return f"Only {approvers} can edit and approve it while it is {IN_SIGN_OFF.lower()}"


class ScheduledReviewLock(ScheduledForPublishLock):
    def get_message(self, user):
        revision = self.object.scheduled_revision
        status = review_status(live=self.object.live, scheduled_at=revision.approved_go_live_at)
        if self.object.live:
            after = (
                "Cancelling the schedule keeps the live version; the new version must be "
                "approved again ({sign_off}) to be published."
            )
        else:
            after = (
                "Cancelling the schedule sends it back to {draft}: it must be approved again "
                "({sign_off}) to be published."
            )
        return format_html(
            "Status: <b>{status}</b>. Nobody can change “{title}” until it goes live. " + after,
            status=status.label,
            title=revision.object_str,
            draft=DRAFT,
            sign_off=SIGN_OFF,
        )

    def get_description(self, user):
        revision = self.object.scheduled_revision
        return f"Locked until it goes live on {uk_datetime_label(revision.approved_go_live_at)}"


def _approvers(task) -> str:
    names = [group.name for group in task.specific.groups.all()] if task else []
    return " or ".join(names) if names else "the approvers"


def in_review_words(page, lock):
    """`lock` (Wagtail's, from `Page.get_lock()`) as the same lock in the review's words."""
    if isinstance(lock, ScheduledReviewLock | SignOffLock):
        return lock
    if isinstance(lock, ScheduledForPublishLock):
        return ScheduledReviewLock(lock.object)
    if isinstance(lock, WorkflowLock):
        return SignOffLock(lock.object, lock.task)
    return lock
