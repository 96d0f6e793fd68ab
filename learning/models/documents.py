"""The site's document model: Wagtail's, plus the text and page count of each report.

The text is extracted after upload (see learning/extraction.py) so that a review is found
by words inside its reports; the page count tells readers how long a PDF is.
"""

from django.db import models

from wagtail.documents.models import AbstractDocument, Document
from wagtail.search import index


class ReportDocument(AbstractDocument):
    extracted_text = models.TextField(
        blank=True,
        editable=False,
        help_text="Text extracted from the file for search. Empty for scanned or unreadable files.",
    )
    page_count = models.PositiveIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="Number of pages of a PDF, shown to readers next to the link.",
    )
    text_extracted_hash = models.CharField(
        max_length=40,
        blank=True,
        editable=False,
        help_text="The file hash the extracted text belongs to; differs when the file "
        "has been replaced and not yet re-read.",
    )

    admin_form_fields = Document.admin_form_fields
    search_fields = [*AbstractDocument.search_fields, index.SearchField("extracted_text")]

    class Meta(AbstractDocument.Meta):
        verbose_name = "document"
        permissions = [("choose_document", "Can choose document")]
