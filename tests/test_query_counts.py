"""Listings cost a fixed number of SQL queries, however many reviews there are."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from learning.models import ReviewTheme
from tests.factories import ReviewPageFactory, ThemeFactory

pytestmark = pytest.mark.django_db

# Pinned: a change that adds queries to these pages must update them on purpose.
# Of the library's 4: the pages on the path, the library itself, the facet counts with the
# total (stored, or counted for a filtered view), the page of reviews with the ids of their
# themes. The site, its home page and the view restrictions come from the site's structure
# (site_core/structure.py). On SQLite the themes are a query of their own
# (learning.queries): 5.
ON_POSTGRESQL = connection.vendor == "postgresql"
LIBRARY_QUERIES = 4 if ON_POSTGRESQL else 5
# The list of themes: the pages on the path, the library, the stored theme counts.
THEME_INDEX_QUERIES = 3


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    # What making a page costs: served from the page cache, any page costs none.
    settings.PAGE_CACHE_ENABLED = False


def queries_to_render(client, url):
    # Warm the per-process caches (site root paths, content types, the site's structure);
    # twice, because the first request of a new site creates its settings, a change that
    # makes the structure be read again.
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


# The review page's 4: the pages on the path, the review itself with the ids of its themes
# and its authors (ReviewPage.routing_queryset), its reports, related reviews. The site, its
# home page and the view restrictions come from the site's structure
# (site_core/structure.py); its type, publishing body and theme names from the cached
# vocabulary, the library's title from routing; the related cards show no themes. On
# SQLite the themes and authors are a query each: 6.
REVIEW_PAGE_QUERIES = 4 if ON_POSTGRESQL else 6
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
