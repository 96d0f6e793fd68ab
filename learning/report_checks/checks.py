"""The checks as one step: read a report, say what it holds, and make the copy readers get.

`check_report()` inspects a PDF or Word file and returns a ReportCheck; it never raises: a
file that cannot be read (damaged, needing a password, over the limits) gives one blocking
finding, "could not be checked". `check_and_clean()` also makes the copy without author
details when there are any, and records what was removed. Other formats (CSV, XLSX, ODT)
are not checked: one finding for information says so.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from learning.extraction import ExtractionError
from learning.report_checks.docx import inspect_docx, strip_docx
from learning.report_checks.findings import (
    BLOCKING,
    INFO,
    METADATA,
    METADATA_LABELS,
    METADATA_NOT_REMOVED,
    METADATA_REMOVED,
    NOT_CHECKED,
    UNREADABLE,
    WARNING,
    Finding,
    ReportCheck,
    join_words,
    metadata_label,
)
from learning.report_checks.pdf import CannotStrip, inspect_pdf
from learning.report_checks.pdf_strip import strip_pdf

CHECKED_FORMATS = ("pdf", "docx")

MAX_CHECK_BYTES = 64 * 1024 * 1024
"""The largest file checked; bigger ones are "could not be checked" (uploads stop at 30 MB)."""

# What editors are told to do with a file that could not be checked.
_EXPORT_AGAIN = {
    "pdf": "open the report in the program it was written in, export it again as a PDF "
    "(without a password), and upload the new file",
    "docx": "open it in Word, save it again as a Word document (.docx), and upload the new file",
}


@dataclass(frozen=True)
class CheckResult:
    """A check, and the copy readers get when author details were removed (else None)."""

    check: ReportCheck
    cleaned: bytes | None = None


def file_format(filename: str) -> str:
    return PurePosixPath(filename).suffix.lower().lstrip(".")


def check_report(data: bytes, filename: str, *, label: str = "report") -> ReportCheck:
    """What the file holds that editors must know about (see findings.py). Never raises.

    `filename` chooses the format by its extension; `label` names the file in any log line
    pypdf writes (never a name from the file's content).
    """
    kind = file_format(filename)
    if kind not in CHECKED_FORMATS:
        return ReportCheck(format="", checked=False, findings=[not_checked_finding(kind)])
    if len(data) > MAX_CHECK_BYTES:
        return unreadable(kind, f"it is over {MAX_CHECK_BYTES // (1024 * 1024)} MB")
    try:
        check = inspect_pdf(data, label=label) if kind == "pdf" else inspect_docx(data)
    except Exception as error:  # anything a malformed file can make a parser raise
        return unreadable(kind, _reason(error), error)
    order = list(METADATA_LABELS)
    check.metadata = dict(
        sorted(
            check.metadata.items(),
            key=lambda item: order.index(item[0]) if item[0] in order else len(order),
        )
    )
    if check.metadata:
        check.findings.append(metadata_finding(check))
    return check


def check_and_clean(data: bytes, filename: str, *, label: str = "report") -> CheckResult:
    """`check_report()`, then the copy without author-identifying details, if it has any.

    The check records the SHA-1 of the file as uploaded (`uploaded_hash`), the metadata
    removed (`removed`) with a finding saying so, or a warning when they could not be
    removed (a secured or signed PDF: the file is then served as it is). Never raises.
    """
    check = check_report(data, filename, label=label)
    check.uploaded_hash = hashlib.sha1(data).hexdigest()  # as Wagtail's file_hash
    identifying = check.author_identifying
    if not check.checked or not identifying:
        return CheckResult(check)
    try:
        cleaned = strip_metadata(data, filename)
    except CannotStrip as reason:
        check.findings.append(metadata_not_removed_finding(check, str(reason)))
        return CheckResult(check)
    except Exception as error:
        reason = f"the file could not be rewritten ({type(error).__name__})"
        check.findings.append(metadata_not_removed_finding(check, reason))
        return CheckResult(check)
    if cleaned is None:
        return CheckResult(check)
    check.removed = identifying
    check.findings.append(metadata_removed_finding(check))
    return CheckResult(check, cleaned)


def strip_metadata(data: bytes, filename: str) -> bytes | None:
    """A copy of the PDF or Word file without author-identifying metadata; None when there
    is nothing to remove (or the format is not one that is checked).

    Raises CannotStrip (with an editor's reason) when it cannot be done, and whatever the
    parser raises for a file it cannot read.
    """
    kind = file_format(filename)
    if kind == "pdf":
        return strip_pdf(data)
    if kind == "docx":
        return strip_docx(data)
    return None


def _reason(error: Exception) -> str:
    name = type(error).__name__
    text = str(error).lower()
    if "password" in text or "decrypt" in text or "encrypt" in name.lower():
        return "it needs a password to open"
    if isinstance(error, ExtractionError) and "over" in text:
        return "it is too large to read"
    if isinstance(error, zipfile.BadZipFile):
        return "it is damaged (its parts cannot be unpacked)"
    return "it may be damaged, or not really the kind of file its name says"


# --- What editors are told ------------------------------------------------------------------


def unreadable(kind: str, reason: str, error: Exception | None = None) -> ReportCheck:
    """A check that could not be made, with its one blocking finding."""
    advice = _EXPORT_AGAIN.get(kind, "upload the report as a PDF or Word file")
    finding = Finding(
        code=UNREADABLE,
        severity=BLOCKING,
        message=(
            f"This file could not be checked: {reason}. It may hold comments, tracked "
            "changes or names that must not appear, and nobody can tell. Approval is "
            f"blocked until you upload a file that can be checked: {advice}."
        ),
        items=(type(error).__name__,) if error is not None else (),
    )
    return ReportCheck(format=kind, checked=False, findings=[finding])


def not_checked_finding(kind: str) -> Finding:
    what = f".{kind} files" if kind else "files of this kind"
    return Finding(
        code=NOT_CHECKED,
        severity=INFO,
        message=(
            f"This file was not checked: only PDF and Word (DOCX) files are checked for "
            f"comments, tracked changes, hidden files and accessibility, not {what}. Open it "
            "and check it yourself before the review is released."
        ),
    )


def _listing(check: ReportCheck, keys) -> str:
    return join_words(
        "XMP metadata" if key == "xmp" else f"{metadata_label(key)} “{check.metadata[key]}”"
        for key in keys
    )


def metadata_finding(check: ReportCheck) -> Finding:
    return Finding(
        code=METADATA,
        severity=INFO,
        message=f"Document properties: {_listing(check, check.metadata)}.",
        items=tuple(check.metadata),
    )


def metadata_removed_finding(check: ReportCheck) -> Finding:
    return Finding(
        code=METADATA_REMOVED,
        severity=INFO,
        message=(
            f"Removed from the copy readers download: {_listing(check, check.removed)}. "
            "The file as uploaded is kept for editors (“Download the original as uploaded”)."
        ),
        items=tuple(check.removed),
    )


def metadata_not_removed_finding(check: ReportCheck, reason: str) -> Finding:
    return Finding(
        code=METADATA_NOT_REMOVED,
        severity=WARNING,
        message=(
            f"Readers who download this file can see who wrote it "
            f"({_listing(check, check.author_identifying)}), and the site could not remove "
            f"it: {reason}."
        ),
        items=tuple(check.author_identifying),
    )
