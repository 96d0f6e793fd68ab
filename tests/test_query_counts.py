"""Listings cost a fixed number of SQL queries, however many reviews there are."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from learning.models import ReviewTheme
from tests.factories import ReviewPageFactory, ThemeFactory

pytestmark = pytest.mark.django_db

# Pinned: a change that adds queries to these pages must update them on purpose. No public
# page may make more than 10, however much content there is.
MAX_PAGE_QUERIES = 10
# What Wagtail's page view costs before a page's own work (docs/routing.md): the site for
# the host with its root page, the home page's specific object, and the view-restriction
# check (one query: the subtrees a restriction covers, site_core.publishing.visibility).
SERVING_QUERIES = 3
# Then the library itself (the home page's route(): one query with its own row), the
# facet counts with the total (stored, or counted for a filtered view) and the page of
# reviews with the ids of their themes: 6.
LIBRARY_QUERIES = SERVING_QUERIES + 3
# The list of themes: the library, the stored theme counts.
THEME_INDEX_QUERIES = SERVING_QUERIES + 2


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    # What making a page costs: served from the page cache, any page costs none.
    settings.PAGE_CACHE_ENABLED = False


def queries_to_render(client, url):
    # Warm the per-process caches (site root paths, content types, the values kept per
    # content version); twice, because the first request of a new site creates its
    # settings, a change that makes those values be read again.
    client.get(url)
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def add_reviews(library, count):
    themes = [ThemeFactory() for _ in range(3)]
    for _ in range(count):
        # A fixed date, so "?year=2020" matches whatever ran before (the factory's dates move on).
        ReviewPageFactory(parent=library, themes=themes, publication_date=date(2020, 6, 1))


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


@pytest.mark.parametrize("count", [5, 50])
def test_finder_views_query_count_does_not_grow_with_reviews(client, library, count):
    add_reviews(library, count)
    theme, other = (link.theme.slug for link in ReviewTheme.objects.all()[:2])

    measured = {
        view: queries_to_render(client, library.url + view.format(theme=theme, other=other))
        for view in FINDER_VIEWS
    }

    assert measured == dict.fromkeys(FINDER_VIEWS, LIBRARY_QUERIES)


@pytest.mark.parametrize("count", [5, 50])
def test_theme_index_query_count_does_not_grow_with_reviews(client, library, count):
    add_reviews(library, count)

    assert queries_to_render(client, library.url + "themes/") == THEME_INDEX_QUERIES


def test_home_page_query_count_does_not_grow_with_reviews(client, home, library):
    add_reviews(library, 5)
    few = queries_to_render(client, home.url)
    add_reviews(library, 20)

    assert queries_to_render(client, home.url) == few


# The review page's 8: Wagtail's 3, the library (the home page's route()), the review with
# the ids of its themes and its authors (the library's route(), ReviewPage.routing_queryset),
# the library's title (its parent), its reports, related reviews. Its type, publishing body
# and theme names come from the cached vocabulary; the related cards show no themes.
REVIEW_PAGE_QUERIES = SERVING_QUERIES + 5
# The feed's: as the library's (the same finder), with up to 50 reviews in one page.
FEED_QUERIES = LIBRARY_QUERIES


def add_detailed_review(library):
    """A review with everything its page shows, sharing its themes with every other review."""
    from learning.models import Theme
    from tests.factories import DocumentFactory, PublishingBodyFactory

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


@pytest.mark.parametrize("count", [5, 50])
def test_review_page_query_count_does_not_grow_with_reviews(client, library, count):
    add_reviews(library, count)
    review = add_detailed_review(library)

    assert queries_to_render(client, review.url) == REVIEW_PAGE_QUERIES


FEED_VIEWS = ["feed/", "feed/?theme={theme}&type=local-cspr", "feed/?q=child&sort=oldest"]


@pytest.mark.parametrize("count", [5, 50])
def test_feed_query_count_does_not_grow_with_reviews(client, library, count):
    add_reviews(library, count)
    add_detailed_review(library)
    theme = ReviewTheme.objects.select_related("theme").first().theme.slug

    measured = {
        view: queries_to_render(client, library.url + view.format(theme=theme))
        for view in FEED_VIEWS
    }

    assert measured == dict.fromkeys(FEED_VIEWS, FEED_QUERIES)


def test_no_public_page_makes_more_than_ten_queries(client, home, library):
    add_reviews(library, 50)
    review = add_detailed_review(library)
    theme = ReviewTheme.objects.select_related("theme").first().theme.slug
    pages = {
        "home": home.url,
        "library": library.url,
        "filtered library": f"{library.url}?theme={theme}&type=local-cspr&year=2020",
        "theme page": f"{library.url}themes/{theme}/",
        "theme list": f"{library.url}themes/",
        "review": review.url,
        "feed": f"{library.url}feed/",
        "search": "/search/?q=child",
    }

    measured = {name: queries_to_render(client, url) for name, url in pages.items()}

    assert {name: n for name, n in measured.items() if n > MAX_PAGE_QUERIES} == {}, measured
