"""A page's parent, for the pages that show it (breadcrumbs, a review's library title)."""

from wagtail.models import Page

from site_core.caching.memo import remembered


def parent_page(page: Page) -> Page | None:
    """`page.get_parent()`, kept by the process for anonymous readers until the content changes.

    A review's page shows its library twice (its title, the breadcrumbs), and every review
    of a library has the same one: Wagtail's `get_parent()` reads it once per page object,
    the memo (site_core/caching/memo.py) once per process and content version. Kept per
    parent's tree path, so the memo holds at most one entry per page that has children.
    Shared by every request of the process: callers only read it.
    """
    if not page.path or page.depth <= 1:
        return page.get_parent()
    return remembered(("parent page", page.path[: -page.steplen]), page.get_parent)
