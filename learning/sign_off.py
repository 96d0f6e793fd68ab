"""The approval step of sign-off: the approver says when the review goes live, and sees it.

Wagtail's group approval task publishes the latest version the moment "Approve" is clicked,
at once unless that version happens to carry a future go-live time: a review whose editor
set only its publication date went live on a click, with no time shown. Here approving is
always a step of its own (`SignOffTask.get_actions` marks it as needing data):

1. the approver chooses "at" a time (pre-filled with the time the editor proposed, if it
   is still ahead) or "now", which is never pre-selected;
2. the step shows, in words, what will happen ("goes live on Monday 14 December 2026 at
   09:00", or "goes live now") and asks for a second click to confirm;
3. `SignOffTask.on_action` puts the chosen time on the version being approved (a new
   version, by the approver, when it differs) and lets Wagtail approve it: Wagtail's own
   publish then schedules or publishes it, as before.

The step is reached from the dashboard (Wagtail's WorkflowAction view, which uses
`on_action`'s return value as the address to go to) and from the editor (Wagtail's
CollectWorkflowActionData view validates the form, then the edit view passes its cleaned
data, as JSON, to `on_action`). Either way `on_action` checks the decision again, since
the second path carries it through the browser. docs/sign-off.md shows each step.
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from wagtail.forms import TaskStateCommentForm

from learning.admin_dates import DATETIME_EXAMPLE, UNREADABLE_DATETIME, UKDateTimeField
from learning.review_status import UK_TIME, uk_datetime_label

AT = "at"
NOW = "now"
MISSING_TIME = "Enter the time the review goes live, or choose “Now”."
PAST_TIME = "This time has passed. Enter a time still to come, or choose “Now”."
NO_CHOICE = "Choose when the review goes live: at a time, or now."
# Codes of the form's "errors" that are the step's screens, not mistakes.
CONFIRM = "confirm"
CHANGE = "change"


@dataclass(frozen=True)
class GoLive:
    """When an approval makes a review public: at `at`, or now when `at` is None."""

    at: datetime | None

    @property
    def label(self) -> str:
        return uk_datetime_label(self.at) if self.at else ""

    @property
    def words(self) -> str:
        return f"on {self.label}" if self.at else "now"


class ApprovalForm(TaskStateCommentForm):
    go_live = forms.ChoiceField(
        label="When does the review go live?",
        choices=[(AT, "At this time"), (NOW, "Now, as soon as I approve")],
        widget=forms.RadioSelect,
        required=False,
    )
    go_live_at = UKDateTimeField(
        label="Go-live time (UK)",
        required=False,
        help_text=f"For example {DATETIME_EXAMPLE}: year-month-day, 24-hour clock, UK time.",
    )
    # Set by the step's second screen, once the approver has read what will happen.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # The page to go back to; Wagtail's dashboard adds it to the form it sends.
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["go_live", "go_live_at", "comment"]

    def clean(self):
        cleaned_data = super().clean()
        if self.data.get("change"):
            # "Change when it goes live" on the second screen: the first, as it was left.
            raise ValidationError("", code=CHANGE)
        try:
            self.decision = decide(cleaned_data.get("go_live"), cleaned_data.get("go_live_at"))
        except ValidationError as error:
            field = "go_live" if error.code == "no_choice" else "go_live_at"
            if field not in self.errors:
                self.add_error(field, error)
            return cleaned_data
        if not cleaned_data.get("confirmed"):
            # Valid, but not yet confirmed: the step shows what will happen (see the
            # template) and posts again with `confirmed`. Not a field error.
            raise ValidationError("", code=CONFIRM)
        return cleaned_data

    def _step_codes(self) -> list:
        return [error.code for error in self.errors.as_data().get("__all__", [])]

    @property
    def awaiting_confirmation(self) -> bool:
        return self.is_bound and CONFIRM in self._step_codes()

    @property
    def problems(self) -> list[str]:
        """Errors about the whole form, not the screens' own signals."""
        if not self.is_bound:
            return []
        return [
            message
            for error in self.errors.as_data().get("__all__", [])
            if error.code not in (CONFIRM, CHANGE)
            for message in error.messages
        ]


def decide(choice: str | None, moment: datetime | None, *, now: datetime | None = None) -> GoLive:
    """The approver's decision, or a ValidationError saying what is missing or wrong."""
    if choice == NOW:
        return GoLive(None)
    if choice != AT:
        raise ValidationError(NO_CHOICE, code="no_choice")
    if moment is None:
        raise ValidationError(MISSING_TIME, code="missing")
    if moment <= (now or timezone.now()):
        raise ValidationError(PAST_TIME, code="past")
    return GoLive(moment)


def decision_from_data(data: dict) -> GoLive:
    """The decision carried to `on_action`: the form's cleaned data, or the same as JSON."""
    moment = data.get("go_live_at")
    if isinstance(moment, str) and moment:
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError as error:
            raise ValidationError(UNREADABLE_DATETIME, code="invalid") from error
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, UK_TIME)
    return decide(data.get("go_live"), moment or None)


def proposed_go_live(page) -> datetime | None:
    """The go-live time in the version being signed off, which the step offers first."""
    revision = page.get_latest_revision()
    if revision is None:
        return page.go_live_at
    value = revision.content.get("go_live_at")
    return datetime.fromisoformat(value) if value else None


def set_go_live(page, go_live: GoLive, user) -> None:
    """Put the approver's time on the latest version, which Wagtail's approval publishes.

    A new version, by the approver, when the time differs: the submitted version is history
    and stays as it was, and the page's history shows who chose the time. `page` is the
    workflow state's own copy, which Wagtail's approval then publishes the latest version
    of (`publish_workflow_state`), so it is told of the new one.
    """
    if proposed_go_live(page) == go_live.at:
        return
    draft = page.get_latest_revision().as_object()
    draft.go_live_at = go_live.at
    page.latest_revision = draft.save_revision(user=user, log_action=True, clean=False)


def approved_url(page, next_url: str = "") -> str:
    """Where an approval from the dashboard lands: a view that says what happened."""
    url = reverse("learning_sign_off:approved", args=(page.pk,))
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def outcome_message(page) -> str:
    """What an approval did to `page`, in the words the approval step used."""
    title = page.get_admin_display_title()
    if page.workflow_in_progress:
        from learning.report_checks import release_check

        if release_check(page.get_latest_revision_as_object()).blocking:
            return (
                f"“{title}” was not approved: the report checks block it (see its Checks "
                "tab). It is still in sign-off."
            )
        return f"“{title}” was not approved: it is still in sign-off."
    scheduled = page.scheduled_revision
    if scheduled is not None:
        when = uk_datetime_label(scheduled.approved_go_live_at)
        return f"“{title}” was approved. It goes live on {when}."
    if page.live:
        return f"“{title}” was approved. It is live now."
    return f"“{title}” was approved."


def sign_off_action_menu(menu_items: list, request, context: dict) -> None:
    """The `construct_page_action_menu` hook: approving a review is the approval step.

    Wagtail labels the final task's approval "Approve… and Publish", which is untrue when
    it schedules; and an approver's own "Publish" on a review in sign-off would skip the
    step that asks when it goes live. So: one "Approve…" that opens the step, and no
    direct publishing while a review waits for it.
    """
    from wagtail.admin.action_menu import PublishMenuItem, WorkflowMenuItem

    from learning.models import ReviewPage

    page = context.get("page")
    if not isinstance(page, ReviewPage) or not page.workflow_in_progress:
        return
    for item in list(menu_items):
        if isinstance(item, WorkflowMenuItem) and item.name == "approve":
            item.label = "Approve…"
        elif isinstance(item, PublishMenuItem):
            menu_items.remove(item)
