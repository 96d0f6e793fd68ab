"""Who is emailed when: Wagtail's notifiers with our notices, the two emails Wagtail does not
send (go-live, schedule cancelled), and `connect()`, which puts them in place."""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from wagtail.admin.mail import (
    EmailNotificationMixin,
    GroupApprovalTaskStateSubmissionEmailNotifier,
    Notifier,
    WorkflowStateApprovalEmailNotifier,
    WorkflowStateRejectionEmailNotifier,
    WorkflowStateSubmissionEmailNotifier,
)
from wagtail.models import Page, PageLogEntry, Revision, TaskState, WorkflowState
from wagtail.signals import (
    page_published,
    task_submitted,
    workflow_approved,
    workflow_rejected,
    workflow_submitted,
)

from learning.notifications.notices import (
    PUBLISHING_ACTIONS,
    Notice,
    approved_notice,
    cancelled_notice,
    display_name,
    fresh,
    go_live_notice,
    notice_for,
    rejected_notice,
    submitted_notice,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Approval:
    """Who put a version's go-live time into effect (`approver`: the user who scheduled it),
    and who submitted it for sign-off (`submitter`), when an approval in sign-off did."""

    approver: object = None
    submitter: object = None


def approval_of(page, revision) -> Approval:
    """Found in Wagtail's history: the log entry that scheduled `revision`, and the sign-off
    approved just before it with no other publishing in between.

    The version approved may not be the one scheduled (an approver who chooses another time
    saves a new version), so the approval is matched by time, not by version.
    """
    schedule = (
        PageLogEntry.objects.filter(
            page_id=page.pk, revision=revision, action="wagtail.publish.schedule"
        )
        .select_related("user")
        .order_by("-timestamp", "-pk")
        .first()
    )
    if schedule is None:
        return Approval()
    approved = (
        WorkflowState.objects.for_instance(page)
        .filter(
            status=WorkflowState.STATUS_APPROVED,
            current_task_state__finished_at__lte=schedule.timestamp,
        )
        .select_related("requested_by", "current_task_state")
        .order_by("-current_task_state__finished_at")
        .first()
    )
    if approved is not None:
        since = approved.current_task_state.finished_at
        published_between = (
            PageLogEntry.objects.filter(
                page_id=page.pk,
                action__in=PUBLISHING_ACTIONS,
                timestamp__gte=since,
                timestamp__lte=schedule.timestamp,
            )
            .exclude(pk=schedule.pk)
            .exists()
        )
        if not published_between:
            return Approval(approver=schedule.user, submitter=approved.requested_by)
    return Approval(approver=schedule.user)


class NoticeMixin:
    """Adds `notice` to the context of Wagtail's workflow emails about a page."""

    def get_context(self, instance, **kwargs):
        context = super().get_context(instance, **kwargs)
        if "page" in context:
            context["page"] = page = fresh(context["page"])
            context["notice"] = notice_for(page, self.get_notice(instance, page, **kwargs))
        return context

    def get_notice(self, instance, page, **kwargs) -> Notice:
        raise NotImplementedError


class SubmittedToApproversNotifier(NoticeMixin, GroupApprovalTaskStateSubmissionEmailNotifier):
    """To the task's groups (Approvers), when a review is submitted to sign-off."""

    def get_notice(self, task_state, page, **kwargs):
        return submitted_notice(page, task_state.workflow_state.requested_by, task_state.task)


class WorkflowSubmittedNotifier(NoticeMixin, WorkflowStateSubmissionEmailNotifier):
    """Wagtail's email to superusers on submission: sent to nobody here, since the task's own
    email already tells the approvers (WAGTAILADMIN_NOTIFICATION_INCLUDE_SUPERUSERS = False);
    in the same words if that setting is turned on."""

    def get_recipient_users(self, workflow_state, **kwargs):
        recipients = super().get_recipient_users(workflow_state, **kwargs)
        user = kwargs.get("user")
        # Wagtail's excludes the submitter from a queryset it then drops.
        return recipients.exclude(pk=user.pk) if user else recipients

    def get_notice(self, workflow_state, page, **kwargs):
        task_state = workflow_state.current_task_state
        task = task_state.task if task_state else None
        return submitted_notice(page, workflow_state.requested_by, task)


class ApprovedNotifier(NoticeMixin, WorkflowStateApprovalEmailNotifier):
    """To the submitter, when the last task is approved: scheduled for a time, or live."""

    def get_notice(self, workflow_state, page, **kwargs):
        task_state = workflow_state.current_task_state
        approver = kwargs.get("user") or (task_state.finished_by if task_state else None)
        return approved_notice(page, approver)


class RejectedNotifier(NoticeMixin, WorkflowStateRejectionEmailNotifier):
    """To the submitter, when an approver sends the review back for changes."""

    def get_notice(self, workflow_state, page, **kwargs):
        task_state = workflow_state.current_task_state.specific
        rejector = kwargs.get("user") or task_state.finished_by
        return rejected_notice(page, rejector, task_state.get_comment())


class PageNoticeEmailNotifier(EmailNotificationMixin, Notifier):
    """An email about a page to chosen people, in the layout of the workflow emails.

    Follows each recipient's "approved" notification preference."""

    notification = "approved"
    template_directory = "learning/email/"

    def __init__(self):
        super().__init__((Page,))

    def get_template_set(self, instance, **kwargs):
        return {
            "subject": "learning/email/notice_subject.txt",
            "text": "learning/email/notice.txt",
            "html": "learning/email/notice.html",
        }

    def get_recipient_users(self, page, *, people_to_tell=(), **kwargs):
        return set(people_to_tell)

    def get_context(self, page, *, notice, **kwargs):
        context = super().get_context(page, **kwargs)
        context.update(page=page, object=page, notice=notice_for(page, notice))
        return context

    def send(self, page, notice: Notice, recipients) -> list:
        """Email `notice` to those of `recipients` who have an address and want it; returns
        the users it was sent to (none if sending failed)."""
        chosen = self.get_valid_recipients(page, people_to_tell=recipients)
        if not chosen or not self(page, people_to_tell=recipients, notice=notice):
            return []  # a failure is logged by Wagtail's mixin, with the address
        return sorted(chosen, key=display_name)


def people(*users) -> list:
    """Each user once, active ones only, in the order given."""
    seen, found = set(), []
    for user in users:
        if user is not None and user.is_active and user.pk not in seen:
            seen.add(user.pk)
            found.append(user)
    return found


def tell_schedule_cancelled(page, revision, at: datetime, canceller) -> list:
    """Email the people who asked for the schedule `canceller` has just cancelled: the
    submitter of the sign-off that approved it and the version's author (not the canceller).
    Returns the users emailed."""
    page = fresh(page)
    approval = approval_of(page, revision)
    recipients = [
        user
        for user in people(approval.submitter, revision.user)
        if canceller is None or user.pk != canceller.pk
    ]
    emailed = PageNoticeEmailNotifier().send(
        page, cancelled_notice(page, at, canceller), recipients
    )
    logger.info(
        "schedule cancelled: page=%s revision=%s emailed=%d", page.pk, revision.pk, len(emailed)
    )
    return emailed


def tell_gone_live(page_id: int, revision_id: int, at: datetime) -> list:
    """Email the submitter and the approver of a version the scheduler has just published."""
    page = Page.objects.get(pk=page_id).specific
    revision = Revision.objects.select_related("user").get(pk=revision_id)
    approval = approval_of(page, revision)
    recipients = people(approval.submitter, approval.approver)
    emailed = PageNoticeEmailNotifier().send(
        page, go_live_notice(page, at, approval.approver), recipients
    )
    logger.info("gone live: page=%s revision=%s emailed=%d", page_id, revision_id, len(emailed))
    return emailed


def on_page_published(sender, instance, revision=None, **kwargs):
    """`page_published` for a version whose approved go-live time has come: the scheduler's
    publish (Wagtail's publish clears `approved_go_live_at` in the database, not on the
    revision it was given). The same signal is sent when an approval only schedules a page
    never published before, so the page must be live and the time passed.

    Sent after the commit: a scheduler tick (or its savepoint for this page) that rolls back
    sends nothing."""
    at = getattr(revision, "approved_go_live_at", None)
    if at is None or not instance.live or at > timezone.now():
        return
    page_id, revision_id = instance.pk, revision.pk
    # Robust: an email that cannot be sent is logged, and never stops the scheduler, which
    # treats an unexpected error as a bug and exits.
    transaction.on_commit(lambda: tell_gone_live(page_id, revision_id, at), robust=True)


REPLACED = [
    (task_submitted, TaskState, "group_approval_task_submitted_email_notification"),
    (workflow_submitted, WorkflowState, "workflow_state_submitted_email_notification"),
    (workflow_rejected, WorkflowState, "workflow_state_rejected_email_notification"),
    (workflow_approved, WorkflowState, "workflow_state_approved_email_notification"),
]
NOTIFIERS = {
    "group_approval_task_submitted_email_notification": SubmittedToApproversNotifier(),
    "workflow_state_submitted_email_notification": WorkflowSubmittedNotifier(),
    "workflow_state_rejected_email_notification": RejectedNotifier(),
    "workflow_state_approved_email_notification": ApprovedNotifier(),
}


def connect() -> None:
    """Put the notifiers above in the place of Wagtail's (wagtail/admin/signal_handlers.py),
    under the same dispatch_uid, whichever app's ready() runs first: a receiver connected
    with a dispatch_uid already taken is ignored, so Wagtail's, if first, is disconnected."""
    for signal, sender, uid in REPLACED:
        signal.disconnect(sender=sender, dispatch_uid=uid)
        signal.connect(NOTIFIERS[uid], sender=sender, dispatch_uid=uid)
    page_published.connect(on_page_published, dispatch_uid="learning_gone_live_email")
