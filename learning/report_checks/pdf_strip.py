"""The copy of a PDF without author details, which readers download (`strip_pdf()`)."""

from __future__ import annotations

import io

from learning.extraction import open_pdf
from learning.report_checks.pdf import KEPT_INFO_KEYS, CannotStrip, pdf_text, resolved, xmp_fields


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
    acro_form = resolved(root.get("/AcroForm"))
    signed = isinstance(acro_form, dict) and int(resolved(acro_form.get("/SigFlags")) or 0) & 1
    if signed or "/Perms" in root:
        raise CannotStrip(
            "the PDF is digitally signed, and changing it would break the signature. "
            "Remove the author from the original document's properties before signing"
        )
    info = resolved(reader.trailer.get("/Info"))
    info = info if isinstance(info, dict) else None
    removed_keys = [key for key in info if key not in KEPT_INFO_KEYS] if info else []
    has_xmp = "/Metadata" in root
    if not removed_keys and not has_xmp:
        return None

    before = _structure(reader)
    title = pdf_text(info.get("/Title")) if info else ""
    xmp_title = "" if title or not has_xmp else (xmp_fields(root) or {}).get("title", "")
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
    mark_info = resolved(root.get("/MarkInfo"))
    marked = isinstance(mark_info, dict) and bool(resolved(mark_info.get("/Marked")))
    return len(reader.pages), marked, "/StructTreeRoot" in root, pdf_text(root.get("/Lang"))
