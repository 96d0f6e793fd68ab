"""Report documents' text is read on upload or replacement, stored, and makes reviews findable."""

import hashlib
import io
import logging
import zipfile

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from wagtail.models import Collection

import pytest
from fpdf import FPDF

from learning import extraction
from learning import signals as learning_signals
from learning.demo_content.pdf import FIXED_CREATION_DATE, placeholder_pdf
from learning.extraction import extract, fit_for_search_index, normalise_whitespace
from learning.models import DocumentKind, PolicyDocument, ReportDocument, ReviewPage
from learning.tasks import extract_document_text
from tests.factories import PolicyPageFactory, ReviewPageFactory

pytestmark = pytest.mark.django_db

UNIQUE_WORD = "zygomorphic"


# --- Files made in the test ------------------------------------------------------------


def pdf_bytes(*pages: str, encryption: dict | None = None) -> bytes:
    """A PDF with one page per string (an empty string gives a page with no text)."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_CREATION_DATE)  # the same pages give the same bytes
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 6, text)
        else:
            pdf.rect(20, 20, 100, 100, style="F")  # a "scan": marks on the page, no text
    if encryption:
        pdf.set_encryption(**encryption)
    return bytes(pdf.output())


def report_pdf(*lines: str) -> bytes:
    return placeholder_pdf(title="Child Z", kind="Full report", lines=list(lines))


def docx_bytes(*paragraphs: list[str], document_xml: bytes | None = None) -> bytes:
    """A minimal DOCX; each paragraph is a list of runs."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    if document_xml is None:
        body = "".join(
            "<w:p>" + "".join(f"<w:r><w:t>{run}</w:t></w:r>" for run in runs) + "</w:p>"
            for runs in paragraphs
        )
        document_xml = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<w:document xmlns:w="{w}"><w:body>{body}</w:body></w:document>'
        ).encode()
    content_types = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/word/document.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("word/document.xml", document_xml)
    return buffer.getvalue()


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """Save a new document as an upload does, and run what it queues on commit."""

    def upload(data: bytes, filename: str = "report.pdf", title: str = "Report") -> ReportDocument:
        document = ReportDocument(
            title=title,
            file=ContentFile(data, name=filename),
            collection=Collection.get_first_root_node(),
        )
        with django_capture_on_commit_callbacks(execute=True):
            document.save()
        return document

    return upload


def stored(document: ReportDocument) -> ReportDocument:
    return ReportDocument.objects.get(pk=document.pk)


# --- extract() -------------------------------------------------------------------------


def test_pdf_text_and_page_count():
    result = extract(
        io.BytesIO(pdf_bytes("First page about apples.", "Second pears.", f"Third {UNIQUE_WORD}.")),
        "report.pdf",
    )

    assert result.page_count == 3
    assert "First page about apples." in result.text
    assert "Second pears." in result.text
    assert UNIQUE_WORD in result.text


def test_the_demo_placeholder_pdf_is_read():
    result = extract(io.BytesIO(report_pdf(f"The {UNIQUE_WORD} flower.")), "child-z.pdf")

    assert result.page_count == 1
    assert "DEMONSTRATION PLACEHOLDER" in result.text
    assert f"The {UNIQUE_WORD} flower." in result.text


def test_docx_paragraphs_become_lines_and_runs_join():
    data = docx_bytes(["Key ", "findings"], [f"A {UNIQUE_WORD}  flower."], [])

    result = extract(io.BytesIO(data), "report.DOCX")

    assert result == extraction.Extracted(f"Key findings\nA {UNIQUE_WORD} flower.", None)


def test_csv_is_read_as_text_in_utf8_or_windows_encoding():
    assert extract(io.BytesIO("name,note\nCafé,zygomorphic\n".encode()), "a.csv").text == (
        "name,note\nCafé,zygomorphic"
    )
    assert extract(io.BytesIO("Café,£5\n".encode("cp1252")), "a.csv").text == "Café,£5"


@pytest.mark.parametrize("filename", ["plan.xlsx", "policy.odt", "notes.txt", "no-extension"])
def test_other_types_give_no_text_and_no_warning(filename, caplog):
    result = extract(io.BytesIO(b"PK\x03\x04 whatever"), filename)

    assert result == extraction.Extracted("", None)
    assert not caplog.records


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"%PDF-1.4 garbage", "broken.pdf"),
        (b"", "empty.pdf"),
        (b"not a zip at all", "broken.docx"),
        (docx_bytes(document_xml=b"<w:document><w:body><w:p>"), "truncated.docx"),
    ],
)
def test_a_corrupt_file_gives_empty_text_and_a_warning_naming_it(data, filename, caplog):
    with caplog.at_level(logging.WARNING, logger="learning.extraction"):
        result = extract(io.BytesIO(data), filename, label=f"document 7 {filename!r}")

    assert result.text == ""
    assert [r.levelname for r in caplog.records if r.name == "learning.extraction"] == ["WARNING"]
    assert f"document 7 {filename!r}" in caplog.text


def test_a_pdf_that_needs_a_password_gives_empty_text_and_the_page_count_is_unknown(caplog):
    data = pdf_bytes(UNIQUE_WORD, encryption={"owner_password": "o", "user_password": "u"})

    result = extract(io.BytesIO(data), "secret.pdf")

    assert result == extraction.Extracted("", None)
    assert "secret.pdf" in caplog.text


def test_a_secured_pdf_without_a_user_password_is_read():
    # The way reports are often published: opening needs no password, copying is "forbidden".
    data = pdf_bytes(f"Open {UNIQUE_WORD}", encryption={"owner_password": "owner"})

    assert extract(io.BytesIO(data), "secured.pdf") == extraction.Extracted(
        f"Open {UNIQUE_WORD}", 1
    )


def test_a_scanned_pdf_keeps_its_page_count_and_is_logged(caplog):
    result = extract(io.BytesIO(pdf_bytes("", "")), "scan.pdf")

    assert result == extraction.Extracted("", 2)
    assert "No text found in scan.pdf (2 pages)" in caplog.text


def test_only_the_first_pages_are_read(monkeypatch):
    monkeypatch.setattr(extraction, "MAX_PAGES", 2)

    result = extract(io.BytesIO(pdf_bytes("one", "two", UNIQUE_WORD)), "long.pdf")

    assert result.page_count == 3
    assert result.text == "one\n\ntwo"


def test_text_is_cut_at_the_character_limit(monkeypatch):
    monkeypatch.setattr(extraction, "MAX_CHARS", 20)

    result = extract(io.BytesIO(docx_bytes(["alpha beta gamma delta epsilon zeta"])), "a.docx")

    assert result.text == "alpha beta gamma"


def test_a_docx_whose_xml_is_too_large_is_refused_before_reading(monkeypatch, caplog):
    monkeypatch.setattr(extraction, "MAX_XML_BYTES", 1000)
    data = docx_bytes(["word " * 1000])  # compresses to a few bytes, expands past the limit

    result = extract(io.BytesIO(data), "bomb.docx")

    assert result.text == ""
    assert "over the 1,000 limit" in caplog.text


def test_a_docx_that_understates_its_size_is_not_read_past_it(monkeypatch, caplog):
    data = docx_bytes(["word " * 1000])
    real_getinfo = zipfile.ZipFile.getinfo

    def lying_getinfo(self, name):
        info = real_getinfo(self, name)
        info.file_size = 10
        return info

    monkeypatch.setattr(zipfile.ZipFile, "getinfo", lying_getinfo)
    monkeypatch.setattr(extraction, "MAX_XML_BYTES", 1000)
    monkeypatch.setattr(extraction, "_READ_CHUNK", 100)

    assert extract(io.BytesIO(data), "bomb.docx").text == ""
    # zipfile stops at the declared size (and then finds the checksum wrong).
    assert "No text extracted from bomb.docx: BadZipFile" in caplog.text


def test_a_docx_with_a_dtd_is_refused(caplog):
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">]>'
        b'<w:document xmlns:w="x"><w:p><w:t>&a;&a;</w:t></w:p></w:document>'
    )

    assert extract(io.BytesIO(docx_bytes(document_xml=xml)), "dtd.docx").text == ""
    assert "has a DTD" in caplog.text


def test_whitespace_and_unsearchable_characters_are_normalised():
    raw = "  The\x00 ﬁnal\u00a0 report\t\n\n\n\nsafe\u00adguarding \ud800 \n  \n"

    assert normalise_whitespace(raw) == "The final report\n\nsafeguarding"


def test_ordinary_text_fits_the_search_index_whole():
    prose = "The partnership learned that agencies must share information early. " * 15_000

    assert fit_for_search_index(prose) == prose


def test_text_that_could_overflow_a_postgresql_search_vector_is_cut():
    # A million characters of unique tokens: its tsvector would be over PostgreSQL's 1 MiB.
    tokens = " ".join(hashlib.md5(str(i).encode()).hexdigest() for i in range(30_000))

    fitted = fit_for_search_index(tokens)

    assert 0 < len(fitted) < len(tokens)
    assert tokens.startswith(fitted)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_column_size(to_tsvector(%s))", [fitted])
        assert cursor.fetchone()[0] < extraction.SEARCH_INDEX_BUDGET


# --- On upload and replacement ----------------------------------------------------------


def test_an_upload_is_read_once_it_commits(upload):
    document = upload(report_pdf(f"A {UNIQUE_WORD} flower."))

    saved = stored(document)
    assert UNIQUE_WORD in saved.extracted_text
    assert saved.page_count == 1
    assert (
        saved.text_extracted_hash == saved.file_hash == sha1(report_pdf(f"A {UNIQUE_WORD} flower."))
    )
    # The instance the uploader holds is brought up to date too, so saving it again keeps the text.
    assert document.extracted_text == saved.extracted_text


def extractions(callbacks) -> list:
    """The text extractions queued for after the commit (the page cache queues its own)."""
    return [c for c in callbacks if getattr(c, "func", None) is learning_signals._enqueue]


def test_nothing_is_read_before_commit(django_capture_on_commit_callbacks):
    document = ReportDocument(title="Report", file=ContentFile(report_pdf(UNIQUE_WORD), "r.pdf"))
    with django_capture_on_commit_callbacks() as callbacks:
        document.save()

    assert len(extractions(callbacks)) == 1
    assert stored(document).extracted_text == ""


def test_a_three_page_pdf_has_three_pages(upload):
    document = upload(pdf_bytes("one", "two", "three"))

    assert stored(document).page_count == 3


def test_a_docx_upload_is_read(upload):
    document = upload(docx_bytes([f"A {UNIQUE_WORD} flower."]), filename="report.docx")

    saved = stored(document)
    assert saved.extracted_text == f"A {UNIQUE_WORD} flower."
    assert saved.page_count is None


def test_saving_without_a_new_file_reads_nothing(upload, django_capture_on_commit_callbacks):
    document = upload(report_pdf(UNIQUE_WORD))
    document.title = "Renamed"
    with django_capture_on_commit_callbacks() as callbacks:
        document.save()

    assert extractions(callbacks) == []
    assert UNIQUE_WORD in stored(document).extracted_text


@pytest.mark.parametrize("as_the_admin_form_does", [True, False])
def test_replacing_the_file_reads_it_again(
    upload, django_capture_on_commit_callbacks, as_the_admin_form_does
):
    document = upload(report_pdf(UNIQUE_WORD))
    replacement = pdf_bytes("Replacement", "with pages")

    document.file = ContentFile(replacement, name="new.pdf")
    if as_the_admin_form_does:
        document._set_document_file_metadata()  # sets the new file_hash
    with django_capture_on_commit_callbacks(execute=True):
        document.save()

    saved = stored(document)
    assert UNIQUE_WORD not in saved.extracted_text
    assert saved.extracted_text == "Replacement\n\nwith pages"
    assert saved.page_count == 2
    assert saved.text_extracted_hash == saved.file_hash == sha1(replacement)


def test_a_corrupt_pdf_is_stored_with_empty_text_and_not_read_again(upload, caplog):
    with caplog.at_level(logging.INFO):
        document = upload(b"%PDF-1.4 garbage", filename="broken.pdf", title="Broken report")

    saved = stored(document)
    assert saved.extracted_text == ""
    assert saved.page_count is None
    assert saved.text_extracted_hash == sha1(b"%PDF-1.4 garbage")
    assert f"No text extracted from document {document.pk} 'Broken report'" in caplog.text
    assert extract_document_text.call(document.pk) == {
        "document": document.pk,
        "status": "unchanged",
    }


def test_extraction_logs_one_info_line(upload, caplog):
    with caplog.at_level(logging.INFO, logger="learning.tasks"):
        document = upload(report_pdf(UNIQUE_WORD), title="Child Z report")

    (record,) = [r for r in caplog.records if r.name == "learning.tasks"]
    assert record.levelname == "INFO"
    message = record.getMessage()
    assert message.startswith(f"Extracted text of document {document.pk} 'Child Z report': ")
    assert " chars, 1 pages, " in message
    assert message.endswith(" ms")


def test_admin_uploads_are_read_and_a_corrupt_one_still_succeeds(
    admin_client, django_capture_on_commit_callbacks, caplog
):
    root = Collection.get_first_root_node()
    for filename, data in [("good.pdf", report_pdf(UNIQUE_WORD)), ("bad.pdf", b"%PDF-1.4 garbage")]:
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                reverse("wagtaildocs:add"),
                {
                    "title": filename,
                    "file": SimpleUploadedFile(filename, data, "application/pdf"),
                    "collection": root.pk,
                },
            )
        assert response.status_code == 302

    good = ReportDocument.objects.get(title="good.pdf")
    bad = ReportDocument.objects.get(title="bad.pdf")
    assert UNIQUE_WORD in good.extracted_text
    assert good.text_extracted_hash == good.file_hash
    assert bad.extracted_text == ""
    assert bad.text_extracted_hash == bad.file_hash
    assert f"No text extracted from document {bad.pk} 'bad.pdf'" in caplog.text
    # The document's own index entry has the text: the admin's document search finds it.
    assert list(ReportDocument.objects.search(UNIQUE_WORD)) == [good]


def test_a_missing_file_fails_quietly_and_is_logged(upload, caplog):
    document = upload(report_pdf(UNIQUE_WORD))
    document.file.storage.delete(document.file.name)

    result = extract_document_text.call(document.pk, force=True)

    assert result == {"document": document.pk, "status": "failed"}
    assert f"Text extraction failed for document {document.pk}" in caplog.text


def test_a_deleted_document_is_nothing_to_do():
    assert extract_document_text.call(987654) == {"document": 987654, "status": "missing"}


# --- Search -------------------------------------------------------------------------------


def review_with_report(library, data: bytes, **kwargs) -> ReviewPage:
    document = ReportDocument.objects.create(
        title="Full report", file=ContentFile(data, name="report.pdf")
    )
    return ReviewPageFactory(
        parent=library, documents=[(document, DocumentKind.FULL_REPORT)], **kwargs
    )


def test_a_review_is_found_by_a_word_only_in_its_report(library, upload):
    with_word = ReviewPageFactory(
        parent=library,
        documents=[(upload(report_pdf(f"The {UNIQUE_WORD} flower.")), DocumentKind.FULL_REPORT)],
    )
    without = ReviewPageFactory(
        parent=library,
        documents=[(upload(report_pdf("Nothing unusual.")), DocumentKind.FULL_REPORT)],
    )
    assert UNIQUE_WORD not in with_word.title + with_word.summary

    assert list(ReviewPage.objects.live().search(UNIQUE_WORD)) == [with_word]
    assert list(ReviewPage.objects.live().search("unusual")) == [without]


def test_extraction_after_publishing_reindexes_the_review(
    library, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        review = review_with_report(library, report_pdf(f"The {UNIQUE_WORD} flower."))
        other = review_with_report(library, report_pdf("Nothing unusual."))
    assert list(ReviewPage.objects.live().search(UNIQUE_WORD)) == []

    for callback in callbacks:  # the uploads commit: extraction runs and re-indexes
        callback()

    assert list(ReviewPage.objects.live().search(UNIQUE_WORD)) == [review]
    assert list(ReviewPage.objects.live().search("unusual")) == [other]


def test_deleting_a_report_takes_its_words_out_of_the_review(
    library, upload, django_capture_on_commit_callbacks
):
    document = upload(report_pdf(UNIQUE_WORD))
    review = ReviewPageFactory(parent=library, documents=[(document, DocumentKind.FULL_REPORT)])
    assert list(ReviewPage.objects.live().search(UNIQUE_WORD)) == [review]

    with django_capture_on_commit_callbacks(execute=True):
        document.delete()

    assert list(ReviewPage.objects.live().search(UNIQUE_WORD)) == []


def test_a_policy_page_is_found_by_a_word_in_its_documents(home, upload):
    document = upload(docx_bytes([f"A {UNIQUE_WORD} procedure."]), filename="procedure.docx")
    page = PolicyPageFactory(parent=home)
    page.documents = [PolicyDocument(document=document)]
    page.save_revision().publish()
    PolicyPageFactory(parent=home)

    found = page.__class__.objects.live().search(UNIQUE_WORD)

    assert list(found) == [page]


def test_reports_too_big_for_one_search_vector_still_let_the_review_publish(library, upload):
    # CSVs of unique codes: each fits the index alone, three together would not, and on
    # PostgreSQL the error ("string is too long for tsvector") would fail the publishing.
    def codes(start):
        return "\n".join(
            hashlib.md5(str(i).encode()).hexdigest() for i in range(start, start + 30_000)
        )

    documents = [upload(codes(n * 10**6).encode(), filename=f"{n}.csv") for n in range(3)]
    review = ReviewPageFactory(
        parent=library, documents=[(document, DocumentKind.OTHER) for document in documents]
    )

    first_code = hashlib.md5(b"0").hexdigest()
    assert stored(documents[0]).extracted_text.startswith(first_code)
    assert len(review.report_text()) < len(stored(documents[0]).extracted_text) * 2
    assert list(ReviewPage.objects.live().search(first_code)) == [review]


def test_report_text_joins_each_document_once_in_order(library, upload):
    first = upload(report_pdf("alpha"), title="First")
    second = upload(docx_bytes(["omega"]), filename="second.docx", title="Second")
    review = ReviewPageFactory(
        parent=library,
        documents=[
            (second, DocumentKind.EXECUTIVE_SUMMARY),
            (first, DocumentKind.FULL_REPORT),
            (second, DocumentKind.OTHER),
        ],
    )

    text = ReviewPage.objects.get(pk=review.pk).report_text()

    assert text.startswith("omega\n\n")
    assert text.count("omega") == 1
    assert "alpha" in text


# --- Management command -------------------------------------------------------------------


def test_the_command_reads_what_is_out_of_date_or_everything(upload, capsys):
    current = upload(report_pdf("current"))
    stale = ReportDocument.objects.create(
        title="Stale", file=ContentFile(report_pdf("stale"), "s.pdf")
    )

    call_command("extract_document_text")

    assert "stale" in stored(stale).extracted_text
    assert "1 document" in capsys.readouterr().out

    ReportDocument.objects.filter(pk=current.pk).update(extracted_text="", page_count=None)
    call_command("extract_document_text")
    assert stored(current).extracted_text == ""  # its hash says it is up to date

    call_command("extract_document_text", "--all")
    assert "current" in stored(current).extracted_text
    assert "2 documents" in capsys.readouterr().out
