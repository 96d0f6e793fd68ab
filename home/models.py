"""The home page: an introduction, the latest reviews and routes into the site."""

from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

LATEST_REVIEWS = 3


class HomePage(Page):
    intro = RichTextField(
        blank=True,
        features=["bold", "italic", "link"],
        help_text="A welcome of two or three sentences: who the partnership is and what "
        "readers find here.",
    )

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["learning.ThemeIndexPage", "learning.PolicyPage"]
    max_count = 1
    page_description = "The site's home page. There is one; it is the root of the site."
    template = "home/home_page.html"

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    # Site search (/search/) finds the home page by its introduction too.
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    class Meta:
        verbose_name = "home page"

    def route(self, request, path_components):
        from site_core.routing import route_in_one_query

        if path_components:
            routed = route_in_one_query(self, request, path_components)
            if routed is not None:
                return routed
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        from learning.models import PolicyPage, ThemeIndexPage
        from learning.queries import live_reviews

        context = super().get_context(request, *args, **kwargs)
        context["library"] = ThemeIndexPage.objects.child_of(self).live().public().first()
        context["latest_reviews"] = live_reviews(within=self)[:LATEST_REVIEWS]
        context["policy_pages"] = PolicyPage.objects.child_of(self).live().public()
        return context
