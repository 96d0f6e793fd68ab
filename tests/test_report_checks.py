"""Reports are checked before release: what an editor uploads is inspected, readers get a copy
without the author's details, and the names that must never appear are found, page by page.

The files are real, made here: PDFs with fpdf2 (text pages, image-only "scanned" pages,
author properties, XMP metadata, tags) and Word files as the ZIP of XML parts Word writes.
"""

import functools
import io
import logging
import zipfile
from datetime import UTC, datetime

from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wagtail.models import Collection

import pytest
from fpdf import FPDF
from PIL import Image as PILImage
from pypdf import PdfReader

from learning import extraction
from learning.models import ReportDocument
from learning.report_checks import (
    BLOCKING,
    WARNING,
    ReportCheck,
    check_and_clean,
    check_report,
    document_text,
    find_protected_names,
    read_report_text,
    reader_notice,
    redact_protected_names,
    release_check,
    split_names,
    strip_metadata,
)
from site_core.branding.models import PartnershipSettings
from tests.factories import ReviewPageFactory

AUTHOR = "Jane Caseworker"
FIXED_DATE = datetime(2024, 1, 1, tzinfo=UTC)
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


# --- Files made here, once for the module ------------------------------------------------------


def xmp_packet(title: str, author: str) -> str:
    """XMP as Word's PDF export writes it: the title and the author (dc:creator)."""
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/">'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>'
        f"<dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>"
        "<xmp:CreatorTool>Microsoft Word</xmp:CreatorTool>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    )


def picture() -> io.BytesIO:
    buffer = io.BytesIO()
    PILImage.new("RGB", (60, 80), "#777777").save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def make_pdf(
    *pages: str | None,
    author: str = "",
    title: str = "",
    lang: str = "",
    xmp: str = "",
    tagged: bool = False,
) -> bytes:
    """One page per item: text, or None for a scanned page (an image, no text at all).

    `tagged` gives page 1 an image with alternative text, which makes fpdf2 write a
    structure tree and /MarkInfo: a tagged PDF.
    """
    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    if author:
        pdf.set_author(author)
    if title:
        pdf.set_title(title)
    if lang:
        pdf.set_lang(lang)
    if xmp:
        pdf.set_xmp_metadata(xmp)
    pdf.set_font("Helvetica", size=12)
    for number, text in enumerate(pages, start=1):
        pdf.add_page()
        if text is None:
            pdf.image(picture(), x=10, y=10, w=190)
            continue
        if tagged and number == 1:
            pdf.image(picture(), x=150, y=250, w=20, alt_text="The partnership's logo")
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def make_docx(
    *paragraphs: str,
    core: dict[str, str] | None = None,
    app: dict[str, str] | None = None,
    tracked_change: bool = False,
    comment: bool = False,
    embedded: bool = False,
    language: str = "en-GB",
    document_xml: bytes | None = None,
) -> bytes:
    """A Word file laid out as Word saves it (the parts these checks read)."""
    body = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in paragraphs)
    if tracked_change:
        body += (
            f'<w:p><w:ins w:id="1" w:author="{AUTHOR}" w:date="2024-01-01T00:00:00Z">'
            "<w:r><w:t>added later</w:t></w:r></w:ins>"
            f'<w:del w:id="2" w:author="{AUTHOR}" w:date="2024-01-01T00:00:00Z">'
            "<w:r><w:delText>the first wording</w:delText></w:r></w:del></w:p>"
        )
    if document_xml is None:
        document_xml = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
        ).encode()
    core_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        "<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        + "".join(f"<{tag}>{value}</{tag}>" for tag, value in (core or {}).items())
        + '<dcterms:created xsi:type="dcterms:W3CDTF">2024-01-01T00:00:00Z</dcterms:created>'
        "</cp:coreProperties>"
    )
    app_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'extended-properties"><Application>Microsoft Office Word</Application>'
        + "".join(f"<{tag}>{value}</{tag}>" for tag, value in (app or {}).items())
        + "<Pages>1</Pages></Properties>"
    )
    styles_xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="{W}">'
        f'<w:docDefaults><w:rPrDefault><w:rPr><w:lang w:val="{language}"/></w:rPr>'
        "</w:rPrDefault></w:docDefaults></w:styles>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="xml" '
            'ContentType="application/xml"/></Types>',
        )
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("docProps/core.xml", core_xml)
        archive.writestr("docProps/app.xml", app_xml)
        archive.writestr("word/document.xml", document_xml)
        if language:
            archive.writestr("word/styles.xml", styles_xml)
        if comment:
            archive.writestr(
                "word/comments.xml",
                f'<w:comments xmlns:w="{W}"><w:comment w:id="0" w:author="{AUTHOR}">'
                "<w:p><w:r><w:t>Is this the right date?</w:t></w:r></w:p></w:comment>"
                "</w:comments>",
            )
        if embedded:
            archive.writestr("word/embeddings/Microsoft_Excel_Worksheet.xlsx", b"PK\x03\x04 data")
    return buffer.getvalue()


@functools.cache
def four_page_report() -> bytes:
    """Page 3 names the family; the report is otherwise in order (tagged, titled, English)."""
    return make_pdf(
        "Child Q: the review's introduction.",
        "The agencies involved and the timeline.",
        "Professionals met Mrs Smith-\nJones and her son at Oak\nPrimary School.",
        "Learning and recommendations.",
        title="Child Q full report",
        lang="en-GB",
        tagged=True,
    )


@functools.cache
def pdf_with_author() -> bytes:
    return make_pdf(
        "Learning and recommendations.",
        "The second page.",
        author=AUTHOR,
        title="Child Q full report",
        lang="en-GB",
        xmp=xmp_packet("Child Q full report", AUTHOR),
        tagged=True,
    )


@functools.cache
def pdf_with_scanned_page() -> bytes:
    return make_pdf("A page of text.", None, "Another page of text.", title="T", lang="en-GB")


@functools.cache
def docx_with_author() -> bytes:
    return make_docx(
        "Learning and recommendations.",
        core={
            "dc:title": "Child Q full report",
            "dc:creator": AUTHOR,
            "cp:lastModifiedBy": "Sam Reviewer",
            "cp:keywords": "neglect",
        },
        app={"Company": "Anytown Council", "Manager": "Pat Manager"},
    )


@functools.cache
def docx_with_everything_to_remove() -> bytes:
    return make_docx(
        "Learning and recommendations.",
        core={"dc:title": "Child Q"},
        tracked_change=True,
        comment=True,
        embedded=True,
    )


def codes(findings) -> set[str]:
    return {finding.code for finding in findings}


def info_of(data: bytes) -> dict:
    return dict(PdfReader(io.BytesIO(data)).metadata or {})


# --- Names that must never appear ---------------------------------------------------------------


def test_a_name_on_page_3_of_a_4_page_pdf_is_found_with_its_page():
    text = read_report_text(four_page_report(), "child-q.pdf")

    findings = find_protected_names(["Smith-Jones", "Nobody Else"], text.sources("Full report"))

    assert text.page_count == 4 and text.complete
    assert [(f.name, f.place, f.page, f.where) for f in findings] == [
        ("Smith-Jones", "Full report", 3, "Full report, page 3")
    ]
    assert "“Smith-Jones” appears in Full report, page 3." in findings[0].message


def test_a_name_of_several_words_is_found_across_a_line_break_in_a_pdf():
    sources = read_report_text(four_page_report(), "child-q.pdf").sources("Full report")

    findings = find_protected_names("Oak Primary School\n\n  \nSmith\n", sources)

    assert [(f.name, f.where) for f in findings] == [
        ("Oak Primary School", "Full report, page 3"),
        ("Smith", "Full report, page 3"),  # "Smith-Jones" is the Smith family too
    ]


@pytest.mark.parametrize(
    ("name", "text", "found"),
    [
        ("Smith", "Mrs SMITH attended.", True),
        ("Zoë Ndiaye", "ZOE NDIAYE was seen.", True),
        ("Zoe", "Zoë was seen.", True),
        ("Smith", "Mrs Smith's house.", True),
        ("Smith", "Mrs Smith\u2019s house.", True),
        ("Smith", "The Smiths' house.", True),
        ("Oak Primary School", "at Oak\nPrimary   School on", True),
        ("John", "her brother Jo-\nhn said", True),
        ("Smith-Jones", "Mrs Smith-\nJones said", True),
        ("Smithson", "Mr Smith-\nson said", True),
        ("Ann", "The Annual report.", False),
        ("Ann", "Safety planning.", False),
        ("Smith", "Mr Smithson said", False),
        ("Smith", "Mr Smith-\nson said", False),
        ("Jo", "John", False),
        ("Oak Primary School", "Oak Primary", False),
    ],
)
def test_names_match_whatever_the_case_accents_breaks_and_possessives_but_as_whole_words(
    name, text, found
):
    findings = find_protected_names([name], [("Summary", text)])

    assert bool(findings) is found
    if found:
        assert findings[0].where == "Summary" and findings[0].page is None


def test_the_names_list_is_one_name_a_line_and_a_finding_never_shows_the_name_in_its_repr():
    assert split_names("Smith\n\n   \n  Oak Primary School \r\n") == ["Smith", "Oak Primary School"]
    finding = find_protected_names(["Smith"], [("Full report", 2, "Smith, Smith")])[0]

    assert finding.count == 2
    assert "Smith" not in repr(finding)


# --- What a PDF holds ---------------------------------------------------------------------------


def test_pdf_author_and_xmp_metadata_are_listed_and_removed_from_the_copy_keeping_its_structure():
    result = check_and_clean(pdf_with_author(), "report.pdf")

    assert result.check.metadata["author"] == AUTHOR
    assert result.check.metadata["xmp"] == "present"
    assert result.check.removed == ["author", "xmp"]
    assert result.check.blocking == []
    cleaned = PdfReader(io.BytesIO(result.cleaned))
    original = PdfReader(io.BytesIO(pdf_with_author()))
    assert AUTHOR.encode() not in result.cleaned
    assert "/Author" not in (cleaned.metadata or {}) and "/Metadata" not in cleaned.root_object
    assert cleaned.metadata["/Title"] == "Child Q full report"
    # Pages, text, tags and language survive.
    assert [p.extract_text() for p in cleaned.pages] == [p.extract_text() for p in original.pages]
    assert "/StructTreeRoot" in cleaned.root_object
    assert cleaned.root_object["/MarkInfo"]["/Marked"]
    assert cleaned.root_object["/Lang"] == "en-GB"


def test_a_pdf_without_author_details_is_served_as_it_is():
    assert strip_metadata(four_page_report(), "report.pdf") is None
    assert check_and_clean(four_page_report(), "report.pdf").cleaned is None


def test_a_scanned_page_is_flagged_with_its_page_number():
    check = check_report(pdf_with_scanned_page(), "report.pdf")

    assert check.accessibility.scanned_pages == [2]
    (scanned,) = [f for f in check.findings if f.code == "scanned_pages"]
    assert scanned.severity == WARNING and scanned.pages == (2,)
    assert scanned.message.startswith("Page 2 has no text (it looks scanned): readers using")
    assert "run OCR" in scanned.message


def test_an_untagged_pdf_without_language_or_title_gets_those_warnings_and_a_good_one_none():
    bare = check_report(make_pdf("Some text."), "report.pdf")
    good = check_report(four_page_report(), "report.pdf")

    assert {"untagged", "no_title", "no_language"} <= codes(bare.warnings)
    assert bare.accessibility.tagged is False and bare.accessibility.language == ""
    assert not {"untagged", "no_title", "no_language", "scanned_pages"} & codes(good.findings)
    assert good.accessibility.tagged is True and good.accessibility.has_title


def test_pdf_comments_and_attached_files_block_approval():
    from pypdf import PdfWriter
    from pypdf.annotations import Text

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(four_page_report())))
    writer.add_annotation(2, Text(rect=(50, 550, 200, 650), text="Check with legal first"))
    writer.add_attachment("draft.docx", b"the draft")
    output = io.BytesIO()
    writer.write(output)

    check = check_report(output.getvalue(), "report.pdf")

    assert codes(check.blocking) == {"comments", "embedded_files"}
    (comments,) = [f for f in check.blocking if f.code == "comments"]
    assert comments.pages == (3,) and "Approval is blocked" in comments.message
    (attached,) = [f for f in check.blocking if f.code == "embedded_files"]
    assert "draft.docx" in attached.items


# --- What a Word file holds ---------------------------------------------------------------------


def test_a_docx_with_a_tracked_change_a_comment_and_an_embedded_file_has_three_blocking_findings():
    check = check_report(docx_with_everything_to_remove(), "report.docx")
    clean = check_report(make_docx("Learning.", core={"dc:title": "Child Q"}), "report.docx")

    assert codes(check.blocking) == {"tracked_changes", "comments", "embedded_files"}
    assert all(
        f.severity == BLOCKING and "Approval is blocked" in f.message for f in check.blocking
    )
    (changes,) = [f for f in check.blocking if f.code == "tracked_changes"]
    assert "Accept All Changes" in changes.message
    assert clean.blocking == []


def test_docx_author_details_are_removed_and_every_other_part_is_kept_unchanged():
    result = check_and_clean(docx_with_author(), "report.docx")

    assert result.check.removed == ["author", "last_modified_by", "company", "manager"]
    assert result.check.accessibility.has_title and result.check.accessibility.language == "en-GB"
    with (
        zipfile.ZipFile(io.BytesIO(docx_with_author())) as before,
        zipfile.ZipFile(io.BytesIO(result.cleaned)) as after,
    ):
        assert before.namelist() == after.namelist()
        for name in before.namelist():
            if name not in ("docProps/core.xml", "docProps/app.xml"):
                assert before.read(name) == after.read(name), name
        core, app = after.read("docProps/core.xml"), after.read("docProps/app.xml")
    for gone in (AUTHOR, "Sam Reviewer", "Anytown Council", "Pat Manager"):
        assert gone.encode() not in result.cleaned
    assert b"<dc:title>Child Q full report</dc:title>" in core and b"neglect" in core
    assert b"<Application>Microsoft Office Word</Application>" in app


# --- Files that cannot be checked ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"%PDF-1.4\nnot really a PDF\n", "report.pdf"),
        (b"PK\x03\x04 a broken zip", "report.docx"),
        (make_docx(document_xml=b'<!DOCTYPE w [<!ENTITY a "aaaa">]><w:document/>'), "r.docx"),
    ],
    ids=["corrupt-pdf", "corrupt-docx", "docx-with-a-dtd"],
)
def test_a_file_that_cannot_be_read_could_not_be_checked_and_that_blocks(data, filename):
    check = check_report(data, filename)

    assert check.checked is False
    (finding,) = check.findings
    assert finding.code == "unreadable" and finding.severity == BLOCKING
    assert finding.message.startswith("This file could not be checked")


def test_a_docx_unpacking_beyond_the_limit_is_not_read(monkeypatch):
    monkeypatch.setattr(extraction, "MAX_XML_BYTES", 1000)

    check = check_report(make_docx("x" * 5000), "report.docx")

    assert check.checked is False and codes(check.findings) == {"unreadable"}


def test_pages_past_the_limit_are_said_to_be_unchecked(monkeypatch):
    monkeypatch.setattr(extraction, "MAX_PAGES", 2)

    check = check_report(four_page_report(), "report.pdf")
    text = read_report_text(four_page_report(), "report.pdf")

    (unread,) = [f for f in check.warnings if f.code == "pages_not_read"]
    assert "only the first 2 pages were read for text" in unread.message
    assert [number for number, _text in text.pages] == [1, 2] and not text.complete


def test_findings_round_trip_through_json():
    check = check_and_clean(pdf_with_author(), "report.pdf").check

    assert ReportCheck.from_json(check.to_json()) == check


# --- At upload, and what readers are served -----------------------------------------------------


@pytest.fixture
def superuser_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.org", "pw-for-tests")
    client.force_login(user)
    return client


def upload_through_the_admin(client, filename: str, data: bytes, title: str):
    return client.post(
        reverse("wagtaildocs:add"),
        {
            "title": title,
            "collection": Collection.get_first_root_node().pk,
            "file": SimpleUploadedFile(filename, data),
        },
    )


def served(client, document) -> bytes:
    """The document as the live site serves it to an anonymous reader."""
    client.logout()
    response = client.get(document.url)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.django_db
@pytest.mark.usefixtures("files_on_disk")
@pytest.mark.parametrize(
    ("filename", "make", "identifying"),
    [
        ("child-q.pdf", pdf_with_author, [AUTHOR]),
        ("child-q.docx", docx_with_author, [AUTHOR, "Sam Reviewer", "Anytown Council"]),
    ],
)
def test_readers_are_served_a_copy_without_author_details_and_editors_keep_the_original(
    superuser_client, library, filename, make, identifying, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_through_the_admin(superuser_client, filename, make(), "Child Q report")
    assert response.status_code == 302
    document = ReportDocument.objects.get(title="Child Q report")
    ReviewPageFactory(parent=library, documents=[(document, "full_report")])

    # The editors' original, through the admin.
    original = superuser_client.get(reverse("learning_report_checks:original", args=[document.pk]))
    assert original.status_code == 200
    assert b"".join(original.streaming_content) == make()
    assert original["Cache-Control"].startswith("private, no-store")

    public = served(superuser_client, document)
    for value in identifying:
        assert value.encode() not in public
    assert public != make()
    assert document.checked_hash == document.file_hash
    assert document.file_size == len(public)
    assert "Learning and recommendations." in document.extracted_text  # read from the copy
    stored = ReportCheck.from_json(document.check_findings)
    assert "author" in stored.removed
    assert any(f.code == "metadata_removed" for f in stored.info)
    if filename.endswith(".pdf"):
        reader = PdfReader(io.BytesIO(public))
        assert "/Author" not in reader.metadata and "/Metadata" not in reader.root_object
        assert reader.metadata["/Title"] == "Child Q full report"


@pytest.mark.django_db
def test_only_those_who_can_change_the_document_get_the_original(client, django_user_model):
    document = ReportDocument.objects.create(
        title="Report", file=ContentFile(pdf_with_author(), name="report.pdf")
    )
    url = reverse("learning_report_checks:original", args=[document.pk])
    reader = django_user_model.objects.create_user("reader", password="pw-for-tests")
    reader.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    approver = django_user_model.objects.create_user("approver", password="pw-for-tests")
    approver.user_permissions.add(*reader.user_permissions.all())
    approver.groups.add(Group.objects.get_or_create(name="Approvers")[0])

    client.force_login(reader)
    refused = client.get(url)  # Wagtail's admin answers PermissionDenied with its dashboard
    assert refused.status_code == 302 and refused["Location"] == reverse("wagtailadmin_home")
    client.force_login(approver)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_with_author()


@pytest.mark.django_db
def test_a_corrupt_upload_is_saved_as_could_not_be_checked_without_a_server_error(
    superuser_client,
):
    response = upload_through_the_admin(superuser_client, "broken.pdf", b"%PDF-1.4\n%%", "Broken")

    assert response.status_code == 302
    document = ReportDocument.objects.get(title="Broken")
    check = ReportCheck.from_json(document.check_findings)
    assert check.checked is False and codes(check.blocking) == {"unreadable"}
    assert document.file.read() == b"%PDF-1.4\n%%"
    assert not document.original_file


@pytest.mark.django_db
def test_a_new_file_without_author_details_replaces_the_kept_original(
    django_capture_on_commit_callbacks,
):
    document = ReportDocument.objects.create(
        title="Report", file=ContentFile(pdf_with_author(), name="report.pdf")
    )
    first_original = document.original_file.name
    assert document.original_file.storage.exists(first_original)

    document.file = ContentFile(four_page_report(), name="report-v2.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        document.save()

    document.refresh_from_db()
    assert not document.original_file
    assert not document.original_file.storage.exists(first_original)
    assert document.file.read() == four_page_report()
    assert ReportCheck.from_json(document.check_findings).removed == []


# --- Readers told about a report that may not work with assistive technology ------------------


@pytest.mark.django_db
def test_the_review_page_says_which_report_is_scanned_and_how_to_ask_for_an_accessible_copy(
    client, library
):
    scanned = ReportDocument.objects.create(
        title="Scanned", file=ContentFile(pdf_with_scanned_page(), name="scanned.pdf")
    )
    good = ReportDocument.objects.create(
        title="Good", file=ContentFile(four_page_report(), name="good.pdf")
    )
    review = ReviewPageFactory(
        parent=library, documents=[(good, "executive_summary"), (scanned, "full_report")]
    )
    settings = PartnershipSettings.for_site(library.get_site())
    settings.contact_details = "<p>Email lscp@example.org</p>"
    settings.save()

    page = client.get(review.url).content.decode()

    notice = reader_notice(scanned.check_findings)
    assert notice is not None and reader_notice(good.check_findings) is None
    assert 'aria-describedby="document-access-2 accessible-copy"' in page
    assert 'aria-describedby="document-access-1' not in page
    assert 'id="document-access-2">This document may not work with screen readers' in page
    assert "page 2 is a scanned image with no text" in page
    assert "You can ask for an accessible copy." in page
    assert 'id="accessible-copy"' in page and "lscp@example.org" in page


@pytest.mark.django_db
def test_a_review_whose_reports_are_accessible_says_nothing_about_accessible_copies(
    client, library
):
    good = ReportDocument.objects.create(
        title="Good", file=ContentFile(four_page_report(), name="good.pdf")
    )
    review = ReviewPageFactory(parent=library, documents=[(good, "full_report")])

    page = client.get(review.url).content.decode()

    assert "accessible copy" not in page and "aria-describedby" not in page


# --- The check a review's release runs (wired into sign-off by learning/sign_off.py) -----------


@pytest.mark.django_db
def test_release_check_names_each_place_a_protected_name_or_a_blocking_finding_is(library, caplog):
    report = ReportDocument.objects.create(
        title="Full", file=ContentFile(four_page_report(), name="child-q.pdf")
    )
    notes = ReportDocument.objects.create(
        title="Notes", file=ContentFile(docx_with_everything_to_remove(), name="notes.docx")
    )
    review = ReviewPageFactory(
        parent=library,
        summary="A review concerning Child Q, whose mother Mrs Smith-Jones…",
        documents=[(report, "full_report"), (notes, "other")],
        publish=False,
    )
    review.protected_names = "Smith-Jones\nOak Primary School\n"
    revision = review.save_revision()

    with caplog.at_level(logging.DEBUG):
        result = release_check(revision.as_object())

    blocking = [(p.place, p.code) for p in result.blocking]
    assert ("Summary", "protected_name") in blocking
    assert ("Full report, page 3", "protected_name") in blocking
    assert {code for place, code in blocking if place == "Other document"} == {
        "tracked_changes",
        "comments",
        "embedded_files",
    }
    assert not [
        p
        for p in result.blocking
        if p.place.startswith("Full report") and p.code != "protected_name"
    ]
    assert "Smith-Jones" not in caplog.text and "Oak Primary" not in caplog.text


@pytest.mark.django_db
def test_a_review_without_protected_names_or_report_problems_has_nothing_blocking(library):
    report = ReportDocument.objects.create(
        title="Full", file=ContentFile(four_page_report(), name="child-q.pdf")
    )
    review = ReviewPageFactory(parent=library, documents=[(report, "full_report")])

    assert release_check(review).blocking == []


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("Ask JAYDEN SMITH\u2019s school.", "Ask [withheld]\u2019s school."),
        ("Jaÿden\nSmith and Oakfield Primary", "[withheld] and [withheld]"),
        ("Oakfield Primary School", "[withheld] School"),
        ("Jaydens Smithson, Oakfielder", "Jaydens Smithson, Oakfielder"),
    ],
)
def test_names_are_redacted_where_the_check_finds_them(text, redacted):
    names = "Jayden Smith\nOakfield Primary"

    assert redact_protected_names(names, text) == redacted
    # The same matcher: what it leaves is what the check does not find.
    assert bool(find_protected_names(names, [("", text)])) == (text != redacted)


@pytest.mark.django_db
def test_a_reports_text_is_read_once_per_file_and_again_for_a_new_one(monkeypatch):
    document = ReportDocument.objects.create(
        title="Full", file=ContentFile(four_page_report(), name="child-q.pdf")
    )
    first = document_text(document)

    def refuse():
        raise AssertionError("read again")

    monkeypatch.setattr(document, "open_file", refuse)
    assert document_text(document) == first  # kept, under the file's hash

    monkeypatch.undo()
    document.file = ContentFile(make_pdf("A corrected report."), name="child-q.pdf")
    document.save()
    assert document_text(document).pages == [(1, "A corrected report.")]
