"""The text inside report documents, so that a review is found by the words of its reports.

`extract()` reads a PDF (pypdf), a DOCX (its word/document.xml, with the standard library) or
a CSV (as text) and returns the text with whitespace normalised, plus the page count of a PDF.
Other types (XLSX, ODT) give no text. It never raises: a corrupt, encrypted or unreadable file
gives empty text and one warning in the log naming the file. A scanned, image-only PDF has no
text to give (there is no OCR); that is logged as a warning too.

Uploads come from editors, but a malformed or hostile file must still not exhaust the
process, hence the limits below. See docs/search-and-extraction.md.
"""

import functools
import logging
import re
import time
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, BinaryIO
from xml.etree.ElementTree import Element, XMLPullParser

logger = logging.getLogger(__name__)

MAX_PAGES = 500
"""PDF pages read; the page count is still the whole document's."""

MAX_CHARS = 1_000_000
"""Characters of text kept for one document."""

MAX_XML_BYTES = 20 * 1024 * 1024
"""Uncompressed size of a DOCX's word/document.xml that is read (a zip bomb stops here)."""

MAX_SECONDS = 60.0
"""Time spent reading the pages of one PDF; checked between pages."""

SEARCH_INDEX_BUDGET = 600_000
"""Estimated bytes one text may add to a PostgreSQL search vector (`tsvector`).

PostgreSQL rejects a tsvector over 1 MiB, and Wagtail's database search backend puts all of
a page's searchable fields into one. Ordinary prose costs about 15 bytes per 100 characters,
so real reports never come near this; a file of unique tokens (tables of codes, random data)
could, and would then make indexing its review fail. See `fit_for_search_index()`.
"""

_DOCX_BODY = "word/document.xml"
_READ_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Extracted:
    text: str
    page_count: int | None = None


class ExtractionError(Exception):
    """A file this module refuses to read further; the message says why."""


class _Progress:
    """What is known so far, so that a failure part-way still reports the page count."""

    page_count: int | None = None


def extract(file_obj: BinaryIO | IO[bytes], filename: str, *, label: str = "") -> Extracted:
    """The text of the file, whitespace normalised; empty if there is none or it can't be read.

    `filename` chooses the reader by its extension. `label` names the document in log lines
    (it defaults to the filename). Never raises.
    """
    label = label or filename
    extension = PurePosixPath(filename).suffix.lower().lstrip(".")
    reader = _READERS.get(extension)
    if reader is None:
        return Extracted("")
    progress = _Progress()
    try:
        file_obj.seek(0)
        raw = reader(file_obj, progress, label)
        text = fit_for_search_index(_truncate(normalise_whitespace(raw), MAX_CHARS))
    except Exception as error:  # anything a malformed file can make a parser raise
        logger.warning(
            "No text extracted from %s: %s: %s",
            label,
            type(error).__name__,
            str(error)[:300] or "(no message)",
        )
        logger.debug("Extraction failure for %s", label, exc_info=True)
        return Extracted("", progress.page_count)
    if not text and extension == "pdf" and progress.page_count:
        logger.warning(
            "No text found in %s (%d pages): probably a scanned image without a text layer",
            label,
            progress.page_count,
        )
    return Extracted(text, progress.page_count)


# --- Readers ---------------------------------------------------------------------------


def open_pdf(file_obj: BinaryIO | IO[bytes]):
    """A pypdf reader of the file, tolerant of the small defects common in real-world PDFs.

    An encrypted PDF is opened with the empty user password, which is how "secured" (no
    copying, no printing) reports are published; one that needs a real password raises
    when its content is read.
    """
    # Imported here: most processes never read a PDF, and pypdf is slow to import.
    from pypdf import PdfReader

    return PdfReader(file_obj, strict=False)


def pdf_page_texts(reader, label: str = "") -> Iterator[tuple[int, str]]:
    """(page number from 1, raw text) for each page read, within the limits.

    At most MAX_PAGES pages and MAX_SECONDS seconds (checked between pages); reading stops
    once MAX_CHARS characters have been read. Callers compare the last page number with
    `len(reader.pages)` to know whether every page was read.
    """
    pages = reader.pages
    deadline = time.monotonic() + MAX_SECONDS
    chars = 0
    for number in range(min(len(pages), MAX_PAGES)):
        if time.monotonic() > deadline:
            logger.warning(
                "Stopped reading %s after %d of %d pages: over %d seconds",
                label,
                number,
                len(pages),
                MAX_SECONDS,
            )
            return
        page_text = pages[number].extract_text() or ""
        yield number + 1, page_text
        chars += len(page_text)
        if chars >= MAX_CHARS:
            return
    if len(pages) > MAX_PAGES:
        logger.info("Read the first %d of %d pages of %s", MAX_PAGES, len(pages), label)


def _pdf_text(file_obj: BinaryIO, progress: _Progress, label: str) -> str:
    reader = open_pdf(file_obj)
    progress.page_count = len(reader.pages)
    return "\n\n".join(text for _number, text in pdf_page_texts(reader, label))


def _docx_text(file_obj: BinaryIO, progress: _Progress, label: str) -> str:
    """Paragraphs of word/document.xml: text from w:t, a line break after each w:p."""
    with zipfile.ZipFile(file_obj) as archive:
        return docx_part_text(archive, _DOCX_BODY)


def docx_part_text(archive: zipfile.ZipFile, part: str) -> str:
    """The text of one part of a DOCX (word/document.xml, a header, footnotes…), within limits.

    Text from w:t, a line break after each w:p. Elements are matched by local name, so
    Strict OOXML and text in DrawingML shapes count too; deleted text (w:delText) and field
    codes (w:instrText) do not. Stops at MAX_CHARS characters.
    """
    parts: list[str] = []
    chars = 0
    for element in docx_part_elements(archive, part):
        local_name = element.tag.rpartition("}")[2]
        if local_name == "t":
            text = element.text or ""
            parts.append(text)
            chars += len(text)
        elif local_name == "tab":
            parts.append(" ")
        elif local_name in {"br", "cr"}:
            parts.append("\n")
        elif local_name == "p":
            parts.append("\n")
            element.clear()  # a paragraph's text is taken; free its tree
        if chars >= MAX_CHARS:
            break
    return "".join(parts)


def docx_part_elements(archive: zipfile.ZipFile, part: str) -> Iterator[Element]:
    """Each element of one XML part of a DOCX as its end tag is read, within the limits.

    Streams: the part is never read whole. Raises ExtractionError for a missing part, one
    over MAX_XML_BYTES uncompressed (as declared, or as it actually comes out: a zip bomb
    stops there) or one with a DTD (entity expansion). A caller that keeps reading should
    `clear()` elements it is done with.
    """
    try:
        info = archive.getinfo(part)
    except KeyError:
        raise ExtractionError(f"not a Word document: no {part}") from None
    if info.file_size > MAX_XML_BYTES:
        raise ExtractionError(
            f"{part} is {info.file_size:,} bytes uncompressed, over the {MAX_XML_BYTES:,} limit"
        )
    parser = XMLPullParser(events=("end",))
    read = 0
    previous_tail = b""
    with archive.open(info) as xml:
        while chunk := xml.read(_READ_CHUNK):
            # The declared size can lie; count what actually comes out.
            read += len(chunk)
            if read > MAX_XML_BYTES:
                raise ExtractionError(f"{part} is over {MAX_XML_BYTES:,} bytes")
            # Word never writes a DTD; refusing one rules out entity expansion tricks.
            if b"<!DOCTYPE" in previous_tail + chunk:
                raise ExtractionError(f"{part} has a DTD")
            previous_tail = chunk[-16:]
            parser.feed(chunk)
            for _event, element in parser.read_events():
                yield element
        parser.close()
        for _event, element in parser.read_events():
            yield element


def _csv_text(file_obj: BinaryIO, progress: _Progress, label: str) -> str:
    limit = MAX_CHARS * 4  # bytes: at most four per character in UTF-8
    data = file_obj.read(limit + 1)
    if len(data) > limit:
        # Cut at a line end, which never falls inside a multi-byte character.
        data = data[: data.rfind(b"\n", 0, limit) + 1 or limit]
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheets saved as CSV on Windows are usually in this encoding.
        return data.decode("cp1252", errors="replace")


_READERS = {"pdf": _pdf_text, "docx": _docx_text, "csv": _csv_text}


# --- Text clean-up and limits ------------------------------------------------------------

# Control characters (PostgreSQL cannot store NUL), lone surrogates (not encodable to UTF-8)
# and soft hyphens. Tabs, line breaks and other whitespace are handled by str.split().
_UNWANTED = re.compile("[\x00-\x08\x0e-\x1f\x7f\u00ad\ud800-\udfff]")


def normalise_whitespace(text: str) -> str:
    """Each line's whitespace collapsed to single spaces; at most one blank line in a row.

    NFKC normalisation first turns ligatures (the "fi" of many PDFs), full-width and other
    compatibility characters into the plain letters people type in a search box.
    """
    text = _UNWANTED.sub("", unicodedata.normalize("NFKC", text))
    lines: list[str] = []
    for raw_line in text.splitlines():
        line = " ".join(raw_line.split())
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip()


def _truncate(text: str, limit: int) -> str:
    """At most `limit` characters, cut at whitespace where there is some."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    return (cut[:space] if space > limit // 2 else cut).rstrip()


_TOKEN = re.compile(r"\S+")
_WORD = re.compile(r"\w+")
# How PostgreSQL stores a tsvector: each distinct lexeme takes its bytes plus an entry
# header and a position or two; a repeat adds a 2-byte position, but only up to 256 per
# lexeme and only within the first 16,383 words (later positions all collapse into one).
_LEXEME_COST = 10
_POSITION_COST = 2
_MAX_POSITIONS = 256
_MAX_POSITION = 16_383


def fit_for_search_index(text: str, budget: int = SEARCH_INDEX_BUDGET) -> str:
    """The text, cut short if its PostgreSQL search vector could exceed `budget` bytes.

    The estimate errs high: each whitespace-separated token and each run of word characters
    inside it count as distinct lexemes, unstemmed, with stop words kept. Ordinary prose,
    even a million characters of it, is returned whole.
    """
    if len(text) * 12 < budget:  # the estimate never reaches 12 bytes a character
        return text
    length = _fitting_length(text, budget)
    return text if length == len(text) else text[:length].rstrip()


@functools.lru_cache(maxsize=4)  # the search backend asks for a page's text five times over
def _fitting_length(text: str, budget: int) -> int:
    seen: dict[str, int] = {}
    size = 0
    for position, match in enumerate(_TOKEN.finditer(text)):
        token = match.group().lower()
        for lexeme in {token, *_WORD.findall(token)}:
            count = seen.get(lexeme, 0)
            if count == 0:
                size += len(lexeme.encode()) + _LEXEME_COST
            elif count < _MAX_POSITIONS and position < _MAX_POSITION:
                size += _POSITION_COST
            seen[lexeme] = count + 1
        if size > budget:
            logger.info(
                "Search text cut to %d of %d characters to fit the search index",
                match.start(),
                len(text),
            )
            return match.start()
    return len(text)


def text_for_search_index(documents: Iterable) -> str:
    """The extracted text of the documents, each once and in order, as one text that fits.

    Each document's text fits on its own (extract() made sure); several together may not.
    """
    texts: dict[int, str] = {}
    for document in documents:
        texts.setdefault(document.pk, document.extracted_text)
    return fit_for_search_index("\n\n".join(text for text in texts.values() if text))
