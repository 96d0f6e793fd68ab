"""The text of a report page by page, for the names that must never appear.

A PDF gives one entry per page, numbered from 1; a Word file gives one entry, page None
(Word does not store pages), holding its text, headers, footers, footnotes and endnotes.
The readers and limits are learning.extraction's (500 pages, 60 seconds, a million
characters, 20 MB of XML per part), and the text is normalised as extraction does, line
breaks kept, so that words hyphenated at a line end can still be matched.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from learning.extraction import (
    MAX_CHARS,
    docx_part_text,
    normalise_whitespace,
    open_pdf,
    pdf_page_texts,
)

DOCX_TEXT_PART = re.compile(r"word/(header\d*|footer\d*|footnotes|endnotes)\.xml")
MAX_DOCX_TEXT_PARTS = 100

Page = tuple[int | None, str]


@dataclass(frozen=True)
class ReportText:
    """The pages read, the document's page count (None for Word), and whether every page
    was read (False when a limit stopped the reading: the rest was not checked)."""

    pages: list[Page]
    page_count: int | None
    complete: bool

    def sources(self, place: str) -> list[tuple[str, int | None, str]]:
        """The pages as sources for `find_protected_names()`, each named `place`."""
        return [(place, number, text) for number, text in self.pages]


def read_report_text(
    file: bytes | IO[bytes], filename: str, *, label: str = "report"
) -> ReportText:
    """The text of each page of a PDF, or of a Word file as one page. Other formats: none.

    Raises on a file that cannot be read (damaged, or needing a password).
    """
    data = file if isinstance(file, bytes) else _read(file)
    extension = PurePosixPath(filename).suffix.lower()
    if extension == ".pdf":
        reader = open_pdf(io.BytesIO(data))
        page_count = len(reader.pages)
        pages = [
            (number, normalise_whitespace(text)) for number, text in pdf_page_texts(reader, label)
        ]
        last = pages[-1][0] if pages else 0
        return ReportText(pages, page_count, complete=last == page_count)
    if extension == ".docx":
        return _docx_text(data)
    return ReportText([], None, complete=False)


def report_pages(file: bytes | IO[bytes], filename: str) -> list[Page]:
    """[(page number, text), …] of a PDF; [(None, text)] of a Word file; [] otherwise."""
    return read_report_text(file, filename).pages


def _read(file: IO[bytes]) -> bytes:
    file.seek(0)
    return file.read()


def _docx_text(data: bytes) -> ReportText:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(name for name in archive.namelist() if DOCX_TEXT_PART.fullmatch(name))
        parts = ["word/document.xml", *names[:MAX_DOCX_TEXT_PARTS]]
        texts: list[str] = []
        chars = 0
        complete = len(names) <= MAX_DOCX_TEXT_PARTS
        for part in parts:
            text = docx_part_text(archive, part)
            texts.append(text)
            chars += len(text)
            if chars >= MAX_CHARS:
                complete = False
                break
    return ReportText([(None, normalise_whitespace("\n\n".join(texts)))], None, complete)
