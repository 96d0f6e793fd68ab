"""Background work: reading the text of uploaded report documents.

With django-tasks' default ImmediateBackend (Wagtail's too) a task runs at once, in the
process that enqueues it; with a queued backend it runs in a worker. Either way it is
enqueued only after the upload has committed (learning/signals.py), and it catches every
error itself, so extraction can never break or roll back an upload.
"""

import logging
import time

from django.db import transaction

from wagtail.documents import get_document_model
from wagtail.search import index
from wagtail.utils.file import hash_filelike

from django_tasks import task

from learning.extraction import extract
from learning.models import PolicyDocument, PolicyPage, ReviewDocument, ReviewPage

logger = logging.getLogger(__name__)


@task()
def extract_document_text(document_id: int, force: bool = False) -> dict:
    """Store the text and page count of the document's file, then re-index where it is used.

    Nothing is read again if the file's content hash is the one the stored text came from,
    unless `force`. Returns a small summary (JSON, as task results must be).
    """
    try:
        return _extract_document_text(document_id, force=force)
    except Exception:
        logger.exception("Text extraction failed for document %s", document_id)
        return {"document": document_id, "status": "failed"}


def _extract_document_text(document_id: int, *, force: bool) -> dict:
    document_model = get_document_model()
    document = document_model.objects.filter(pk=document_id).first()
    if document is None:
        logger.info("Document %s no longer exists: no text to extract", document_id)
        return {"document": document_id, "status": "missing"}

    started = time.monotonic()
    with document.open_file() as file_obj:
        # Hash the stored bytes rather than trusting file_hash: Wagtail's admin forms set it,
        # but a file replaced in code, or a document made by a script, may not have it right.
        file_hash = hash_filelike(file_obj)
        if file_hash == document.text_extracted_hash and not force:
            if document.file_hash != file_hash:
                document_model.objects.filter(pk=document.pk).update(file_hash=file_hash)
            return {"document": document_id, "status": "unchanged"}
        result = extract(
            file_obj, document.filename, label=f"document {document.pk} {document.title!r}"
        )
    elapsed_ms = round((time.monotonic() - started) * 1000)

    values = {
        "extracted_text": result.text,
        "page_count": result.page_count,
        "text_extracted_hash": file_hash,
        "file_hash": file_hash,
    }
    # A queryset update sends no post_save, so this does not enqueue extraction again. It
    # only writes if the file is still the one just read: if it was replaced meanwhile, that
    # save has enqueued its own extraction.
    updated = document_model.objects.filter(pk=document.pk, file=document.file.name).update(
        **values
    )
    if not updated:
        logger.info("Document %s changed while its text was read: left as it is", document.pk)
        return {"document": document_id, "status": "superseded"}
    for name, value in values.items():
        setattr(document, name, value)

    logger.info(
        "Extracted text of document %s %r: %d chars, %s pages, %d ms",
        document.pk,
        document.title,
        len(result.text),
        "?" if result.page_count is None else result.page_count,
        elapsed_ms,
    )
    reindex(document, *pages_using(document.pk))
    return {
        "document": document_id,
        "status": "extracted",
        "chars": len(result.text),
        "pages": result.page_count,
        "ms": elapsed_ms,
    }


def pages_using(document_id: int) -> list:
    """The review and policy pages that link to the document (as their database rows stand)."""
    reviews = ReviewPage.objects.filter(
        pk__in=ReviewDocument.objects.filter(document_id=document_id).values("page_id")
    )
    policies = PolicyPage.objects.filter(
        pk__in=PolicyDocument.objects.filter(document_id=document_id).values("page_id")
    )
    return [*reviews, *policies]


def reindex(*objects) -> None:
    """Update each object's search index entry; a failure is logged, never raised."""
    for obj in objects:
        try:
            # A savepoint, so that a database error in the index cannot spoil a transaction
            # this runs inside (a management command, a test).
            with transaction.atomic():
                index.insert_or_update_object(obj)
        except Exception:
            logger.exception("Could not update the search index for %r", obj)
