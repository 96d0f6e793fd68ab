"""What the approval step of sign-off shows (templates/learning/admin/sign_off/)."""

from django import template
from django.utils import timezone

from learning.report_checks import release_check
from learning.review_status import uk_datetime_label
from learning.sign_off import AT, ApprovalForm, proposed_go_live

register = template.Library()


@register.simple_tag
def approval_step(page, form):
    """The proposed go-live time, the form to show (pre-filled with that time when it is
    still ahead, never with "now"), once the approver has chosen what will happen, and what
    the report checks find in the version to be approved (blocking problems stop it)."""
    proposed = proposed_go_live(page)
    ahead = proposed is not None and proposed > timezone.now()
    if not form.is_bound:
        form = ApprovalForm(initial={"go_live": AT, "go_live_at": proposed} if ahead else {})
    decision = getattr(form, "decision", None)
    check = release_check(page.get_latest_revision_as_object())
    return {
        "blocking": check.blocking,
        "warnings": check.warnings,
        "form": form,
        "proposed": uk_datetime_label(proposed) if proposed else "",
        "proposed_passed": proposed is not None and not ahead,
        "live": page.live,
        "decision": decision,
        "confirming": form.is_bound and form.awaiting_confirmation,
    }
