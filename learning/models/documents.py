"""The site's document model: Wagtail's, plus the text and page count of each report.

The text is extracted after upload (see learning/extraction.py) so that a review is found
by words inside its reports; the page count tells readers how long a PDF is.
"""

from django.conf import settings
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

    original_file = models.FileField(
        upload_to="documents/originals",
        blank=True,
        editable=False,
        help_text="The file as the editor uploaded it, kept for editors when the served copy "
        "had author-identifying metadata removed (docs/report-checks.md). Empty when the "
        "uploaded file is served as it is.",
    )
    check_findings = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="What the report checks found in the uploaded file: metadata, comments, "
        "tracked changes, embedded files, accessibility (learning/report_checks).",
    )
    checked_hash = models.CharField(
        max_length=40,
        blank=True,
        editable=False,
        help_text="The hash of the uploaded file the findings belong to.",
    )

    admin_form_fields = Document.admin_form_fields
    search_fields = [*AbstractDocument.search_fields, index.SearchField("extracted_text")]

    class Meta(AbstractDocument.Meta):
        verbose_name = "document"
        permissions = [("choose_document", "Can choose document")]


class DocumentReplacement(models.Model):
    """A new file for a document that a live or scheduled review uses, waiting for an Approver.

    An Editor's replacement of such a file would change a public report without sign-off,
    so it is kept here until an Approver accepts it (the document's file is then replaced)
    or declines it (docs/sign-off.md).
    """

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for an Approver"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    document = models.ForeignKey(
        ReportDocument,
        on_delete=models.CASCADE,
        related_name="replacements",
        help_text="The document whose file would be replaced.",
    )
    file = models.FileField(
        upload_to="documents/replacements",
        help_text="The new file, not served to anyone until it is accepted.",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text="The editor who uploaded the new file.",
    )
    requested_at = models.DateTimeField(
        auto_now_add=True, help_text="When the new file was uploaded."
    )
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.WAITING,
        help_text="Whether an Approver has accepted or declined the new file.",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The Approver who accepted or declined it.",
    )
    decided_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was accepted or declined."
    )

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = "replacement file"

    def __str__(self) -> str:
        return f"New file for “{self.document.title}”"
