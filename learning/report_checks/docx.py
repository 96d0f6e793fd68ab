"""Checking a Word (DOCX) file, and the copy of it without author details.

A DOCX is a ZIP of XML parts. `inspect_docx()` reads the document properties
(docProps/core.xml, docProps/app.xml), counts comments (word/comments.xml), tracked changes
(w:ins, w:del, w:moveFrom, w:moveTo and formatting changes in the text, headers, footers,
footnotes and endnotes) and embedded files (word/embeddings/), and reads the title and the
default language. `strip_docx()` removes the author, "last modified by", company and manager
from the properties and copies every other part unchanged.

Every XML part is streamed through learning.extraction's reader (`docx_part_elements`),
with its limits: a part over 20 MB uncompressed, or with a DTD, is refused, so a zip bomb
or an entity expansion stops there.
"""

from __future__ import annotations

import io
import re
import zipfile

from learning.extraction import MAX_XML_BYTES, docx_part_elements
from learning.report_checks.findings import (
    BLOCKING,
    COMMENTS,
    EMBEDDED_FILES,
    NO_LANGUAGE,
    NO_TITLE,
    TRACKED_CHANGES,
    WARNING,
    Accessibility,
    Finding,
    ReportCheck,
    join_words,
    plural,
    quoted_names,
)
from learning.report_checks.pdf import CannotStrip

CORE = "docProps/core.xml"
APP = "docProps/app.xml"
BODY = "word/document.xml"
COMMENTS_PART = "word/comments.xml"
STYLES = "word/styles.xml"
EMBEDDINGS = "word/embeddings/"
# The parts whose text readers see, besides the body: tracked changes count there too.
TEXT_PART = re.compile(r"word/(header\d*|footer\d*|footnotes|endnotes)\.xml")

MAX_MEMBERS = 10_000
MAX_TEXT_PARTS = 100
# All the XML parts read for one check, uncompressed (zipfile never gives more than a part's
# declared size, and each part is also held to MAX_XML_BYTES as it is read).
MAX_CHECKED_XML_BYTES = 3 * MAX_XML_BYTES
MAX_PROPERTIES_BYTES = 1024 * 1024
# A clean copy unpacks every part once, as a stream; a file that unpacks to more than this is
# refused rather than expanded (a report with its pictures is a few tens of megabytes).
MAX_UNPACKED_BYTES = 10 * MAX_XML_BYTES
MAX_VALUE_CHARS = 300

# The WordprocessingML namespaces: Transitional (what Word writes) and Strict.
W_NAMESPACES = frozenset(
    {
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "http://purl.oclc.org/ooxml/wordprocessingml/main",
    }
)
REVISIONS = frozenset(
    {
        "ins",
        "del",
        "moveFrom",
        "moveTo",
        "rPrChange",
        "pPrChange",
        "sectPrChange",
        "tblPrChange",
        "tblGridChange",
        "trPrChange",
        "tcPrChange",
        "numberingChange",
    }
)
CORE_PROPERTIES = {
    "title": "title",
    "subject": "subject",
    "keywords": "keywords",
    "creator": "author",
    "lastModifiedBy": "last_modified_by",
    "language": "language",
}
APP_PROPERTIES = {"Application": "creator", "Company": "company", "Manager": "manager"}
# Removed from the served copy: (part, local names of the elements).
STRIPPED = ((CORE, ("creator", "lastModifiedBy")), (APP, ("Company", "Manager")))


def _split(tag: str) -> tuple[str, str]:
    namespace, _, local = tag.rpartition("}")
    return namespace.lstrip("{"), local


# --- Inspecting ----------------------------------------------------------------------------


def inspect_docx(data: bytes) -> ReportCheck:
    """What the Word file holds that editors must know about. Raises if it cannot be read."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise ValueError(f"{len(members):,} parts, over the {MAX_MEMBERS:,} limit")
        names = {member.filename for member in members}
        if BODY not in names:
            raise ValueError(f"not a Word document: no {BODY}")

        properties = _properties(archive, CORE, CORE_PROPERTIES, names)
        language = properties.pop("language", "") or _default_language(archive, names)
        metadata = {**properties, **_properties(archive, APP, APP_PROPERTIES, names)}

        comments = 0
        if COMMENTS_PART in names:
            comments = _count(archive, COMMENTS_PART, {"comment"})
        text_parts = [BODY, *sorted(name for name in names if TEXT_PART.fullmatch(name))]
        text_parts = text_parts[:MAX_TEXT_PARTS]
        declared = sum(archive.getinfo(part).file_size for part in text_parts)
        if declared > MAX_CHECKED_XML_BYTES:
            raise ValueError(f"{declared:,} bytes of text parts, over {MAX_CHECKED_XML_BYTES:,}")
        changes = 0
        changed_in: list[str] = []
        for part in text_parts:
            found = _count(archive, part, REVISIONS)
            if found:
                changes += found
                changed_in.append(_part_label(part))
        embedded = sorted(
            member.filename[len(EMBEDDINGS) :]
            for member in members
            if member.filename.startswith(EMBEDDINGS) and not member.is_dir()
        )

    has_title = bool(metadata.get("title", "").strip())
    check = ReportCheck(
        format="docx",
        metadata=metadata,
        accessibility=Accessibility(has_title=has_title, language=language),
    )
    if comments:
        check.findings.append(comments_finding(comments))
    if changes:
        check.findings.append(tracked_changes_finding(changes, changed_in))
    if embedded:
        check.findings.append(embedded_finding(embedded))
    if not has_title:
        check.findings.append(no_title_finding())
    if not language:
        check.findings.append(no_language_finding())
    return check


def _clean(value: str) -> str:
    text = "".join(ch if ch.isprintable() else " " for ch in value)
    return " ".join(text.split())[:MAX_VALUE_CHARS]


def _properties(archive, part: str, wanted: dict[str, str], names: set[str]) -> dict[str, str]:
    if part not in names:
        return {}
    found: dict[str, str] = {}
    for element in docx_part_elements(archive, part):
        key = wanted.get(_split(element.tag)[1])
        value = _clean(element.text or "")
        if key and value:
            found.setdefault(key, value)
    return found


def _default_language(archive, names: set[str]) -> str:
    """The language of the document's default text (w:docDefaults in word/styles.xml)."""
    if STYLES not in names:
        return ""
    for element in docx_part_elements(archive, STYLES):
        namespace, local = _split(element.tag)
        if local == "lang" and namespace in W_NAMESPACES:
            for attribute, value in element.attrib.items():
                if _split(attribute)[1] == "val" and value.strip():
                    return _clean(value)
        if local == "docDefaults":
            break  # the styles after it set their own languages
    return ""


def _count(archive, part: str, local_names: set[str] | frozenset[str]) -> int:
    count = 0
    for element in docx_part_elements(archive, part):
        namespace, local = _split(element.tag)
        if local in local_names and namespace in W_NAMESPACES:
            count += 1
        element.clear()
    return count


def _part_label(part: str) -> str:
    name = part.rsplit("/", 1)[-1].removesuffix(".xml").rstrip("0123456789")
    return {"document": "the text", "header": "a header", "footer": "a footer"}.get(name, name)


# --- What editors are told ------------------------------------------------------------------


def comments_finding(count: int) -> Finding:
    return Finding(
        code=COMMENTS,
        severity=BLOCKING,
        message=(
            f"This Word document has {plural(count, 'comment')}, which anyone who downloads "
            "it can read, with the names of the people who wrote them. Approval is blocked "
            "until you upload a clean file: in Word choose Review > Delete > Delete All "
            "Comments in Document, save, and upload the new file."
        ),
        count=count,
    )


def tracked_changes_finding(count: int, places: list[str]) -> Finding:
    return Finding(
        code=TRACKED_CHANGES,
        severity=BLOCKING,
        message=(
            f"This Word document has {plural(count, 'tracked change')} (in "
            f"{join_words(dict.fromkeys(places))}) that have not been accepted or rejected: "
            "anyone who downloads it can see the earlier wording and who made each change. "
            "Approval is blocked until you upload a clean file: in Word choose Review > "
            "Accept > Accept All Changes and Stop Tracking, save, and upload the new file."
        ),
        count=count,
        items=tuple(dict.fromkeys(places)),
    )


def embedded_finding(names: list[str]) -> Finding:
    return Finding(
        code=EMBEDDED_FILES,
        severity=BLOCKING,
        message=(
            f"This Word document contains {plural(len(names), 'embedded file')} "
            f"({quoted_names(names)}), such as a spreadsheet or another document, which "
            "anyone who downloads it can open, with everything in it. Approval is blocked "
            "until you upload a clean file: in Word select each embedded object (an icon, or "
            "a table or chart that opens in Excel), delete it or paste it back as a picture "
            "(Home > Paste > Paste Special > Picture), save, and upload the new file."
        ),
        count=len(names),
        items=tuple(names[:50]),
    )


def no_title_finding() -> Finding:
    return Finding(
        code=NO_TITLE,
        severity=WARNING,
        message=(
            "This Word document has no title, so screen readers announce its file name "
            "instead. In Word choose File > Info > Properties > Title, type the report's "
            "title, save, and upload the new file."
        ),
    )


def no_language_finding() -> Finding:
    return Finding(
        code=NO_LANGUAGE,
        severity=WARNING,
        message=(
            "This Word document does not say what language it is in, so screen readers may "
            "read it with the wrong pronunciation. In Word select all the text, choose "
            "Review > Language > Set Proofing Language > English (United Kingdom), save, and "
            "upload the new file."
        ),
    )


# --- The copy without author details --------------------------------------------------------


def strip_docx(data: bytes) -> bytes | None:
    """A copy of the Word file without the author details; None if it has none.

    Removed: dc:creator (the author) and cp:lastModifiedBy from docProps/core.xml, Company
    and Manager from docProps/app.xml. Every other part is copied with the same content,
    name, order and date; the two properties files are edited as text, so everything else
    in them stays byte for byte. (Compressed parts are compressed again: the content is the
    same, the compressed bytes may differ.)

    Raises CannotStrip when the properties are too big to edit or the file unpacks to more
    than MAX_UNPACKED_BYTES.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = source.infolist()
        names = {member.filename for member in members}
        edits: dict[str, bytes] = {}
        for part, elements in STRIPPED:
            if part not in names:
                continue
            original = _read_properties(source, part)
            edited = original
            for local_name in elements:
                edited = _without_element(edited, local_name)
            if edited != original:
                edits[part] = edited
        if not edits:
            return None

        output = io.BytesIO()
        budget = MAX_UNPACKED_BYTES
        with zipfile.ZipFile(output, "w", allowZip64=True) as target:
            for member in members:
                copy = zipfile.ZipInfo(member.filename, date_time=member.date_time)
                copy.compress_type = (
                    member.compress_type
                    if member.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
                    else zipfile.ZIP_DEFLATED
                )
                copy.external_attr = member.external_attr
                copy.create_system = member.create_system
                copy.comment = member.comment
                if member.filename in edits:
                    target.writestr(copy, edits[member.filename])
                    continue
                if member.file_size > budget:
                    raise CannotStrip(_too_big())
                copy.file_size = member.file_size
                with source.open(member) as reading, target.open(copy, "w") as writing:
                    while chunk := reading.read(1024 * 1024):
                        budget -= len(chunk)
                        if budget < 0:
                            raise CannotStrip(_too_big())
                        writing.write(chunk)
            target.comment = source.comment
    return output.getvalue()


def _too_big() -> str:
    return (
        f"the file unpacks to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MB. Remove "
        "the author in Word (File > Info > Check for Issues > Inspect Document > Document "
        "Properties and Personal Information > Remove All) and upload the new file"
    )


def _read_properties(archive: zipfile.ZipFile, part: str) -> bytes:
    info = archive.getinfo(part)
    if info.file_size > MAX_PROPERTIES_BYTES:
        raise CannotStrip(f"{part} is too big to edit")
    with archive.open(info) as reading:
        data = reading.read(MAX_PROPERTIES_BYTES + 1)
    if len(data) > MAX_PROPERTIES_BYTES:
        raise CannotStrip(f"{part} is too big to edit")
    return data


_PREFIX = rb"(?:[A-Za-z_][\w.\-]*:)?"


def _without_element(xml: bytes, local_name: str) -> bytes:
    """The XML text without any element of that local name (whatever its prefix)."""
    name = re.escape(local_name.encode())
    pattern = re.compile(
        rb"<" + _PREFIX + name + rb"(?:\s[^>]*)?(?:/>|>.*?</" + _PREFIX + name + rb"\s*>)",
        re.DOTALL,
    )
    return pattern.sub(b"", xml)
