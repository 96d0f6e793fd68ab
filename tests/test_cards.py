"""A review in a listing is a card: the same facts and links wherever it is listed."""

from datetime import date

from django.core.cache import cache

import pytest
from bs4 import BeautifulSoup

from learning.models import DatePrecision
from learning.terms import CACHE_KEY, vocabulary
from tests.factories import ReviewPageFactory, ThemeFactory

pytestmark = pytest.mark.django_db


def cards_at(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").select("article.review-card")


def facts(card):
    return {dt.get_text(strip=True): dd for dt, dd in zip(card("dt"), card("dd"), strict=True)}


@pytest.fixture
def child_w(library):
    return ReviewPageFactory(
        parent=library,
        title="Child W: neglect at home",
        subject="Child W",
        summary="What agencies knew about Child W.",
        publication_date=date(2021, 3, 1),
        publication_date_precision=DatePrecision.MONTH,
        themes=[
            ThemeFactory(name="Neglect", slug="neglect"),
            ThemeFactory(name="Voice of the child", slug="voice-of-the-child"),
        ],
    )


@pytest.mark.parametrize("where", ["library", "theme page", "home page"])
def test_a_card_shows_the_review_and_links_its_themes_in_order(
    client, home, library, child_w, where
):
    url = {
        "library": library.url,
        "theme page": f"{library.url}themes/neglect/",
        "home page": home.url,
    }[where]

    (card,) = cards_at(client, url)

    assert card.h3.a["href"] == child_w.url
    assert card.h3.get_text(strip=True) == "Child W: neglect at home"
    shown = facts(card)
    assert shown["Subject"].get_text(strip=True) == "Child W"
    assert shown["Type"].get_text(strip=True) == "Local Child Safeguarding Practice Review"
    assert shown["Published"].time["datetime"] == "2021-03"
    assert shown["Published"].get_text(strip=True) == "March 2021"
    assert (
        card.select_one(".review-card__summary").get_text() == "What agencies knew about Child W."
    )
    assert [(a.get_text(" ", strip=True), a["href"]) for a in card.select(".theme-tags a")] == [
        ("Neglect (theme)", f"{library.url}themes/neglect/"),
        ("Voice of the child (theme)", f"{library.url}themes/voice-of-the-child/"),
    ]


def test_a_card_names_a_theme_newer_than_the_cached_vocabulary(client, library, child_w):
    """A theme added while another process put an older vocabulary back in the cache."""
    stale = vocabulary()
    review = ReviewPageFactory(
        parent=library, themes=[ThemeFactory(name="Online harm", slug="online-harm")]
    )
    cache.set(CACHE_KEY, stale)

    card = next(c for c in cards_at(client, library.url) if c.h3.a["href"] == review.url)

    assert [a.get_text(" ", strip=True) for a in card.select(".theme-tags a")] == [
        "Online harm (theme)"
    ]
