"""Admin views of a document's new file waiting for an Approver (learning/document_sign_off/).

- `DocumentEditView`: Wagtail's document edit view, routed at Wagtail's own address ahead of
  Wagtail's route (learning/wagtail_hooks.py). It adds the pages a new file would change and
  the waiting file to the page (templates/wagtaildocs/documents/edit.html), and, after a
  save whose new file was kept aside, says so. The rule itself is in the edit action, which
  holds the file whichever view saves the document.
- `DecideView`: accept or decline a waiting file (POST: first a screen saying what will
  happen, then the decision once confirmed).
- `download`: the waiting file, for the people who may open the document's edit page.
"""

import os

from django.contrib import messages
from django.http import FileResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.documents.views.documents import EditView as WagtailDocumentEditView
from wagtail.permissions import policy_registry

from learning.document_sign_off import (
    ReplacementRefused,
    accept,
    approver_names,
    approvers_for,
    can_replace_directly,
    consequence,
    decline,
    display_name,
    held_replacement,
    may_decide,
    pages_a_new_file_would_change,
    waiting_message,
    what_it_replaces,
)
from learning.models import DocumentReplacement
from learning.review_status import uk_datetime_label

app_name = "learning_document_replacement"

# A waiting file is someone's upload, not yet checked by an Approver: never kept by a cache,
# never opened as a page of this site.
PRIVATE = "private, no-store"
DOWNLOAD_POLICY = "sandbox; default-src 'none'"


def sign_off_context(document, user) -> dict:
    """What the document's edit page shows above the form: the pages a new file would
    change, and the file waiting for an Approver with what this user may do about it."""
    uses = pages_a_new_file_would_change(document)
    waiting = (
        document.replacements.filter(status=DocumentReplacement.Status.WAITING)
        .select_related("requested_by")
        .first()
    )
    context = {
        "uses": uses,
        "can_replace": can_replace_directly(user, uses),
        "replaces": what_it_replaces(uses) if uses else "",
        "waiting": waiting,
    }
    if waiting is not None:
        context.update(
            requested_by=display_name(waiting.requested_by),
            requested_at=uk_datetime_label(waiting.requested_at),
            file_name=os.path.basename(waiting.file.name),
            download_url=reverse(f"{app_name}:download", args=(waiting.pk,)),
            accept_url=reverse(f"{app_name}:accept", args=(waiting.pk,)),
            decline_url=reverse(f"{app_name}:decline", args=(waiting.pk,)),
            can_decide=may_decide(user, waiting, uses),
            consequence=consequence(uses),
        )
    return context


class DocumentEditView(WagtailDocumentEditView):
    """Wagtail's document edit view, saying what a new file changes and what became of it."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["document_sign_off"] = sign_off_context(self.object, self.request.user)
        return context

    def get_success_message(self):
        if held_replacement(self.object) is not None:
            return f"Document '{self.object.title}' updated; it keeps its current file for now."
        return super().get_success_message()

    def form_valid(self, form):
        response = super().form_valid(form)
        replacement = held_replacement(self.object)
        if replacement is not None:
            messages.warning(self.request, waiting_message(replacement))
        return response


class DecideView(WagtailAdminTemplateMixin, TemplateView):
    """Accept or decline a waiting file: whoever could replace the file directly may.

    A POST without `confirmed` shows what the decision will do; with it, the decision is
    made and the Approver goes back to the document's edit page.
    """

    accepting = True
    template_name = "learning/admin/document_replacement_confirm.html"
    header_icon = "doc-full-inverse"
    http_method_names = ["post"]

    @cached_property
    def replacement(self) -> DocumentReplacement:
        return get_object_or_404(
            DocumentReplacement.objects.select_related("document", "requested_by"),
            pk=self.kwargs["replacement_id"],
        )

    @cached_property
    def uses(self):
        return pages_a_new_file_would_change(self.replacement.document)

    @cached_property
    def edit_url(self) -> str:
        return reverse("wagtaildocs:edit", args=(self.replacement.document_id,))

    def get_page_title(self):
        return "Accept the new file" if self.accepting else "Decline the new file"

    def get_page_subtitle(self):
        return self.replacement.document.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("wagtaildocs:index"), "label": "Documents"},
            {"url": self.edit_url, "label": self.replacement.document.title},
            {"url": "", "label": self.get_page_title()},
        ]

    def http_method_not_allowed(self, request, *args, **kwargs):
        return HttpResponseNotAllowed(["POST"])

    def post(self, request, *args, **kwargs):
        if not may_decide(request.user, self.replacement, self.uses):
            return refused(request, self.replacement, self.uses)
        if self.replacement.status != DocumentReplacement.Status.WAITING:
            messages.error(
                request,
                "That file has already been "
                f"{self.replacement.get_status_display().lower()}: nothing was changed.",
            )
            return redirect(self.edit_url)
        if not request.POST.get("confirmed"):
            return self.render_to_response(self.get_context_data())
        title = self.replacement.document.title
        uses = self.uses
        try:
            if self.accepting:
                accept(self.replacement, request.user)
            else:
                decline(self.replacement, request.user)
        except ReplacementRefused as error:
            messages.error(request, f"Nothing was changed: {error}.")
            return redirect(self.edit_url)
        if self.accepting:
            pages = ", ".join(f"“{use.page.title}” ({use.state})" for use in uses)
            message = f"“{title}” has its new file" + (f", now on {pages}." if pages else ".")
        else:
            message = (
                f"The new file for “{title}” was declined and deleted; the document keeps its file."
            )
        messages.success(request, message)
        return redirect(self.edit_url)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            replacement=self.replacement,
            document=self.replacement.document,
            uses=self.uses,
            accepting=self.accepting,
            consequence=consequence(self.uses),
            requested_by=display_name(self.replacement.requested_by),
            file_name=os.path.basename(self.replacement.file.name),
            edit_url=self.edit_url,
            action_url=self.request.path,
        )
        return context


def refused(request, replacement: DocumentReplacement, uses=None) -> TemplateResponse:
    """403, saying who can decide: a forged or stale form, since the buttons and the link
    are shown only to those who may use them."""
    if uses is None:
        uses = pages_a_new_file_would_change(replacement.document)
    return TemplateResponse(
        request,
        "learning/admin/document_replacement_refused.html",
        {
            "page_title": "Not allowed",
            "page_subtitle": replacement.document.title,
            "header_icon": "doc-full-inverse",
            "document": replacement.document,
            "replaces": what_it_replaces(uses) if uses else "",
            "approvers": approver_names(approvers_for(uses)),
            "edit_url": reverse("wagtaildocs:edit", args=(replacement.document_id,)),
        },
        status=403,
    )


def download(request, replacement_id: int):
    """The waiting file, as an attachment, to anyone who may edit its document."""
    replacement = get_object_or_404(
        DocumentReplacement.objects.select_related("document"), pk=replacement_id
    )
    document = replacement.document
    policy = policy_registry.get_by_type(type(document))
    if not policy.user_has_permission_for_instance(request.user, "change", document):
        return refused(request, replacement, uses=[])
    if replacement.status != DocumentReplacement.Status.WAITING:
        messages.error(request, "That file was accepted or declined, and is no longer kept.")
        return redirect(reverse("wagtaildocs:edit", args=(document.pk,)))
    response = FileResponse(
        replacement.file.open("rb"),
        as_attachment=True,
        filename=os.path.basename(replacement.file.name),
    )
    response["Cache-Control"] = PRIVATE
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    return response


urlpatterns = [
    path("<int:replacement_id>/file/", download, name="download"),
    path("<int:replacement_id>/accept/", DecideView.as_view(accepting=True), name="accept"),
    path("<int:replacement_id>/decline/", DecideView.as_view(accepting=False), name="decline"),
]
