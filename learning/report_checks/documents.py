"""The report checks applied to the site's documents (ReportDocument).

At upload (`check_new_file()`, called by learning/signals.py before the document is saved):
the new file is checked, the findings stored on the document (`check_findings`, with
`checked_hash` the hash of the file served), and when it carries author details the upload
is kept as `original_file` and `file` becomes the copy without them, before anything is
written to storage. So Wagtail's serve view, the file hash, the size and the text
extraction all see the cleaned copy, and the uploaded file is never served.

For callers (sign-off, the admin): `stored_check()` gives a document's findings as a
ReportCheck, `current_check()` the same or a fresh check of the stored file when the
findings are missing or out of date, and `document_text()` its text page by page.
"""

from __future__ import annotations

import hashlib
import logging
import os
from functools import partial

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction

from learning.report_checks.checks import (
    MAX_CHECK_BYTES,
    CheckResult,
    check_and_clean,
    check_report,
    file_format,
    unreadable,
)
from learning.report_checks.findings import ReportCheck
from learning.report_checks.text import ReportText, read_report_text

logger = logging.getLogger(__name__)


def check_new_file(document) -> None:
    """Check the file about to be saved on `document`; serve a copy without author details.

    Sets `check_findings`, `checked_hash`, `file_hash` and `file_size` for the file that
    will be served; when author details were removed, `original_file` is the upload and
    `file` the cleaned copy (both saved to storage by the model save that follows). An
    earlier `original_file` is deleted from storage once the save commits. Never raises:
    a file that cannot be read or checked gets a "could not be checked" finding.
    """
    field_file = document.file
    name = os.path.basename(field_file.name or "") or "document"
    label = f"document {document.pk or '(new)'}"
    data: bytes | None = None
    try:
        data = _read(field_file)
    except Exception as error:
        logger.warning("Could not read the new file of %s to check it: %r", label, error)
        result = CheckResult(unreadable(file_format(name), "it could not be read", error))
    else:
        if data is None:
            size = f"it is over {MAX_CHECK_BYTES // (1024 * 1024)} MB"
            result = CheckResult(unreadable(file_format(name), size))
        else:
            result = check_and_clean(data, name, label=label)

    old_original = document.original_file.name if document.original_file else ""
    if result.cleaned is not None:
        document.original_file = ContentFile(data, name=name)
        document.file = ContentFile(result.cleaned, name=name)
        served = result.cleaned
    else:
        document.original_file = ""
        served = data
    if served is not None:
        document.file_size = len(served)
        document.file_hash = hashlib.sha1(served).hexdigest()  # as Wagtail's file_hash
    document.check_findings = result.check.to_json()
    document.checked_hash = document.file_hash or ""
    if old_original:
        storage = document.original_file.storage
        transaction.on_commit(partial(delete_stored_file, storage, old_original), robust=True)
    logger.info(
        "Checked the new file of %s: %d blocking, %d warnings%s",
        label,
        len(result.check.blocking),
        len(result.check.warnings),
        ", author details removed" if result.cleaned is not None else "",
    )


def _read(field_file) -> bytes | None:
    """The file's bytes (a new upload, or a file already in storage); None if too big."""
    field_file.open("rb")
    try:
        field_file.seek(0)
        data = field_file.read(MAX_CHECK_BYTES + 1)
    finally:
        if field_file._committed:
            field_file.close()
        else:
            field_file.seek(0)  # the model save writes the upload from its start
    return None if len(data) > MAX_CHECK_BYTES else data


def delete_stored_file(storage, name: str) -> None:
    try:
        storage.delete(name)
    except Exception:
        logger.exception("Could not delete the stored file %s", name)


def stored_check(document) -> ReportCheck | None:
    """The findings stored for the document's current file; None when it was never checked
    or its file has changed since (`checked_hash` differs from `file_hash`)."""
    check = ReportCheck.from_json(document.check_findings)
    if check is None or not document.checked_hash:
        return None
    if document.file_hash and document.checked_hash != document.file_hash:
        return None
    return check


def current_check(document) -> ReportCheck:
    """The stored findings if they are current, else a check of the stored file now (for a
    document uploaded before the checks existed, or whose file was changed by a script).
    Writes nothing: the file is checked as it is served, and nothing is removed from it."""
    check = stored_check(document)
    if check is not None:
        return check
    try:
        with document.open_file() as handle:
            data = handle.read(MAX_CHECK_BYTES + 1)
    except Exception as error:
        return unreadable(file_format(document.filename), "its file could not be read", error)
    if len(data) > MAX_CHECK_BYTES:
        size = f"it is over {MAX_CHECK_BYTES // (1024 * 1024)} MB"
        return unreadable(file_format(document.filename), size)
    return check_report(data, document.filename, label=f"document {document.pk}")


# How long a report's text is kept in the cache. The key names the file by its hash, so a
# new file is read afresh; the time only bounds what an unused report takes up.
TEXT_CACHE_SECONDS = 24 * 60 * 60


def document_text(document) -> ReportText:
    """The text of the document's served file, page by page (learning/report_checks/text.py).

    The names check reads it each time the review's edit form, the approval step or a
    submission asks (`release_check()`), and reading a long PDF takes seconds: it is kept
    in the cache under the file's hash. Raises when the file cannot be read: callers report
    that the names could not be checked.
    """
    key = f"report-text:{document.pk}:{document.file_hash}" if document.file_hash else None
    if key and (kept := cache.get(key)) is not None:
        return kept
    with document.open_file() as handle:
        data = handle.read(MAX_CHECK_BYTES + 1)
    if len(data) > MAX_CHECK_BYTES:
        raise ValueError(f"over {MAX_CHECK_BYTES:,} bytes")
    text = read_report_text(data, document.filename, label=f"document {document.pk}")
    if key:
        cache.set(key, text, TEXT_CACHE_SECONDS)
    return text
