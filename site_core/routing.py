"""Page routing in two queries, whatever the depth, and the ancestors it finds on the way.

Wagtail's default routing walks the tree one level at a time, with two queries a level
(the child by slug, then its specific type): six for a review three levels down. Here every
page on the requested path is fetched in one query (their `url_path`s are known from the
address), then the deepest one's specific object, and the pages above it are left on the
request for the breadcrumbs.

`serve` is the site's page view: it routes from the site's structure (site_core/structure.py:
the site and its root page known without a query, the view restrictions too) and then
hands over to Wagtail's own view, which finds the route already made and runs its hooks
(the view-restriction check among them) as for any page. Without a structure (the cache
is out of reach) the home page's `route()` routes the same way through Wagtail's view.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import Http404

from wagtail import views as wagtail_views
from wagtail.models import Page

from site_core.structure import current_structure, site_for_request

ANCESTORS_ATTR = "_routed_ancestors"
# The columns of each page on the path: what breadcrumbs, links and routing read.
_ROUTE_COLUMNS = (
    "id",
    "title",
    "url_path",
    "path",
    "depth",
    "live",
    "content_type_id",
    "alias_of_id",
)


def serve(request, path: str):
    """Wagtail's page view (wagtail.views.serve), routed from the site's structure."""
    structure = current_structure(request)
    if structure is not None and not hasattr(request, "_wagtail_route_for_request"):
        site = site_for_request(request)
        try:
            route = _route(request, site.root_page, path, structure) if site else None
        except Http404:  # as Page.route_for_request: no page here
            route = None
        request._wagtail_route_for_request = route
    return wagtail_views.serve(request, path)


def _route(request, root: Page, path: str, structure):
    components = [component for component in path.split("/") if component]
    return _route_along(request, root, _pages_on_path(root, components), components, structure)


def _route_along(request, root: Page, on_path: list[Page], components: list[str], structure):
    """Route to the deepest of the pages found on the path (`root` if none), which routes
    what is left of the path itself (the library's theme pages and feed; unknown slugs)."""
    deepest = on_path[-1] if on_path else root
    model = ContentType.objects.get_for_id(deepest.content_type_id).model_class()
    page = _specific_page(model, deepest.pk) if model else None
    if page is None:  # deleted since, or of a page type no longer installed
        raise Http404
    if structure is not None and not any(p.alias_of_id for p in (root, *on_path, page)):
        # Read by Wagtail's view-restriction check (wagtail_hooks.check_view_restrictions):
        # the structure answers it without Wagtail's two queries. An alias takes its
        # source's restrictions, which Wagtail's own method works out.
        page.get_view_restrictions = lambda: structure.view_restrictions(page.path)
    setattr(request, ANCESTORS_ATTR, [root, *on_path[:-1]])
    return page.route(request, components[deepest.depth - root.depth :])


# A page id no page has: it marks where the id goes among the compiled query's parameters.
_ANY_ID = -7_315_921
_SPECIFIC_SQL: dict[type, tuple[str, list, int]] = {}


def _specific_page(model, pk: int) -> Page | None:
    """`model.objects.filter(pk=pk).first()`, its SQL built once per page type.

    The query is the same for every request but its id; building it with the ORM each time
    cost more than running it. A page type may load more for its page in the same query
    with a `routing_queryset()` class method (ReviewPage: its themes and authors).
    """
    compiled = _SPECIFIC_SQL.get(model)
    if compiled is None:
        queryset = getattr(model, "routing_queryset", model.objects.all)()
        sql, params = queryset.filter(pk=_ANY_ID).order_by().query.sql_with_params()
        params = list(params)
        if params.count(_ANY_ID) != 1:  # not a query this can reuse: leave it to the ORM
            return queryset.filter(pk=pk).first()
        compiled = _SPECIFIC_SQL[model] = (sql, params, params.index(_ANY_ID))
    sql, params, position = compiled
    params = [*params[:position], pk, *params[position + 1 :]]
    return next(iter(model.objects.raw(sql, params)), None)


def _pages_on_path(root: Page, components: list[str]) -> list[Page]:
    """The pages below `root` whose addresses start the path, shallowest first."""
    if not components:
        return []
    url_paths = [
        root.url_path + "".join(f"{c}/" for c in components[:n])
        for n in range(1, len(components) + 1)
    ]
    # Plain SQL: building this query with the ORM took longer than running it.
    columns = ", ".join(_ROUTE_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM wagtailcore_page"
            f" WHERE url_path IN ({', '.join(['%s'] * len(url_paths))}) ORDER BY depth",
            url_paths,
        )
        rows = cursor.fetchall()
    return [Page(**dict(zip(_ROUTE_COLUMNS, row, strict=True))) for row in rows]


def route_in_one_query(root: Page, request, path_components: list[str]):
    """The home page's `route()` without a structure (the cache out of reach): the same
    two queries, with Wagtail's own view-restriction check; None when no page matches."""
    on_path = _pages_on_path(root, path_components)
    if not on_path:
        return None
    return _route_along(request, root, on_path, path_components, structure=None)


def routed_ancestors(request, page: Page) -> list[Page] | None:
    """The pages above `page` found while routing this request, or None if not routed here."""
    ancestors = getattr(request, ANCESTORS_ATTR, None)
    if not ancestors:
        return None
    parent = ancestors[-1]
    if parent.depth != page.depth - 1 or not page.path.startswith(parent.path):
        return None
    return ancestors
