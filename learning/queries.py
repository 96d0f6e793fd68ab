"""The one place that builds review querysets for listings, feeds and search.

Every public listing goes through `live_reviews()`, so each shows only live, public
reviews, loaded with a fixed number of queries however many there are.
"""

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.db.models.functions import Length, Substr

from wagtail.models import Page, PageViewRestriction

from learning.models import ReviewPage, ReviewTheme


def is_public() -> Q:
    """Pages with no view restriction on themselves or any ancestor.

    Wagtail's `.public()` reads every restriction first, in a query of its own; this asks
    the same question inside the listing's own query (a restriction's page path is a
    prefix of the tree path of every page it covers).
    """
    covering = PageViewRestriction.objects.filter(
        page__path=Substr(OuterRef("path"), 1, Length("page__path"))
    )
    return ~Q(Exists(covering))


def live_public_reviews() -> QuerySet[ReviewPage]:
    return ReviewPage.objects.live().filter(is_public())


def newest_first() -> tuple:
    # Reviews whose date is not recorded sort last on every database.
    return (F("publication_date").desc(nulls_last=True), "-first_published_at", "-pk")


def live_reviews(
    *, within: Page | None = None, queryset: QuerySet | None = None
) -> QuerySet[ReviewPage]:
    """Live, public reviews, newest publication first, ready to render as cards."""
    if queryset is None:
        queryset = live_public_reviews()
    if within is not None:
        queryset = queryset.descendant_of(within)
    return (
        queryset.defer_streamfields()
        .select_related("review_type", "publishing_body")
        .prefetch_related(
            Prefetch(
                "review_themes",
                queryset=ReviewTheme.objects.select_related("theme").order_by("sort_order"),
            )
        )
        .order_by(*newest_first())
    )


RELATED_REVIEWS = 3


def related_reviews(
    review: ReviewPage, theme_ids: list[int], limit: int = RELATED_REVIEWS
) -> list[ReviewPage]:
    """Other live, public reviews in the same library that share a theme with `review`.

    Most themes in common first, then newest; at most `limit`, in one query. Each has its
    review type loaded (for a card) but not its themes: a related card does not show them.
    """
    if not theme_ids or not review.path:
        return []
    # Driven from the theme links (indexed by theme): only reviews sharing a theme are
    # grouped and counted, rather than a subquery run for every review in the library.
    return list(
        live_public_reviews()
        .sibling_of(review, inclusive=False)
        .filter(review_themes__theme_id__in=theme_ids)
        .annotate(shared_themes=Count("review_themes"))
        .defer_streamfields()
        .select_related("review_type")
        .order_by(F("shared_themes").desc(), *newest_first())[:limit]
    )
