"""The main menu's entries, cached per site and cleared whenever a page could change them.

Every public page shows the menu, so it is read once and kept in the cache. Publishing,
unpublishing, moving or deleting any page, and any change to page privacy, clears it
(see site_core/signals.py); the timeout bounds staleness should a change ever be missed.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Exists, OuterRef

from wagtail.models import PageViewRestriction, Site

from site_core.structure import remembered

CACHE_KEY = "site_core:menu:{site_id}"
CACHE_TIMEOUT = 300


@dataclass(frozen=True)
class MenuEntry:
    title: str
    url: str
    path: str  # tree path, to mark the current section


def menu_entries(site: Site, request=None) -> list[MenuEntry]:
    # Kept by the process for a reader's page until the content changes (site_core/structure.py).
    return remembered(("menu", site.pk), lambda: _shared_menu_entries(site, request))


def _shared_menu_entries(site: Site, request) -> list[MenuEntry]:
    key = CACHE_KEY.format(site_id=site.pk)
    entries = cache.get(key)
    if entries is None:
        # Pages in the menu are the root's children: a restriction on one of them (or on
        # the root, which hides the whole site) is what makes it private.
        restricted = PageViewRestriction.objects.filter(page_id=OuterRef("pk"))
        pages = (
            site.root_page.get_children()
            .live()
            .in_menu()
            .filter(~Exists(restricted))
            .only("title", "url_path", "path")
        )
        entries = [MenuEntry(p.title, p.get_url(request), p.path) for p in pages]
        cache.set(key, entries, CACHE_TIMEOUT)
    return entries


def forget_menus(**kwargs) -> None:
    cache.delete_many(
        [CACHE_KEY.format(site_id=pk) for pk in Site.objects.values_list("pk", flat=True)]
    )
