"""The sign-off task: an Approver approves a review, choosing in that step when it goes live.

Wagtail's group approval task, whose "Approve" publishes the latest version at once unless
that version happens to carry a future go-live time. Here approving always opens a step
that says what will happen and asks for an explicit time or an explicit "now"
(learning/sign_off.py holds the behaviour; docs/sign-off.md the design).
"""

from wagtail.models import AbstractGroupApprovalTask


class SignOffTask(AbstractGroupApprovalTask):
    class Meta:
        verbose_name = "sign-off task"
        verbose_name_plural = "sign-off tasks"
