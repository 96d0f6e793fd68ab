"""The names of a review's states, for the admin templates that override Wagtail's
(templates/wagtailadmin/): the words come from learning/review_status.py."""

from django import template

from learning.review_status import (
    DRAFT,
    EXPIRED,
    TASK_STATE_LABELS,
    WORKFLOW_STATE_LABELS,
    scheduled_for,
    uk_datetime_label,
)

register = template.Library()


@register.simple_tag
def is_review(page) -> bool:
    """Whether `page` is a review: the templates keep Wagtail's own words for other pages."""
    from learning.models import ReviewPage

    return isinstance(page, ReviewPage)


@register.simple_tag
def review_draft_title(page) -> str:
    """What the status side panel calls a review's version that is not live: the time it is
    scheduled for, "Expired" once a scheduled expiry took it down, otherwise "Draft"."""
    scheduled = page.scheduled_revision
    if scheduled is not None:
        return scheduled_for(scheduled.approved_go_live_at)
    # The edit view's page is its latest version, whose `expired` is the version's, not the
    # page's: read the page's.
    if not page.live and type(page).objects.filter(pk=page.pk, expired=True).exists():
        return EXPIRED
    return DRAFT


@register.simple_tag
def sign_off_since(workflow_state) -> str:
    """Says since when: "In sign-off since Monday 14 December 2026 at 09:00", or "Sent back
    for changes on …"."""
    label = workflow_state_label(workflow_state)
    task_state = workflow_state.current_task_state
    if workflow_state.status == workflow_state.STATUS_NEEDS_CHANGES:
        finished_at = task_state.finished_at if task_state else None
        return f"{label} on {uk_datetime_label(finished_at)}" if finished_at else label
    started_at = (task_state.started_at if task_state else None) or workflow_state.created_at
    return f"{label} since {uk_datetime_label(started_at)}"


@register.filter
def workflow_state_label(workflow_state) -> str:
    return WORKFLOW_STATE_LABELS.get(workflow_state.status, workflow_state.get_status_display())


@register.filter
def task_state_label(task_state) -> str:
    return TASK_STATE_LABELS.get(task_state.status, task_state.get_status_display())


@register.filter
def task_status_label(status: str) -> str:
    """A task's status by its code (Wagtail's `all_tasks_with_status()` gives `task.status`)."""
    return TASK_STATE_LABELS.get(status, "Not started")
