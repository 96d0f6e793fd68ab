"""The library ("Learning from reviews"): the faceted finder, theme pages and feed."""

from django.http import Http404

from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page


class ThemeIndexPage(RoutablePageMixin, Page):
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

    class Meta:
        verbose_name = "review library"
        verbose_name_plural = "review libraries"

    @path("")
    def library(self, request):
        from learning.finder import find_reviews

        finder = find_reviews(request.GET, self)
        return self.render(request, context_overrides={"finder": finder, "reviews": finder.page})

    @path("themes/")
    def theme_list(self, request):
        from learning.terms import vocabulary
        from learning.themes import live_review_counts

        counts = live_review_counts(self)
        themes = [(theme, counts.get(theme.id, 0)) for theme in vocabulary().themes]
        return self.render(
            request, template="learning/theme_list.html", context_overrides={"themes": themes}
        )

    @path("themes/<str:slug>/")
    def theme_detail(self, request, slug):
        from learning.finder import find_reviews
        from learning.terms import vocabulary

        theme = vocabulary().by_slug("theme").get(slug)
        if theme is None:
            raise Http404("No such theme")
        finder = find_reviews(request.GET, self, fixed_theme=theme)
        return self.render(
            request,
            template="learning/theme_page.html",
            context_overrides={"theme": theme, "finder": finder, "reviews": finder.page},
        )
