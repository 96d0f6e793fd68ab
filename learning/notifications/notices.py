"""What each email of sign-off says: a `Notice`, in the names of the review's states, with
the go-live time in UK format, and never a name from the review's private list."""

from dataclasses import dataclass, field, replace
from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from wagtail.admin.utils import get_admin_base_url, get_user_display_name
from wagtail.models import Page

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

WITHHELD = "[withheld]"
# Log actions that put a version's go-live time into effect, or carried it out: between an
# approval and the schedule it made there is none of these.
PUBLISHING_ACTIONS = ["wagtail.publish", "wagtail.publish.schedule", "wagtail.publish.scheduled"]


@dataclass(frozen=True)
class Notice:
    """One email's words: a subject, paragraphs, and links as (what it is, address)."""

    subject: str
    paragraphs: list[str]
    links: list[tuple[str, str]] = field(default_factory=list)


def display_name(user) -> str:
    return get_user_display_name(user) if user else "Someone"


def admin_url(name: str, *args) -> str:
    return f"{(get_admin_base_url() or '').rstrip('/')}{reverse(name, args=args)}"


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
