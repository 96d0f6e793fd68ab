"""The library's faceted finder: find and count the reviews the address's filters ask for.

The filters are read from the query string by `learning.filters`. The library, the theme
pages and the feed all call `find_reviews()`, so they agree.
"""

from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db import connection
from django.http import QueryDict

from wagtail.models import Page

from learning.cards import review_cards
from learning.facet_counts import stored_counts
from learning.filters import PER_PAGE, Filters, parse_filters
from learning.reviews_sql import FACET_KEYS, ReviewsSQL
from learning.terms import Term, Vocabulary, vocabulary
from site_core.search.query import page_number
from site_core.search.text_search import TextSearch, highlight


@dataclass
class FacetOption:
    term: Term | None
    label: str
    value: str
    count: int
    selected: bool

    @property
    def count_text(self) -> str:
        """The count as the page shows it. A template localises every number it writes,
        which for the eighty or so counts of a finder was a tenth of the page's time; the
        site writes whole numbers without separators, which is what this gives."""
        return str(self.count)


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


def _facet_counts(filters: Filters, written: ReviewsSQL) -> dict[str, dict]:
    """Every facet's counts, each with the other filters kept, and the total: one query.

    The reviews matching every filter are found once (`kept`, a common table expression:
    with a search, that is where its cost lies) and grouped by theme, through the theme
    links, and by type, by year and by publisher, each a few rows. For a facet whose own
    filter is not in use, "the other filters" are all the filters, so its counts come from
    `kept`; only a facet whose filter is in use needs a part of its own, over the reviews
    the other filters keep. Finding the reviews once rather than once per facet is what
    keeps the library fast with thousands of them.

    The type, year and publisher counts come back as a few rows each (one pass of grouping
    sets), not as every combination of the three (a thousand rows at 10,000 reviews, summed
    in Python). The reviews are `written`'s (learning/reviews_sql.py).
    """
    keys = FACET_KEYS
    in_use = {"type": bool(filters.types), "year": bool(filters.year), "body": bool(filters.body)}
    counts: dict[str, dict] = {"total": {}, "theme": {}, "type": {}, "year": {}, "body": {}}

    kept_sql, kept_params = written.kept()
    params = list(kept_params)
    sql = [
        f"WITH kept (pk, type_key, year_key, body_key) AS ({kept_sql}) "
        "SELECT 'theme', links.theme_id, COUNT(*) FROM learning_reviewtheme links "
        "INNER JOIN kept ON links.page_id = kept.pk GROUP BY links.theme_id"
    ]
    free = [name for name in keys if not in_use[name]]
    if free:
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
    for name in keys:
        if not in_use[name]:
            continue
        part_sql, part_params = written.facet_part(name)
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
    if search is not None and not search.words:
        # Only punctuation: nothing to look for, so nothing matches.
        return _nothing_found(filters, per_page, vocab)
    sql = ReviewsSQL(within, filters, search)

    # Unfiltered: the counts kept as the content changed, if any (learning/facet_counts.py).
    stored = not filters.is_filtered and stored_counts(within.pk, fixed_theme and fixed_theme.id)
    facets = _facets(stored or _facet_counts(filters, sql), filters, vocab)

    # The cards need only what they show; the feed (no request) every field of each review.
    paginator = Paginator(_SQLPages(sql, full=request is None), per_page)
    paginator.__dict__["count"] = facets.total  # known already: saves a COUNT query
    page = paginator.get_page(page_number(params))
    for review in page:
        # Set even without a search, so every review of the page has one (its card, the feed).
        review.snippet = highlight(review._search_text or "", filters.q) if filters.q else ""

    cards = review_cards(page, request, vocab=vocab, within=within) if request is not None else []
    return FinderResult(filters, facets, page, _chips(filters), cards)


def _nothing_found(filters: Filters, per_page: int, vocab: Vocabulary) -> FinderResult:
    nothing: dict[str, dict] = {"total": {}, "theme": {}, "type": {}, "year": {}, "body": {}}
    facets = _facets(nothing, filters, vocab)
    page = Paginator([], per_page).get_page(1)
    return FinderResult(filters, facets, page, _chips(filters), [])


class _SQLPages:
    """What the paginator slices for one page of `ReviewsSQL.page()`."""

    def __init__(self, sql: ReviewsSQL, *, full: bool):
        self.sql, self.full = sql, full

    def __getitem__(self, rows: slice) -> list:
        return self.sql.page(offset=rows.start, limit=rows.stop - rows.start, full=self.full)


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
