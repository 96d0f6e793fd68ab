"""Counts for the theme index: how many live reviews each theme has."""

from django.db.models import Count

from wagtail.models import Page

from learning.facet_counts import stored_counts
from learning.models import ReviewTheme
from learning.queries import live_public_reviews


def live_review_counts(within: Page) -> dict[int, int]:
    # The library's own theme counts, kept as content changes, when they have been counted.
    stored = stored_counts(within.pk)
    if stored is not None:
        return stored["theme"]
    live = live_public_reviews().descendant_of(within).values("pk")
    return dict(
        ReviewTheme.objects.filter(page_id__in=live)
        .order_by()
        .values_list("theme_id")
        .annotate(n=Count("pk"))
    )
