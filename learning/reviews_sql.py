"""The finder's queries, written in SQL.

`learning.finder` finds the reviews of a library that the reader's filters and search keep,
counts them by facet and cuts one page of them. `ReviewsSQL` states those conditions as SQL
for the page aliased `page` and its review `review` (what the public may see comes from
`site_core.publishing.visibility.visible_sql()`), and builds the counting statement and the
page from them; a search is matched and ranked by the functions of migration
site_core/0005. Building these with the ORM took longer than PostgreSQL took to run them: a
third of a filtered library's processor time at 10,000 reviews. tests/test_listing_sql.py
checks the reviews, their order and the counts against expectations worked out in Python,
for every kind of filter, a search and each sort order.
"""

from datetime import date

from wagtail.models import Page

from learning.filters import OLDEST, RELEVANCE, Filters
from learning.models import ReviewPage
from learning.queries import CARD_COLUMNS, FEED_COLUMNS
from site_core.publishing.visibility import visible_sql
from site_core.search.text_search import TextSearch, index_text_sql

# A review's key under each facet, as `learning.finder.facet_keys()` gives it.
FACET_KEYS = {
    "type": "review.review_type_id",
    "year": "CAST(EXTRACT(YEAR FROM review.publication_date) AS integer)",
    "body": "review.publishing_body_id",
}

REVIEWS = (
    "learning_reviewpage review INNER JOIN wagtailcore_page page ON page.id = review.page_ptr_id"
)
_HAS_THEME = (
    "EXISTS (SELECT 1 FROM learning_reviewtheme link"
    " WHERE link.page_id = page.id AND link.theme_id = %s)"
)


class ReviewsSQL:
    """The live, public reviews in `within` that `filters` and `search` keep, as SQL."""

    def __init__(self, within: Page, filters: Filters, search: TextSearch | None = None):
        # No words, nothing matches: the queryset says so without a query.
        assert search is None or search.words, "a search without words is the queryset's"
        self.within, self.filters, self.search = within, filters, search

    def where(self, *, skip: str = "", matched: bool = False) -> tuple[str, list]:
        """The conditions, less the facet named by `skip` (a facet counted with every other
        filter kept).

        `matched`: the search is applied already (joined), so it is left out.
        """
        filters = self.filters
        # Visible and below `within`. Tree paths are digits and capital
        # letters: nothing in them is special to LIKE.
        sql = [f"{visible_sql('page')} AND page.path LIKE %s AND page.depth > %s"]
        params: list = [f"{self.within.path}%", self.within.depth]
        if self.search is not None and not matched:
            matches, match_params = self.search.matches_sql()
            sql.append(f"page.id IN ({matches})")
            params += match_params
        if skip != "theme":
            for theme in filters.all_themes:  # a review must have every one
                sql.append(_HAS_THEME)
                params.append(theme.id)
        if skip != "type" and filters.types:
            sql.append(f"review.review_type_id IN ({', '.join(['%s'] * len(filters.types))})")
            params += [term.id for term in filters.types]
        if skip != "year" and filters.year:
            sql.append("review.publication_date BETWEEN %s AND %s")
            params += [date(filters.year, 1, 1), date(filters.year, 12, 31)]
        if skip != "body" and filters.body:
            sql.append("review.publishing_body_id = %s")
            params.append(filters.body.id)
        return " AND ".join(sql), params

    def kept(self) -> tuple[str, list]:
        """Each review the filters keep: (id, type key, year key, publisher key)."""
        where, params = self.where()
        keys = ", ".join(FACET_KEYS.values())
        return f"SELECT page.id, {keys} FROM {REVIEWS} WHERE {where}", params

    def facet_part(self, name: str) -> tuple[str, list]:
        """(facet, key, count) rows of facet `name`, counted with every other filter kept."""
        where, params = self.where(skip=name)
        sql = f"SELECT %s, {FACET_KEYS[name]}, COUNT(*) FROM {REVIEWS} WHERE {where} GROUP BY 2"
        return sql, [name, *params]

    def page(self, *, offset: int, limit: int, full: bool = False) -> list[ReviewPage]:
        """One page of the reviews, sorted as the reader asked (newest, oldest, best match).

        Each with what its card shows (`CARD_COLUMNS`) and its themes' ids in order
        (`theme_ids`), and with a search the page's indexed text (`_search_text`, for its
        snippet); any other field is read when first asked for. `full`: with what a feed
        entry shows besides (`FEED_COLUMNS`). By relevance, the matches
        come ranked from `site_core_ranked_search_matches()`: best first, then newest.
        """
        columns = FEED_COLUMNS if full else CARD_COLUMNS
        columns += (
            ", ARRAY(SELECT link.theme_id FROM learning_reviewtheme link"
            " WHERE link.page_id = page.id ORDER BY link.sort_order) AS theme_ids"
        )
        if self.search is not None:
            columns += f", {index_text_sql()} AS _search_text"
        source, params = REVIEWS, []
        direction = "ASC" if self.filters.sort == OLDEST else "DESC"
        order = (
            f"review.publication_date {direction} NULLS LAST,"
            f" page.first_published_at {direction}, page.id {direction}"
        )
        ranked = self.search is not None and self.filters.sort == RELEVANCE
        if ranked:
            matches, params = self.search.ranked_matches_sql()
            source = (
                f"{matches} matched"
                " INNER JOIN learning_reviewpage review ON review.page_ptr_id = matched.page_id"
                " INNER JOIN wagtailcore_page page ON page.id = review.page_ptr_id"
            )
            order = f"matched.score DESC NULLS LAST, {order}"
        where, where_params = self.where(matched=ranked)
        sql = f"SELECT {columns} FROM {source} WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s"
        return list(ReviewPage.objects.raw(sql, [*params, *where_params, limit, offset]))
