"""What an uploaded document or image really is, checked against its name before it is saved.

Wagtail accepts a file by its extension, so a program or a web page renamed `report.pdf`
would be stored and offered to readers as a report. The admin's document and image forms
(WAGTAILDOCS_DOCUMENT_FORM_BASE, WAGTAILIMAGES_IMAGE_FORM_BASE: the single upload, the
multiple upload, the choosers' upload and the edit views all build their forms from these)
also read the file's first bytes and its structure, and refuse it, with a message naming
the file and what it looks like, when the content is not what the extension says. The
checks use only the standard library and Pillow (which Wagtail already uses). See
docs/uploads.md.
"""

import codecs
import os
import warnings
import zipfile
import zlib
from xml.parsers import expat

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from wagtail.documents.fields import WagtailDocumentField
from wagtail.documents.forms import BaseDocumentForm
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm
from wagtail.images.utils import get_allowed_image_extensions

from PIL import Image as PILImage

from site_core.documents.svg import SVGReader, UnsafeSVG

DOCUMENT_ADVICE = (
    "Upload the report as a PDF, Word (DOCX), OpenDocument (ODT), Excel (XLSX) or CSV file."
)
IMAGE_ADVICE = (
    "Upload the image as a PNG, JPEG, GIF or WebP file, or as an SVG drawing without "
    "scripts or links."
)

# What each allowed extension promises, in the words of the message.
EXPECTED = {
    "pdf": "a PDF",
    "docx": "a Word (DOCX) document",
    "xlsx": "an Excel (XLSX) spreadsheet",
    "odt": "an OpenDocument text (ODT) file",
    "csv": "a CSV file",
    "png": "a PNG image",
    "jpg": "a JPEG image",
    "jpeg": "a JPEG image",
    "gif": "a GIF image",
    "webp": "a WebP image",
    "svg": "an SVG drawing",
}
# What a file's content looks like, as identify() names it.
LOOKS_LIKE = {
    "windows-program": "a Windows program",
    "linux-program": "a Linux program",
    "mac-program": "a Mac program",
    "script": "a script",
    "web-page": "a web page (HTML)",
    "xml": "an XML file",
    "svg": "an SVG drawing",
    "pdf": "a PDF",
    "docx": "a Word (DOCX) document",
    "xlsx": "an Excel (XLSX) spreadsheet",
    "pptx": "a PowerPoint presentation",
    "odt": "an OpenDocument text (ODT) file",
    "opendocument": "another kind of OpenDocument file",
    "zip": "a ZIP archive",
    "old-office": "an older Microsoft Office file (such as .doc or .xls)",
    "rtf": "a Rich Text (RTF) document",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "gif": "a GIF image",
    "webp": "a WebP image",
}
# The kind identify() must find for each extension (CSV and SVG are text, checked apart).
KIND_FOR_EXTENSION = {
    "pdf": "pdf",
    "docx": "docx",
    "xlsx": "xlsx",
    "odt": "odt",
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "gif": "gif",
    "webp": "webp",
}
# Pillow's name for each raster format.
PILLOW_FORMAT = {"png": "PNG", "jpeg": "JPEG", "gif": "GIF", "webp": "WEBP"}

MAGIC = [
    (b"MZ", "windows-program"),
    (b"\x7fELF", "linux-program"),
    (b"\xcf\xfa\xed\xfe", "mac-program"),
    (b"\xce\xfa\xed\xfe", "mac-program"),
    (b"\xca\xfe\xba\xbe", "mac-program"),
    (b"#!", "script"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old-office"),
    (b"{\\rtf", "rtf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
]
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# What reading a damaged ZIP can raise.
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError)
# What spreadsheets save as CSV: Excel's "CSV UTF-8" (with a byte order mark), and plain
# "CSV" from older Excel on Windows.
CSV_ENCODINGS = ("utf-8-sig", "cp1252")
HEAD_BYTES = 1024
# Bigger "small" members of an office file are not read: a ZIP can hold a few kilobytes that
# expand to gigabytes.
MAX_MEMBER_READ = 1024 * 1024
WEB_PAGE_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe")


def extension(name: str) -> str:
    return os.path.splitext(name)[1].lower().lstrip(".")


def read_head(upload, size: int = HEAD_BYTES) -> bytes:
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def identify(upload) -> str | None:
    """The kind of file the content is (a key of LOOKS_LIKE), or None if unrecognised."""
    head = read_head(upload)
    for magic, kind in MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"PK\x03\x04"):
        return identify_zip(upload)
    # PDF readers accept the header anywhere in the first kilobyte, so the check does too.
    if b"%PDF-" in head:
        return "pdf"
    return identify_markup(head)


def identify_markup(head: bytes) -> str | None:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not text.startswith(b"<"):
        return None
    if text.startswith(WEB_PAGE_STARTS) or b"<html" in text:
        return "web-page"
    if b"<svg" in text:
        return "svg"
    if text.startswith(b"<?xml"):
        return "xml"
    # Markup of some other kind: a browser would still read it as a web page.
    return "web-page"


def identify_zip(upload) -> str:
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            if members and members[0].filename == "mimetype":
                mimetype = read_member(archive, members[0])
                return "odt" if mimetype.strip() == ODT_MIMETYPE else "opendocument"
            if "[Content_Types].xml" in names:
                for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
                    if any(name.startswith(prefix) for name in names):
                        return kind
    except ZIP_ERRORS:
        pass
    finally:
        upload.seek(0)
    return "zip"


def read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    if member.file_size > MAX_MEMBER_READ:
        return b""
    return archive.read(member)


def mismatch(name: str, kind: str | None, advice: str) -> ValidationError:
    expected = EXPECTED[extension(name)]
    if kind is None:
        detail = (
            "its content is not in that format (it may be damaged, or another kind of file renamed)"
        )
        return ValidationError(
            f"This file is called {name} but it is not {expected}: {detail}. {advice}",
            code="content_mismatch",
        )
    return ValidationError(
        f"This file is called {name} but it is not {expected} (it looks like "
        f"{LOOKS_LIKE[kind]}). {advice}",
        code="content_mismatch",
    )


def refused(name: str, reason: str, advice: str) -> ValidationError:
    return ValidationError(f"{name} cannot be uploaded: {reason}. {advice}", code="content_refused")


def checkable(name: str, allowed_extensions, advice: str) -> bool:
    """Whether the content check applies: False when Wagtail refuses the extension itself
    (with its own message). An extension allowed in the settings that has no check here is
    refused, so that adding one to the settings cannot let unchecked files in."""
    ext = extension(name)
    if ext not in allowed_extensions:
        return False
    if ext not in EXPECTED:
        raise refused(name, f"the site cannot check .{ext} files", advice)
    return True


# --- Documents -----------------------------------------------------------------------


def check_document(upload) -> None:
    """Raises ValidationError unless the file's content is what its extension says."""
    name = os.path.basename(upload.name)
    ext = extension(name)
    if not checkable(name, settings.WAGTAILDOCS_EXTENSIONS, DOCUMENT_ADVICE):
        return
    kind = identify(upload)
    if ext == "csv":
        if kind is not None:
            raise mismatch(name, kind, DOCUMENT_ADVICE)
        check_csv(upload, name)
        return
    if kind != KIND_FOR_EXTENSION[ext]:
        raise mismatch(name, kind, DOCUMENT_ADVICE)
    try:
        macros = ext in ("docx", "xlsx", "odt") and has_macros(upload)
    except ZIP_ERRORS:
        raise mismatch(name, None, DOCUMENT_ADVICE) from None
    if macros:
        raise refused(
            name,
            f"it contains macros, which could run on a reader's computer. Save it again as "
            f"{EXPECTED[ext]} without macros",
            DOCUMENT_ADVICE,
        )


def has_macros(upload) -> bool:
    """Office macros: a VBA project (DOCX, XLSX) or Basic or script folders (ODT).

    Word and Excel refuse to open a macro-enabled file named .docx or .xlsx, so the macros
    would not run; it is refused all the same, since such a file is a .docm or .xlsm renamed.
    """
    try:
        with zipfile.ZipFile(upload) as archive:
            for member in archive.infolist():
                lowered = member.filename.lower()
                if lowered.endswith("vbaproject.bin") or lowered.startswith(("basic/", "scripts/")):
                    return True
                if (
                    member.filename == "[Content_Types].xml"
                    and b"macroenabled" in read_member(archive, member).lower()
                ):
                    return True
    finally:
        upload.seek(0)
    return False


def check_csv(upload, name: str) -> None:
    """Text a spreadsheet can open: UTF-8 (with or without a byte order mark) or Windows-1252,
    with no NUL byte (which no text file has, and every binary file does)."""
    # Read once, in chunks: each decoder that fails on a chunk is dropped.
    decoders = {encoding: codecs.getincrementaldecoder(encoding)() for encoding in CSV_ENCODINGS}
    upload.seek(0)
    try:
        for chunk in upload.chunks():
            if b"\x00" in chunk:
                raise refused(
                    name,
                    "it contains binary data, so it is not a CSV file (a spreadsheet saved "
                    "as CSV is plain text)",
                    DOCUMENT_ADVICE,
                )
            for encoding, decoder in list(decoders.items()):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    del decoders[encoding]
    finally:
        upload.seek(0)
    for encoding, decoder in list(decoders.items()):
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            del decoders[encoding]
    if not decoders:
        raise refused(
            name,
            "its text is not in a character set the site can read. Save it from your "
            "spreadsheet as “CSV UTF-8”",
            DOCUMENT_ADVICE,
        )


# --- Images --------------------------------------------------------------------------


def check_image(upload) -> None:
    """Raises ValidationError unless the file is an image of the format its extension says,
    or an SVG drawing that cannot run script or load anything."""
    name = os.path.basename(upload.name)
    ext = extension(name)
    if not checkable(name, get_allowed_image_extensions(), IMAGE_ADVICE):
        return
    kind = identify(upload)
    if ext == "svg":
        if kind != "svg":
            raise mismatch(name, kind, IMAGE_ADVICE)
        check_svg(upload, name)
        return
    if kind != KIND_FOR_EXTENSION[ext]:
        raise mismatch(name, kind, IMAGE_ADVICE)
    try:
        with warnings.catch_warnings():
            # Too many pixels is Wagtail's check (WAGTAILIMAGES_MAX_IMAGE_PIXELS), with its
            # own message.
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            with PILImage.open(upload) as image:
                pillow_format = image.format
                image.verify()
    except PILImage.DecompressionBombError:
        return
    except Exception:  # Pillow raises many kinds of error for a damaged file.
        raise mismatch(name, None, IMAGE_ADVICE) from None
    finally:
        upload.seek(0)
    if pillow_format != PILLOW_FORMAT[KIND_FOR_EXTENSION[ext]]:
        raise mismatch(name, None, IMAGE_ADVICE)


def check_svg(upload, name: str) -> None:
    """A conservative read of the drawing (site_core/documents/svg.py), refused with its reason.

    An SVG that passes is also served under a sandboxing Content-Security-Policy
    (site_core/documents/media.py), so a trick the reader misses still cannot run in a
    reader's browser.
    """
    upload.seek(0)
    try:
        SVGReader().read(upload)
    except UnsafeSVG as problem:
        raise refused(name, str(problem), IMAGE_ADVICE) from None
    except expat.ExpatError:
        raise mismatch(name, None, IMAGE_ADVICE) from None
    finally:
        upload.seek(0)


# --- The admin's forms ---------------------------------------------------------------


class ContentCheckedField:
    """A file field that checks a new upload's content before its own checks run.

    After Wagtail's size limit (an oversized file gets Wagtail's message, unread) and before
    Wagtail opens an image: Wagtail fails on some damaged images rather than refusing them.
    """

    content_check = None

    def to_python(self, data):
        if isinstance(data, UploadedFile) and (
            self.max_upload_size is None or data.size <= self.max_upload_size
        ):
            self.content_check(data)
        return super().to_python(data)


class CheckedDocumentField(ContentCheckedField, WagtailDocumentField):
    content_check = staticmethod(check_document)


class CheckedImageField(ContentCheckedField, WagtailImageField):
    content_check = staticmethod(check_image)


def check_uploads(form, field_class: type) -> None:
    """Gives the form's file field, which Wagtail built, the content check.

    Wagtail makes the field in a module function (`formfield_for_dbfield`) that no setting
    reaches; the subclass only adds a step to its cleaning, so the field keeps everything
    Wagtail gave it.
    """
    field = form.fields.get("file")
    if field is not None:
        field.__class__ = field_class


class DocumentForm(BaseDocumentForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        check_uploads(self, CheckedDocumentField)


class ImageForm(BaseImageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        check_uploads(self, CheckedImageField)
