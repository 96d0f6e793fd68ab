"""The library ("Learning from reviews"): lists the live reviews beneath it."""

from django.core.paginator import Paginator

from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

REVIEWS_PER_PAGE = 20


class ThemeIndexPage(Page):
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

    def get_context(self, request, *args, **kwargs):
        from learning.queries import live_reviews

        context = super().get_context(request, *args, **kwargs)
        paginator = Paginator(live_reviews(within=self), REVIEWS_PER_PAGE)
        # get_page() turns a malformed number into page 1 and one past the end into the last.
        context["reviews"] = paginator.get_page(request.GET.get("page"))
        return context
