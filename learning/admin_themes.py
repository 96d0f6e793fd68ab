"""The theme chooser: every theme on one screen, under the library finder's group headings.

A review's key themes are chosen in the page editor's "Key themes" panel (a
MultipleChooserPanel), which opens the chooser of the Theme snippet. Wagtail's chooser
lists snippets ten to a page, with no groups or descriptions, and forgets the ticks of one
page when the editor goes to the next. This chooser, plugged in through the snippet
viewset's `chooser_viewset_class`, lists every theme at once (a controlled list of a few
dozen: one query, no paging), grouped and ordered as the public finder shows them, each
with its description. Its filter box narrows the list in the browser
(static/js/admin/theme-chooser.js), so every tick stays in the one form and is sent when
the editor confirms; Wagtail's own search, which asks the server for a new list and so
drops the ticks, is left out. The script also marks the themes already on the review.
See docs/content-model.md, "Choosing themes".
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django import forms
from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils.functional import cached_property

from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.snippets.views.chooser import ChooseResultsView, ChooseView, SnippetChooserViewSet
from wagtail.snippets.widgets import AdminSnippetChooser

from learning.finder import FacetOption, Facets
from learning.models import Theme
from learning.terms import Vocabulary


def theme_groups(themes: Iterable[Theme]) -> list[tuple[str, list[Theme]]]:
    """The themes under the finder's group headings, in the finder's order.

    Ordered and grouped by the finder's own code rather than a copy of it, so that the two
    cannot drift apart: the vocabulary's order of themes (`Vocabulary.themes`), then the
    finder's grouping of its theme options (`Facets.theme_groups`).
    """
    in_order = Vocabulary({"theme": {theme.slug: theme for theme in themes}}).themes
    facets = Facets(
        themes=[FacetOption(theme, theme.name, theme.slug, 0, False) for theme in in_order]
    )
    return [
        (heading, [option.term for option in options]) for heading, options in facets.theme_groups
    ]


@dataclass(frozen=True)
class ChooserTheme:
    """A theme as the chooser lists it; `chosen_url` chooses it (when choosing one at a time)."""

    pk: str
    name: str
    description: str
    chosen_url: str = ""


class ThemeChooseViewMixin:
    """Every theme on one page, grouped, with no server-side search."""

    results_template_name = "learning/admin/theme_chooser/results.html"
    # No search field: the filter box works in the browser (see the module's docstring).
    filter_form_class = BaseFilterForm

    def get_object_list(self):
        # Ordered in Python, by `theme_groups()`, as the finder orders them.
        return Theme.objects.order_by()

    def get_results_page(self, request):
        # No paging: the themes are read in one query and shown on a single page, whatever
        # `per_page` the snippet viewset passes on.
        themes = list(self.get_object_list())
        self.theme_groups = theme_groups(themes)
        self.paginator = self.paginator_class(themes, per_page=max(len(themes), 1))
        return self.paginator.page(1)

    def chooser_theme(self, theme: Theme) -> ChooserTheme:
        chosen_url = ""
        if not self.is_multiple_choice:
            chosen_url = self.append_preserved_url_parameters(
                reverse(self.chosen_url_name, args=(quote(theme.pk),))
            )
        return ChooserTheme(str(theme.pk), theme.name, theme.description, chosen_url)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["theme_groups"] = [
            (heading, [self.chooser_theme(theme) for theme in themes])
            for heading, themes in self.theme_groups
        ]
        context["theme_count"] = sum(len(themes) for _heading, themes in self.theme_groups)
        return context


class ThemeChooseView(ThemeChooseViewMixin, ChooseView):
    template_name = "learning/admin/theme_chooser/chooser.html"


class ThemeChooseResultsView(ThemeChooseViewMixin, ChooseResultsView):
    pass


class ThemeChooserWidget(AdminSnippetChooser):
    """Wagtail's snippet chooser widget, bringing the chooser's script and styles with it.

    The modal is drawn inside the page that has the widget (the review's edit form), so the
    widget's media is how its script reaches the admin: as a file, not inline code.
    """

    @cached_property
    def media(self):
        return super().media + forms.Media(
            js=["js/admin/theme-chooser.js"],
            css={"all": ["css/admin/theme-chooser.css"]},
        )


class ThemeChooserViewSet(SnippetChooserViewSet):
    choose_view_class = ThemeChooseView
    choose_results_view_class = ThemeChooseResultsView
    base_widget_class = ThemeChooserWidget
