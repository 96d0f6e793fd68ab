"""Check a report document's new file before it is stored (learning/report_checks), and
read its text once the upload, or a replacement file, has committed; announce reports whose
availability window has closed, at each scheduler tick.

Connected in LearningConfig.ready(). The extraction task is enqueued in
transaction.on_commit, so it never runs for an upload that is rolled back, and it cannot
roll one back: by the time it runs the document is saved, and the task catches its own
errors.
"""

import datetime
import logging
from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import Signal
from django.utils import timezone

from wagtail.documents import get_document_model
from wagtail.models import CollectionViewRestriction

from learning.models import ReviewDocument
from learning.report_checks.documents import check_new_file, delete_stored_file
from learning.tasks import extract_document_text, pages_using, reindex
from site_core.signals import REPORT_WITHDRAWN, announce, scheduler_tick

logger = logging.getLogger(__name__)

# Sent once for each report of a live review whose "available until" date has passed, by
# the scheduler tick that first sees it, with `link` (the ReviewDocument), `page` (its
# ReviewPage), `document` and `available_until`. From then on the public gets 410 Gone for
# the document and the review shows it as no longer published: caches of either must go.
report_withdrawn = Signal()

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


_OLD_COLLECTION = "_learning_old_collection"
_STORED_FILE = "_learning_stored_file"


def note_collection(sender, instance, raw=False, **kwargs):
    """Remember the collection a saved document was in, to see whether the save moves it,
    and the name of its stored file, to see whether the save gives it another one."""
    if not raw and instance.pk is not None:
        row = sender.objects.filter(pk=instance.pk).values_list("collection_id", "file").first()
        setattr(instance, _OLD_COLLECTION, row[0] if row else None)
        setattr(instance, _STORED_FILE, row[1] if row else None)


def check_report_file(sender, instance, raw=False, **kwargs):
    """Check a new file before it is stored, and serve a copy without author details.

    Runs after note_new_file and note_collection. A file is new when it is not in storage
    yet (an upload), or when the document is new or had another file (code that saved a
    file to storage first, as Wagtail's multiple upload can). Synchronous, in the request:
    the file must be checked, and cleaned, before it can ever be served
    (learning/report_checks/documents.py, docs/report-checks.md).
    """
    stored = instance.__dict__.pop(_STORED_FILE, None)
    if raw or not instance.file:
        return
    if instance.file._committed and stored is not None and stored == instance.file.name:
        return
    check_new_file(instance)


def delete_original_file(sender, instance, **kwargs):
    """A deleted document's kept original goes from storage too, once the deletion commits
    (Wagtail deletes its served file the same way)."""
    original = instance.original_file
    if original:
        transaction.on_commit(
            partial(delete_stored_file, original.storage, original.name), robust=True
        )


def reindex_pages_after_move(sender, instance, raw=False, **kwargs):
    """A document moved to another collection may have become private, or public: the pages
    using it quote its text only while its collection is open (visibility rule)."""
    old = instance.__dict__.pop(_OLD_COLLECTION, instance.collection_id)
    if not raw and old != instance.collection_id:
        transaction.on_commit(partial(_reindex_pages_using, [instance.pk]), robust=True)


def reindex_pages_in_collection(sender, instance, **kwargs):
    """A collection's privacy changed: the pages using its documents (or those of the
    collections below it) are indexed again, with or without their text."""
    collection = instance.collection
    documents = (
        get_document_model()
        .objects.filter(collection__path__startswith=collection.path)
        .values_list("pk", flat=True)
    )
    transaction.on_commit(partial(_reindex_pages_using, list(documents)), robust=True)


def _reindex_pages_using(document_ids) -> None:
    pages = {page.pk: page for pk in document_ids for page in pages_using(pk)}
    reindex(*pages.values())


def reindex_pages_after_delete(sender, instance, **kwargs):
    """Take a deleted document's text out of the pages that linked to it.

    The links go with the document (on_delete=CASCADE); the pages are found before they do,
    and indexed again once the deletion has committed.
    """
    pages = pages_using(instance.pk)
    if pages:
        transaction.on_commit(partial(reindex, *pages), robust=True)


def announce_closed_windows(
    sender, now: datetime.datetime, since: datetime.datetime | None = None, **kwargs
) -> None:
    """Announce each report of a live review whose window closed in (since, now].

    A window closes at the first midnight, Europe/London, after its "available until" date,
    so it closed in (since, now] when that date is on or after since's day and before now's.
    With no previous tick (since is None) every closed window is announced: receivers only
    clear caches and re-index, and one that missed a withdrawal would keep showing the
    report. The report itself is not changed: its date alone decides what the public gets.
    """
    due = (
        ReviewDocument.objects.filter(page__live=True, available_until__lt=timezone.localdate(now))
        .select_related("page", "document")
        .order_by("available_until", "page_id", "sort_order")
    )
    if since is not None:
        due = due.filter(available_until__gte=timezone.localdate(since))
    for link in due:
        logger.info(
            "Report withdrawn: %s %r (document %s) of review %s %r, available until %s",
            link.get_kind_display(),
            link.label,
            link.document_id,
            link.page_id,
            link.page.title,
            link.available_until.isoformat(),
        )
        # send_robust: a receiver that fails (a cache out of reach) must not stop the others,
        # nor the announcements of the other reports, nor the scheduler's tick.
        results = report_withdrawn.send_robust(
            sender=ReviewDocument,
            link=link,
            page=link.page,
            document=link.document,
            available_until=link.available_until,
        )
        for receiver, result in results:
            if isinstance(result, Exception):
                logger.error(
                    "%r failed on the withdrawal of document %s from review %s",
                    receiver,
                    link.document_id,
                    link.page_id,
                    exc_info=result,
                )


def announce_withdrawal(sender, link, **kwargs) -> None:
    # The review no longer offers the report, and the report's address is a 410: every cached
    # page and count that showed it must go (site_core.signals.content_changed).
    announce(
        REPORT_WITHDRAWN, f"report {link.document_id} of review {link.page_id} withdrawn", link
    )


def reindex_withdrawn_review(sender, page, **kwargs) -> None:
    # The review's search text leaves out withdrawn reports (ReviewPage.report_text), so
    # search results stop quoting a report readers can no longer have.
    reindex(page)


def connect() -> None:
    scheduler_tick.connect(announce_closed_windows, dispatch_uid="learning_withdraw_reports")
    report_withdrawn.connect(reindex_withdrawn_review, dispatch_uid="learning_withdrawn_reindex")
    report_withdrawn.connect(announce_withdrawal, dispatch_uid="learning_withdrawn_announce")
    document_model = get_document_model()
    pre_save.connect(note_new_file, sender=document_model, dispatch_uid="learning_new_file")
    post_save.connect(
        queue_text_extraction, sender=document_model, dispatch_uid="learning_extract_text"
    )
    pre_delete.connect(
        reindex_pages_after_delete, sender=document_model, dispatch_uid="learning_doc_deleted"
    )
    pre_save.connect(note_collection, sender=document_model, dispatch_uid="learning_doc_collection")
    pre_save.connect(
        check_report_file, sender=document_model, dispatch_uid="learning_check_report_file"
    )
    post_delete.connect(
        delete_original_file, sender=document_model, dispatch_uid="learning_doc_original_deleted"
    )
    post_save.connect(
        reindex_pages_after_move, sender=document_model, dispatch_uid="learning_doc_moved"
    )
    for signal in (post_save, post_delete):
        signal.connect(
            reindex_pages_in_collection,
            sender=CollectionViewRestriction,
            dispatch_uid=f"learning_collection_privacy_{signal is post_save}",
        )
