"""“Download the original as uploaded”: the file an editor uploaded, before the site took
the author details out of the copy readers get (learning/report_checks/documents.py).

An admin view (registered by learning/wagtail_hooks.py under the admin's address, so it
needs admin access). Allowed to whoever can change the document (Wagtail's collection
permissions), to Approvers and to superusers; anyone else gets 403. When nothing was
removed the served file is the file as uploaded, and that is what it sends.
"""

from __future__ import annotations

import os

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import path, reverse

from wagtail.documents import get_document_model
from wagtail.permissions import policy_registry

from learning.management.commands.setup_sign_off import APPROVERS

app_name = "learning_report_checks"


def can_download_original(user, document) -> bool:
    """Users who can change the document, Approvers and superusers."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or user.groups.filter(name=APPROVERS).exists():
        return True
    policy = policy_registry.get_by_type(type(document))
    return policy.user_has_permission_for_instance(user, "change", document)


def original_url(document) -> str:
    """The admin address of the document's original as uploaded."""
    return reverse("learning_report_checks:original", args=[document.pk])


def download_original(request: HttpRequest, document_id: int) -> FileResponse:
    document = get_object_or_404(get_document_model(), pk=document_id)
    if not can_download_original(request.user, document):
        raise PermissionDenied
    stored = document.original_file or document.file
    try:
        handle = stored.storage.open(stored.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("The file is missing from storage.") from None
    response = FileResponse(handle, as_attachment=True, filename=os.path.basename(stored.name))
    # Never kept by a proxy or the browser; never run as a page should a browser open it.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


urlpatterns = [
    path("documents/<int:document_id>/original/", download_original, name="original"),
]
