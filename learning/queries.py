"""The one place that builds review querysets for listings, feeds and search.

Every public listing goes through `live_reviews()`, so each shows only live, public
reviews, loaded with a fixed number of queries however many there are.
"""

from django.db.models import F, Prefetch, QuerySet

from wagtail.models import Page

from learning.models import ReviewPage, ReviewTheme


def live_reviews(*, within: Page | None = None) -> QuerySet[ReviewPage]:
    """Live, public reviews, newest publication first, ready to render as cards."""
    reviews = ReviewPage.objects.live().public()
    if within is not None:
        reviews = reviews.descendant_of(within)
    return (
        reviews.defer_streamfields()
        .select_related("review_type", "publishing_body")
        .prefetch_related(
            Prefetch(
                "review_themes",
                queryset=ReviewTheme.objects.select_related("theme").order_by("sort_order"),
            )
        )
        # Reviews whose date is not recorded sort last on every database.
        .order_by(F("publication_date").desc(nulls_last=True), "-first_published_at", "-pk")
    )
