"""Template tags for finding one's way round the site.

The main menu, the breadcrumb trail, the <title>, the site's name and its branding, and
the pagination links. Each tag
copes without a page (the 404 page has none) and without a matching Wagtail site, so
the error pages never fail because of navigation.
"""

from dataclasses import dataclass

from django import template
from django.http import QueryDict

from wagtail.models import Page

from site_core.branding.partnership import branding_for_request
from site_core.caching.sites import site_for_request
from site_core.navigation.menu import menu_entries
from site_core.navigation.tree import parent_page

register = template.Library()

TITLE_SEPARATOR = " \N{EN DASH} "


@dataclass(frozen=True)
class MenuItem:
    title: str
    url: str
    # "page" for the page being shown, "true" for the section it belongs to, else "".
    aria_current: str = ""


def _site_root(request) -> Page | None:
    """The root page of the Wagtail site serving this request, if there is one."""
    if not hasattr(request, "get_host"):
        return None  # no request in the template's context
    # Kept by the process (site_core.caching.sites), with its root page: no query.
    site = site_for_request(request)
    return site.root_page if site else None


def _tree_path(page) -> str:
    return getattr(page, "path", "") or ""


@register.simple_tag(takes_context=True)
def site_name(context) -> str:
    """The partnership's name from its settings, else SITE_NAME (in the environment).

    Without a request in the context (the 500 page) it is SITE_NAME, with no query.
    """
    return branding_for_request(context.get("request")).name


@register.simple_tag(takes_context=True)
def page_title(context, *parts) -> str:
    """The text of <title>: the parts given, then the site name, joined by en dashes.

    `{% page_title page.title parent.title %}` gives "Child V - Learning from reviews -
    Site name" (with en dashes). Empty parts are dropped, and so is a part repeating the
    one before it, so the home page (usually titled as the site is) reads "Site name",
    not "Site name - Site name".
    """
    names: list[str] = []
    for part in (*parts, site_name(context)):
        name = " ".join(str(part or "").split())
        if name and (not names or names[-1] != name):
            names.append(name)
    return TITLE_SEPARATOR.join(names)


@register.simple_tag(takes_context=True)
def branding(context):
    """`{% branding as brand %}`: the partnership's name, logo, colour, footer and quick
    exit (site_core.branding.partnership.Branding), cached per site: usually no query."""
    return branding_for_request(context.get("request"))


@register.simple_tag
def main_menu(request, current_page=None) -> list[MenuItem]:
    """The live, public children of the site's root page marked "Show in menus", in order.

    Cached per site (see site_core.navigation.menu), so usually no query. `current_page` may be
    missing or not a page at all; nothing is then marked current.
    """
    site = site_for_request(request) if hasattr(request, "get_host") else None
    if site is None:
        return []
    current_path = _tree_path(current_page)
    items = []
    for entry in menu_entries(site, request):
        if current_path == entry.path:
            aria_current = "page"
        elif current_path.startswith(entry.path):
            aria_current = "true"
        else:
            aria_current = ""
        items.append(MenuItem(title=entry.title, url=entry.url, aria_current=aria_current))
    return items


@register.simple_tag
def breadcrumb_trail(request, page=None) -> list[Page]:
    """The pages above `page`, from the site's home page down; the page itself is not included.

    Empty on the home page itself, when there is no page (error pages) and for a page
    outside the site serving the request. The home page is the site's root page, which
    Wagtail's site lookup loaded with the site: no query for a page just below it. The
    pages between are read up the tree with `parent_page()`, which the process keeps for
    anonymous readers: a review's page has read its library already, for its title.
    """
    root = _site_root(request)
    path = _tree_path(page)
    if root is None or not path or path == root.path or not path.startswith(root.path):
        return []
    between = []
    ancestor = page
    while ancestor.depth > root.depth + 1:
        ancestor = parent_page(ancestor)
        between.append(ancestor)
    return [root, *reversed(between)]


@register.simple_tag(takes_context=True)
def page_querystring(context, number, query=None) -> str:
    """The query string "?page=N", keeping the current address's other parameters (filters).

    `query` (a QueryDict or a query string) replaces the current address's parameters;
    without it and without a request, the result is just "?page=N".
    """
    if query is None or query == "":  # not given (an unknown template variable is "")
        request = context.get("request")
        params = request.GET.copy() if request is not None else QueryDict(mutable=True)
    elif isinstance(query, QueryDict):
        params = query.copy()
    else:
        params = QueryDict(str(query).lstrip("?"), mutable=True)
    params["page"] = number
    return f"?{params.urlencode()}"


@register.filter
def select_related(queryset, fields: str):
    """`page.report_documents.all|select_related:"document"`: load the related rows in the
    same query rather than one query per item. Fields are comma-separated.

    Harmless on a page preview's in-memory relations and on plain lists.
    """
    method = getattr(queryset, "select_related", None)
    if method is None:
        return queryset
    return method(*[field.strip() for field in fields.split(",") if field.strip()])
