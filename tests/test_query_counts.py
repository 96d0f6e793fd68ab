"""Public pages cost a fixed number of SQL queries, however many reviews there are.

Every page is measured with 5 reviews, then again after 45 more: the content is built and
the pages measured once for the module (a transaction rolled back at its end), and each
test checks its pages' two numbers.
"""

from datetime import date

from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

import pytest

from home.models import HomePage
from learning.models import ReviewTheme, Theme
from tests.factories import (
    DocumentFactory,
    PublishingBodyFactory,
    ReviewPageFactory,
    ThemeFactory,
    ThemeIndexPageFactory,
)

pytestmark = pytest.mark.django_db

# Pinned: a change that adds queries to these pages must update them on purpose. No public
# page may make more than 10, however much content there is.
MAX_PAGE_QUERIES = 10
# What Wagtail's page view costs before a page's own work (docs/routing.md): the site for
# the host with its root page. The home page's specific object, where routing starts, is
# kept by the process for the content version (HomePageManager), and the view-restriction
# check costs none either: the subtrees a restriction covers are kept the same way
# (VisibilityMixin, site_core.publishing.visibility).
SERVING_QUERIES = 1
# Then the facet counts with the total (stored, or counted for a filtered view) and the
# page of reviews with the ids of their themes: 3. The library itself costs none: the home
# page's route() keeps its children for the content version (HomePage._children_by_slug).
LIBRARY_QUERIES = SERVING_QUERIES + 2
# The list of themes: the stored theme counts.
THEME_INDEX_QUERIES = SERVING_QUERIES + 1
# The review page's 4: Wagtail's 1, the review with the ids of its themes and its authors
# (the library's route(), ReviewPage.find_for_routing), its reports, related reviews. The
# library (route, title, breadcrumbs) is kept for the content version, as the home page's
# children and as the review's parent (site_core.navigation.tree.parent_page); its type,
# publishing body and theme names come from the cached vocabulary; the related cards show
# no themes.
REVIEW_PAGE_QUERIES = SERVING_QUERIES + 3
# The home page: which of its children (kept, as above) the public may see, in one query of
# ids; the latest reviews.
HOME_QUERIES = SERVING_QUERIES + 2
# Site search, for results of one page type: the ranked matches with their text, then the
# pages of that type. The site is kept by the process for the content version
# (site_core.caching.sites), and Wagtail's view is not involved.
SEARCH_QUERIES = 2
# The feed's: as the library's (the same finder), with up to 50 reviews in one page.
FEED_QUERIES = LIBRARY_QUERIES

FINDER_VIEWS = [
    "",
    "?theme={theme}",
    "?theme={theme}&theme={other}",
    "?type=local-cspr&year=2020",
    "?q=child",
    "?q=child&theme={theme}&sort=oldest&page=2",
    "themes/{theme}/",
    "themes/{theme}/?q=review",
]
FEED_VIEWS = ["feed/", "feed/?theme={theme}&type=local-cspr", "feed/?q=child&sort=oldest"]


def queries_to_render(client, url):
    # Warm the per-process caches (site root paths, content types, the values kept per
    # content version); twice, because the first request of a new site creates its
    # settings, a change that makes those values be read again.
    client.get(url)
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def add_reviews(library, themes, count):
    for _ in range(count):
        # A fixed date, so "?year=2020" matches them all (the factory's dates move on).
        ReviewPageFactory(parent=library, themes=themes, publication_date=date(2020, 6, 1))


def add_detailed_review(library):
    """A review with everything its page shows, sharing its themes with every other review."""
    themes = list(Theme.objects.filter(review_links__isnull=False).distinct().order_by("pk"))
    return ReviewPageFactory(
        parent=library,
        themes=themes,
        publishing_body=PublishingBodyFactory(),
        authors=[("Jane Wonnacott", "independent_author"), ("Edina Carmi", "panel_chair")],
        documents=[(DocumentFactory(), "full_report"), (DocumentFactory(), "briefing")],
        body=[("section", {"heading": "What happened", "content": "<p>Learning.</p>"})],
        reference="CSPR-1",
    )


def addresses(home, library, review) -> dict[str, str]:
    theme, other = (link.theme.slug for link in ReviewTheme.objects.all()[:2])
    pages = {
        view: library.url + view.format(theme=theme, other=other)
        for view in [*FINDER_VIEWS, *FEED_VIEWS]
    }
    return {
        **pages,
        "home": home.url,
        "theme list": f"{library.url}themes/",
        "review": review.url,
        "search": "/search/?q=child",
    }


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker):
    """{page: (queries with 5 reviews, queries with 50)}, measured once for the module."""
    # What making a page costs: served from the page cache, any page costs none.
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        override_settings(PAGE_CACHE_ENABLED=False),
    ):
        cache.clear()
        home = HomePage.objects.get()
        library = ThemeIndexPageFactory(parent=home)
        themes = [ThemeFactory() for _ in range(3)]
        add_reviews(library, themes, 5)
        review = add_detailed_review(library)
        pages = addresses(home, library, review)
        client = Client()
        few = {name: queries_to_render(client, url) for name, url in pages.items()}
        add_reviews(library, themes, 45)
        many = {name: queries_to_render(client, url) for name, url in pages.items()}
        transaction.set_rollback(True)
    cache.clear()
    return {name: (few[name], many[name]) for name in pages}


def test_finder_views_query_count_does_not_grow_with_reviews(measured):
    assert {view: measured[view] for view in FINDER_VIEWS} == dict.fromkeys(
        FINDER_VIEWS, (LIBRARY_QUERIES, LIBRARY_QUERIES)
    )


def test_theme_index_query_count_does_not_grow_with_reviews(measured):
    assert measured["theme list"] == (THEME_INDEX_QUERIES, THEME_INDEX_QUERIES)


def test_home_page_query_count_does_not_grow_with_reviews(measured):
    assert measured["home"] == (HOME_QUERIES, HOME_QUERIES)


def test_review_page_query_count_does_not_grow_with_reviews(measured):
    assert measured["review"] == (REVIEW_PAGE_QUERIES, REVIEW_PAGE_QUERIES)


def test_feed_query_count_does_not_grow_with_reviews(measured):
    assert {view: measured[view] for view in FEED_VIEWS} == dict.fromkeys(
        FEED_VIEWS, (FEED_QUERIES, FEED_QUERIES)
    )


def test_site_search_query_count_does_not_grow_with_results(measured):
    assert measured["search"] == (SEARCH_QUERIES, SEARCH_QUERIES)


def test_no_public_page_makes_more_than_ten_queries(measured):
    too_many = {name: counts for name, counts in measured.items() if max(counts) > MAX_PAGE_QUERIES}
    assert too_many == {}, measured
