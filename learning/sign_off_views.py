"""Admin views of sign-off: what an approval did, said in words (learning/sign_off.py)."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from wagtail.models import Page

from learning.notifications.notices import fresh
from learning.sign_off import decision_from_data, outcome_message

app_name = "learning_sign_off"


def approved(request, page_id: int):
    """Where an approval from the dashboard lands: the outcome as a message, then back.

    Wagtail's workflow action view adds no message and sends the approver back where they
    came from; the approval step said what would happen, and this says that it did.
    """
    page = get_object_or_404(Page, pk=page_id).specific
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    report(request, page)
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    return redirect(next_url)


def report(request, page) -> None:
    message = outcome_message(page)
    if page.workflow_in_progress:
        messages.error(request, message)
    else:
        messages.success(request, message)


def after_approval_in_editor(request, page):
    """The `after_edit_page` hook: say what an approval from the editor did.

    Wagtail's edit view says only that the page "has been updated"; an approval there
    carries the approval step's data as JSON (`workflow-action-extra-data`).
    """
    if not (
        request.POST.get("action-workflow-action")
        and request.POST.get("workflow-action-name") == "approve"
    ):
        return
    # As the database now has it: the view's own copy keeps what it read before (Wagtail
    # caches a page's scheduled version on the instance).
    page = fresh(page)
    if page.workflow_in_progress:
        try:
            decision_from_data(json.loads(request.POST.get("workflow-action-extra-data") or "{}"))
        except (ValidationError, ValueError) as error:
            messages.error(request, f"Not approved: {' '.join(getattr(error, 'messages', []))}")
            return
    report(request, page)


urlpatterns = [path("<int:page_id>/approved/", approved, name="approved")]
