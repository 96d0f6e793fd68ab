"""The unfiltered library's and theme pages' listing SQL agrees with the finder's queryset.

`learning.queries.listing_page()` is hand-written SQL for the two addresses asked for most
(PostgreSQL only); `live_reviews()` is the queryset every other listing uses. They must list
the same reviews in the same order, page by page, whatever the dates, ties, drafts,
private and embargoed reviews around them.
"""

from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.db.models import F

from wagtail.models import Page, PageViewRestriction

import pytest

from learning.cards import review_cards
from learning.models import DatePrecision, ReviewPage
from learning.queries import listing_page, live_reviews
from tests.factories import ReviewPageFactory, ThemeFactory, ThemeIndexPageFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]


@pytest.fixture
def themes(db):
    return [ThemeFactory(name=f"Theme {n}", slug=f"theme-{n}") for n in range(3)]


@pytest.fixture
def mixed_library(home, library, themes):
    dates = [date(2021, 5, 1), date(2021, 5, 1), None, date(2019, 1, 1), date(2023, 2, 2)]
    for n in range(14):
        ReviewPageFactory(
            parent=library,
            title=f"Listed {n}",
            publication_date=dates[n % len(dates)],
            publication_date_precision=(
                DatePrecision.NOT_RECORDED if dates[n % len(dates)] is None else DatePrecision.DAY
            ),
            themes=[themes[n % 3], themes[(n + 1) % 3]] if n % 4 else [themes[n % 3]],
        )
    # Ties on the date go by first publication, which here runs against the ids.
    listed = ReviewPage.objects.child_of(library).order_by("pk")
    for n, review in enumerate(listed):
        Page.objects.filter(pk=review.pk).update(
            first_published_at=datetime(2024, 1, 1, tzinfo=UTC) - timedelta(days=n)
        )
    ReviewPageFactory(parent=library, title="Draft", publish=False, themes=[themes[0]])
    private = ReviewPageFactory(parent=library, title="Private", themes=[themes[0]])
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    other = ThemeIndexPageFactory(parent=home, title="Other library", slug="other-library")
    ReviewPageFactory(parent=other, title="Elsewhere", themes=[themes[0]])
    return library


def ids(reviews) -> list[int]:
    return [review.pk for review in reviews]


@pytest.mark.parametrize("oldest", [False, True])
@pytest.mark.parametrize("theme_index", [None, 0, 1])
def test_every_page_lists_what_the_queryset_lists(mixed_library, themes, oldest, theme_index):
    theme = themes[theme_index] if theme_index is not None else None
    expected = live_reviews(within=mixed_library)
    if theme is not None:
        expected = expected.filter(review_themes__theme=theme)
    if oldest:  # as the finder sorts oldest first: dates not recorded last
        expected = expected.order_by(
            F("publication_date").asc(nulls_last=True), "first_published_at", "pk"
        )
    expected = ids(expected)
    assert len(expected) >= 5  # enough to cut into several pages

    got = []
    for offset in range(0, len(expected) + 3, 3):
        got += ids(
            listing_page(
                mixed_library,
                theme_id=theme and theme.id,
                oldest=oldest,
                offset=offset,
                limit=3,
            )
        )
    assert got == expected


def test_listed_reviews_carry_what_their_cards_show(mixed_library, rf):
    request = rf.get(mixed_library.url)
    listed = listing_page(mixed_library, offset=0, limit=20)
    full = {r.pk: r for r in live_reviews(within=mixed_library)}

    fast = review_cards(listed, request, within=mixed_library)
    slow = review_cards([full[r.pk] for r in listed], request)

    assert fast == slow  # the same cards, addresses and themes included
    assert fast[0].url == ReviewPage.objects.get(pk=listed[0].pk).get_url(request)
    assert all(card.themes for card in fast)
