"""Holding a new file back for an Approver, and the Approver's decision."""

import logging
import mimetypes
import os
from functools import partial

from django.core.files.uploadedfile import TemporaryUploadedFile
from django.db import transaction
from django.utils import timezone

from wagtail.actions import EditAction
from wagtail.documents.forms import get_document_form

from learning.document_sign_off.emails import email_on_commit
from learning.document_sign_off.uses import (
    PageUse,
    approvers_for,
    can_replace_directly,
    pages_a_new_file_would_change,
)
from learning.models import DocumentReplacement

logger = logging.getLogger(__name__)

# Set by DocumentEditAction on the document it saved when it kept the new file aside.
HELD_REPLACEMENT = "_learning_held_replacement"


class DocumentEditAction(EditAction):
    """Wagtail's edit of a document; a new file that needs an Approver is kept aside.

    When the form brings a new file, the document is used by live, scheduled or in-sign-off
    pages and the user cannot publish them all, the document keeps its file, the new one is
    stored as a waiting `DocumentReplacement`, and every other change of the edit is saved.
    Wagtail's form would otherwise delete the old file from storage and set the new one's
    size and hash; both are skipped by taking the file out of the form's changes.
    """

    def _save_instance(self):
        form = self.form
        if (
            form is not None
            and self.user is not None
            and self.instance.pk is not None
            and "file" in form.changed_data
            and getattr(form, "original_file", None)
        ):
            uses = pages_a_new_file_would_change(self.instance)
            if not can_replace_directly(self.user, uses):
                new_file = form.cleaned_data["file"]
                self.instance.file = form.original_file.name
                form.changed_data.remove("file")
                replacement = hold(self.instance, new_file, self.user, uses)
                setattr(self.instance, HELD_REPLACEMENT, replacement)
        return super()._save_instance()


def hold(document, new_file, user, uses: list[PageUse]) -> DocumentReplacement:
    """Store `new_file` as a replacement waiting for an Approver, and tell the Approvers.

    A newer file replaces one still waiting: that one is marked declined, with nobody named
    as its decider, and its stored copy deleted.
    """
    for earlier in document.replacements.filter(status=DocumentReplacement.Status.WAITING):
        earlier.status = DocumentReplacement.Status.DECLINED
        earlier.decided_at = timezone.now()
        earlier.save(update_fields=["status", "decided_at"])
        transaction.on_commit(partial(_delete_stored_file, earlier), robust=True)
    replacement = DocumentReplacement(document=document, requested_by=user)
    replacement.file.save(os.path.basename(new_file.name), new_file, save=False)
    replacement.save()
    replacement.uses = uses
    replacement.approvers = approvers_for(uses)
    logger.info(
        "New file for document %s from user %s waits for an Approver (pages %s)",
        document.pk,
        user.pk,
        ", ".join(str(use.page.pk) for use in uses),
    )
    recipients = [user.email for user in replacement.approvers if user.email]
    if not recipients:
        logger.warning(
            "Nobody with an email address can approve the new file of document %s", document.pk
        )
    email_on_commit(
        "document_replacement_waiting",
        f"New file for “{document.title}” waiting for your approval",
        recipients,
        replacement,
        uses=uses,
    )
    return replacement


def held_replacement(document) -> DocumentReplacement | None:
    """The replacement DocumentEditAction kept aside on this save of `document`, if any."""
    return getattr(document, HELD_REPLACEMENT, None)


class ReplacementRefused(Exception):
    """The decision cannot be made: the file is no longer waiting (someone decided first),
    or the upload checks refuse it now. The message says which; nothing was changed."""


def accept(replacement: DocumentReplacement, user) -> None:
    """Give the document the waiting file, as an edit of its file would.

    The file goes through Wagtail's document form (the site's upload checks, the new size
    and hash, the old file deleted from storage, the search index) and the edit action (the
    history's "Edited" entry): the text extraction and report checks then run on the saved
    document as after any upload (learning/signals.py). The stored copy of the waiting file
    is deleted once the document has its own. Raises ReplacementRefused, changing nothing,
    when the file is no longer waiting or the upload checks refuse it.
    """
    with transaction.atomic():
        _still_waiting(replacement)
        document = replacement.document
        name = os.path.basename(replacement.file.name)
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        upload = TemporaryUploadedFile(name, content_type, replacement.file.size, None)
        try:
            with replacement.file.open("rb") as source:
                for chunk in source.chunks():
                    upload.write(chunk)
            upload.seek(0)
            form_class = get_document_form(type(document), fields=["file"])
            form = form_class(
                data={"collection": document.collection_id},
                files={"file": upload},
                instance=document,
                user=user,
            )
            if not form.is_valid():
                raise ReplacementRefused(" ".join(form.errors.get("file", [])) or "not valid")
            DocumentEditAction(document, user=user, form=form).execute()
        finally:
            upload.close()
        if held_replacement(document) is not None:  # may_decide() was not asked
            raise ReplacementRefused("only someone who can publish its pages can accept it")
        _decided(replacement, DocumentReplacement.Status.ACCEPTED, user)
    _tell_the_editor(replacement, "document_replacement_accepted", "accepted")


def decline(replacement: DocumentReplacement, user) -> None:
    """Leave the document's file as it is and delete the waiting one."""
    with transaction.atomic():
        _still_waiting(replacement)
        _decided(replacement, DocumentReplacement.Status.DECLINED, user)
    _tell_the_editor(replacement, "document_replacement_declined", "declined")


def _still_waiting(replacement: DocumentReplacement) -> None:
    """Lock the replacement's row until the decision commits: two Approvers deciding at
    once act one after the other, and the second finds it decided."""
    status = (
        DocumentReplacement.objects.select_for_update()
        .filter(pk=replacement.pk)
        .values_list("status", flat=True)
        .first()
    )
    if status != DocumentReplacement.Status.WAITING:
        raise ReplacementRefused("it has already been accepted or declined")


def _decided(replacement: DocumentReplacement, status: str, user) -> None:
    replacement.status = status
    replacement.decided_by = user
    replacement.decided_at = timezone.now()
    replacement.save(update_fields=["status", "decided_by", "decided_at"])
    transaction.on_commit(partial(_delete_stored_file, replacement), robust=True)


def _tell_the_editor(replacement: DocumentReplacement, template: str, verb: str) -> None:
    editor = replacement.requested_by
    if editor is None or not editor.email:
        return
    email_on_commit(
        template,
        f"Your new file for “{replacement.document.title}” was {verb}",
        [editor.email],
        replacement,
        uses=pages_a_new_file_would_change(replacement.document),
    )


def _delete_stored_file(replacement: DocumentReplacement) -> None:
    """The waiting copy leaves storage; the row keeps its name as a record."""
    if replacement.file.name:
        try:
            replacement.file.storage.delete(replacement.file.name)
        except Exception:
            logger.exception("Could not delete the stored file of replacement %s", replacement.pk)
