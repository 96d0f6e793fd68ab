"""Admin registration: the vocabularies' menu, the reviews' listing, the schedule panel."""

from django.urls import include, path

from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from learning.admin_listing import ReviewPageViewSet
from learning.admin_panels import ScheduledPublicationsPanel
from learning.admin_themes import ThemeChooserViewSet
from learning.models import PublishingBody, ReviewType, Theme


class ThemeViewSet(SnippetViewSet):
    model = Theme
    icon = "tag"
    menu_label = "Themes"
    list_display = ["name", "group", "slug"]
    list_filter = ["group"]
    search_fields = ["name", "description"]
    ordering = ["group", "name"]
    # Every theme on one screen, grouped as in the library's finder (learning/admin_themes.py).
    chooser_viewset_class = ThemeChooserViewSet


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


@hooks.register("register_admin_urls")
def register_sign_off_urls():
    from learning import sign_off_views

    return [path("sign-off/", include(sign_off_views, namespace="learning_sign_off"))]


@hooks.register("after_edit_page")
def say_what_an_approval_did(request, page):
    from learning.sign_off_views import after_approval_in_editor

    after_approval_in_editor(request, page)


# --- A new file for a document live or scheduled pages use (docs/document-replacement.md) ---


@hooks.register("register_actions")
def register_document_edit_action(registry):
    """Wagtail's document edit, holding a new file for an Approver when it must."""
    from wagtail.documents import get_document_model

    from learning.document_sign_off import DocumentEditAction

    registry.register(get_document_model(), DocumentEditAction)


@hooks.register("register_admin_urls", order=-1)
def register_document_replacement_urls():
    """The accept, decline and download views, and Wagtail's document edit view with the
    pages a new file changes, at Wagtail's own address (order=-1: ahead of Wagtail's route,
    which keeps its name, so every link to the edit page reaches this one)."""
    from django.urls import include
    from django.urls import path as url_path

    from learning.document_sign_off import views

    return [
        url_path("documents/edit/<int:document_id>/", views.DocumentEditView.as_view()),
        url_path(
            "document-replacements/",
            include(views, namespace="learning_document_replacement"),
        ),
    ]


@hooks.register("register_admin_urls")
def register_report_check_urls():
    """“Download the original as uploaded” (learning/report_checks/views.py)."""
    from django.urls import include as include_urls
    from django.urls import path as url_path

    from learning.report_checks import views

    return [url_path("report-checks/", include_urls(views, namespace="learning_report_checks"))]


@hooks.register("construct_page_action_menu")
def approve_through_the_sign_off_step(menu_items, request, context):
    from learning.sign_off import sign_off_action_menu

    sign_off_action_menu(menu_items, request, context)
