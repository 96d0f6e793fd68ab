"""The library's faceted finder: find and count the reviews the address's filters ask for.

The filters are read from the query string by `learning.filters`. The library, the theme
pages and the feed all call `find_reviews()`, so they agree.
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, ExtractYear
from django.http import QueryDict

from wagtail.models import Page

from learning.cards import review_cards
from learning.facet_counts import stored_counts
from learning.filters import OLDEST, PER_PAGE, RELEVANCE, Filters, parse_filters
from learning.models import ReviewTheme
from learning.queries import live_public_reviews, live_reviews, newest_first
from learning.reviews_sql import ReviewsSQL
from learning.terms import Term, Vocabulary, vocabulary
from site_core.text_search import TextSearch, highlight, index_text

# --- Querying ------------------------------------------------------------------------------


def _apply(reviews: QuerySet, filters: Filters, *, search=None, skip: str = "") -> QuerySet:
    """Narrow `reviews` by every filter except the facet named by `skip`."""
    if skip != "theme":
        for theme in filters.all_themes:
            reviews = reviews.filter(
                Exists(ReviewTheme.objects.filter(page_id=OuterRef("pk"), theme_id=theme.id))
            )
    if skip != "type" and filters.types:
        reviews = reviews.filter(review_type_id__in=[t.id for t in filters.types])
    if skip != "year" and filters.year:
        reviews = reviews.filter(
            publication_date__range=(date(filters.year, 1, 1), date(filters.year, 12, 31))
        )
    if skip != "body" and filters.body:
        reviews = reviews.filter(publishing_body_id=filters.body.id)
    if search is not None:
        reviews = search.filter(reviews)
    return reviews


@dataclass
class FacetOption:
    term: Term | None
    label: str
    value: str
    count: int
    selected: bool


@dataclass
class Facets:
    total: int = 0
    themes: list[FacetOption] = field(default_factory=list)
    types: list[FacetOption] = field(default_factory=list)
    years: list[FacetOption] = field(default_factory=list)
    bodies: list[FacetOption] = field(default_factory=list)

    @property
    def theme_groups(self) -> list[tuple[str, list[FacetOption]]]:
        from learning.models import Theme

        groups = dict(Theme.Group.choices)
        grouped: dict[str, list[FacetOption]] = {}
        for option in self.themes:
            grouped.setdefault(option.term.group, []).append(option)
        return [(groups.get(key, "Other themes"), grouped[key]) for key in groups if key in grouped]


def facet_keys() -> dict:
    """What a review is counted under for the type, year and publisher facets."""
    return {
        "type": F("review_type_id"),
        # An integer: PostgreSQL's EXTRACT gives a decimal, slower to group.
        "year": Cast(ExtractYear("publication_date"), IntegerField()),
        "body": F("publishing_body_id"),
    }


def _facet_counts(
    base: QuerySet | None, filters: Filters, search, written: ReviewsSQL | None = None
) -> dict[str, dict]:
    """Every facet's counts, each with the other filters kept, and the total: one query.

    The reviews matching every filter are found once (`kept`, a common table expression:
    with a search, that is where its cost lies) and grouped by theme, through the theme
    links, and by type, by year and by publisher, each a few rows. For a facet whose own
    filter is not in use, "the other filters" are all the filters, so its counts come from
    `kept`; only a facet whose filter is in use needs a part of its own, over the reviews
    the other filters keep. Finding the reviews once rather than once per facet is what
    keeps the library fast with thousands of them.

    The type, year and publisher counts come back as a few rows each (on PostgreSQL one
    pass of grouping sets), not as every combination of the three (a thousand rows at
    10,000 reviews, summed in Python).

    The reviews come from `base` narrowed by the filters and the search, or from `written` (the
    same reviews as SQL written by hand, learning/reviews_sql.py), which is quicker to build.
    """
    keys = facet_keys()
    in_use = {"type": bool(filters.types), "year": bool(filters.year), "body": bool(filters.body)}
    counts: dict[str, dict] = {"total": {}, "theme": {}, "type": {}, "year": {}, "body": {}}

    if written is not None:
        kept_sql, kept_params = written.kept()
    else:
        kept = (
            _apply(base, filters, search=search)
            .order_by()
            .annotate(**{f"{name}_key": key for name, key in keys.items()})
            .values_list("pk", *(f"{name}_key" for name in keys))
        )
        try:
            kept_sql, kept_params = kept.query.sql_with_params()
        except EmptyResultSet:  # a search with no words in it: nothing matches
            return counts
    params = list(kept_params)
    sql = [
        f"WITH kept (pk, type_key, year_key, body_key) AS ({kept_sql}) "
        "SELECT 'theme', links.theme_id, COUNT(*) FROM learning_reviewtheme links "
        "INNER JOIN kept ON links.page_id = kept.pk GROUP BY links.theme_id"
    ]
    free = [name for name in keys if not in_use[name]]
    if connection.vendor == "postgresql" and free:
        # GROUPING() has a bit per key, the first the highest, set when the row is not
        # grouped by that key: with all three, 0b011 is a row of the type counts and 0b111
        # the total.
        columns = ", ".join(f"{name}_key" for name in free)
        every = (1 << len(free)) - 1
        masks = {name: every ^ (1 << (len(free) - 1 - i)) for i, name in enumerate(free)}
        grouping = f"CASE GROUPING({columns}) WHEN {every} THEN"
        which = " ".join(f"WHEN {masks[name]} THEN '{name}'" for name in free)
        key = " ".join(f"WHEN {masks[name]} THEN {name}_key" for name in free)
        sets = "".join(f"({name}_key), " for name in free)
        sql.append(
            f"UNION ALL SELECT {grouping} 'total' {which} END, "
            f"{grouping} CAST(NULL AS integer) {key} END, COUNT(*) "
            f"FROM kept GROUP BY GROUPING SETS ({sets}())"
        )
    else:
        # Typed, so that the union's key column is an integer.
        sql.append("UNION ALL SELECT 'total', CAST(NULL AS integer), COUNT(*) FROM kept")
        sql += [f"UNION ALL SELECT '{n}', {n}_key, COUNT(*) FROM kept GROUP BY 2" for n in free]
    for name, key in keys.items():
        if not in_use[name]:
            continue
        if written is not None:
            part_sql, part_params = written.facet_part(name)
        else:
            part = (
                _apply(base, filters, search=search, skip=name)
                .order_by()
                .annotate(facet=Value(name, output_field=CharField()), key=key)
                .values_list("facet", "key")
                .annotate(n=Count("pk"))
            )
            part_sql, part_params = part.query.sql_with_params()  # empty only if `kept` is
        # Wrapped: SQLite accepts no parentheses around the parts of a UNION.
        sql.append(f"UNION ALL SELECT * FROM ({part_sql}) AS {name}_part")
        params.extend(part_params)

    with connection.cursor() as cursor:
        cursor.execute(" ".join(sql), params)
        rows = cursor.fetchall()
    for facet, key, n in rows:
        if facet == "total":
            counts["total"][0] = n
        elif key is not None:  # reviews without a type, date or publisher count only in all
            counts[facet][int(key)] = n
    return counts


def _facets(counts: dict[str, dict], filters: Filters, vocab: Vocabulary) -> Facets:
    facets = Facets(total=sum(counts["total"].values()))
    chosen_themes = {t.slug for t in filters.themes}
    for term in vocab.themes:
        n = counts["theme"].get(term.id, 0)
        if term != filters.fixed_theme and (n or term.slug in chosen_themes):
            facets.themes.append(
                FacetOption(term, term.name, term.slug, n, term.slug in chosen_themes)
            )
    chosen_types = {t.slug for t in filters.types}
    for term in vocab.types:
        n = counts["type"].get(term.id, 0)
        facets.types.append(FacetOption(term, term.name, term.slug, n, term.slug in chosen_types))
    for year in sorted(
        set(counts["year"]) | ({filters.year} if filters.year else set()), reverse=True
    ):
        n = counts["year"].get(year, 0)
        facets.years.append(FacetOption(None, str(year), str(year), n, year == filters.year))
    for term in vocab.bodies:
        n = counts["body"].get(term.id, 0)
        if n or term == filters.body:
            facets.bodies.append(FacetOption(term, term.name, term.slug, n, term == filters.body))
    return facets


@dataclass
class Chip:
    label: str
    remove_url: str


@dataclass
class FinderResult:
    filters: Filters
    facets: Facets
    page: object  # a django.core.paginator.Page of ReviewPage
    chips: list[Chip]
    # The page's reviews as cards (learning.cards.ReviewCard), when asked for with a request.
    cards: list = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.facets.total


def find_reviews(
    params: QueryDict,
    within: Page,
    *,
    fixed_theme: Term | None = None,
    per_page: int = PER_PAGE,
    request=None,
    vocab: Vocabulary | None = None,
) -> FinderResult:
    """The reviews in `within` that the query string asks for, one page of them, counted.

    With `request`, the page's reviews also come as cards (`cards`), ready to show.
    `vocab`: the vocabulary, if the caller has read it already.
    """
    vocab = vocab or vocabulary()
    filters = parse_filters(params, vocab, fixed_theme=fixed_theme)
    search = TextSearch(filters.q) if filters.q else None
    # PostgreSQL gets SQL written for these filters, quicker to build than the queryset
    # (learning/reviews_sql.py). A search without words matches nothing: the queryset's.
    words = search is None or search.words
    sql = (
        ReviewsSQL(within, filters, search) if words and connection.vendor == "postgresql" else None
    )
    base = None if sql is not None and request is not None else _base(within)

    # Unfiltered: the counts kept as the content changed, if any (learning/facet_counts.py).
    stored = not filters.is_filtered and stored_counts(within.pk, fixed_theme and fixed_theme.id)
    facets = _facets(stored or _facet_counts(base, filters, search, sql), filters, vocab)

    if sql is not None and request is not None:
        # Only what the cards show (the feed, without a request, shows more).
        ordered = _SQLPages(sql)
    else:
        ordered = _ordered(base, filters, search)
    paginator = Paginator(ordered, per_page)
    paginator.__dict__["count"] = facets.total  # known already: saves a COUNT query
    page = paginator.get_page(params.get("page"))
    for review in page:
        # Set even without a search, so every review of the page has one (its card, the feed).
        review.snippet = highlight(review._search_text or "", filters.q) if filters.q else ""

    cards = review_cards(page, request, vocab=vocab, within=within) if request is not None else []
    return FinderResult(filters, facets, page, _chips(filters), cards)


class _SQLPages:
    """What the paginator slices for one page of `ReviewsSQL.page()`."""

    def __init__(self, sql: ReviewsSQL):
        self.sql = sql

    def __getitem__(self, rows: slice) -> list:
        return self.sql.page(offset=rows.start, limit=rows.stop - rows.start)


def _base(within: Page) -> QuerySet:
    return live_public_reviews().descendant_of(within)


def _ordered(base: QuerySet, filters: Filters, search) -> QuerySet:
    """The reviews the filters keep, sorted as asked, ready to be cut into pages."""
    ordered = _apply(live_reviews(queryset=base), filters, search=search)
    if filters.sort == RELEVANCE:
        # Only the reviews the filters keep are scored.
        ordered = search.with_score(ordered).order_by(search.best_match_first(), *newest_first())
    elif filters.sort == OLDEST:
        ordered = ordered.order_by(
            F("publication_date").asc(nulls_last=True), "first_published_at", "pk"
        )
    if search:
        ordered = ordered.annotate(_search_text=index_text())
    return ordered


def _chips(filters: Filters) -> list[Chip]:
    def url(name, value):
        query = filters.params(without=(name, value)).urlencode()
        return f"?{query}" if query else "?"

    chips = [Chip(f"Theme: {t.name}", url("theme", t.slug)) for t in filters.themes]
    chips += [Chip(f"Type: {t.name}", url("type", t.slug)) for t in filters.types]
    if filters.year:
        chips.append(Chip(f"Year: {filters.year}", url("year", str(filters.year))))
    if filters.body:
        chips.append(Chip(f"Published by: {filters.body.name}", url("body", filters.body.slug)))
    if filters.q:
        chips.append(Chip(f"Search: {filters.q}", url("q", filters.q)))
    return chips
