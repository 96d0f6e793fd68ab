"""Admin registration: the vocabularies' menu, the reviews' listing, the schedule panel."""

from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from learning.admin_listing import ReviewPageViewSet
from learning.admin_panels import ScheduledPublicationsPanel
from learning.models import PublishingBody, ReviewType, Theme


class ThemeViewSet(SnippetViewSet):
    model = Theme
    icon = "tag"
    menu_label = "Themes"
    list_display = ["name", "group", "slug"]
    list_filter = ["group"]
    search_fields = ["name", "description"]
    ordering = ["group", "name"]


class ReviewTypeViewSet(SnippetViewSet):
    model = ReviewType
    icon = "list-ul"
    menu_label = "Review types"
    list_display = ["name", "slug", "sort_order"]
    ordering = ["sort_order", "name"]


class PublishingBodyViewSet(SnippetViewSet):
    model = PublishingBody
    icon = "group"
    menu_label = "Publishing bodies"
    list_display = ["name", "slug"]


class ReviewVocabularyGroup(SnippetViewSetGroup):
    items = (ThemeViewSet, ReviewTypeViewSet, PublishingBodyViewSet)
    menu_icon = "tag"
    menu_label = "Review vocabularies"
    menu_name = "review-vocabularies"


register_snippet(ReviewVocabularyGroup)


@hooks.register("register_admin_viewset")
def register_review_page_viewset():
    return ReviewPageViewSet()


@hooks.register("construct_homepage_panels")
def add_scheduled_publications_panel(request, panels):
    panels.append(ScheduledPublicationsPanel())
