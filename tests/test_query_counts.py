"""Listings cost a fixed number of SQL queries, however many reviews there are."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from tests.factories import ReviewPageFactory, ThemeFactory

pytestmark = pytest.mark.django_db

# Pinned: a change that adds queries to the library page must update this on purpose.
LIBRARY_QUERIES = 13


def queries_to_render(client, url):
    client.get(url)  # warm per-process caches (site root paths, content types)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def add_reviews(library, count):
    themes = [ThemeFactory() for _ in range(3)]
    for _ in range(count):
        ReviewPageFactory(parent=library, themes=themes)


@pytest.mark.parametrize("count", [5, 50])
def test_library_query_count_does_not_grow_with_reviews(client, library, count):
    add_reviews(library, count)

    assert queries_to_render(client, library.url) == LIBRARY_QUERIES


def test_home_page_query_count_does_not_grow_with_reviews(client, home, library):
    add_reviews(library, 5)
    few = queries_to_render(client, home.url)
    add_reviews(library, 20)

    assert queries_to_render(client, home.url) == few
