"""What readers are told about a report that may not work with assistive technology.

From the findings stored at upload (`ReportDocument.check_findings`): a PDF with pages
that are scanned images without text, or a PDF without tags. The review page shows the
notice under the report's link (templates/components/document_list.html) and says once how
to ask for an accessible copy (templates/learning/review_page.html). Reading the findings
costs no query: they are on the document row the page has already loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from learning.report_checks.findings import (
    READER_NO_TEXT,
    READER_UNTAGGED,
    ReportCheck,
    join_words,
    page_list,
)


@dataclass(frozen=True)
class ReaderNotice:
    problems: tuple[str, ...]
    scanned_pages: tuple[int, ...] = ()
    page_count: int | None = None

    @property
    def text(self) -> str:
        """ "This document may not work with screen readers…: why." in plain words."""
        reasons = []
        if READER_NO_TEXT in self.problems:
            if self.page_count and len(self.scanned_pages) >= self.page_count:
                reasons.append("it is a scanned image with no text, so they cannot read it")
            else:
                pages = page_list(self.scanned_pages).lower()
                reasons.append(f"{pages} are scanned images with no text")
                if len(self.scanned_pages) == 1:
                    reasons[-1] = f"{pages} is a scanned image with no text"
        if READER_UNTAGGED in self.problems:
            reasons.append(
                "it does not mark its headings and reading order, so they may read it out of order"
            )
        return (
            "This document may not work with screen readers and other assistive technology: "
            f"{join_words(reasons)}."
        )


def reader_notice(check_findings: dict | None) -> ReaderNotice | None:
    """The notice for a document's stored findings; None when readers need none (or the
    document was never checked)."""
    check = ReportCheck.from_json(check_findings)
    if check is None:
        return None
    problems = check.reader_problems
    if not problems:
        return None
    return ReaderNotice(
        problems=tuple(problems),
        scanned_pages=tuple(check.accessibility.scanned_pages),
        page_count=check.page_count,
    )
