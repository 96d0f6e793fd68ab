"""Site-wide settings editors manage in the admin, and the scheduler's heartbeat."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models

from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField

DEFAULT_REPORT_REQUEST_TEXT = (
    "<p>To request a copy of a report that is no longer published, contact the "
    "partnership's business unit.</p>"
)


@register_setting(icon="site")
class PartnershipSettings(BaseSiteSetting):
    report_request_text = RichTextField(
        features=["bold", "link", "ul"],
        default=DEFAULT_REPORT_REQUEST_TEXT,
        help_text="Shown on a review page in place of a report whose “available until” date "
        "has passed, and on the page readers get when they follow an old link to it. Say "
        "how to request a copy (email address, phone number).",
    )

    class Meta:
        verbose_name = "partnership settings"


class SchedulerHeartbeat(models.Model):
    """One row: when the publishing scheduler last finished a tick (see docs/scheduling.md).

    Lets the dashboard and an operator see at a glance whether scheduled publishing is
    running, and tells the scheduler which report withdrawals fell due since its last tick.
    """

    name = models.CharField(
        max_length=40, unique=True, default="scheduler", help_text="Which scheduler this is."
    )
    last_tick_at = models.DateTimeField(
        null=True, blank=True, help_text="When the scheduler last finished a tick."
    )
    host = models.CharField(
        max_length=200, blank=True, help_text="The host and process id that ran that tick."
    )

    class Meta:
        verbose_name = "scheduler heartbeat"

    def __str__(self) -> str:
        return f"{self.name}: last tick {self.last_tick_at or 'never'}"


class PageSearchVector(models.Model):
    """A narrow copy of each page's entry in Wagtail's search index (PostgreSQL only).

    Wagtail's index rows are wide (each holds the page's whole text twice, report text
    included), so matching a common word such as "neglect" read and decompressed the vectors
    of nearly every row, and ranking the matches did it again: over 300 ms at 10,000
    reviews. This table holds, per page, the same words without their positions (`match`,
    a tenth of the size, GIN-indexed) and a small positioned vector of the page's leading
    text to rank by (`rank`). A trigger on Wagtail's index table keeps it in step, so
    whatever updates the index (publishing, `update_index`, the document text extractor)
    updates it too. See docs/search-and-extraction.md. On SQLite there is no such table:
    the site searches through Wagtail's backend directly.
    """

    page = models.OneToOneField(
        "wagtailcore.Page",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="search_vector",
        help_text="The page (its index entry's object id).",
    )
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        help_text="The page's specific type, as in its index entry.",
    )
    match = SearchVectorField(help_text="Every indexed word of the page, without positions.")
    rank = SearchVectorField(
        help_text="The title, boosted fields and leading text, with positions, for ranking."
    )

    class Meta:
        managed = False  # created with its trigger by migration 0002, on PostgreSQL only
        db_table = "site_core_pagesearchvector"

    def __str__(self) -> str:
        return f"search vector of page {self.page_id}"
