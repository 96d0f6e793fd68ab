"""Reports checked before release (issue 17): the public interface. docs/report-checks.md.

The engine (pure: bytes in, plain values out; no Django models):

- `check_report(data, filename) -> ReportCheck`: what a PDF or Word file holds (document
  properties, comments, tracked changes, embedded files, accessibility), each finding a
  message for editors that names the fix, BLOCKING, WARNING or INFO. Never raises: an
  unreadable file gives one blocking "could not be checked" finding.
- `check_and_clean(data, filename) -> CheckResult(check, cleaned)`: the same, plus the copy
  without author-identifying metadata (None when there was none to remove).
- `strip_metadata(data, filename) -> bytes | None`: only the copy (raises CannotStrip).
- `read_report_text(file, filename) -> ReportText` and `report_pages(file, filename)`: the
  text page by page, [(3, "…"), …] for a PDF, [(None, "…")] for a Word file.
- `find_protected_names(names, sources) -> list[NameFinding]` and `split_names(text)`;
  `redact_protected_names(names, text)` replaces them in a text (an email's quote).
- `ReportCheck.from_json(document.check_findings)`, `reader_notice(check_findings)`.

On the site's documents and reviews (Django, duck-typed):

- `check_new_file(document)`: the upload step (learning/signals.py calls it before save).
- `stored_check(document)`, `current_check(document)`, `document_text(document)`.
- `release_check(page) -> ReleaseCheck`: every problem of a review (or of a revision's
  page) and its reports, each with its place; `.blocking` stops release. Its parts:
  `review_text_sources(page)` (the review's own text as sources), `report_places(links)`.
- `original_url(document)`, `can_download_original(user, document)`: the admin's
  "Download the original as uploaded".
"""

from learning.report_checks.checks import (
    CHECKED_FORMATS,
    MAX_CHECK_BYTES,
    CheckResult,
    check_and_clean,
    check_report,
    strip_metadata,
)
from learning.report_checks.documents import (
    check_new_file,
    current_check,
    document_text,
    stored_check,
)
from learning.report_checks.findings import (
    BLOCKING,
    INFO,
    WARNING,
    Accessibility,
    Finding,
    ReportCheck,
)
from learning.report_checks.names import (
    NameFinding,
    find_protected_names,
    redact_protected_names,
    split_names,
)
from learning.report_checks.pdf import CannotStrip
from learning.report_checks.readers import ReaderNotice, reader_notice
from learning.report_checks.review import (
    Problem,
    ReleaseCheck,
    release_check,
    report_places,
    review_text_sources,
)
from learning.report_checks.text import ReportText, read_report_text, report_pages


def original_url(document) -> str:
    """The admin address of "Download the original as uploaded" for the document."""
    from learning.report_checks.views import original_url as url

    return url(document)


def can_download_original(user, document) -> bool:
    """Whether `user` may download the original: can change it, an Approver or superuser."""
    from learning.report_checks.views import can_download_original as allowed

    return allowed(user, document)


__all__ = [
    "BLOCKING",
    "CHECKED_FORMATS",
    "INFO",
    "MAX_CHECK_BYTES",
    "WARNING",
    "Accessibility",
    "CannotStrip",
    "CheckResult",
    "Finding",
    "NameFinding",
    "Problem",
    "ReaderNotice",
    "ReleaseCheck",
    "ReportCheck",
    "ReportText",
    "can_download_original",
    "check_and_clean",
    "check_new_file",
    "check_report",
    "current_check",
    "document_text",
    "find_protected_names",
    "original_url",
    "read_report_text",
    "reader_notice",
    "redact_protected_names",
    "release_check",
    "report_pages",
    "report_places",
    "review_text_sources",
    "split_names",
    "stored_check",
    "strip_metadata",
]
