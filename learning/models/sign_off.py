"""The sign-off task: an Approver approves a review, choosing in that step when it goes live.

Wagtail's group approval task, whose "Approve" publishes the latest version at once unless
that version happens to carry a future go-live time. Here approving always opens a step
that says what will happen and asks for an explicit time or an explicit "now"
(learning/sign_off.py holds the behaviour; docs/sign-off.md the design).
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from wagtail.models import AbstractGroupApprovalTask

# Keys of the approval step's form that are ours, not arguments of Wagtail's approve().
STEP_FIELDS = ("go_live", "go_live_at", "confirmed", "next")


class SignOffTask(AbstractGroupApprovalTask):
    class Meta:
        verbose_name = "sign-off task"
        verbose_name_plural = "sign-off tasks"

    @classmethod
    def get_description(cls):
        return (
            "Members of the chosen groups approve or send back reviews. Approving asks when "
            "the review goes live: at a time, or now."
        )

    def get_actions(self, obj, user):
        # Both need the step's form: approving always shows when the review goes live.
        if user.is_superuser or self._user_in_groups(user):
            return [("reject", "Request changes", True), ("approve", "Approve…", True)]
        return []

    def get_form_for_action(self, action):
        from learning.sign_off import ApprovalForm

        return ApprovalForm if action == "approve" else super().get_form_for_action(action)

    def get_template_for_action(self, action):
        if action == "approve":
            return "learning/admin/sign_off/approve_step.html"
        return super().get_template_for_action(action)

    @transaction.atomic
    def on_action(self, task_state, user, action_name, **kwargs):
        if action_name != "approve":
            return super().on_action(task_state, user, action_name, **kwargs)
        from learning.report_checks import release_check
        from learning.sign_off import approved_url, decision_from_data, set_go_live

        step = {key: kwargs.pop(key, None) for key in STEP_FIELDS}
        page = task_state.workflow_state.content_object
        try:
            go_live = decision_from_data(step)
        except ValidationError:
            # Only a forged or stale request gets here: the step's form refuses the same.
            # Nothing is approved; the page says it is still in sign-off.
            return approved_url(page, step["next"] or "")
        if release_check(page.get_latest_revision_as_object()).blocking:
            # The step showed why and offered no approval; checked again here, at the
            # moment of approval, for the version Wagtail is about to publish.
            return approved_url(page, step["next"] or "")
        set_go_live(page, go_live, user)
        super().on_action(task_state, user, action_name, **kwargs)
        return approved_url(page, step["next"] or "")
