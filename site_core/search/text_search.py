"""Full-text search of pages, shared by the library's finder and the site search.

`TextSearch(q)` gives SQL matching the pages whose indexed text has the reader's words,
and scoring them for relevance: against `site_core.search.models.PageSearchVector`, a
narrow copy of Wagtail's index that the site's search backend keeps (why: see that model),
through its GIN index only (the SQL functions of migration site_core/0005). Matching the
word most reviews contain takes 3 ms at 10,000 reviews instead of 110 ms, so the finder
can repeat it in each facet count and in the page itself.

Results show an extract of the page's indexed text around the first match (`highlight`).
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_WORD = re.compile(r"\w+", re.UNICODE)


def searchable_words(q: str) -> str:
    """The words of `q`, without the punctuation that search engines read as syntax:
    readers mean words, so only words are searched for."""
    return " ".join(_WORD.findall(q))


class TextSearch:
    def __init__(self, q: str):
        self.words = searchable_words(q)

    @staticmethod
    def _config() -> str:
        # The index's own configuration, so "neglected" finds "neglect".
        from django.conf import settings

        return settings.WAGTAILSEARCH_BACKENDS["default"].get("SEARCH_CONFIG")

    def matches_sql(self) -> tuple[str, list]:
        """A subquery of the ids of the matching pages, and its params.

        Through the GIN index only (migration site_core/0005). For a word most pages
        contain, the planner would rather test every page's vector, four times slower.
        """
        return (
            "SELECT page_id FROM site_core_search_matches("
            "plainto_tsquery(%s::regconfig, %s)) AS page_id",
            [self._config(), self.words],
        )

    def ranked_matches_sql(self) -> tuple[str, list]:
        """A FROM item of every matching page's (page_id, score), and its params.

        The same matches as `matches_sql()`, scored by `ts_rank`, with nothing wider than
        the score: a query joining them carries no vectors.
        """
        return (
            "site_core_ranked_search_matches(plainto_tsquery(%s::regconfig, %s))",
            [self._config(), self.words],
        )


def index_text_sql() -> str:
    """The plain text the search index holds for the page aliased `page`, for snippets.

    From the page's row of the narrow copy (`PageSearchVector.text`, written with the
    page's index entry by site_core/search/backend.py): NULL for a page not indexed.
    """
    return "(SELECT v.text FROM site_core_pagesearchvector v WHERE v.page_id = page.id)"


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
