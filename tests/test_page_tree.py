"""Where each page type can and cannot be created."""

from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from home.models import HomePage
from learning.models import PolicyPage, ReviewPage, ThemeIndexPage


class PageTreeTests(WagtailPageTestCase):
    def test_home_page_sits_at_the_root_and_holds_the_library_and_policies(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertAllowedSubpageTypes(HomePage, {ThemeIndexPage, PolicyPage})

    def test_library_sits_under_home_and_holds_only_reviews(self):
        self.assertAllowedParentPageTypes(ThemeIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(ThemeIndexPage, {ReviewPage})

    def test_reviews_live_only_in_the_library_and_have_no_children(self):
        self.assertAllowedParentPageTypes(ReviewPage, {ThemeIndexPage})
        self.assertAllowedSubpageTypes(ReviewPage, set())

    def test_policy_pages_sit_under_home_or_another_policy_page(self):
        self.assertAllowedParentPageTypes(PolicyPage, {HomePage, PolicyPage})
        self.assertAllowedSubpageTypes(PolicyPage, {PolicyPage})

    def test_reviews_cannot_be_created_outside_a_library(self):
        self.assertCanNotCreateAt(HomePage, ReviewPage)
        self.assertCanNotCreateAt(PolicyPage, ReviewPage)
        self.assertCanCreateAt(ThemeIndexPage, ReviewPage)

    def test_one_library_per_parent_and_one_home_page(self):
        home = HomePage.objects.get()
        self.assertTrue(ThemeIndexPage.can_create_at(home))
        home.add_child(instance=ThemeIndexPage(title="Learning from reviews"))
        home.refresh_from_db()
        self.assertFalse(ThemeIndexPage.can_create_at(home))
        self.assertFalse(HomePage.can_create_at(Page.get_first_root_node()))
