"""The narrow copy of the search index that the site matches and ranks pages against."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models


class PageSearchVector(models.Model):
    """A narrow copy of each page's entry in Wagtail's search index.

    Wagtail's index rows are wide (each holds the page's whole text twice, report text
    included), so matching a common word such as "neglect" read and decompressed the vectors
    of nearly every row, and ranking the matches did it again: over 300 ms at 10,000
    reviews. This table holds, per page, the same words without their positions (`match`,
    a tenth of the size, GIN-indexed), a small positioned vector of the page's leading
    text to rank by (`rank`), and the plain text the index holds, for result snippets
    (`text`). The site's search backend (`site_core.search.backend`) writes it whenever it
    writes the page's index entry, so whatever updates the index through Wagtail
    (publishing, `update_index`, the document text extractor) updates it too. See
    docs/search-and-extraction.md.
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
    text = models.TextField(
        help_text="The plain text the index holds for the page, to cut result snippets from."
    )

    # A copy of the search index, as Wagtail's own index entries are: no references to record.
    wagtail_reference_index_ignore = True

    class Meta:
        managed = False  # created by migration 0002 (with its GIN index), `text` by 0007
        db_table = "site_core_pagesearchvector"
        app_label = "site_core"

    def __str__(self) -> str:
        return f"search vector of page {self.page_id}"
