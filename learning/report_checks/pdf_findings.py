"""What editors are told about a PDF: each finding of `inspect_pdf()` in words that name the fix."""

from __future__ import annotations

from learning.extraction import MAX_PAGES, MAX_SECONDS
from learning.report_checks.findings import (
    BLOCKING,
    COMMENTS,
    EMBEDDED_FILES,
    NO_LANGUAGE,
    NO_TITLE,
    PAGES_NOT_READ,
    SCANNED_PAGES,
    UNTAGGED,
    WARNING,
    Finding,
    join_words,
    page_list,
    plural,
    quoted_names,
)


def comments_finding(count: int, pages: list[int]) -> Finding:
    return Finding(
        code=COMMENTS,
        severity=BLOCKING,
        message=(
            f"This PDF has {plural(count, 'comment')} ({page_list(pages).lower()}), which "
            "anyone who downloads it can read. Approval is blocked until you upload a clean "
            "file: delete the comments in the original document and export the PDF again, "
            "or in Adobe Acrobat open All tools > Add comments, select every comment in the "
            "list, delete them, save, and upload the new file."
        ),
        pages=tuple(pages),
        count=count,
    )


def attachments_finding(names: list[str]) -> Finding:
    return Finding(
        code=EMBEDDED_FILES,
        severity=BLOCKING,
        message=(
            f"This PDF has {plural(len(names), 'attached file')} ({quoted_names(names)}), which "
            "anyone who downloads it can open. Approval is blocked until you upload a clean "
            "file: in Adobe Acrobat open the Attachments panel (the paper clip), delete each "
            "file, save, and upload the new file; or export the PDF again from the original "
            "document without attachments."
        ),
        count=len(names),
        items=tuple(names[:50]),
    )


def scanned_finding(pages: list[int], page_count: int) -> Finding:
    if len(pages) == page_count:
        where = "No page of this PDF has text (it looks scanned)"
    else:
        verb = "has" if len(pages) == 1 else "have"
        looks = "it looks" if len(pages) == 1 else "they look"
        where = f"{page_list(pages)} {verb} no text ({looks} scanned)"
    return Finding(
        code=SCANNED_PAGES,
        severity=WARNING,
        message=(
            f"{where}: readers using screen readers get nothing, and search cannot find "
            "their words. Export the report again from the original document, or run OCR "
            "(text recognition, in Adobe Acrobat: Scan & OCR > Recognize text), and upload "
            "the new file."
        ),
        pages=tuple(pages),
        count=len(pages),
    )


def pages_not_read_finding(pages_read: int, annotated: int, page_count: int) -> Finding:
    def only(count: int) -> str:
        if count == 0:
            return "no page was"
        return "only the first page was" if count == 1 else f"only the first {count} pages were"

    parts = []
    if pages_read < page_count:
        parts.append(
            f"{only(pages_read)} read for text, so the rest were not checked for missing "
            "text or for names that must not appear"
        )
    if annotated < page_count:
        parts.append(f"{only(annotated)} checked for comments and attached files")
    return Finding(
        code=PAGES_NOT_READ,
        severity=WARNING,
        message=(
            f"This PDF has {page_count} pages, more than the checks read (they stop after "
            f"{MAX_PAGES} pages, {int(MAX_SECONDS)} seconds, or a million characters of text): "
            f"{join_words(parts)}. Check the rest yourself, or split the report into smaller "
            "files."
        ),
        count=page_count - min(pages_read, annotated),
    )


def untagged_finding() -> Finding:
    return Finding(
        code=UNTAGGED,
        severity=WARNING,
        message=(
            "This PDF is not tagged, so screen readers cannot tell its headings, lists, "
            "tables and reading order. Export it again from Word with “Document structure "
            "tags for accessibility” ticked (File > Save As > PDF > Options), or add tags "
            "in Adobe Acrobat (All tools > Prepare for accessibility > Automatically tag "
            "PDF), and upload the new file."
        ),
    )


def no_title_finding() -> Finding:
    return Finding(
        code=NO_TITLE,
        severity=WARNING,
        message=(
            "This PDF has no title, so browsers and screen readers announce its file name "
            "instead. Give the original document a title (in Word: File > Info > "
            "Properties > Title) and export it again, or set it in Adobe Acrobat (File > "
            "Document properties > Description > Title), and upload the new file."
        ),
    )


def no_language_finding() -> Finding:
    return Finding(
        code=NO_LANGUAGE,
        severity=WARNING,
        message=(
            "This PDF does not say what language it is in, so screen readers may read it "
            "with the wrong pronunciation. Set the language in the original document (in "
            "Word: Review > Language > Set Proofing Language, English (United Kingdom)) and "
            "export it again, or set it in Adobe Acrobat (File > Document properties > "
            "Advanced > Language), and upload the new file."
        ),
    )
