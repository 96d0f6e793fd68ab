"""Counts for the theme index: how many live reviews each theme has."""

from django.db.models import Count

from wagtail.models import Page

from learning.models import ReviewTheme
from learning.queries import live_public_reviews


def live_review_counts(within: Page) -> dict[int, int]:
    live = live_public_reviews().descendant_of(within).values("pk")
    return dict(
        ReviewTheme.objects.filter(page_id__in=live)
        .order_by()
        .values_list("theme_id")
        .annotate(n=Count("pk"))
    )
