"""Full-text search of pages, shared by the library's finder and the site search.

`TextSearch(q)` narrows any page queryset to the pages whose indexed text matches the
reader's words, in SQL, and scores them for relevance.

- PostgreSQL (production, CI): matched against `site_core.models.PageSearchVector`, a narrow
  copy of Wagtail's index that a trigger keeps in step (why: see that model), through its
  GIN index only (the SQL functions of migration site_core/0005). Matching the word most
  reviews contain takes 3 ms at 10,000 reviews instead of 110 ms, so the finder can repeat
  it in each facet count and in the page itself.
- SQLite (the zero-setup dev default): through Wagtail's database backend (FTS5) directly.

Results show an extract of the page's indexed text around the first match (`highlight`).
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import CharField, F, FloatField, OuterRef, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from wagtail.models import Page
from wagtail.search.backends import get_search_backend

_WORD = re.compile(r"\w+", re.UNICODE)


def searchable_words(q: str) -> str:
    """The words of `q`, without the punctuation that search engines read as syntax.

    A lone quote or backslash is an error to SQLite's FTS5 query parser; readers mean
    words, so only words are searched for.
    """
    return " ".join(_WORD.findall(q))


class TextSearch:
    def __init__(self, q: str):
        self.words = searchable_words(q)
        self.postgres = connection.vendor == "postgresql"

    @staticmethod
    def _config() -> str:
        # The index's own configuration, so "neglected" finds "neglect".
        from django.conf import settings

        return settings.WAGTAILSEARCH_BACKENDS["default"].get("SEARCH_CONFIG")

    def _query(self) -> SearchQuery:
        # `plain` ANDs the words, as Wagtail's backend does.
        return SearchQuery(self.words, search_type="plain", config=self._config())

    def matches_sql(self) -> tuple[str, list]:
        """PostgreSQL: a subquery of the ids of the matching pages, and its params.

        For SQL written by hand, and `filter()`: through the GIN index only (migration
        site_core/0005). For a word most pages contain, the planner would rather test
        every page's vector, four times slower.
        """
        return (
            "SELECT page_id FROM site_core_search_matches("
            "plainto_tsquery(%s::regconfig, %s)) AS page_id",
            [self._config(), self.words],
        )

    def ranked_matches_sql(self) -> tuple[str, list]:
        """PostgreSQL: a FROM item of every matching page's (page_id, score), and its params.

        The same matches as `filter()`, scored as `with_score()` scores them, with nothing
        wider than the score: a query joining them carries no vectors.
        """
        return (
            "site_core_ranked_search_matches(plainto_tsquery(%s::regconfig, %s))",
            [self._config(), self.words],
        )

    def _wagtail_matches(self) -> QuerySet:
        results = get_search_backend().search(
            self.words, Page.objects.all(), order_by_relevance=False
        )
        return results.annotate_score("_score").get_queryset()

    def filter(self, pages: QuerySet) -> QuerySet:
        """`pages` (any page queryset) narrowed to those whose text matches."""
        if not self.words:
            return pages.none()
        if self.postgres:
            return pages.filter(pk__in=RawSQL(*self.matches_sql()))
        return pages.filter(pk__in=self._wagtail_matches().values("pk"))

    def with_score(self, pages: QuerySet, name: str = "_score") -> QuerySet:
        """`pages`, filtered by `filter()`, annotated with their relevance to the words."""
        if not self.words:
            return pages.annotate(**{name: Value(0.0, output_field=FloatField())})
        if self.postgres:
            # Joined to each page's row of search vectors (its `rank` is kept in the row).
            return pages.annotate(**{name: SearchRank(F("search_vector__rank"), self._query())})
        matches = self._wagtail_matches().filter(pk=OuterRef("pk")).values("_score")[:1]
        return pages.annotate(**{name: Subquery(matches, output_field=FloatField())})

    def best_match_first(self, name: str = "_score"):
        # PostgreSQL's ts_rank grows with relevance; SQLite FTS5's bm25 score falls with it.
        score = F(name)
        return score.desc(nulls_last=True) if self.postgres else score.asc(nulls_last=True)


def _index_text_field() -> str:
    from wagtail.search.models import IndexEntry

    return "body_text" if hasattr(IndexEntry, "body_text") else "body"


def index_text() -> Subquery:
    """The plain text the search index holds for each page, for result snippets.

    Pages are indexed under their specific content type, which is the page's own
    `content_type`, so one subquery serves every page type.
    """
    from wagtail.search.models import IndexEntry

    return Subquery(
        IndexEntry.objects.filter(
            content_type_id=OuterRef("content_type_id"),
            object_id=Cast(OuterRef("pk"), CharField()),
        ).values(_index_text_field())[:1]
    )


def index_text_sql() -> str:
    """`index_text()` in SQL, for the page aliased `page`."""
    return (
        f"(SELECT entry.{_index_text_field()} FROM wagtailsearch_indexentry entry"
        " WHERE entry.content_type_id = page.content_type_id"
        " AND entry.object_id = CAST(page.id AS varchar) LIMIT 1)"
    )


# --- Snippets ---------------------------------------------------------------------------

SNIPPET_BEFORE, SNIPPET_AFTER = 80, 160


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
