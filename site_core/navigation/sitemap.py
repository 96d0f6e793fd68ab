"""/sitemap.xml: Wagtail's sitemap, of the pages the public may see.

Wagtail's own lists `.live().public()` pages, which misses an alias of a private page
(`PageQuerySet.public()` filters by tree path); the site's rule does not
(site_core.publishing.visibility).
"""

from wagtail.contrib.sitemaps.sitemap_generator import Sitemap

from site_core.publishing.visibility import visible_pages


class VisibleSitemap(Sitemap):
    def items(self):
        root = self.get_wagtail_site().root_page
        pages = visible_pages(root.get_descendants(inclusive=True))
        return pages.order_by("path").defer_streamfields().specific()
