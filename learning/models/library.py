"""The library ("Learning from reviews"): the faceted finder, theme pages and feed."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import Http404

from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from site_core.publishing.visibility import VisibilityMixin

if TYPE_CHECKING:  # learning.terms reads these models
    from learning.terms import Term


@dataclass(frozen=True)
class ThemeListEntry:
    """A theme on the list of themes: how many visible reviews it has, and its page."""

    theme: "Term"
    count: int
    url: str

    @property
    def count_text(self) -> str:
        # Not localised by the template, as every number it writes is: see FacetOption.
        return str(self.count)


# The first path segment of each of the library's own routes (below). A review with one of
# these slugs would be unreachable: the route answers first.
ROUTE_SLUGS = ("feed", "themes")


class ThemeIndexPage(VisibilityMixin, RoutablePageMixin, Page):
    intro = RichTextField(
        blank=True,
        features=["bold", "italic", "link", "document-link"],
        help_text="A short introduction above the list: what the reviews are and why they are "
        "published. Two or three sentences.",
    )

    parent_page_types = ["home.HomePage"]
    subpage_types = ["learning.ReviewPage"]
    max_count_per_parent = 1
    page_description = (
        "The library of reviews (“Learning from reviews”). Reviews are created beneath it."
    )
    template = "learning/theme_index_page.html"

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    class Meta:
        verbose_name = "review library"
        verbose_name_plural = "review libraries"

    def route(self, request, path_components):
        """Wagtail's routing of a routable page, with a review loaded in one query.

        As `RoutablePageMixin` routes, the library's own routes (below) answer first: a
        review slugged "themes" or "feed", even a draft, never hides them. Any other path
        starts with a child's slug: a review is then found and loaded in one query, with
        the themes and authors its page shows (`ReviewPage.find_for_routing()`), where
        Wagtail's `Page.route()` makes two and the page two more. Anything else (no such
        review: another page type, or nothing) is left to Wagtail's `route()`.
        """
        from learning.models.reviews import ReviewPage

        if path_components and not self._is_own_route(path_components):
            review = ReviewPage.find_for_routing(self, path_components[0])
            if review is not None:
                return review.route(request, path_components[1:])
        return super().route(request, path_components)

    def _is_own_route(self, path_components) -> bool:
        """Whether one of the library's own routes answers this path (RoutablePageMixin
        serves them for a live library only)."""
        if not self.live:
            return False
        try:
            self.resolve_subpage("/" + "/".join(path_components) + "/")
        except Http404:
            return False
        return True

    def _sub_page_url(self, request, name: str, *args) -> str:
        """The absolute address of one of this page's routes, for canonical links."""
        return (self.get_full_url(request) or "") + self.reverse_subpage(name, args=args)

    @path("")
    def library(self, request):
        from learning.feeds import feed_link
        from learning.finder import find_reviews

        finder = find_reviews(request.GET, self, request=request)
        return self.render(
            request,
            context_overrides={
                "finder": finder,
                "reviews": finder.page,
                "feed": feed_link(self, finder.filters, request),
            },
        )

    @path("themes/")
    def theme_list(self, request):
        from learning.terms import vocabulary
        from learning.themes import live_review_counts

        counts = live_review_counts(self)
        # Each theme's address from the library's, worked out once: the template tag
        # {% routablepageurl %} looks the site and the library's address up again for each
        # of the 48 themes.
        library_url = self.get_url(request) or ""
        themes = [
            ThemeListEntry(
                theme,
                counts.get(theme.id, 0),
                library_url + self.reverse_subpage("theme_detail", args=[theme.slug]),
            )
            for theme in vocabulary().themes
        ]
        return self.render(
            request,
            template="learning/theme_list.html",
            context_overrides={
                "themes": themes,
                "canonical_url": self._sub_page_url(request, "theme_list"),
            },
        )

    @path("themes/<str:slug>/")
    def theme_detail(self, request, slug):
        from learning.feeds import feed_link
        from learning.finder import find_reviews
        from learning.terms import vocabulary

        vocab = vocabulary()
        theme = vocab.by_slug("theme").get(slug)
        if theme is None:
            raise Http404("No such theme")
        finder = find_reviews(request.GET, self, fixed_theme=theme, request=request, vocab=vocab)
        return self.render(
            request,
            template="learning/theme_page.html",
            context_overrides={
                "theme": theme,
                "finder": finder,
                "reviews": finder.page,
                "feed": feed_link(self, finder.filters, request),
                "canonical_url": self._sub_page_url(request, "theme_detail", theme.slug),
                "meta_description": theme.description,
            },
        )

    @path("feed/")
    def feed(self, request):
        """The Atom feed of the reviews the library lists for the same query string."""
        from learning.feeds import review_feed

        return review_feed(request, self)

    def get_sitemap_urls(self, request=None):
        """The library, its list of themes and the page of every theme that has reviews."""
        from learning.terms import vocabulary
        from learning.themes import live_review_counts

        urls = super().get_sitemap_urls(request)
        base = urls[0]["location"] if urls else None
        if base:
            counts = live_review_counts(self)
            urls.append({"location": base + self.reverse_subpage("theme_list")})
            urls += [
                {"location": base + self.reverse_subpage("theme_detail", args=[theme.slug])}
                for theme in vocabulary().themes
                if counts.get(theme.id)
            ]
        return urls
