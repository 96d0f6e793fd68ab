"""The library's facet counts, counted when content changes rather than on every request."""

from django.db import models
from django.db.models.functions import Coalesce


class FacetCount(models.Model):
    """One number of the library's filter form, as the unfiltered library or a theme page shows it.

    Counting the facets of the whole library groups every live review and every theme link
    on each request: 25 ms of database time at 10,000 reviews, 10 ms for a theme page. The
    numbers only change when content does, so `learning.facet_counts.refresh()` recounts
    them all, in the same transaction as the change that moves them, and the library, its
    theme pages and the list of themes read a few rows instead, whenever the reader has not
    filtered or searched (any other view counts live). See docs/facet-counts.md.
    """

    library = models.ForeignKey(
        "learning.ThemeIndexPage",
        on_delete=models.CASCADE,
        related_name="+",
        # The unique constraint below starts with it, which serves every lookup by library.
        db_index=False,
        help_text="The library (review library page) whose reviews are counted.",
    )
    scope_theme = models.ForeignKey(
        "learning.Theme",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        help_text="On a theme's own page, that theme: only reviews with it are counted. "
        "Empty for the whole library.",
    )
    facet = models.CharField(
        max_length=8,
        help_text="What is counted: “total” (every review), or the reviews by “theme”, "
        "“type”, “year” or publishing “body”.",
    )
    key = models.IntegerField(
        null=True,
        help_text="The theme, review type or publishing body's id, or the year; empty for "
        "the total.",
    )
    count = models.PositiveIntegerField(help_text="How many live, public reviews.")

    class Meta:
        verbose_name = "facet count"
        # Written by learning.facet_counts alone: no permission for anyone to grant.
        default_permissions = ()
        constraints = [
            # Empty scope and key as 0, which no id or year is, so that they are unique too
            # on every database (a plain unique constraint lets NULLs repeat).
            models.UniqueConstraint(
                "library",
                Coalesce("scope_theme", models.Value(0), output_field=models.BigIntegerField()),
                "facet",
                Coalesce("key", models.Value(0), output_field=models.IntegerField()),
                name="learning_facetcount_unique",
            )
        ]

    def __str__(self) -> str:
        scope = f"theme {self.scope_theme_id}" if self.scope_theme_id else "library"
        key = "" if self.key is None else f" {self.key}"
        return f"{self.facet}{key} in {scope} of {self.library_id}: {self.count}"
