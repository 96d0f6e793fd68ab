"""The finder's SQL lists and counts what the filters ask for, for every kind of filter.

`learning.reviews_sql.ReviewsSQL` lists and counts the reviews of the library and theme
pages, filtered, searched or neither. Here the library is built from a known table of
fourteen reviews (`Listed`: themes, type, date, publisher, first publication, words), and
what each address must list and count is worked out from that table in plain Python: which
reviews, in which order page by page (newest, oldest, best match), and every facet's
counts. Drafts, a private review and another library's review sit beside them, never
listed. Best match orders by the score PostgreSQL's ranking gives each review (read from
the ranking function itself); which reviews match, and every tie after the score, is
worked out here.
"""

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.http import QueryDict

from wagtail.models import Page, PageViewRestriction

import pytest

from learning.cards import review_cards
from learning.filters import NEWEST, OLDEST, RELEVANCE, Filters, parse_filters
from learning.finder import _facet_counts
from learning.models import DatePrecision, ReviewPage, ReviewType
from learning.queries import live_reviews
from learning.reviews_sql import ReviewsSQL
from learning.terms import vocabulary
from site_core.search.models import PageSearchVector
from site_core.search.text_search import TextSearch
from tests.factories import (
    PublishingBodyFactory,
    ReviewPageFactory,
    ThemeFactory,
    ThemeIndexPageFactory,
)

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Listed:
    """One review of the library, as the fixture made it."""

    pk: int
    themes: frozenset[int]
    type: int
    date: date | None
    body: int | None
    first_published: datetime
    words: str  # its title, subject and summary: what a search here can find

    def key(self, facet: str) -> int | None:
        """Its key under a facet, as `_facet_counts()` keys the counts."""
        if facet == "year":
            return self.date.year if self.date else None
        return {"type": self.type, "body": self.body}[facet]


@pytest.fixture
def themes(db):
    return [ThemeFactory(name=f"Theme {n}", slug=f"theme-{n}") for n in range(3)]


@pytest.fixture
def mixed_library(home, library, themes):
    """The library, and its fourteen listed reviews as `Listed` records."""
    dates = [date(2021, 5, 1), date(2021, 12, 31), None, date(2019, 1, 1), date(2023, 2, 2)]
    types = list(ReviewType.objects.order_by("pk")[:3])
    bodies = [PublishingBodyFactory(slug="body-a"), PublishingBodyFactory(slug="body-b"), None]
    made = []
    for n in range(14):
        review_themes = [themes[n % 3], themes[(n + 1) % 3]] if n % 4 else [themes[n % 3]]
        subject = f"Kingfisher {n}" if n % 4 == 1 else f"Listed {n}"
        # Found by "kingfisher" in most, ranked by where and how often it is.
        summary = f"A review concerning Listed {n}." + " A kingfisher." * (n % 3)
        review = ReviewPageFactory(
            parent=library,
            title=f"Listed {n}",
            publication_date=dates[n % len(dates)],
            publication_date_precision=(
                DatePrecision.NOT_RECORDED if dates[n % len(dates)] is None else DatePrecision.DAY
            ),
            themes=review_themes,
            review_type=types[n % 3],
            publishing_body=bodies[n % 3],
            subject=subject,
            summary=summary,
        )
        made.append((review, review_themes, types[n % 3], bodies[n % 3], dates[n % len(dates)]))
    # Ties on the date go by first publication, which here runs against the ids; two have
    # the same date and first publication, so only their ids order them.
    made.sort(key=lambda item: item[0].pk)
    published = {
        review.pk: datetime(2024, 1, 1, tzinfo=UTC) - timedelta(days=n)
        for n, (review, *_) in enumerate(made)
    }
    published[made[0][0].pk] = published[made[5][0].pk] = datetime(2020, 1, 1, tzinfo=UTC)
    for pk, when in published.items():
        Page.objects.filter(pk=pk).update(first_published_at=when)

    ReviewPageFactory(parent=library, title="Draft", publish=False, themes=[themes[0]])
    private = ReviewPageFactory(parent=library, title="Private", themes=[themes[0]])
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    other = ThemeIndexPageFactory(parent=home, title="Other library", slug="other-library")
    ReviewPageFactory(parent=other, title="Elsewhere", themes=[themes[0]])

    listed = [
        Listed(
            pk=review.pk,
            themes=frozenset(theme.pk for theme in review_themes),
            type=review_type.pk,
            date=when,
            body=body.pk if body else None,
            first_published=published[review.pk],
            words=f"{review.title} {review.subject} {review.summary}",
        )
        for review, review_themes, review_type, body, when in made
    ]
    return library, listed


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


# --- What the filters keep, worked out in Python ---------------------------------------------


def has_words(text: str, q: str) -> bool:
    """Every word of the search is in `text` (plainto_tsquery wants them all)."""
    return all(re.search(rf"\b{re.escape(word)}\b", text, re.I) for word in q.split())


def keeps(review: Listed, filters: Filters, *, skip: str = "") -> bool:
    """Whether the filters (less the facet `skip`) keep the review."""
    theme_ids = {term.id for term in filters.all_themes}
    type_ids = {term.id for term in filters.types}
    return (
        (not filters.q or has_words(review.words, filters.q))
        and (skip == "theme" or theme_ids <= review.themes)  # every theme chosen
        and (skip == "type" or not type_ids or review.type in type_ids)  # any of the types
        and (skip == "year" or not filters.year or review.key("year") == filters.year)
        and (skip == "body" or not filters.body or review.body == filters.body.id)
    )


def scores_for(q: str) -> dict[int, float]:
    """PostgreSQL's score of each page matching `q`, from the ranking function itself."""
    source, params = TextSearch(q).ranked_matches_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT page_id, score FROM {source}", params)
        return dict(cursor.fetchall())


def expected_order(kept: list[Listed], filters: Filters) -> list[int]:
    """Newest: by date (undated last), first publication, id, all newest first; oldest: the
    same oldest first, undated still last; best match: by score, then newest."""

    def newest(r):
        return (
            r.date is None,
            -(r.date or date.min).toordinal(),
            -r.first_published.timestamp(),
            -r.pk,
        )

    def oldest(r):
        return (
            r.date is None,
            (r.date or date.min).toordinal(),
            r.first_published.timestamp(),
            r.pk,
        )

    if filters.sort == OLDEST:
        return [r.pk for r in sorted(kept, key=oldest)]
    if filters.sort == RELEVANCE:
        scores = scores_for(filters.q)
        return [r.pk for r in sorted(kept, key=lambda r: (-scores[r.pk], *newest(r)))]
    assert filters.sort == NEWEST
    return [r.pk for r in sorted(kept, key=newest)]


def expected_counts(listed: list[Listed], filters: Filters) -> dict[str, dict]:
    """The counts as `_facet_counts()` gives them: the themes of the reviews kept; each of
    type, year and publisher over the reviews every *other* filter keeps; the total."""
    kept = [r for r in listed if keeps(r, filters)]
    counts = {
        "total": {0: len(kept)},
        "theme": dict(Counter(theme for r in kept for theme in r.themes)),
    }
    in_use = {"type": bool(filters.types), "year": bool(filters.year), "body": bool(filters.body)}
    for facet, used in in_use.items():
        pool = [r for r in listed if keeps(r, filters, skip=facet)] if used else kept
        counts[facet] = dict(Counter(r.key(facet) for r in pool if r.key(facet) is not None))
    return counts


# --- The SQL against it ----------------------------------------------------------------------


# One test each for all of FILTERS: the library is built once (about a second).
def test_every_page_lists_what_the_filters_keep_in_order(mixed_library):
    library, listed = mixed_library
    texts = dict(PageSearchVector.objects.values_list("page_id", "text"))
    for query, theme in FILTERS:
        filters = finder_filters(query, theme)
        search = search_of(filters)
        if search:  # the words decide what matches: the same reviews as worked out here
            matched = set(scores_for(filters.q)) & {r.pk for r in listed}
            assert matched == {r.pk for r in listed if has_words(r.words, filters.q)}, query
        for sort in dict.fromkeys([filters.sort, OLDEST]):  # as asked, and oldest first
            filters.sort = sort
            kept = [r for r in listed if keeps(r, filters)]
            expected = expected_order(kept, filters)

            written = ReviewsSQL(library, filters, search)
            got = []
            for offset in range(0, len(expected) + 3, 3):
                got += written.page(offset=offset, limit=3)
            assert [review.pk for review in got] == expected, (query, theme, sort)
            if search:  # the text each result's snippet is cut from: the page's indexed text
                assert [review._search_text for review in got] == [texts[pk] for pk in expected]
                assert all(has_words(texts[pk], filters.q) for pk in expected)


def test_every_facet_counts_what_the_filters_keep(mixed_library):
    library, listed = mixed_library
    totals = {}
    for query, theme in FILTERS:
        filters = finder_filters(query, theme)
        written = ReviewsSQL(library, filters, search_of(filters))

        got = _facet_counts(filters, written)

        assert got == expected_counts(listed, filters), (query, theme)
        totals[query, theme] = got["total"][0]
    # Each filter keeps some reviews and not others: the comparisons compare something.
    assert totals.pop(("", None)) == 14  # not the draft, private or other library's reviews
    assert [key for key, total in totals.items() if not 0 < total < 14] == []


def test_listed_reviews_carry_what_their_cards_show(mixed_library, rf):
    library, _ = mixed_library
    request = rf.get(library.url)
    listed = ReviewsSQL(library, finder_filters("", None)).page(offset=0, limit=20)
    full = {r.pk: r for r in live_reviews(within=library)}

    fast = review_cards(listed, request, within=library)
    slow = review_cards([full[r.pk] for r in listed], request)

    assert fast == slow  # the same cards, addresses and themes included
    assert fast[0].url == ReviewPage.objects.get(pk=listed[0].pk).get_url(request)
    assert all(card.themes for card in fast)
