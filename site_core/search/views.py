"""Site search: every live, public page of the site, found through the search index.

One search box covers reviews, policy pages, the library and the home page. The matches
come from the search index (site_core/search/text_search.py) as a subquery: the site's own
filters (live, public, inside this site) compose with it in SQL, each result brings the
plain text the index holds for it (for the highlighted snippet) in the same query, and
the specific pages of one results page are loaded with one query per page type. Bad input
never fails: control characters are dropped, an over-long search is shortened with a
notice, and a page number that is not one falls back to the first or last page.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db import connection
from django.http import QueryDict
from django.shortcuts import render
from django.utils.html import strip_tags
from django.utils.text import Truncator, capfirst
from django.views.decorators.http import require_safe

from wagtail.models import Page, Site

from site_core.caching.sites import site_for_request
from site_core.publishing.visibility import visible_sql
from site_core.search.query import page_number, quoted, read_search_text
from site_core.search.text_search import TextSearch, highlight, index_text_sql

PER_PAGE = 20
DESCRIPTION_WORDS = 40

# How readers see each kind of page in the results; other page types use their verbose name.
TYPE_LABELS = {
    "learning.reviewpage": "Review",
    "learning.policypage": "Policy",
    "learning.themeindexpage": "Library",
    "home.homepage": "Home page",
}


@dataclass
class SearchResult:
    page: Page
    url: str
    type_label: str
    description: str
    snippet: str


@dataclass
class SiteSearch:
    q: str = ""
    notices: list[str] = field(default_factory=list)
    results: PaginatorPage | None = None

    @property
    def total(self) -> int:
        return self.results.paginator.count if self.results is not None else 0

    @property
    def title(self) -> str:
        """The page's own part of <title>."""
        return f"Search results for {quoted(self.q, 60)}" if self.q else "Search"

    @property
    def params(self) -> QueryDict:
        """The query string to keep in pagination links: the search, nothing else."""
        params = QueryDict(mutable=True)
        if self.q:
            params["q"] = self.q
        return params


def matching_pages(q: str, root: Page):
    """The pages of the site under `root` the public may see that match `q`, best first.

    Rows of (id, content type id, index text, number of matches): only what a results
    page needs, with the specific pages loaded afterwards for the one page of results
    shown. The number of matches is counted in the same query (a window over all of
    them), so a page of results does not search twice: once to count, once to rank.
    """
    search = TextSearch(q)
    return _RankedMatches(search, root) if search.words else []


class _RankedMatches:
    """`matching_pages()`: what the paginator counts and slices, in SQL.

    The matches come scored from `site_core_ranked_search_matches()` (migration
    site_core/0005): only each page's id and score, so the window that counts them holds
    narrow rows. Through the ORM, each match's ranking vector travelled with it into that
    window, 1.5 kB a page: 35 ms of database time for "neglect" at 10,000 pages, here 14.
    Best match first, then the most recently first published, then id.
    """

    _SQL = (
        "SELECT page.id, page.content_type_id, {text}, COUNT(*) OVER ()"
        " FROM {matches} matched"
        " INNER JOIN wagtailcore_page page ON page.id = matched.page_id"
        " WHERE {visible} AND page.path LIKE %s AND page.depth >= %s"
        " ORDER BY matched.score DESC NULLS LAST, page.first_published_at DESC, page.id"
        " LIMIT %s OFFSET %s"
    )

    def __init__(self, search: TextSearch, root: Page):
        self.search, self.root = search, root

    def _rows(self, *, offset: int, limit: int) -> list[tuple]:
        matches, params = self.search.ranked_matches_sql()
        sql = self._SQL.format(text=index_text_sql(), matches=matches, visible=visible_sql("page"))
        # Tree paths are digits and capital letters: nothing in them is special to LIKE.
        params = [*params, f"{self.root.path}%", self.root.depth, limit, offset]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def count(self) -> int:
        # Only for an address past the last page (see _results_page): one row is enough.
        rows = self._rows(offset=0, limit=1)
        return rows[0][3] if rows else 0

    def __getitem__(self, rows: slice) -> list[tuple]:
        return self._rows(offset=rows.start, limit=rows.stop - rows.start)


def _results_page(matching, number) -> PaginatorPage:
    """The page of `matching` that `number` asks for, as Paginator.get_page() gives it.

    A number that is not a whole number gives the first page; one past the end or below
    one, the last. The requested page is read first: its rows carry the number of
    matches (none on the first page: nothing matches). Only for a page past the end are
    the matches counted on their own, and the last page read.
    """
    paginator = Paginator(matching, PER_PAGE)
    try:
        if isinstance(number, float) and not number.is_integer():
            raise ValueError
        number = int(number)
    except (TypeError, ValueError):
        number = 1
    rows = list(matching[(number - 1) * PER_PAGE : number * PER_PAGE]) if number >= 1 else []
    if rows or number == 1:
        paginator.__dict__["count"] = rows[0][3] if rows else 0  # known now: no COUNT query
        return PaginatorPage(rows, number, paginator)  # the rows read: not sliced again
    page = paginator.get_page(number)  # counts, then reads the last page (or none)
    page.object_list = list(page.object_list)
    return page


def _specific_pages(rows) -> dict[int, Page]:
    """The specific page of each (id, content type id, …) row: one query per page type."""
    ids_by_type = defaultdict(list)
    for pk, content_type_id, *_ in rows:
        ids_by_type[content_type_id].append(pk)
    pages = {}
    for content_type_id, ids in ids_by_type.items():
        # Content types are cached by id, so this makes no query.
        model = ContentType.objects.get_for_id(content_type_id).model_class() or Page
        pages.update(model.objects.filter(pk__in=ids).defer_streamfields().in_bulk())
    return pages


def _type_label(page: Page) -> str:
    meta = type(page)._meta
    return TYPE_LABELS.get(meta.label_lower) or capfirst(meta.verbose_name)


def _description(page: Page) -> str:
    summary = getattr(page, "summary", "")  # a review's own summary
    if summary:
        return summary
    if page.search_description:
        return page.search_description
    intro = " ".join(strip_tags(getattr(page, "intro", "") or "").split())
    return Truncator(intro).words(DESCRIPTION_WORDS)


def search_site(params: QueryDict, site: Site | None, request=None) -> SiteSearch:
    q, notices = read_search_text(params)
    search = SiteSearch(q=q, notices=notices)
    if not q or site is None:
        return search

    search.results = _results_page(matching_pages(q, site.root_page), page_number(params))
    rows = search.results.object_list
    pages = _specific_pages(rows)
    search.results.object_list = [
        SearchResult(
            page=page,
            # As Wagtail's {% pageurl %} tag links, given the site it would look up again.
            url=page.relative_url(site, request),
            type_label=_type_label(page),
            description=_description(page),
            snippet=highlight(text or "", q),
        )
        for page, text in ((pages.get(pk), text) for pk, _, text, _ in rows)
        if page is not None  # unpublished or deleted since the search ran
    ]
    return search


@require_safe
def search(request):
    site = site_for_request(request)
    return render(
        request, "search/search.html", {"search": search_site(request.GET, site, request)}
    )
