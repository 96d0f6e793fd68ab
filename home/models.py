"""The home page: an introduction, the latest reviews and routes into the site."""

import copy

from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page, PageManager
from wagtail.search import index

from site_core.publishing.visibility import VisibilityMixin

LATEST_REVIEWS = 3


class HomePageManager(PageManager):
    def get(self, *args, **kwargs):
        """A home page by id, kept by the process for anonymous readers; else as Django reads it.

        Wagtail starts routing every page request at the site's root page as its own type
        (`site.root_page.specific`), which reads `HomePage._default_manager.get(id=…)`: a
        query on every page view. The home page changes only with the content, so for an
        anonymous reader's request it is kept per content version (site_core.caching.memo)
        and each caller gets its own copy. Any other lookup, and every request of a signed-in
        editor, goes to the database as usual. Compared with a fresh read by
        tests/test_routing.py (docs/architecture.md's register).
        """
        if args or set(kwargs) != {"id"}:
            return super().get(*args, **kwargs)
        from site_core.caching.memo import remembered

        page = remembered(
            ("home page", kwargs["id"]), lambda: super(HomePageManager, self).get(**kwargs)
        )
        return copy.copy(page)


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

    objects = HomePageManager()

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    # Site search (/search/) finds the home page by its introduction too.
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    class Meta:
        verbose_name = "home page"

    def route(self, request, path_components):
        """Wagtail's `Page.route()`, with the home page's children loaded once.

        Wagtail finds the child on the path by slug and then loads its specific page: two
        queries on every request below the home page. Here all the children come in one
        query, each as its own page type, and for anonymous readers that list is
        remembered by the process until the content changes (site_core.caching.memo), so
        routing to the library or a policy page usually costs no query. Each request gets
        its own copy of the child: nothing one request sets on it reaches another. The
        child then routes the rest of the path itself (the library: its own routes first,
        then its reviews).
        """
        from django.http import Http404

        if not path_components:
            return super().route(request, path_components)
        children = self._children_by_slug()
        try:
            child = children[path_components[0]]
        except KeyError:
            raise Http404 from None
        return copy.copy(child).route(request, path_components[1:])

    def _children_by_slug(self) -> dict:
        """The home page's children by slug in tree order, each as its own page type.

        Read in one query, and kept by the process for anonymous readers until the content
        changes. Shared by every request of the process: callers only read it.
        """
        from site_core.caching.memo import remembered

        return remembered(("home page children", self.pk), self._read_children)

    def _read_children(self) -> dict:
        # The page types allowed below a home page, each a direct subclass of Page: the row
        # of the child's own type comes joined to its page row.
        child_types = [label.rpartition(".")[2].lower() for label in self.subpage_types]
        children = {}
        for child in self.get_children().select_related(*child_types):
            model = child.specific_class
            if model is not None and model._meta.model_name in child_types:
                children[child.slug] = getattr(child, model._meta.model_name)
            else:  # a page of another type (moved here outside the admin): as Wagtail loads it
                children[child.slug] = child.specific
        return children

    def get_context(self, request, *args, **kwargs):
        from learning.models import PolicyPage, ThemeIndexPage
        from learning.queries import live_reviews
        from site_core.publishing.visibility import visible_pages

        context = super().get_context(request, *args, **kwargs)
        # The children the routing keeps, narrowed by the visibility rule in one query of ids.
        children = self._children_by_slug().values()
        ids = [child.pk for child in children]
        visible = set(visible_pages(Page.objects.filter(pk__in=ids)).values_list("pk", flat=True))
        shown = [child for child in children if child.pk in visible]
        context["library"] = next((c for c in shown if isinstance(c, ThemeIndexPage)), None)
        context["latest_reviews"] = live_reviews(within=self)[:LATEST_REVIEWS]
        context["policy_pages"] = [c for c in shown if isinstance(c, PolicyPage)]
        return context
