"""The library's filters, read from the address: checked, tidied, never failing.

Everything a reader can do is in the query string (shareable, works without JavaScript):
`theme` (repeatable; a review must have every theme chosen), `type` (repeatable; any of
them), `year`, `body`, `q`, `sort` and `page`. Bad input never fails: unknown values are
ignored and named in a notice, and anything malformed falls back to the default.
`learning.finder` finds and counts the reviews they ask for.
"""

from dataclasses import dataclass, field

from django.http import QueryDict

from learning.terms import Term, Vocabulary, vocabulary
from site_core.search.query import clean_text, first_value, quoted, read_search_text

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


def _values(params: QueryDict, name: str) -> list[str]:
    seen: list[str] = []
    for raw in params.getlist(name)[: MAX_VALUES_PER_PARAMETER * 5]:
        value = clean_text(raw).lower()
        if value and value not in seen:
            seen.append(value)
    return seen[:MAX_VALUES_PER_PARAMETER]


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

    year = first_value(params, "year")
    if year:
        # ASCII digits only: "²" is a digit to str.isdigit() but not to int().
        if year.isascii() and year.isdigit() and FIRST_YEAR <= int(year) <= LAST_YEAR:
            filters.year = int(year)
        else:
            filters.notices.append(
                f"{quoted(year)} is not a year, so reviews from every year are shown."
            )

    body = first_value(params, "body").lower()
    if body:
        filters.body = vocab.by_slug("body").get(body)
        if filters.body is None:
            filters.notices.append(
                f"There is no publishing body {quoted(body)}, so it was ignored."
            )

    q, notices = read_search_text(params)
    filters.q = q
    filters.notices.extend(notices)

    sort = first_value(params, "sort").lower()
    filters.sort = (
        sort if sort in (NEWEST, OLDEST) or (sort == RELEVANCE and q) else default_sort(q)
    )
    return filters
