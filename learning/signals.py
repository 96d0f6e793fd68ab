"""Read the text of a report document once its upload, or a replacement file, has committed.

Connected in LearningConfig.ready(). The task is enqueued in transaction.on_commit, so it
never runs for an upload that is rolled back, and it cannot roll one back: by the time it
runs the document is saved, and the task catches its own errors.
"""

import logging
from functools import partial

from django.db import transaction
from django.db.models.signals import post_save, pre_delete, pre_save

from wagtail.documents import get_document_model

from learning.tasks import extract_document_text, pages_using, reindex

logger = logging.getLogger(__name__)

# What the task writes; refreshed on the instance the caller holds (see _enqueue).
EXTRACTION_FIELDS = ["extracted_text", "page_count", "text_extracted_hash", "file_hash"]
_NEW_FILE = "_learning_new_file"


def note_new_file(sender, instance, raw=False, **kwargs):
    """Remember whether this save stores a new file, before the save commits it to storage.

    Wagtail's forms set file_hash for a new file, which post_save then sees; code that
    assigns a file and saves may leave the old hash, which this catches.
    """
    if not raw:
        setattr(instance, _NEW_FILE, bool(instance.file) and not instance.file._committed)


def queue_text_extraction(sender, instance, raw=False, **kwargs):
    if raw or not instance.file:
        return
    new_file = instance.__dict__.pop(_NEW_FILE, False)
    if new_file or not instance.file_hash or instance.file_hash != instance.text_extracted_hash:
        transaction.on_commit(partial(_enqueue, instance), robust=True)


def _enqueue(document) -> None:
    try:
        result = extract_document_text.enqueue(document.pk)
    except Exception:
        logger.exception("Could not queue text extraction for document %s", document.pk)
        return
    if result.is_finished:
        # The immediate backend has already run it: bring the caller's instance up to date,
        # so that saving or indexing it again does not write back the old, empty values.
        try:
            document.refresh_from_db(fields=EXTRACTION_FIELDS)
        except type(document).DoesNotExist:
            pass


def reindex_pages_after_delete(sender, instance, **kwargs):
    """Take a deleted document's text out of the pages that linked to it.

    The links go with the document (on_delete=CASCADE); the pages are found before they do,
    and indexed again once the deletion has committed.
    """
    pages = pages_using(instance.pk)
    if pages:
        transaction.on_commit(partial(reindex, *pages), robust=True)


def connect() -> None:
    document_model = get_document_model()
    pre_save.connect(note_new_file, sender=document_model, dispatch_uid="learning_new_file")
    post_save.connect(
        queue_text_extraction, sender=document_model, dispatch_uid="learning_extract_text"
    )
    pre_delete.connect(
        reindex_pages_after_delete, sender=document_model, dispatch_uid="learning_doc_deleted"
    )
