"""Policy pages: the statutory process, procedures and policy documents."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from modelcluster.fields import ParentalKey

from learning.blocks import PolicyBodyBlock
from learning.extraction import text_for_search_index
from site_core.publishing.visibility import VisibilityMixin


class PolicyPage(VisibilityMixin, Page):
    intro = RichTextField(
        blank=True,
        features=["bold", "italic", "link"],
        help_text="One short paragraph saying what this policy or process is and who it is for.",
    )
    body = StreamField(
        PolicyBodyBlock(),
        blank=True,
        help_text="The policy or process itself, in sections with headings.",
    )
    last_reviewed = models.DateField(
        null=True,
        blank=True,
        help_text="When the partnership last checked this page was correct. Shown to readers.",
    )
    next_review_due = models.DateField(
        null=True,
        blank=True,
        help_text="When it is next due to be checked. Shown to readers.",
    )

    parent_page_types = ["home.HomePage", "learning.PolicyPage"]
    subpage_types = ["learning.PolicyPage"]
    page_description = (
        "A policy, procedure or statutory process, with its documents and links to "
        "statutory guidance."
    )
    template = "learning/policy_page.html"

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("body"),
        InlinePanel(
            "documents",
            heading="Policy documents",
            label="Document",
            help_text="Procedures, policies and forms, in the order readers should see them.",
        ),
        InlinePanel(
            "guidance_links",
            heading="Statutory guidance",
            label="Link",
            help_text="Links to national guidance this page relies on, "
            "such as Working Together to Safeguard Children.",
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("last_reviewed"), FieldPanel("next_review_due")])],
            heading="Review dates",
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.SearchField("document_text"),
    ]

    class Meta:
        verbose_name = "policy page"

    def document_text(self) -> str:
        """The extracted text of the page's documents, in order, for the search index.

        Documents in a restricted collection are left out (site_core.publishing.visibility).
        """
        from site_core.publishing.visibility import in_open_collections

        links = list(self.documents.select_related("document"))
        public = in_open_collections(link.document_id for link in links)
        return text_for_search_index(link.document for link in links if link.document_id in public)

    def clean(self):
        super().clean()
        if (
            self.last_reviewed
            and self.next_review_due
            and self.next_review_due <= self.last_reviewed
        ):
            raise ValidationError(
                {"next_review_due": "The next review must be due after the last review date."}
            )


class PolicyDocument(Orderable):
    page = ParentalKey(PolicyPage, on_delete=models.CASCADE, related_name="documents")
    document = models.ForeignKey(
        settings.WAGTAILDOCS_DOCUMENT_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Upload or choose the file.",
    )
    title = models.CharField(
        max_length=200,
        blank=True,
        help_text="Optional: the link text readers see. Defaults to the document's own title.",
    )

    panels = [FieldPanel("document"), FieldPanel("title")]

    @property
    def label(self) -> str:
        return self.title or self.document.title

    def __str__(self) -> str:
        return self.label


class PolicyGuidanceLink(Orderable):
    page = ParentalKey(PolicyPage, on_delete=models.CASCADE, related_name="guidance_links")
    title = models.CharField(
        max_length=200,
        help_text="The guidance's own title, for example “Working Together to Safeguard "
        "Children”. Readers see it as the link text.",
    )
    url = models.URLField(help_text="The guidance's web address, starting https://.")
    note = models.CharField(
        max_length=200,
        blank=True,
        help_text="Optional: which part matters here, for example “Chapter 4”.",
    )

    panels = [FieldPanel("title"), FieldPanel("url"), FieldPanel("note")]

    def __str__(self) -> str:
        return self.title
