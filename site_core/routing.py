"""Page routing in two queries, whatever the depth, and the ancestors it finds on the way.

Wagtail's default routing walks the tree one level at a time, with two queries a level
(the child by slug, then its specific type): six for a review three levels down. The home
page's `route()` instead fetches every page on the requested path in one query (their
`url_path`s are known from the address), then the deepest one's specific object, and
leaves the pages above it on the request for the breadcrumbs.
"""

from wagtail.models import Page

ANCESTORS_ATTR = "_routed_ancestors"


def route_in_one_query(root: Page, request, path_components: list[str]):
    url_paths = [
        root.url_path + "".join(f"{c}/" for c in path_components[:n])
        for n in range(1, len(path_components) + 1)
    ]
    found = list(
        Page.objects.filter(url_path__in=url_paths)
        .order_by("depth")
        .only("title", "url_path", "path", "depth", "live", "content_type")
    )
    if not found:
        return None
    deepest = found[-1]
    consumed = deepest.depth - root.depth
    setattr(request, ANCESTORS_ATTR, [root, *found[:-1]])
    # Sub-routes (the library's themes and feed) and unknown slugs are left to the page.
    return deepest.specific.route(request, path_components[consumed:])


def routed_ancestors(request, page: Page) -> list[Page] | None:
    """The pages above `page` found while routing this request, or None if not routed here."""
    ancestors = getattr(request, ANCESTORS_ATTR, None)
    if not ancestors:
        return None
    parent = ancestors[-1]
    if parent.depth != page.depth - 1 or not page.path.startswith(parent.path):
        return None
    return ancestors
