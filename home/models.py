"""The home page: an introduction, the latest reviews and routes into the site."""

from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from site_core.publishing.visibility import VisibilityMixin

LATEST_REVIEWS = 3


class HomePage(VisibilityMixin, Page):
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
        """Wagtail's `Page.route()`, with the child on the path found and loaded as its own
        page type in one query, where Wagtail makes two (the child, then its specific page).

        Every page below the home page is routed through here; the child then routes the
        rest of the path itself (the library: its own routes first, then its reviews).
        """
        from django.http import Http404

        if not path_components:
            return super().route(request, path_components)
        # The page types allowed below a home page, each a direct subclass of Page: the row
        # of the child's own type comes joined to its page row.
        child_types = [label.rpartition(".")[2].lower() for label in self.subpage_types]
        child = (
            self.get_children().filter(slug=path_components[0]).select_related(*child_types).first()
        )
        if child is None:
            raise Http404
        model = child.specific_class
        if model is not None and model._meta.model_name in child_types:
            child = getattr(child, model._meta.model_name)
        else:  # a page of another type (moved here outside the admin): as Wagtail loads it
            child = child.specific
        return child.route(request, path_components[1:])

    def get_context(self, request, *args, **kwargs):
        from learning.models import PolicyPage, ThemeIndexPage
        from learning.queries import live_reviews
        from site_core.publishing.visibility import visible_pages

        context = super().get_context(request, *args, **kwargs)
        context["library"] = visible_pages(ThemeIndexPage.objects.child_of(self)).first()
        context["latest_reviews"] = live_reviews(within=self)[:LATEST_REVIEWS]
        context["policy_pages"] = visible_pages(PolicyPage.objects.child_of(self))
        return context
