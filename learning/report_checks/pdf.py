"""Checking a PDF, and the copy of it without author details that readers download.

`inspect_pdf()` reads the document properties (the Info dictionary and whether there is an
XMP metadata stream, and what it says), counts review comments, attached files, pages
without text, and reads whether the PDF is tagged, titled and says its language.
`strip_pdf()` writes a copy without the author-identifying properties.

Both use pypdf through learning.extraction (its reader and its limits on pages and time),
take bytes, and raise on a file they cannot read; learning/report_checks/checks.py turns
that into a "could not be checked" finding.
"""

from __future__ import annotations

import io
import time
import xml.etree.ElementTree as ET

from learning.extraction import MAX_PAGES, MAX_SECONDS, open_pdf, pdf_page_texts
from learning.report_checks.findings import (
    BLOCKING,
    COMMENTS,
    CUSTOM_PREFIX,
    EMBEDDED_FILES,
    NO_LANGUAGE,
    NO_TITLE,
    PAGES_NOT_READ,
    SCANNED_PAGES,
    UNTAGGED,
    WARNING,
    Accessibility,
    Finding,
    ReportCheck,
    join_words,
    page_list,
    plural,
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

    xmp = _xmp_fields(root)
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

    mark_info = _resolved(root.get("/MarkInfo"))
    marked = isinstance(mark_info, dict) and bool(_resolved(mark_info.get("/Marked")))
    tagged = marked and "/StructTreeRoot" in root
    language = _text(root.get("/Lang"))
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


def _resolved(value):
    return value.get_object() if hasattr(value, "get_object") else value


def _text(value) -> str:
    """A PDF string or name as plain text, without control characters, at most 300 chars."""
    value = _resolved(value)
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    text = "".join(ch if ch.isprintable() else " " for ch in str(value))
    return " ".join(text.split())[:MAX_VALUE_CHARS]


def _info_metadata(reader) -> dict[str, str]:
    info = _resolved(reader.trailer.get("/Info"))
    metadata: dict[str, str] = {}
    if not isinstance(info, dict):
        return metadata
    for key, value in info.items():
        text = _text(value)
        if not text or key in IGNORED_INFO_KEYS:
            continue
        name = INFO_KEYS.get(key) or KNOWN_CUSTOM_KEYS.get(key) or CUSTOM_PREFIX + key.lstrip("/")
        metadata.setdefault(name, text)
    return metadata


def _xmp_fields(root) -> dict[str, str] | None:
    """What the XMP metadata stream says (title, author, creator tool, producer, keywords);
    None when there is none, empty when it cannot be read (too big, a DTD, not XML)."""
    stream = _resolved(root.get("/Metadata"))
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
    return {key: _text("; ".join(values)) for key, values in found.items() if values}


def _annotations(page) -> tuple[int, list[str]]:
    """The page's comments (markup annotations with text) and attached files' names."""
    annotations = _resolved(page.get("/Annots"))
    comments = 0
    attachments: list[str] = []
    if not isinstance(annotations, list):
        return comments, attachments
    for reference in annotations:
        annotation = _resolved(reference)
        if not isinstance(annotation, dict):
            continue
        subtype = annotation.get("/Subtype")
        if subtype == "/FileAttachment":
            spec = _resolved(annotation.get("/FS"))
            attachments.append(_file_spec_name(spec) or "an attached file")
        elif subtype in COMMENT_SUBTYPES:
            # A pop-up belonging to another annotation shows that one's text.
            if subtype == "/Popup" and "/Parent" in annotation:
                continue
            if _text(annotation.get("/Contents")) or _text(annotation.get("/RC")):
                comments += 1
    return comments, attachments


def _file_spec_name(spec) -> str:
    if isinstance(spec, dict):
        for key in ("/UF", "/F", "/DOS", "/Unix", "/Mac"):
            name = _text(spec.get(key))
            if name:
                return name
    return _text(spec) if isinstance(spec, (str, bytes)) else ""


def _embedded_file_names(root) -> list[str]:
    """The names in the catalog's /Names /EmbeddedFiles tree (the Attachments panel)."""
    names = _resolved(root.get("/Names"))
    tree = _resolved(names.get("/EmbeddedFiles")) if isinstance(names, dict) else None
    found: list[str] = []
    seen: set[int] = set()

    def walk(node, depth: int) -> None:
        node = _resolved(node)
        if not isinstance(node, dict) or depth > MAX_TREE_DEPTH or id(node) in seen:
            return
        seen.add(id(node))
        entries = _resolved(node.get("/Names"))
        if isinstance(entries, list):
            for position in range(0, len(entries) - 1, 2):
                if len(found) >= MAX_EMBEDDED_NAMES:
                    return
                spec = _resolved(entries[position + 1])
                found.append(_file_spec_name(spec) or _text(entries[position]) or "a file")
        kids = _resolved(node.get("/Kids"))
        if isinstance(kids, list):
            for kid in kids:
                walk(kid, depth + 1)

    if tree is not None:
        walk(tree, 0)
    return found


def _draws_image(page) -> bool:
    """Whether the page paints an image (directly, inline, or in a form it draws)."""
    if _resources_have_image(_resolved(page.get("/Resources")), 0):
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
    xobjects = _resolved(resources.get("/XObject"))
    if not isinstance(xobjects, dict):
        return False
    for reference in xobjects.values():
        xobject = _resolved(reference)
        if not isinstance(xobject, dict):
            continue
        subtype = xobject.get("/Subtype")
        if subtype == "/Image":
            return True
        if (
            subtype == "/Form"
            and depth < MAX_FORM_DEPTH
            and _resources_have_image(_resolved(xobject.get("/Resources")), depth + 1)
        ):
            return True
    return False


# --- What editors are told ------------------------------------------------------------------


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
    shown = join_words(f"“{name}”" for name in names[:5])
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return Finding(
        code=EMBEDDED_FILES,
        severity=BLOCKING,
        message=(
            f"This PDF has {plural(len(names), 'attached file')} ({shown}{more}), which "
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


# --- The copy without author details --------------------------------------------------------


def strip_pdf(data: bytes) -> bytes | None:
    """A copy of the PDF without its author-identifying properties; None if it has none.

    Removed: the Info key Author and every custom key (Company, SourceModified,
    LastModifiedBy…), and the XMP metadata stream (which repeats the author and often holds
    more: editing history, file paths). Kept: Title (taken from the XMP when only it had
    one), Subject, Keywords, Creator and Producer (the software that made the file), the
    dates, and everything in the document itself:
    pages, text, tags (/StructTreeRoot, /MarkInfo), /Lang, outlines, links. The whole file
    is written afresh, so earlier versions kept in it by incremental saves go too.

    Raises CannotStrip for a secured (encrypted) or digitally signed PDF, and when the copy
    does not come out with the same pages, tags and language.
    """
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, create_string_object

    reader = open_pdf(io.BytesIO(data))
    if reader.is_encrypted:
        raise CannotStrip(
            "the PDF is secured (encrypted). Export it again without security (no "
            "password, no restrictions) and upload the new file"
        )
    root = reader.root_object
    acro_form = _resolved(root.get("/AcroForm"))
    signed = isinstance(acro_form, dict) and int(_resolved(acro_form.get("/SigFlags")) or 0) & 1
    if signed or "/Perms" in root:
        raise CannotStrip(
            "the PDF is digitally signed, and changing it would break the signature. "
            "Remove the author from the original document's properties before signing"
        )
    info = _resolved(reader.trailer.get("/Info"))
    info = info if isinstance(info, dict) else None
    removed_keys = [key for key in info if key not in KEPT_INFO_KEYS] if info else []
    has_xmp = "/Metadata" in root
    if not removed_keys and not has_xmp:
        return None

    before = _structure(reader)
    title = _text(info.get("/Title")) if info else ""
    xmp_title = "" if title or not has_xmp else (_xmp_fields(root) or {}).get("title", "")
    # The reader's own objects are edited before they are cloned, so the writer never holds
    # the removed values (a cloned-then-deleted stream would still be written out).
    for key in removed_keys:
        del info[key]
    if has_xmp:
        del root[NameObject("/Metadata")]
    writer = PdfWriter(clone_from=reader)
    if xmp_title:
        writer.add_metadata({NameObject("/Title"): create_string_object(xmp_title)})
    output = io.BytesIO()
    writer.write(output)
    cleaned = output.getvalue()

    if _structure(open_pdf(io.BytesIO(cleaned))) != before:
        raise CannotStrip("the copy without them did not keep every page, its tags and language")
    return cleaned


def _structure(reader) -> tuple:
    """What must survive the copy: the page count, the tags and the language."""
    root = reader.root_object
    mark_info = _resolved(root.get("/MarkInfo"))
    marked = isinstance(mark_info, dict) and bool(_resolved(mark_info.get("/Marked")))
    return len(reader.pages), marked, "/StructTreeRoot" in root, _text(root.get("/Lang"))
