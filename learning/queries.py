"""Review listings outside the finder: the home page's latest reviews, related reviews.

Each shows only the reviews the public may see (site_core.publishing.visibility), loaded
with a fixed number of queries however many there are. The library's own listings, counts
and feeds are the finder's (learning/finder.py, learning/reviews_sql.py).
"""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, OuterRef, QuerySet

from wagtail.models import Page

from learning.models import ReviewPage, ReviewTheme
from site_core.publishing.visibility import visible_pages, visible_sql


def live_public_reviews() -> QuerySet[ReviewPage]:
    """The reviews the public may see (site_core.publishing.visibility)."""
    return visible_pages(ReviewPage.objects.all())


def newest_first() -> tuple:
    # Reviews whose date is not recorded sort last on every database.
    return (F("publication_date").desc(nulls_last=True), "-first_published_at", "-pk")


def live_reviews(*, within: Page | None = None) -> QuerySet[ReviewPage]:
    """Visible reviews, newest publication first, ready to render as cards.

    Each comes with the ids of its themes in order (`theme_ids`, an array read in the same
    query); the names of its themes, type and publishing body are read from the cached
    vocabulary (learning.terms, learning.cards) rather than joined here: fewer queries and
    objects per review listed.
    """
    queryset = live_public_reviews()
    if within is not None:
        queryset = queryset.descendant_of(within)
    queryset = queryset.defer_streamfields().order_by(*newest_first())
    # Worked out only for the reviews of the page shown: PostgreSQL evaluates it after the
    # sorting and the LIMIT.
    links = ReviewTheme.objects.filter(page_id=OuterRef("pk")).order_by("sort_order")
    return queryset.annotate(theme_ids=ArraySubquery(links.values("theme_id")))


RELATED_REVIEWS = 3


def related_reviews(
    review: ReviewPage, theme_ids: list[int], limit: int = RELATED_REVIEWS
) -> list[ReviewPage]:
    """Other live, public reviews in the same library that share a theme with `review`.

    Most themes in common first, then newest; at most `limit`, in one query. Each has what
    its card shows (learning.cards: a related card shows no themes); only that is loaded,
    and any other field is read when first asked for.
    """
    if not theme_ids or not review.path:
        return []
    return list(ReviewPage.objects.raw(*_related_sql(review, theme_ids, limit)))


# What a review card shows (learning.cards.review_cards), by column.
CARD_COLUMNS = (
    "page.id, page.title, page.url_path, page.path, page.depth, page.content_type_id,"
    " review.page_ptr_id, review.subject, review.review_type_id, review.summary,"
    " review.publication_date, review.publication_date_precision"
)
# What a feed entry shows (learning.feeds): a card's, its dates and its publishing body. Not
# every field: a review's body alone is most of its row, and the feed has 50 entries.
FEED_COLUMNS = (
    f"{CARD_COLUMNS}, page.first_published_at, page.last_published_at,"
    " page.latest_revision_created_at, review.publishing_body_id"
)


def _related_sql(review: ReviewPage, theme_ids: list[int], limit: int) -> tuple[str, list]:
    """The related reviews of `review` in SQL, for `ReviewPage.objects.raw()`.

    Grouping every review that shares a theme and then checking each is live, public and
    in the same library meant reading every page and review of the library, for three
    cards. Here the theme links alone are counted (an index on theme and page answers
    that) and put in order of themes in common, most first; each candidate is then joined
    to its page and review rows in that order, and since the final order starts with the
    same count, PostgreSQL's incremental sort stops once the groups it has read hold
    `limit` reviews that pass the checks (live, public, a sibling: as
    `live_public_reviews().sibling_of()`). Usually only the few reviews sharing the most
    themes are read: 1.5 to 5 ms at 10,000 reviews, where joining every candidate to its
    date first took 4 to 13 ms. Ties go by date, first publication and id, as in
    `newest_first()`. Written in SQL: building it with the ORM took longer than running it.
    """
    placeholders = ", ".join(["%s"] * len(theme_ids))
    parent_path = review.path[: -ReviewPage.steplen]
    sql = (
        f"SELECT {CARD_COLUMNS}, shared.n AS shared_themes FROM ("
        " SELECT page_id, COUNT(*) AS n FROM learning_reviewtheme"
        f" WHERE theme_id IN ({placeholders}) AND page_id <> %s GROUP BY page_id"
        " ORDER BY n DESC"
        " OFFSET 0"  # keeps the order: the rows above are read best candidates first
        ") shared"
        " INNER JOIN wagtailcore_page page ON page.id = shared.page_id"
        " INNER JOIN learning_reviewpage review ON review.page_ptr_id = shared.page_id"
        f" WHERE {visible_sql('page')} AND page.depth = %s AND page.path LIKE %s"
        " ORDER BY shared.n DESC, review.publication_date DESC NULLS LAST,"
        " page.first_published_at DESC, page.id DESC"
        " LIMIT %s"
    )
    # Tree paths are digits and capital letters: nothing in them is special to LIKE.
    return sql, [*theme_ids, review.pk, review.depth, f"{parent_path}%", limit]
