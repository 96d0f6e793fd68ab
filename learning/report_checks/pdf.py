"""Checking a PDF, and the copy of it without author details that readers download.

`inspect_pdf()` reads the document properties (the Info dictionary and whether there is an
XMP metadata stream, and what it says), counts review comments, attached files, pages
without text, and reads whether the PDF is tagged, titled and says its language.
`strip_pdf()` (pdf_strip.py) writes a copy without the author-identifying properties; the
findings' words are in pdf_findings.py.

Both use pypdf through learning.extraction (its reader and its limits on pages and time),
take bytes, and raise on a file they cannot read; learning/report_checks/checks.py turns
that into a "could not be checked" finding.
"""

from __future__ import annotations

import io
import time
import xml.etree.ElementTree as ET

from learning.extraction import MAX_PAGES, open_pdf, pdf_page_texts
from learning.report_checks.findings import (
    CUSTOM_PREFIX,
    Accessibility,
    ReportCheck,
)
from learning.report_checks.pdf_findings import (
    attachments_finding,
    comments_finding,
    no_language_finding,
    no_title_finding,
    pages_not_read_finding,
    scanned_finding,
    untagged_finding,
)


class CannotStrip(Exception):
    """The author details cannot be removed from this file; the message says why, in words
    an editor understands (it completes "The author details could not be removed: …")."""


# Annotation types that Acrobat and other viewers list as comments. Counted when they carry
# text (/Contents): a highlight or a sticky note someone typed into.
COMMENT_SUBTYPES = frozenset(
    {
        "/Text",
        "/FreeText",
        "/Popup",
        "/Highlight",
        "/Underline",
        "/Squiggly",
        "/StrikeOut",
        "/Caret",
        "/Ink",
        "/Square",
        "/Circle",
        "/Line",
        "/Polygon",
        "/PolyLine",
        "/Stamp",
        "/Sound",
    }
)
# Info keys kept in the served copy; every other key (Author, and custom keys such as
# Company, SourceModified, LastModifiedBy) is removed. Creator and Producer name software
# ("Microsoft Word", "Acrobat PDFMaker"), not people: kept, and listed to editors.
KEPT_INFO_KEYS = frozenset(
    {
        "/Title",
        "/Subject",
        "/Keywords",
        "/Creator",
        "/Producer",
        "/CreationDate",
        "/ModDate",
        "/Trapped",
    }
)
# Standard Info keys and where they go in ReportCheck.metadata; others are custom.
INFO_KEYS = {
    "/Title": "title",
    "/Subject": "subject",
    "/Keywords": "keywords",
    "/Author": "author",
    "/Creator": "creator",
    "/Producer": "producer",
}
IGNORED_INFO_KEYS = frozenset({"/CreationDate", "/ModDate", "/Trapped"})
# Custom keys Office and Acrobat plug-ins write, under the names editors know.
KNOWN_CUSTOM_KEYS = {
    "/Company": "company",
    "/Manager": "manager",
    "/LastModifiedBy": "last_modified_by",
}

MAX_VALUE_CHARS = 300
MAX_XMP_BYTES = 1024 * 1024
MAX_ANNOTATION_PAGES = MAX_PAGES * 10  # annotations are cheap to list; text is not
MAX_ANNOTATION_SECONDS = 10.0
MAX_EMBEDDED_NAMES = 1000
MAX_TREE_DEPTH = 16
MAX_FORM_DEPTH = 3

DC = "{http://purl.org/dc/elements/1.1/}"
XMP = "{http://ns.adobe.com/xap/1.0/}"
PDF = "{http://ns.adobe.com/pdf/1.3/}"
RDF_LI = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}li"


# --- Inspecting ----------------------------------------------------------------------------


def inspect_pdf(data: bytes, *, label: str = "report") -> ReportCheck:
    """What the PDF holds that editors must know about. Raises if it cannot be read.

    `label` names the file in log lines (never a name from its content).
    """
    reader = open_pdf(io.BytesIO(data))
    pages = reader.pages
    page_count = len(pages)
    root = reader.root_object
    deadline = time.monotonic() + MAX_ANNOTATION_SECONDS

    xmp = xmp_fields(root)
    metadata = _info_metadata(reader)
    if xmp is not None:
        for key in ("author", "creator", "producer", "title", "keywords"):
            if xmp.get(key) and not metadata.get(key):
                metadata[key] = xmp[key]
        metadata["xmp"] = "present"

    comment_pages: list[int] = []
    comment_count = 0
    attachments: list[str] = []
    annotated = 0
    for index in range(min(page_count, MAX_ANNOTATION_PAGES)):
        if time.monotonic() > deadline:
            break
        annotated = index + 1
        page_comments, page_attachments = _annotations(pages[index])
        if page_comments:
            comment_count += page_comments
            comment_pages.append(index + 1)
        attachments.extend(page_attachments)
    attachments = _embedded_file_names(root) + attachments

    scanned: list[int] = []
    pages_read = 0
    for number, text in pdf_page_texts(reader, label):
        pages_read = number
        if not text.strip() and _draws_image(pages[number - 1]):
            scanned.append(number)

    mark_info = resolved(root.get("/MarkInfo"))
    marked = isinstance(mark_info, dict) and bool(resolved(mark_info.get("/Marked")))
    tagged = marked and "/StructTreeRoot" in root
    language = pdf_text(root.get("/Lang"))
    has_title = bool(metadata.get("title", "").strip())

    check = ReportCheck(
        format="pdf",
        page_count=page_count,
        metadata=metadata,
        accessibility=Accessibility(
            scanned_pages=scanned,
            pages_read=pages_read,
            tagged=tagged,
            has_title=has_title,
            language=language,
        ),
    )
    findings = check.findings
    if comment_count:
        findings.append(comments_finding(comment_count, comment_pages))
    if attachments:
        findings.append(attachments_finding(attachments))
    if scanned:
        findings.append(scanned_finding(scanned, page_count))
    if pages_read < page_count or annotated < page_count:
        findings.append(pages_not_read_finding(pages_read, annotated, page_count))
    if not tagged:
        findings.append(untagged_finding())
    if not has_title:
        findings.append(no_title_finding())
    if not language:
        findings.append(no_language_finding())
    return check


def resolved(value):
    return value.get_object() if hasattr(value, "get_object") else value


def pdf_text(value) -> str:
    """A PDF string or name as plain text, without control characters, at most 300 chars."""
    value = resolved(value)
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    text = "".join(ch if ch.isprintable() else " " for ch in str(value))
    return " ".join(text.split())[:MAX_VALUE_CHARS]


def _info_metadata(reader) -> dict[str, str]:
    info = resolved(reader.trailer.get("/Info"))
    metadata: dict[str, str] = {}
    if not isinstance(info, dict):
        return metadata
    for key, value in info.items():
        text = pdf_text(value)
        if not text or key in IGNORED_INFO_KEYS:
            continue
        name = INFO_KEYS.get(key) or KNOWN_CUSTOM_KEYS.get(key) or CUSTOM_PREFIX + key.lstrip("/")
        metadata.setdefault(name, text)
    return metadata


def xmp_fields(root) -> dict[str, str] | None:
    """What the XMP metadata stream says (title, author, creator tool, producer, keywords);
    None when there is none, empty when it cannot be read (too big, a DTD, not XML)."""
    stream = resolved(root.get("/Metadata"))
    if stream is None:
        return None
    try:
        data = stream.get_data()
    except Exception:  # a damaged stream still counts as present
        return {}
    if len(data) > MAX_XMP_BYTES or b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return {}
    try:
        tree = ET.fromstring(data)
    except ET.ParseError:
        return {}
    found: dict[str, list[str]] = {}
    wanted = {
        DC + "title": "title",
        DC + "creator": "author",
        XMP + "CreatorTool": "creator",
        PDF + "Producer": "producer",
        PDF + "Keywords": "keywords",
    }
    for element in tree.iter():
        for attribute, value in element.attrib.items():
            if attribute in wanted and value.strip():
                found.setdefault(wanted[attribute], []).append(value.strip())
        key = wanted.get(element.tag)
        if key is None:
            continue
        items = [li.text.strip() for li in element.iter(RDF_LI) if li.text and li.text.strip()]
        if not items and element.text and element.text.strip():
            items = [element.text.strip()]
        found.setdefault(key, []).extend(items)
    return {key: pdf_text("; ".join(values)) for key, values in found.items() if values}


def _annotations(page) -> tuple[int, list[str]]:
    """The page's comments (markup annotations with text) and attached files' names."""
    annotations = resolved(page.get("/Annots"))
    comments = 0
    attachments: list[str] = []
    if not isinstance(annotations, list):
        return comments, attachments
    for reference in annotations:
        annotation = resolved(reference)
        if not isinstance(annotation, dict):
            continue
        subtype = annotation.get("/Subtype")
        if subtype == "/FileAttachment":
            spec = resolved(annotation.get("/FS"))
            attachments.append(_file_spec_name(spec) or "an attached file")
        elif subtype in COMMENT_SUBTYPES:
            # A pop-up belonging to another annotation shows that one's text.
            if subtype == "/Popup" and "/Parent" in annotation:
                continue
            if pdf_text(annotation.get("/Contents")) or pdf_text(annotation.get("/RC")):
                comments += 1
    return comments, attachments


def _file_spec_name(spec) -> str:
    if isinstance(spec, dict):
        for key in ("/UF", "/F", "/DOS", "/Unix", "/Mac"):
            name = pdf_text(spec.get(key))
            if name:
                return name
    return pdf_text(spec) if isinstance(spec, (str, bytes)) else ""


def _embedded_file_names(root) -> list[str]:
    """The names in the catalog's /Names /EmbeddedFiles tree (the Attachments panel)."""
    names = resolved(root.get("/Names"))
    tree = resolved(names.get("/EmbeddedFiles")) if isinstance(names, dict) else None
    found: list[str] = []
    seen: set[int] = set()

    def walk(node, depth: int) -> None:
        node = resolved(node)
        if not isinstance(node, dict) or depth > MAX_TREE_DEPTH or id(node) in seen:
            return
        seen.add(id(node))
        entries = resolved(node.get("/Names"))
        if isinstance(entries, list):
            for position in range(0, len(entries) - 1, 2):
                if len(found) >= MAX_EMBEDDED_NAMES:
                    return
                spec = resolved(entries[position + 1])
                found.append(_file_spec_name(spec) or pdf_text(entries[position]) or "a file")
        kids = resolved(node.get("/Kids"))
        if isinstance(kids, list):
            for kid in kids:
                walk(kid, depth + 1)

    if tree is not None:
        walk(tree, 0)
    return found


def _draws_image(page) -> bool:
    """Whether the page paints an image (directly, inline, or in a form it draws)."""
    if _resources_have_image(resolved(page.get("/Resources")), 0):
        return True
    try:
        contents = page.get_contents()
        data = contents.get_data() if contents is not None else b""
    except Exception:
        return False
    return b"BI" in data and b" ID" in data  # an inline image


def _resources_have_image(resources, depth: int) -> bool:
    if not isinstance(resources, dict):
        return False
    xobjects = resolved(resources.get("/XObject"))
    if not isinstance(xobjects, dict):
        return False
    for reference in xobjects.values():
        xobject = resolved(reference)
        if not isinstance(xobject, dict):
            continue
        subtype = xobject.get("/Subtype")
        if subtype == "/Image":
            return True
        if (
            subtype == "/Form"
            and depth < MAX_FORM_DEPTH
            and _resources_have_image(resolved(xobject.get("/Resources")), depth + 1)
        ):
            return True
    return False
