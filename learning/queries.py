"""The one place that builds review querysets for listings, feeds and search.

Every public listing goes through `live_reviews()`, so each shows only live, public
reviews, loaded with a fixed number of queries however many there are.
"""

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
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
    """Live, public reviews, newest publication first, ready to render as cards.

    Each comes with the ids of its themes in order (`theme_ids`, on PostgreSQL an array
    read in the same query) or its prefetched theme links (SQLite); the names of its
    themes, type and publishing body are read from the cached vocabulary (learning.terms,
    learning.cards) rather than joined here: fewer queries and objects per review listed.
    """
    if queryset is None:
        queryset = live_public_reviews()
    if within is not None:
        queryset = queryset.descendant_of(within)
    queryset = queryset.defer_streamfields().order_by(*newest_first())
    if connection.vendor == "postgresql":
        # Worked out only for the reviews of the page shown: PostgreSQL evaluates it after
        # the sorting and the LIMIT.
        links = ReviewTheme.objects.filter(page_id=OuterRef("pk")).order_by("sort_order")
        return queryset.annotate(theme_ids=ArraySubquery(links.values("theme_id")))
    return queryset.prefetch_related(
        Prefetch("review_themes", queryset=ReviewTheme.objects.order_by("sort_order"))
    )


RELATED_REVIEWS = 3


def related_reviews(
    review: ReviewPage, theme_ids: list[int], limit: int = RELATED_REVIEWS
) -> list[ReviewPage]:
    """Other live, public reviews in the same library that share a theme with `review`.

    Most themes in common first, then newest; at most `limit`, in one query. Each has what
    its card shows (learning.cards: a related card shows no themes); on PostgreSQL only
    that is loaded, and any other field is read when first asked for.
    """
    if not theme_ids or not review.path:
        return []
    if connection.vendor == "postgresql":
        return list(ReviewPage.objects.raw(*_related_sql(review, theme_ids, limit)))
    # Driven from the theme links (indexed by theme): only reviews sharing a theme are
    # grouped and counted, rather than a subquery run for every review in the library.
    return list(
        live_public_reviews()
        .sibling_of(review, inclusive=False)
        .filter(review_themes__theme_id__in=theme_ids)
        .annotate(shared_themes=Count("review_themes"))
        .defer_streamfields()
        .order_by(F("shared_themes").desc(), *newest_first())[:limit]
    )


# `is_public()` as SQL, for the page aliased `page`: no view restriction on a page whose
# tree path starts its own. tests/test_metadata.py checks a private review is not related.
PUBLIC_SQL = (
    "NOT EXISTS (SELECT 1 FROM wagtailcore_pageviewrestriction restriction"
    " INNER JOIN wagtailcore_page restricted ON restricted.id = restriction.page_id"
    " WHERE restricted.path = SUBSTRING(page.path, 1, LENGTH(restricted.path)))"
)

# What a review card shows (learning.cards.review_cards), by column.
CARD_COLUMNS = (
    "page.id, page.title, page.url_path, page.path, page.depth, page.content_type_id,"
    " review.page_ptr_id, review.subject, review.review_type_id, review.summary,"
    " review.publication_date, review.publication_date_precision"
)


def _related_sql(review: ReviewPage, theme_ids: list[int], limit: int) -> tuple[str, list]:
    """The related reviews of `review` in SQL, for PostgreSQL: `ReviewPage.objects.raw()`.

    Grouping every review that shares a theme and then checking each is live, public and
    in the same library meant reading every page and review of the library: 20 ms of
    database time at 10,000 reviews, for three cards. Here the theme links alone are
    counted (an index on theme and page answers that) and sorted by themes in common and
    date, the dates read from a narrow index on the reviews; only then is each candidate,
    in that order, checked (live, public, a sibling: as `live_public_reviews().sibling_of()`)
    until `limit` have passed, usually the first few: 2.5 ms. Ties on the date go by first
    publication and id, as in `newest_first()`. Written in SQL: building it with the ORM
    took longer than running it.
    """
    placeholders = ", ".join(["%s"] * len(theme_ids))
    parent_path = review.path[: -ReviewPage.steplen]
    sql = (
        f"SELECT {CARD_COLUMNS}, ranked.n AS shared_themes FROM ("
        " SELECT shared.page_id, shared.n, review.publication_date"
        " FROM (SELECT page_id, COUNT(*) AS n FROM learning_reviewtheme"
        f" WHERE theme_id IN ({placeholders}) AND page_id <> %s GROUP BY page_id) shared"
        " INNER JOIN learning_reviewpage review ON review.page_ptr_id = shared.page_id"
        " ORDER BY shared.n DESC, review.publication_date DESC NULLS LAST"
        " OFFSET 0"  # keeps the order: the checks below run on the best candidates first
        ") ranked"
        " INNER JOIN wagtailcore_page page ON page.id = ranked.page_id"
        " INNER JOIN learning_reviewpage review ON review.page_ptr_id = ranked.page_id"
        " WHERE page.live AND page.depth = %s AND page.path LIKE %s"
        f" AND {PUBLIC_SQL}"
        " ORDER BY ranked.n DESC, ranked.publication_date DESC NULLS LAST,"
        " page.first_published_at DESC, ranked.page_id DESC"
        " LIMIT %s"
    )
    # Tree paths are digits and capital letters: nothing in them is special to LIKE.
    return sql, [*theme_ids, review.pk, review.depth, f"{parent_path}%", limit]
