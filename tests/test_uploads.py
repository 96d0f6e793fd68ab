"""An editor uploads reports and images; what is not what its name says is refused, with why.

Each upload goes through Wagtail's own admin views (single upload, multiple upload, edit), as
an editor of the sign-off groups, so the checks are those editors really meet
(site_core/documents/uploads.py, docs/uploads.md).
"""

import html
import io
import zipfile

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection

import pytest
from PIL import Image as PILImage

from learning.management.commands.setup_sign_off import APPROVERS, EDITORS
from site_core.documents import uploads
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
WEB_PAGE = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>"
SAFE_SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    b'width="120" height="40" viewBox="0 0 120 40">'
    b'<defs><linearGradient id="g"><stop offset="0" stop-color="#005ea5"/></linearGradient></defs>'
    b"<style>.t { fill: url(#g); }</style>"
    b'<rect class="t" width="120" height="40"/><use xlink:href="#g"/></svg>'
)


def office_file(
    kind: str, extra: dict[str, bytes] | None = None, mimetype: bytes = uploads.ODT_MIMETYPE
) -> bytes:
    """A minimal DOCX, XLSX or ODT, laid out as Word, Excel and LibreOffice save them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if kind == "odt":
            archive.writestr(
                zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED
            )
            archive.writestr("content.xml", "<office:document-content/>")
            archive.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
        else:
            folder = {"docx": "word", "xlsx": "xl"}[kind]
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("_rels/.rels", "<Relationships/>")
            archive.writestr(f"{folder}/document.xml", "<document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def picture(pillow_format: str) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8), "#005ea5").save(buffer, pillow_format)
    return buffer.getvalue()


@pytest.fixture
def sign_off(library):
    call_command("setup_sign_off", stdout=io.StringIO())


def signed_in(client, group_name: str, username: str):
    user = get_user_model().objects.create_user(username, password="not-a-demo-password")
    user.groups.add(Group.objects.get(name=group_name))
    client.force_login(user)
    return user


@pytest.fixture
def editor(client, sign_off):
    return signed_in(client, EDITORS, "ed")


@pytest.fixture
def approver(client, sign_off):
    """Editors cannot change a saved document (docs/sign-off.md); Approvers can."""
    return signed_in(client, APPROVERS, "ann")


def upload_document(client, name: str, data: bytes):
    return client.post(
        reverse("wagtaildocs:add"),
        {
            "title": "The report",
            "collection": Collection.get_first_root_node().pk,
            "file": SimpleUploadedFile(name, data),
        },
    )


def upload_image(client, name: str, data: bytes):
    return client.post(
        reverse("wagtailimages:add"),
        {
            "title": "The logo",
            "collection": Collection.get_first_root_node().pk,
            "file": SimpleUploadedFile(name, data),
        },
    )


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def assert_refused(response, message: str, model) -> None:
    """Shown on the form the editor is still on, and nothing stored."""
    assert response.status_code == 200
    assert message in page_text(response)
    assert not model.objects.exists()


def test_a_real_pdf_is_accepted(client, editor):
    response = upload_document(client, "serious-case-review.pdf", PDF)

    assert response.status_code == 302
    document = get_document_model().objects.get()
    assert document.file.read() == PDF


@pytest.mark.parametrize("kind", ["docx", "xlsx", "odt"])
def test_an_office_file_saved_by_word_excel_or_libreoffice_is_accepted(client, editor, kind):
    response = upload_document(client, f"briefing.{kind}", office_file(kind))

    assert response.status_code == 302
    assert get_document_model().objects.get().file.name.endswith(f".{kind}")


@pytest.mark.parametrize(
    "data",
    [
        "Theme,Reviews\r\nNeglect,4\r\n".encode("utf-8-sig"),
        "Theme,Cost\r\nNeglect,£1,200\r\n".encode("cp1252"),
    ],
    ids=["utf-8 with byte order mark", "windows-1252 from an older Excel"],
)
def test_a_csv_in_the_character_sets_spreadsheets_save_is_accepted(client, editor, data):
    response = upload_document(client, "themes.csv", data)

    assert response.status_code == 302
    assert get_document_model().objects.count() == 1


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "evil.pdf",
            WINDOWS_PROGRAM,
            "This file is called evil.pdf but it is not a PDF (it looks like a Windows "
            "program). Upload the report as a PDF, Word (DOCX), OpenDocument (ODT), Excel "
            "(XLSX) or CSV file.",
        ),
        (
            "page.pdf",
            WEB_PAGE,
            "This file is called page.pdf but it is not a PDF (it looks like a web page (HTML)).",
        ),
        (
            "notes.docx",
            b"Minutes of the panel meeting, typed in Notepad.",
            "This file is called notes.docx but it is not a Word (DOCX) document: its content "
            "is not in that format",
        ),
        (
            "report.docx",
            PDF,
            "This file is called report.docx but it is not a Word (DOCX) document (it looks "
            "like a PDF).",
        ),
        (
            "minutes.pdf",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
            "(it looks like an older Microsoft Office file (such as .doc or .xls))",
        ),
        (
            "figures.xlsx",
            office_file("docx"),
            "This file is called figures.xlsx but it is not an Excel (XLSX) spreadsheet (it "
            "looks like a Word (DOCX) document).",
        ),
        (
            "report.odt",
            office_file("odt", mimetype=b"application/vnd.oasis.opendocument.graphics"),
            "This file is called report.odt but it is not an OpenDocument text (ODT) file (it "
            "looks like another kind of OpenDocument file).",
        ),
        (
            "figures.csv",
            b"Theme,Reviews\nNeglect,\x004\n",
            "figures.csv cannot be uploaded: it contains binary data, so it is not a CSV file",
        ),
        (
            "figures.csv",
            WEB_PAGE,
            "This file is called figures.csv but it is not a CSV file (it looks like a web "
            "page (HTML)).",
        ),
        (
            "figures.csv",
            b"Theme,Reviews\n\x81\x8d\x8f,4\n",
            "figures.csv cannot be uploaded: its text is not in a character set the site can "
            "read. Save it from your spreadsheet as “CSV UTF-8”.",
        ),
        (
            "briefing.docx",
            office_file("docx", {"word/vbaProject.bin": b"\x00macro"}),
            "briefing.docx cannot be uploaded: it contains macros, which could run on a "
            "reader's computer. Save it again as a Word (DOCX) document without macros.",
        ),
    ],
    ids=[
        "program named pdf",
        "web page named pdf",
        "text named docx",
        "pdf named docx",
        "old word file named pdf",
        "docx named xlsx",
        "odt of the wrong kind",
        "csv with nul bytes",
        "web page named csv",
        "csv in no known character set",
        "docx with macros",
    ],
)
def test_a_document_that_is_not_what_its_name_says_is_refused(client, editor, name, data, message):
    response = upload_document(client, name, data)

    assert_refused(response, message, get_document_model())


def test_a_damaged_office_file_is_refused_with_a_message(client, editor):
    damaged = bytearray(office_file("docx"))
    # The first member's compressed bytes: after the 30-byte local header and its name.
    content_types = 30 + len("[Content_Types].xml")
    damaged[content_types : content_types + 4] = b"\xff\xff\xff\xff"

    response = upload_document(client, "briefing.docx", bytes(damaged))

    assert_refused(
        response,
        "This file is called briefing.docx but it is not a Word (DOCX) document: its content "
        "is not in that format (it may be damaged, or another kind of file renamed).",
        get_document_model(),
    )


def test_an_extension_allowed_in_the_settings_without_a_check_is_refused(client, editor, settings):
    settings.WAGTAILDOCS_EXTENSIONS = [*settings.WAGTAILDOCS_EXTENSIONS, "txt"]

    response = upload_document(client, "notes.txt", b"Minutes of the panel meeting.")

    assert_refused(
        response,
        "notes.txt cannot be uploaded: the site cannot check .txt files.",
        get_document_model(),
    )


def test_an_extension_wagtail_refuses_gets_wagtails_message(client, editor):
    response = upload_document(client, "setup.exe", WINDOWS_PROGRAM)

    assert_refused(response, "File extension “exe” is not allowed.", get_document_model())


def test_a_document_over_the_size_limit_is_refused_before_it_is_read(client, editor, settings):
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 1024

    response = upload_document(client, "evil.pdf", WINDOWS_PROGRAM + b"\x00" * 2048)

    assert_refused(response, "This file is too big", get_document_model())
    # Wagtail's size check said why; reading the file for more would be wasted.
    assert "Windows program" not in page_text(response)


def test_the_multiple_upload_refuses_the_same_files(client, editor):
    response = client.post(
        reverse("wagtaildocs:add_multiple"),
        {
            "collection": Collection.get_first_root_node().pk,
            "files[]": SimpleUploadedFile("evil.pdf", WINDOWS_PROGRAM),
        },
    )

    body = response.json()
    assert body["success"] is False
    assert "This file is called evil.pdf but it is not a PDF" in body["error_message"]
    assert not get_document_model().objects.exists()


def test_the_multiple_upload_accepts_a_real_pdf(client, editor):
    response = client.post(
        reverse("wagtaildocs:add_multiple"),
        {
            "collection": Collection.get_first_root_node().pk,
            "files[]": SimpleUploadedFile("report.pdf", PDF),
        },
    )

    assert response.json()["success"] is True
    assert get_document_model().objects.get().file.read() == PDF


def test_editing_a_document_keeps_its_saved_file_and_refuses_a_bad_replacement(client, approver):
    # A file uploaded before these checks existed: editing its title must not be refused.
    document = DocumentFactory(
        title="Old report",
        file__filename="old.pdf",
        file__data=b"scanned long ago",
        collection=Collection.get_first_root_node(),
    )
    edit_url = reverse("wagtaildocs:edit", args=[document.pk])
    form = {"title": "Old report (2019)", "collection": document.collection_id}

    response = client.post(edit_url, form)

    assert response.status_code == 302
    document.refresh_from_db()
    assert document.title == "Old report (2019)"

    response = client.post(
        edit_url, {**form, "file": SimpleUploadedFile("new.pdf", WINDOWS_PROGRAM)}
    )

    assert response.status_code == 200
    assert "This file is called new.pdf but it is not a PDF" in page_text(response)
    document.refresh_from_db()
    assert document.file.read() == b"scanned long ago"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("logo.png", picture("PNG")),
        ("photo.jpg", picture("JPEG")),
        ("logo.gif", picture("GIF")),
        ("logo.webp", picture("WEBP")),
        ("logo.svg", SAFE_SVG),
        (
            "exported.svg",
            SAFE_SVG.replace(
                b"?>\n",
                b'?>\n<!-- Generator: Adobe Illustrator -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD '
                b'SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n',
            ),
        ),
    ],
)
def test_an_image_of_an_allowed_format_is_accepted(client, editor, name, data):
    response = upload_image(client, name, data)

    assert response.status_code == 302
    assert get_image_model().objects.get().file.read() == data


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "photo.jpg",
            picture("PNG"),
            "This file is called photo.jpg but it is not a JPEG image (it looks like a PNG "
            "image). Upload the image as a PNG, JPEG, GIF or WebP file, or as an SVG drawing "
            "without scripts or links.",
        ),
        (
            "logo.png",
            WINDOWS_PROGRAM,
            "This file is called logo.png but it is not a PNG image (it looks like a Windows "
            "program).",
        ),
        (
            "logo.png",
            picture("PNG")[:40],
            "This file is called logo.png but it is not a PNG image: its content is not in "
            "that format",
        ),
        (
            "logo.svg",
            SAFE_SVG.replace(b"<rect", b"<script>fetch('/admin/')</script><rect"),
            "logo.svg cannot be uploaded: it contains a <script> element, which can run script.",
        ),
        (
            "logo.svg",
            SAFE_SVG.replace(b"<rect", b'<rect onload="alert(1)"'),
            "logo.svg cannot be uploaded: it has an event attribute (onload), which runs script.",
        ),
        (
            "logo.svg",
            SAFE_SVG.replace(b'xlink:href="#g"', b'xlink:href="https://tracker.example/x.svg"'),
            "logo.svg cannot be uploaded: it links to something outside the drawing.",
        ),
        (
            "logo.svg",
            SAFE_SVG.replace(b"<rect", b"<foreignObject><p>Hi</p></foreignObject><rect"),
            "logo.svg cannot be uploaded: it contains a <foreignObject> element",
        ),
        (
            "logo.svg",
            SAFE_SVG.replace(b"fill: url(#g)", b"fill: url(https://tracker.example/a)"),
            "logo.svg cannot be uploaded: a style in it loads something from elsewhere.",
        ),
        (
            "logo.svg",
            b'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">]>\n'
            b'<svg xmlns="http://www.w3.org/2000/svg"><text>&a;</text></svg>',
            "logo.svg cannot be uploaded: it declares its own XML entities.",
        ),
        (
            "logo.svg",
            WEB_PAGE,
            "This file is called logo.svg but it is not an SVG drawing (it looks like a web "
            "page (HTML)).",
        ),
    ],
    ids=[
        "png named jpg",
        "program named png",
        "truncated png",
        "svg with script",
        "svg with event attribute",
        "svg linking elsewhere",
        "svg with html inside",
        "svg style loading elsewhere",
        "svg with entities",
        "web page named svg",
    ],
)
def test_an_image_that_is_not_what_its_name_says_or_could_run_script_is_refused(
    client, editor, name, data, message
):
    response = upload_image(client, name, data)

    assert_refused(response, message, get_image_model())


def test_an_image_over_the_pixel_limit_is_refused(client, editor, settings):
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 50

    response = upload_image(client, "logo.png", picture("PNG"))

    assert_refused(response, "This file has too many pixels (64)", get_image_model())


def test_the_multiple_image_upload_refuses_an_unsafe_svg(client, editor):
    response = client.post(
        reverse("wagtailimages:add_multiple"),
        {
            "collection": Collection.get_first_root_node().pk,
            "files[]": SimpleUploadedFile(
                "logo.svg", SAFE_SVG.replace(b"<rect", b'<rect onclick="steal()"')
            ),
        },
    )

    body = response.json()
    assert body["success"] is False
    assert "it has an event attribute (onclick)" in body["error_message"]
    assert not get_image_model().objects.exists()


@pytest.mark.parametrize(
    ("data", "looks_like"),
    [
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 40, "linux-program"),
        (b"#!/bin/sh\nrm -rf ~\n", "script"),
        (b"\xef\xbb\xbf  <html lang='en'>", "web-page"),
        (b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>", "svg"),
        (b"{\\rtf1\\ansi Minutes}", "rtf"),
        (b"junk" * 10 + b"%PDF-1.4\n", "pdf"),
        (b"Theme,Reviews\n", None),
    ],
)
def test_identify_names_what_a_file_really_is(data, looks_like):
    assert uploads.identify(io.BytesIO(data)) == looks_like
