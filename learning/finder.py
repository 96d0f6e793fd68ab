"""The library's faceted finder: read the address's filters, find and count the reviews.

Everything a reader can do is in the query string (shareable, works without JavaScript):
`theme` (repeatable; a review must have every theme chosen), `type` (repeatable; any of
them), `year`, `body`, `q`, `sort` and `page`. Bad input never fails: unknown values are
ignored and named in a notice, and anything malformed falls back to the default.

The library, the theme pages and the feed all call `find_reviews()`, so they agree.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, ExtractYear
from django.http import QueryDict
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from learning.models import ReviewPage, ReviewTheme
from learning.queries import is_public, live_public_reviews, live_reviews, newest_first
from learning.terms import Term, Vocabulary, vocabulary

MAX_QUERY_LENGTH = 200
MAX_VALUES_PER_PARAMETER = 20
PER_PAGE = 20
FIRST_YEAR, LAST_YEAR = 1900, 2100

NEWEST, OLDEST, RELEVANCE = "newest", "oldest", "relevance"
SORT_LABELS = {NEWEST: "Newest first", OLDEST: "Oldest first", RELEVANCE: "Best match"}


@dataclass
class Filters:
    """What the reader asked for, checked against the vocabularies."""

    themes: list[Term] = field(default_factory=list)
    types: list[Term] = field(default_factory=list)
    year: int | None = None
    body: Term | None = None
    q: str = ""
    sort: str = NEWEST
    notices: list[str] = field(default_factory=list)
    # On a theme's own page that theme is part of the address, not of the query string.
    fixed_theme: Term | None = None

    @property
    def all_themes(self) -> list[Term]:
        return [self.fixed_theme, *self.themes] if self.fixed_theme else self.themes

    @property
    def is_filtered(self) -> bool:
        return bool(self.themes or self.types or self.year or self.body or self.q)

    def params(self, *, without: tuple[str, str] | None = None, **replace) -> QueryDict:
        """The canonical query string of these filters, minus one value or with changes."""
        values = {
            "theme": [t.slug for t in self.themes],
            "type": [t.slug for t in self.types],
            "year": [str(self.year)] if self.year else [],
            "body": [self.body.slug] if self.body else [],
            "q": [self.q] if self.q else [],
            "sort": [self.sort] if self.sort != default_sort(self.q) else [],
        }
        if without:
            name, value = without
            values[name] = [v for v in values[name] if v != value]
        for name, value in replace.items():
            values[name] = [value] if value else []
        params = QueryDict(mutable=True)
        for name, items in values.items():
            params.setlist(name, items)
        return params

    def params_with_fixed_theme(self) -> QueryDict:
        """The canonical query string including a theme page's own theme.

        The same reviews addressed from the library or the feed: on the "Neglect" theme
        page, `theme=neglect` followed by any other filters.
        """
        params = self.params()
        if self.fixed_theme:
            params.setlist("theme", [self.fixed_theme.slug, *params.getlist("theme")])
        return params


def default_sort(q: str) -> str:
    return RELEVANCE if q else NEWEST


def _clean_text(value: str) -> str:
    # Control characters (NUL in particular) break databases and mean nothing to search.
    return " ".join("".join(ch for ch in value if ch.isprintable() or ch.isspace()).split())


def _values(params: QueryDict, name: str) -> list[str]:
    seen: list[str] = []
    for raw in params.getlist(name)[: MAX_VALUES_PER_PARAMETER * 5]:
        value = _clean_text(raw).lower()
        if value and value not in seen:
            seen.append(value)
    return seen[:MAX_VALUES_PER_PARAMETER]


def _first(params: QueryDict, name: str) -> str:
    return next((v for v in (_clean_text(r) for r in params.getlist(name)) if v), "")


def quoted(value: str, limit: int = 40) -> str:
    return f"“{value[:limit]}{'…' if len(value) > limit else ''}”"


def read_search_text(params: QueryDict) -> tuple[str, list[str]]:
    """The search words from the address, tidied and cut to length, and any notices."""
    q = _first(params, "q")
    notices = []
    if len(q) > MAX_QUERY_LENGTH:
        cut = q[:MAX_QUERY_LENGTH]
        q = cut.rsplit(" ", 1)[0] if " " in cut else cut
        notices.append(
            f"Your search was shortened to its first {MAX_QUERY_LENGTH} characters: "
            f"it now ends at {quoted(q[-30:], 30)}."
        )
    return q, notices


def parse_filters(
    params: QueryDict, vocab: Vocabulary | None = None, *, fixed_theme: Term | None = None
) -> Filters:
    vocab = vocab or vocabulary()
    filters = Filters(fixed_theme=fixed_theme)

    for name, kind, label in (("theme", "theme", "theme"), ("type", "type", "review type")):
        known = vocab.by_slug(kind)
        chosen = []
        for slug in _values(params, name):
            if slug in known:
                if known[slug] != fixed_theme:
                    chosen.append(known[slug])
            else:
                filters.notices.append(f"There is no {label} {quoted(slug)}, so it was ignored.")
        setattr(filters, f"{name}s", chosen)

    year = _first(params, "year")
    if year:
        # ASCII digits only: "²" is a digit to str.isdigit() but not to int().
        if year.isascii() and year.isdigit() and FIRST_YEAR <= int(year) <= LAST_YEAR:
            filters.year = int(year)
        else:
            filters.notices.append(
                f"{quoted(year)} is not a year, so reviews from every year are shown."
            )

    body = _first(params, "body").lower()
    if body:
        filters.body = vocab.by_slug("body").get(body)
        if filters.body is None:
            filters.notices.append(
                f"There is no publishing body {quoted(body)}, so it was ignored."
            )

    q, notices = read_search_text(params)
    filters.q = q
    filters.notices.extend(notices)

    sort = _first(params, "sort").lower()
    filters.sort = (
        sort if sort in (NEWEST, OLDEST) or (sort == RELEVANCE and q) else default_sort(q)
    )
    return filters


# --- Querying ------------------------------------------------------------------------------


def _matching_search(q: str) -> QuerySet[ReviewPage]:
    """Reviews whose indexed text matches `q`, annotated with `_score` (relevance).

    Wagtail's database backend gives back an ordinary queryset, so the finder's own
    filters compose with it in SQL rather than through a list of ids.
    """
    words = searchable_words(q)
    if not words:
        return ReviewPage.objects.none().annotate(_score=Value(0.0, output_field=FloatField()))
    results = get_search_backend().search(words, ReviewPage.objects.all(), order_by_relevance=False)
    matches = results.annotate_score("_score").get_queryset()
    # PostgreSQL's backend annotates each row with its whole search vector (`_vector_`, the
    # title's and body's combined) in order to filter on it. Filtering is all it is needed
    # for: selected too, it is built for every match before the relevance sort (at 10,000
    # reviews, most of that query's time). Select everything else.
    selected = set(matches.query.annotation_select) - {"_vector_"}
    matches.query.set_annotation_mask(selected)
    return matches


def best_match_first():
    # PostgreSQL's ts_rank grows with relevance; SQLite FTS5's bm25 score falls with it.
    score = F("_score")
    return score.asc() if connection.vendor == "sqlite" else score.desc()


def searchable_words(q: str) -> str:
    """The words of `q`, without the punctuation that search engines read as syntax.

    A lone quote or backslash is an error to SQLite's FTS5 query parser; readers mean
    words, so only words are searched for.
    """
    return " ".join(_WORD.findall(q))


def _apply(reviews: QuerySet, filters: Filters, *, matches=None, skip: str = "") -> QuerySet:
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
    if matches is not None:
        reviews = reviews.filter(pk__in=matches.values("pk"))
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


def _facet_counts(base: QuerySet, filters: Filters, matches) -> dict[str, dict]:
    """Every facet's counts, each with the other filters kept, and the total: one query.

    The reviews matching every filter are grouped once by type, year and publisher together;
    the total and the counts of each of those facets whose own filter is not in use are sums
    of those groups (for such a facet, "the other filters" are all the filters). Only a facet
    whose filter is in use needs a part of its own, over the reviews the other filters keep.
    Scanning the reviews once rather than four times is what keeps the library fast with
    thousands of them.
    """
    # Typed, so that a column of the union that is empty in its first parts still matches
    # the numbers of a later one on PostgreSQL.
    no_key = Cast(Value(None), output_field=IntegerField())
    keys = {
        "type": F("review_type_id"),
        "year": ExtractYear("publication_date"),
        "body": F("publishing_body_id"),
    }
    in_use = {"type": bool(filters.types), "year": bool(filters.year), "body": bool(filters.body)}

    def grouped(queryset, facet, **key_values):
        named = {f"{name}_key": key_values.get(name, no_key) for name in keys}
        return (
            queryset.order_by()
            .annotate(facet=Value(facet, output_field=CharField()), **named)
            .values_list("facet", *named)
            .annotate(n=Count("pk"))
        )

    everything = _apply(base, filters, matches=matches)
    # The themes' part has one key, the theme, carried in the first key column.
    themes = grouped(
        ReviewTheme.objects.filter(page_id__in=everything.values("pk")), "theme", type=F("theme_id")
    )
    parts = [
        grouped(everything, "all", **{name: keys[name] for name in keys if not in_use[name]}),
        *(
            grouped(_apply(base, filters, matches=matches, skip=name), name, **{name: keys[name]})
            for name in keys
            if in_use[name]
        ),
    ]
    counts: dict[str, dict] = {"total": {}, "theme": {}, "type": {}, "year": {}, "body": {}}
    for facet, type_key, year_key, body_key, n in themes.union(*parts, all=True):
        found = {"type": type_key, "year": year_key, "body": body_key}
        if facet == "theme":
            counts["theme"][type_key] = n
        elif facet == "all":
            counts["total"][0] = counts["total"].get(0, 0) + n
            for name, key in found.items():
                if key is not None and not in_use[name]:
                    counts[name][key] = counts[name].get(key, 0) + n
        elif found[facet] is not None:
            counts[facet][found[facet]] = n
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


def index_text() -> Subquery:
    """The plain text the search index holds for each page, for result snippets.

    Pages are indexed under their specific content type, which is the page's own
    `content_type`, so one subquery serves every page type.
    """
    from wagtail.search.models import IndexEntry

    text_field = "body_text" if hasattr(IndexEntry, "body_text") else "body"
    return Subquery(
        IndexEntry.objects.filter(
            content_type_id=OuterRef("content_type_id"),
            object_id=Cast(OuterRef("pk"), CharField()),
        ).values(text_field)[:1]
    )


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

    @property
    def total(self) -> int:
        return self.facets.total


def find_reviews(
    params: QueryDict,
    within: Page,
    *,
    fixed_theme: Term | None = None,
    per_page: int = PER_PAGE,
) -> FinderResult:
    vocab = vocabulary()
    filters = parse_filters(params, vocab, fixed_theme=fixed_theme)
    base = live_public_reviews().descendant_of(within)
    matches = _matching_search(filters.q) if filters.q else None

    facets = _facets(_facet_counts(base, filters, matches), filters, vocab)

    if filters.sort == RELEVANCE:
        # Filter the search's own queryset so its relevance score can order the page.
        ordered = _apply(
            live_reviews(queryset=matches.filter(is_public(), live=True).descendant_of(within)),
            filters,
        )
        ordered = ordered.order_by(best_match_first(), *newest_first())
    else:
        ordered = _apply(live_reviews(within=within), filters, matches=matches)
        if filters.sort == OLDEST:
            ordered = ordered.order_by(
                F("publication_date").asc(nulls_last=True), "first_published_at", "pk"
            )
    if filters.q:
        ordered = ordered.annotate(_search_text=index_text())

    paginator = Paginator(ordered, per_page)
    paginator.__dict__["count"] = facets.total  # known already: saves a COUNT query
    page = paginator.get_page(params.get("page"))
    for review in page:
        # Set even without a search: a card asking for a missing attribute costs the template
        # engine a dir() of the whole page object (0.15 ms a card).
        review.snippet = highlight(review._search_text or "", filters.q) if filters.q else ""

    return FinderResult(filters, facets, page, _chips(filters))


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


# --- Snippets ---------------------------------------------------------------------------

SNIPPET_BEFORE, SNIPPET_AFTER = 80, 160
_WORD = re.compile(r"\w+", re.UNICODE)


def _term_patterns(q: str) -> list[str]:
    """A loose stem for each search word, so "neglected" is marked for "neglect"."""
    stems = []
    for word in _WORD.findall(q.lower()):
        if len(word) < 2:
            continue
        stems.append(re.escape(word[: max(4, len(word) - 2)] if len(word) > 5 else word))
    return stems


def highlight(text: str, q: str) -> SafeString:
    """A short extract of `text` around the first match of `q`, matches in <mark>."""
    stems = _term_patterns(q)
    # \x00 and \x01 mark matches below; drop any the text brought with it.
    text = " ".join(text.replace("\x00", " ").replace("\x01", " ").split())
    if not stems or not text:
        return mark_safe("")
    pattern = re.compile(r"\b(?:" + "|".join(stems) + r")\w*", re.IGNORECASE)
    first = pattern.search(text)
    if first is None:
        return mark_safe("")
    start = max(0, first.start() - SNIPPET_BEFORE)
    end = min(len(text), first.end() + SNIPPET_AFTER)
    if start:
        start = text.find(" ", start) + 1 or start
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > first.end() else end
    extract = text[start:end]
    marked = pattern.sub(lambda m: f"\x00{m.group(0)}\x01", extract)
    html = escape(marked).replace("\x00", "<mark>").replace("\x01", "</mark>")
    return mark_safe(("…" if start else "") + html + ("…" if end < len(text) else ""))
