"""The parts of a review editors add in its inline panels: its themes, authors and reports."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.models import Orderable

from modelcluster.fields import ParentalKey

from learning.admin_dates import UKDateInput
from learning.models.reviews import ReviewPage


class ReviewTheme(Orderable):
    page = ParentalKey(ReviewPage, on_delete=models.CASCADE, related_name="review_themes")
    theme = models.ForeignKey(
        "learning.Theme",
        on_delete=models.PROTECT,
        related_name="review_links",
        help_text="A theme from the controlled list.",
    )

    panels = [FieldPanel("theme")]

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(fields=["page", "theme"], name="learning_reviewtheme_unique")
        ]

    def __str__(self) -> str:
        return str(self.theme)


class ReviewAuthor(Orderable):
    class Role(models.TextChoices):
        INDEPENDENT_AUTHOR = "independent_author", "Independent author"
        LEAD_REVIEWER = "lead_reviewer", "Lead reviewer"
        PANEL_CHAIR = "panel_chair", "Panel chair"
        AUTHOR = "author", "Author"

    page = ParentalKey(ReviewPage, on_delete=models.CASCADE, related_name="authors")
    name = models.CharField(
        max_length=120,
        help_text="The person's name as it appears on the report.",
    )
    role = models.CharField(
        max_length=30,
        choices=Role.choices,
        default=Role.INDEPENDENT_AUTHOR,
        help_text="Their role in the review.",
    )

    panels = [FieldRowPanel([FieldPanel("name"), FieldPanel("role")])]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class DocumentKind(models.TextChoices):
    FULL_REPORT = "full_report", "Full report"
    EXECUTIVE_SUMMARY = "executive_summary", "Executive summary"
    SUMMARY_OF_LEARNING = "summary_of_learning", "Summary of learning"
    BRIEFING = "briefing", "7-minute briefing"
    ACTION_PLAN = "action_plan", "Action plan"
    PARTNERSHIP_RESPONSE = "partnership_response", "Partnership response"
    OTHER = "other", "Other document"


class ReviewDocument(Orderable):
    page = ParentalKey(ReviewPage, on_delete=models.CASCADE, related_name="report_documents")
    document = models.ForeignKey(
        settings.WAGTAILDOCS_DOCUMENT_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Upload or choose the file (PDF preferred).",
    )
    kind = models.CharField(
        max_length=30,
        choices=DocumentKind.choices,
        default=DocumentKind.FULL_REPORT,
        help_text="What this document is; readers see it in the link text.",
    )
    title = models.CharField(
        max_length=200,
        blank=True,
        help_text="Optional: a title for the link if the kind alone is not enough, for example "
        "“Partnership response to the Panel”.",
    )
    available_until = models.DateField(
        null=True,
        blank=True,
        help_text="Optional: the last day the public can download this document. From the day "
        "after, readers are told it is no longer published and how to request a copy (the "
        "review page, its summary and other documents stay). Leave empty to keep it published.",
    )

    panels = [
        FieldPanel("document"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("title")]),
        # Typed as 2026-12-14, as the review's own dates are (no picker guessing "today").
        FieldPanel("available_until", widget=UKDateInput()),
    ]

    @property
    def label(self) -> str:
        return self.title or self.get_kind_display()

    @staticmethod
    def window_open_on(day) -> Q:
        """Links whose document the public may still have on `day`, a Europe/London date."""
        return Q(available_until__isnull=True) | Q(available_until__gte=day)

    @property
    def is_withdrawn(self) -> bool:
        """Past its "available until" date, the last day (in Europe/London) it is published."""
        return self.available_until is not None and self.available_until < timezone.localdate()

    def __str__(self) -> str:
        return self.label
