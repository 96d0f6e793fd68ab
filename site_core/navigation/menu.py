"""The main menu's entries, cached per site and cleared whenever a page could change them.

Every public page shows the menu, so it is read once and kept in the cache. Publishing,
unpublishing, moving or deleting any page, and any change to page privacy, clears it
(site_core.signals.content_changed); the timeout bounds staleness should a change ever be missed.
"""

from dataclasses import dataclass

from wagtail.models import Site

from site_core.caching.memo import cached_value, forget_per_site_when_content_changes
from site_core.publishing.visibility import visible_pages

CACHE_KEY = "site_core:menu:{site_id}"
CACHE_TIMEOUT = 300


@dataclass(frozen=True)
class MenuEntry:
    title: str
    url: str
    path: str  # tree path, to mark the current section


def menu_entries(site: Site, request=None) -> list[MenuEntry]:
    # Kept by the process for a reader's page until the content changes, else in the shared
    # cache (site_core/caching/memo.py).
    return cached_value(
        CACHE_KEY.format(site_id=site.pk),
        lambda: _build_menu_entries(site, request),
        timeout=CACHE_TIMEOUT,
    )


def _build_menu_entries(site: Site, request) -> list[MenuEntry]:
    # The root's children that the public may see (a restriction on the root hides
    # them all).
    pages = visible_pages(site.root_page.get_children().in_menu()).only("title", "url_path", "path")
    return [MenuEntry(p.title, p.get_url(request), p.path) for p in pages]


def connect() -> None:
    forget_per_site_when_content_changes(CACHE_KEY)
