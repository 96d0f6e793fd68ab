"""The emails of sign-off: who is told what, and when (docs/notifications.md).

Wagtail already emails at three moments of a workflow (wagtail/admin/mail.py): the task's
group when a page is submitted, the submitter when it is approved, and the submitter when
changes are requested. Its notifiers are kept, recipients, notification preferences
(each user's "submitted", "approved" and "rejected" settings), language, connection and
failure logging included. The subclasses here only add to their context a `notice`: what
happened in the names of learning/review_status.py, with the go-live time in UK format.
The templates that override Wagtail's (templates/wagtailadmin/notifications/) lay it out.
`connect()` puts the subclasses in the place of Wagtail's receivers (same signals, same
dispatch_uid).

Two moments Wagtail does not email are added, built on the same classes:

- go-live: the scheduler (site_core/publishing/scheduler.py) publishes a version an approver
  scheduled; Wagtail's `page_published` signal says so (`GoLiveEmailNotifier`);
- schedule cancelled: an approver cancels a scheduled version (learning/unschedule.py calls
  `ScheduleCancelledEmailNotifier`).

Both follow each user's "approved" notification preference: they are what became of an
approval. A review's `protected_names` never reach an email: any of them found in what an
email would say (a title, a comment) is replaced by "[withheld]", and a link whose address
contains one is left out. Nothing here logs the names, or the text of an email.
"""

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from wagtail.admin.mail import (
    EmailNotificationMixin,
    GroupApprovalTaskStateSubmissionEmailNotifier,
    Notifier,
    WorkflowStateApprovalEmailNotifier,
    WorkflowStateRejectionEmailNotifier,
    WorkflowStateSubmissionEmailNotifier,
)
from wagtail.admin.utils import get_admin_base_url, get_user_display_name
from wagtail.models import Page, PageLogEntry, Revision, TaskState, WorkflowState
from wagtail.signals import (
    page_published,
    task_submitted,
    workflow_approved,
    workflow_rejected,
    workflow_submitted,
)

from learning.report_checks import find_protected_names, redact_protected_names, split_names
from learning.review_status import (
    DRAFT,
    IN_SIGN_OFF,
    LIVE,
    SENT_BACK,
    SIGN_OFF,
    page_status,
    uk_datetime_label,
)
from learning.sign_off import proposed_go_live

logger = logging.getLogger(__name__)

WITHHELD = "[withheld]"
# Log actions that put a version's go-live time into effect, or carried it out: between an
# approval and the schedule it made there is none of these.
PUBLISHING_ACTIONS = ["wagtail.publish", "wagtail.publish.schedule", "wagtail.publish.scheduled"]


# --- What an email says ---------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """One email's words: a subject, paragraphs, and links as (what it is, address)."""

    subject: str
    paragraphs: list[str]
    links: list[tuple[str, str]] = field(default_factory=list)


def display_name(user) -> str:
    return get_user_display_name(user) if user else "Someone"


def admin_url(name: str, *args) -> str:
    return f"{get_admin_base_url() or ''}{reverse(name, args=args)}"


def edit_link(page, label: str = "Open it in the admin") -> tuple[str, str]:
    return (label, admin_url("wagtailadmin_pages:edit", page.pk))


def live_link(page) -> list[tuple[str, str]]:
    url = page.full_url if page.live else None
    return [("See it on the website", url)] if url else []


def fresh(page) -> Page:
    """The page as the database holds it now: signals carry instances from before the change
    (a workflow's `content_object` still says "not live" after approval published it)."""
    return Page.objects.get(pk=page.pk).specific


def status_sentence(page) -> str:
    return f"Its status is now: {page_status(page).label}."


def cancel_consequence(page, at: datetime) -> str:
    """What cancelling a schedule does, said on the confirmation page, in the message after
    it and in the email: "Child Z will no longer go live on Monday 14 December 2026 at
    09:00. It goes back to Draft; it must be approved again (Sign-off) to be published."."""
    title = page.get_admin_display_title()
    when = uk_datetime_label(at)
    if page.live:
        return (
            f"The new version of {title} will no longer go live on {when}. The version on the "
            f"website stays {LIVE.lower()}; the new version goes back to {DRAFT} and must be "
            f"approved again ({SIGN_OFF}) to be published."
        )
    return (
        f"{title} will no longer go live on {when}. It goes back to {DRAFT}; it must be "
        f"approved again ({SIGN_OFF}) to be published."
    )


def submitted_notice(page, submitter, task=None) -> Notice:
    """The proposed go-live time is the one the approval step offers (learning/sign_off.py)."""
    title = page.get_admin_display_title()
    proposed = proposed_go_live(page)
    if proposed is not None and proposed > timezone.now():
        when = f"Proposed go-live: {uk_datetime_label(proposed)} (UK time)."
    else:
        when = "No go-live time is proposed: you choose when it goes live as you approve it."
    links = [edit_link(page, "Check it, then approve it or send it back for changes")]
    if task is not None and page.is_previewable():
        preview = admin_url("wagtailadmin_pages:workflow_preview", page.pk, task.pk)
        links.append(("Preview it", preview))
    return Notice(
        subject=f"{IN_SIGN_OFF}: {title}",
        paragraphs=[
            f"{display_name(submitter)} submitted {title} for sign-off.",
            status_sentence(page),
            when,
        ],
        links=links,
    )


def approved_notice(page, approver) -> Notice:
    title = page.get_admin_display_title()
    by = display_name(approver)
    scheduled = page.scheduled_revision
    if scheduled is not None:
        when = uk_datetime_label(scheduled.approved_go_live_at)
        return Notice(
            subject=f"Approved: {title} goes live on {when}",
            paragraphs=[
                f"{title} was approved by {by} and goes live on {when}.",
                status_sentence(page),
                "Until then nobody can change it. An approver can cancel the schedule, which "
                f"sends it back to {DRAFT}.",
            ],
            links=[edit_link(page)],
        )
    if page.live:
        return Notice(
            subject=f"Approved: {title} is now live",
            paragraphs=[f"{title} was approved by {by} and is now live.", status_sentence(page)],
            links=[*live_link(page), edit_link(page)],
        )
    return Notice(
        subject=f"Approved: {title}",
        paragraphs=[f"{title} was approved by {by}.", status_sentence(page)],
        links=[edit_link(page)],
    )


def rejected_notice(page, rejector, comment: str) -> Notice:
    title = page.get_admin_display_title()
    paragraphs = [f"{display_name(rejector)} sent {title} back for changes."]
    if comment:
        paragraphs.append(f"Their comment: “{comment}”")
    paragraphs += [
        status_sentence(page),
        "Make the changes, then submit it for sign-off again.",
    ]
    return Notice(subject=f"{SENT_BACK}: {title}", paragraphs=paragraphs, links=[edit_link(page)])


def go_live_notice(page, at: datetime, approver) -> Notice:
    title = page.get_admin_display_title()
    when = uk_datetime_label(at)
    approved = f", as {display_name(approver)} approved" if approver else ""
    return Notice(
        subject=f"Live: {title} is now live",
        paragraphs=[
            f"{title} is now live: it went live on {when}{approved}.",
            status_sentence(page),
        ],
        links=[*live_link(page), edit_link(page)],
    )


def cancelled_notice(page, at: datetime, canceller) -> Notice:
    title = page.get_admin_display_title()
    when = uk_datetime_label(at)
    return Notice(
        subject=f"Schedule cancelled: {title} will not go live on {when}",
        paragraphs=[
            f"{display_name(canceller)} cancelled the schedule.",
            cancel_consequence(page, at),
            status_sentence(page),
        ],
        links=[edit_link(page)],
    )


# --- Names that must never appear -------------------------------------------------------------


def protected_names(page) -> list[str]:
    """A review's private names, from the page and from its latest version (a draft may have
    added some); none for other pages."""
    texts = [getattr(page, "protected_names", "") or ""]
    revision = page.get_latest_revision() if hasattr(page, "protected_names") else None
    if revision is not None:
        texts.append(revision.content.get("protected_names") or "")
    return sorted({name for text in texts for name in split_names(text)})


def withhold_names(notice: Notice, page) -> Notice:
    """The notice with each protected name replaced by "[withheld]", and every link whose
    address holds one left out: found by the report checks' own matcher (case, accents,
    possessives), so an email never says what release would refuse."""
    names = protected_names(page)
    if not names:
        return notice

    def holds_a_name(text: str) -> bool:
        return bool(find_protected_names(names, [("", text)]))

    def clean(text: str) -> str:
        return redact_protected_names(names, text, WITHHELD)

    return replace(
        notice,
        subject=clean(notice.subject),
        paragraphs=[clean(paragraph) for paragraph in notice.paragraphs],
        links=[(clean(label), url) for label, url in notice.links if not holds_a_name(url)],
    )


def notice_for(page, notice: Notice) -> Notice:
    return withhold_names(notice, page)


# --- Who approved a scheduled version, and who submitted it -----------------------------------


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


# --- Wagtail's notifiers, telling what happened in the review's words ---------------------------


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


# --- The two emails Wagtail does not send -----------------------------------------------------


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


# --- Wiring ---------------------------------------------------------------------------------

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
