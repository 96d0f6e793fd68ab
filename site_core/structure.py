"""What every page request needs to know of the site's structure, read once per change.

Before a page is served, Wagtail asks the database the same questions on every request,
whatever the page: which site answers this host (with its root page), the root page's
specific object, and, for the view-restriction check, each ancestor's alias and the
restrictions on them. That is four of the six queries of a review page, about a third of
its processor time (Python building and reading the queries, PostgreSQL planning them).
The answers change only when a site, a page's publication or place, or a restriction
changes: exactly the events that replace the page cache's version (site_core/page_cache.py).

So each process keeps one `SiteStructure` for the current version: the sites it has looked
up by host and port, their root pages, and the tree paths of the pages that carry a view
restriction (usually none). Each request reads the version (one cache read, shared with the
page cache's), and the first request after a change reads the structure afresh. Objects
handed to a request (a Site, its root page) are new instances made from stored field
values, so nothing one request does to them reaches another.

When the version cannot be read (the cache is out of reach) there is no structure, and
Wagtail's own lookups run as usual: slower, never wrong.
"""

import threading
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db.models import Model
from django.http.request import split_domain_port

from wagtail.models import Page, PageViewRestriction, Site

from site_core import page_cache


def _field_values(instance: Model) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


@dataclass
class SiteStructure:
    version: str
    # (tree path, page id) of each page with a view restriction: it covers its subtree.
    restricted: tuple[tuple[str, int], ...]
    # (hostname, port) -> (the site's field values, its root page's), or None: no site.
    _sites: dict = field(default_factory=dict)
    # Values derived from the content, kept for this version (`remembered()`).
    _memo: dict = field(default_factory=dict)

    @classmethod
    def read(cls, version: str) -> "SiteStructure":
        restricted = tuple(
            PageViewRestriction.objects.order_by("page__path").values_list("page__path", "page_id")
        )
        return cls(version=version, restricted=restricted)

    def site_for_request(self, request) -> Site | None:
        """The site Wagtail would find for `request` (Site.find_for_request), a new instance."""
        # The same host and port Wagtail reads, without ALLOWED_HOSTS checks (as it does).
        key = (split_domain_port(request._get_raw_host())[0], request.get_port())
        if key not in self._sites:
            site = Site._find_for_request(request)
            self._sites[key] = (
                (_field_values(site), _field_values(site.root_page)) if site is not None else None
            )
        found = self._sites[key]
        if found is None:
            return None
        site_values, root_values = found
        site = Site(**site_values)
        site.root_page = Page(**root_values)
        return site

    def view_restrictions(self, page_path: str):
        """The restrictions covering the page at `page_path`, as Page.get_view_restrictions().

        No query when none covers it (the usual case): Wagtail's version reads the page's
        ancestors, then the restrictions on them, on every request.
        """
        ids = [page_id for path, page_id in self.restricted if page_path.startswith(path)]
        if not ids:
            return PageViewRestriction.objects.none()
        return PageViewRestriction.objects.filter(page_id__in=ids)


_current: SiteStructure | None = None
_lock = threading.Lock()
REQUEST_ATTR = "_site_structure"
# The request being served by this thread, for code that is not handed it (`remembered`).
_serving: ContextVar = ContextVar("serving", default=None)


def current_structure(request=None) -> SiteStructure | None:
    """The structure for the current version, read afresh after a change; None if unknown.

    With a request, the one found first for that request (one version read per request).
    """
    if request is not None and hasattr(request, REQUEST_ATTR):
        return getattr(request, REQUEST_ATTR)
    structure = _current_structure(request)
    if request is not None:
        setattr(request, REQUEST_ATTR, structure)
    return structure


def site_for_request(request) -> Site | None:
    """Site.find_for_request(), answered by the structure when there is one.

    Kept on the request where Wagtail keeps its own answer, so that anything later in the
    request asking Wagtail gets the same site without a query.
    """
    if not hasattr(request, "_wagtail_site"):
        structure = current_structure(request)
        if structure is None:
            return Site.find_for_request(request)
        request._wagtail_site = structure.site_for_request(request)
    return request._wagtail_site


def _current_structure(request) -> SiteStructure | None:
    global _current
    version = page_cache.request_version(request) if request is not None else None
    if version is None:
        try:
            version = page_cache.current_version()
        except Exception:  # the cache is out of reach: Wagtail's own lookups instead
            return None
    if version is None:
        return None
    structure = _current
    if structure is not None and structure.version == version:
        return structure
    with _lock:  # one thread of the process reads it; the others wait for that one
        if _current is None or _current.version != version:
            _current = SiteStructure.read(version)
        return _current


def forget() -> None:
    """Drop this process's structure (tests that change the database behind its back)."""
    global _current
    _current = None


def remembered(key, build):
    """`build()`, kept by this process until the content changes, for anonymous readers.

    For values every page shows and only a change can alter (the vocabularies, the menu,
    the branding), which each request would otherwise read from the shared cache and
    unpickle. Kept in the structure of the current version, so the change that replaces
    the version replaces them. Only while serving a request the page cache could keep (an
    anonymous GET): an editor's request, which may make the change itself, and code outside
    a request (the scheduler, commands) always get `build()`.
    """
    request = _serving.get()
    if request is None or not page_cache.cacheable_request(request):
        return build()
    structure = current_structure(request)
    if structure is None:
        return build()
    try:
        return structure._memo[key]
    except KeyError:
        value = structure._memo[key] = build()
        return value


class ServingMiddleware:
    """Makes the request being served known to `remembered()` while it is served."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _serving.set(request)
        try:
            return self.get_response(request)
        finally:
            _serving.reset(token)
