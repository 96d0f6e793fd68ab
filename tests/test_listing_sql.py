"""The finder's SQL written by hand agrees with its queryset, for every kind of filter.

`learning.reviews_sql.ReviewsSQL` lists and counts the reviews of the library and theme
pages, filtered, searched or neither (PostgreSQL only); the finder's queryset (`_apply()`,
`_ordered()`, `live_reviews()`) does on SQLite. They must list the same reviews in the same
order, page by page, and count the same, whatever the filters, search, dates, ties, drafts,
private reviews and other libraries around them.
"""

from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.http import QueryDict

from wagtail.models import Page, PageViewRestriction

import pytest

from learning.cards import review_cards
from learning.filters import OLDEST, parse_filters
from learning.finder import _base, _facet_counts, _ordered
from learning.models import DatePrecision, ReviewPage, ReviewType
from learning.queries import live_reviews
from learning.reviews_sql import ReviewsSQL
from learning.terms import vocabulary
from site_core.text_search import TextSearch
from tests.factories import (
    PublishingBodyFactory,
    ReviewPageFactory,
    ThemeFactory,
    ThemeIndexPageFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]


@pytest.fixture
def themes(db):
    return [ThemeFactory(name=f"Theme {n}", slug=f"theme-{n}") for n in range(3)]


@pytest.fixture
def mixed_library(home, library, themes):
    dates = [date(2021, 5, 1), date(2021, 12, 31), None, date(2019, 1, 1), date(2023, 2, 2)]
    types = list(ReviewType.objects.order_by("pk")[:3])
    bodies = [PublishingBodyFactory(slug="body-a"), PublishingBodyFactory(slug="body-b"), None]
    for n in range(14):
        ReviewPageFactory(
            parent=library,
            title=f"Listed {n}",
            publication_date=dates[n % len(dates)],
            publication_date_precision=(
                DatePrecision.NOT_RECORDED if dates[n % len(dates)] is None else DatePrecision.DAY
            ),
            themes=[themes[n % 3], themes[(n + 1) % 3]] if n % 4 else [themes[n % 3]],
            review_type=types[n % 3],
            publishing_body=bodies[n % 3],
            # Found by "kingfisher" in two of three, ranked by where and how often it is.
            subject=f"Kingfisher {n}" if n % 4 == 1 else f"Listed {n}",
            summary=f"A review concerning Listed {n}." + " A kingfisher." * (n % 3),
        )
    # Ties on the date go by first publication, which here runs against the ids.
    listed = ReviewPage.objects.child_of(library).order_by("pk")
    for n, review in enumerate(listed):
        Page.objects.filter(pk=review.pk).update(
            first_published_at=datetime(2024, 1, 1, tzinfo=UTC) - timedelta(days=n)
        )
    # Two with the same date and first publication: only their ids order them.
    Page.objects.filter(pk__in=[listed[0].pk, listed[5].pk]).update(
        first_published_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    ReviewPageFactory(parent=library, title="Draft", publish=False, themes=[themes[0]])
    private = ReviewPageFactory(parent=library, title="Private", themes=[themes[0]])
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    other = ThemeIndexPageFactory(parent=home, title="Other library", slug="other-library")
    ReviewPageFactory(parent=other, title="Elsewhere", themes=[themes[0]])
    return library


def ids(reviews) -> list[int]:
    return [review.pk for review in reviews]


# Each kind of filter alone and together, on the library and on a theme's page (`theme`
# here is that page's own theme). Type slugs are the seeded ones (learning/0002).
FILTERS = [
    ("", None),
    ("", "theme-1"),
    ("theme=theme-0", None),
    ("theme=theme-0&theme=theme-1", None),
    ("type=local-cspr", None),
    ("type=local-cspr&type=national-cspr", None),
    ("year=2021", None),
    ("body=body-a", None),
    ("theme=theme-1&type=local-cspr&year=2021", None),
    ("theme=theme-2&body=body-b&type=national-cspr&type=local-cspr", None),
    ("type=local-cspr&body=body-a", "theme-0"),
    ("theme=theme-1&year=2019", "theme-0"),
    ("q=kingfisher", None),
    ("q=kingfisher&sort=newest&theme=theme-0", None),
    ("q=kingfisher&type=local-cspr", "theme-1"),
    ("q=listed&year=2021", None),  # every title has it: ties on rank
]


def finder_filters(query, theme):
    vocab = vocabulary()
    fixed = vocab.by_slug("theme")[theme] if theme else None
    filters = parse_filters(QueryDict(query), vocab, fixed_theme=fixed)
    assert not filters.notices, filters.notices  # every value above is a real one
    return filters


def search_of(filters):
    return TextSearch(filters.q) if filters.q else None


# One test each for all of FILTERS: the library is built once (about a second).
def test_every_page_lists_what_the_queryset_lists(mixed_library):
    for query, theme in FILTERS:
        filters = finder_filters(query, theme)
        search = search_of(filters)
        for sort in dict.fromkeys([filters.sort, OLDEST]):  # as asked, and oldest first
            filters.sort = sort
            expected = list(_ordered(_base(mixed_library), filters, search))

            written = ReviewsSQL(mixed_library, filters, search)
            got = []
            for offset in range(0, len(expected) + 3, 3):
                got += written.page(offset=offset, limit=3)
            assert ids(got) == ids(expected), (query, theme, sort)
            if search:  # the text each result's snippet is cut from
                texts = [review._search_text for review in got]
                assert texts == [review._search_text for review in expected]


def test_every_facet_counts_what_the_queryset_counts(mixed_library):
    totals = {}
    for query, theme in FILTERS:
        filters = finder_filters(query, theme)
        search = search_of(filters)

        expected = _facet_counts(_base(mixed_library), filters, search)
        written = ReviewsSQL(mixed_library, filters, search)
        got = _facet_counts(None, filters, search, written)

        assert got == expected, (query, theme)
        totals[query, theme] = expected["total"][0]
    # Each filter keeps some reviews and not others: the comparisons compare something.
    assert totals.pop(("", None)) == 14  # not the draft, private or other library's reviews
    assert [key for key, total in totals.items() if not 0 < total < 14] == []


def test_listed_reviews_carry_what_their_cards_show(mixed_library, rf):
    request = rf.get(mixed_library.url)
    listed = ReviewsSQL(mixed_library, finder_filters("", None)).page(offset=0, limit=20)
    full = {r.pk: r for r in live_reviews(within=mixed_library)}

    fast = review_cards(listed, request, within=mixed_library)
    slow = review_cards([full[r.pk] for r in listed], request)

    assert fast == slow  # the same cards, addresses and themes included
    assert fast[0].url == ReviewPage.objects.get(pk=listed[0].pk).get_url(request)
    assert all(card.themes for card in fast)
