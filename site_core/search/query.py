"""What a reader types into a search box or an address, read without ever failing.

Control characters (NUL in particular) are dropped, an over-long search is cut with a notice
saying so, and a page number past any page there could be is not found (404). Shared by the
site search and the library's filters (learning.filters).
"""

from django.http import Http404, QueryDict

MAX_QUERY_LENGTH = 200
# No listing or search has this many pages: a higher number is an address nobody was given.
MAX_PAGE_NUMBER = 10_000


def clean_text(value: str) -> str:
    # Control characters (NUL in particular) break databases and mean nothing to search.
    return " ".join("".join(ch for ch in value if ch.isprintable() or ch.isspace()).split())


def first_value(params: QueryDict, name: str) -> str:
    return next((v for v in (clean_text(r) for r in params.getlist(name)) if v), "")


def quoted(value: str, limit: int = 40) -> str:
    return f"“{value[:limit]}{'…' if len(value) > limit else ''}”"


def page_number(params: QueryDict) -> str | None:
    """The `page` asked for, for Paginator.get_page(), which reads what is not a number as
    the first page and one past the end as the last. A number past any page there could be
    is not found (404): as an offset it would not even fit the database's integers."""
    value = first_value(params, "page")
    try:
        number = int(value)
    except ValueError:
        return value or None
    if number > MAX_PAGE_NUMBER:
        raise Http404("No such page of results.")
    return value


def read_search_text(params: QueryDict) -> tuple[str, list[str]]:
    """The search words from the address, tidied and cut to length, and any notices."""
    q = first_value(params, "q")
    notices = []
    if len(q) > MAX_QUERY_LENGTH:
        cut = q[:MAX_QUERY_LENGTH]
        q = cut.rsplit(" ", 1)[0] if " " in cut else cut
        notices.append(
            f"Your search was shortened to its first {MAX_QUERY_LENGTH} characters: "
            f"it now ends at {quoted(q[-30:], 30)}."
        )
    return q, notices
