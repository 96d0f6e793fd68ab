"""A reader searches the whole site from any page, and bad input never breaks the search."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from wagtail.models import PageViewRestriction

import pytest
from bs4 import BeautifulSoup

from site_core.search.query import MAX_QUERY_LENGTH
from site_core.search.views import PER_PAGE
from tests.factories import PolicyPageFactory, ReviewPageFactory

pytestmark = pytest.mark.django_db

# Site, results page, count, and one query for each page type among the results (a few).
SEARCH_QUERY_BUDGET = 10


def search(client, query=""):
    response = client.get(f"/search/?{query}")
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser"), response.context["search"]


def text_of(node):
    return " ".join(node.get_text(" ", strip=True).split())


def result_titles(soup):
    return [text_of(node) for node in soup.select(".search-result__title")]


@pytest.fixture
def content(home, library):
    home.intro = "<p>Welcome to the partnership's kingfisher library.</p>"
    home.save_revision().publish()
    return {
        "review": ReviewPageFactory(
            parent=library,
            title="Child K",
            summary="A kingfisher review about a toddler and the nursery.",
        ),
        "policy": PolicyPageFactory(
            parent=home,
            title="Kingfisher procedure",
            intro="<p>How the <b>kingfisher</b> process works, step by step.</p>",
            search_description="",
        ),
    }


def test_empty_search_shows_the_form_and_no_results(client, content):
    soup, found = search(client)

    assert found.q == "" and found.results is None
    assert text_of(soup.find("h1")) == "Search"
    assert soup.title.get_text().startswith("Search \N{EN DASH} ")
    label = soup.find("label", attrs={"for": "search-q"})
    assert label is not None and soup.find("input", id="search-q")["name"] == "q"
    assert soup.select(".search-result") == []


def test_every_page_type_is_found_with_its_label_description_and_snippet(client, home, content):
    soup, found = search(client, "q=kingfisher")

    assert found.total == 3
    assert soup.find(id="result-count").get_text(strip=True) == "3 results for “kingfisher”"
    assert soup.find(attrs={"aria-live": "polite"}).find(id="result-count")
    results = {item.find("a")["href"]: item for item in soup.select(".search-result")}
    labels = {
        href: text_of(item.select_one(".search-result__type")) for href, item in results.items()
    }
    review, policy = content["review"], content["policy"]
    assert labels == {home.url: "Home page", review.url: "Review", policy.url: "Policy"}
    review = results[review.url]
    assert text_of(review.select_one(".search-result__title")) == "Child K"
    assert text_of(review.select_one(".search-result__description")) == (
        "A kingfisher review about a toddler and the nursery."
    )
    assert review.select_one(".search-result__snippet mark").get_text() == "kingfisher"
    policy = results[policy.url]
    # A page without a search description shows its introduction as plain text.
    assert text_of(policy.select_one(".search-result__description")) == (
        "How the kingfisher process works, step by step."
    )
    assert soup.title.get_text().startswith("Search results for “kingfisher” \N{EN DASH} ")


def test_the_library_is_found_by_its_title(client, content, library):
    soup, _ = search(client, "q=learning")

    item = next(
        node
        for node in soup.select(".search-result")
        if text_of(node.select_one(".search-result__title")) == library.title
    )
    assert text_of(item.select_one(".search-result__type")) == "Library"
    assert item.find("a")["href"] == library.url


def test_drafts_and_private_pages_are_not_found(client, library, content):
    ReviewPageFactory(parent=library, title="Kingfisher draft", publish=False)
    private = ReviewPageFactory(parent=library, title="Kingfisher private")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )

    soup, _ = search(client, "q=kingfisher")

    assert "Kingfisher draft" not in result_titles(soup)
    assert "Kingfisher private" not in result_titles(soup)


def test_no_results(client, content):
    soup, found = search(client, "q=zebracrossing")

    assert found.total == 0
    assert soup.find(id="result-count").get_text(strip=True) == "0 results for “zebracrossing”"
    assert "Nothing on this site matches" in text_of(soup.select_one(".empty-state"))


@pytest.fixture
def many(library):
    return [
        ReviewPageFactory(parent=library, title=f"Heron {n}", summary="A heron review.")
        for n in range(PER_PAGE + 5)
    ]


def test_results_are_paginated_keeping_the_search(client, many):
    soup, found = search(client, "q=heron")

    assert found.total == PER_PAGE + 5
    assert len(soup.select(".search-result")) == PER_PAGE
    next_link = soup.select_one(".pagination a[rel=next]")["href"]
    assert "q=heron" in next_link and "page=2" in next_link

    soup, found = search(client, "q=heron&page=2")
    assert len(soup.select(".search-result")) == 5
    assert soup.select_one(".search-results__list")["start"] == str(PER_PAGE + 1)


def test_a_page_number_that_is_not_one_falls_back(client, many):
    # The page shown for each page number asked for (there are two pages of results).
    expected = {"abc": 1, "": 1, "0": 2, "-1": 2, "99": 2, "1e9": 1}

    shown = {page: search(client, f"q=heron&page={page}")[1].results.number for page in expected}

    assert shown == expected


def test_an_over_long_search_is_shortened_with_a_notice(client, content):
    soup, found = search(client, "q=" + "kingfisher " * 40)

    assert len(found.q) <= MAX_QUERY_LENGTH
    assert "shortened" in text_of(soup.select_one(".notice"))
    assert found.total == 3


def test_control_characters_are_dropped(client, content):
    _, found = search(client, "q=king%00fisher%07&q=ignored")

    assert found.q == "kingfisher"
    assert found.total == 3


@pytest.mark.parametrize(
    "query", ["q=%00", "q=-", "q=!!!", "q=%27%22%5C", "q=a:b", "q=%E2%80%8B", "q=&q=&page=x"]
)
def test_odd_searches_do_not_fail(client, content, query):
    search(client, query)


def test_query_count_is_small_and_does_not_grow_with_results(client, home, library):
    def queries(query):
        client.get(f"/search/?{query}")  # warm per-process caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/search/?{query}").status_code == 200
        return len(captured)

    ReviewPageFactory(parent=library, title="Kingfisher review")
    PolicyPageFactory(parent=home, title="Kingfisher procedure")
    few = queries("q=kingfisher")
    for n in range(PER_PAGE + 5):
        ReviewPageFactory(parent=library, title=f"Kingfisher {n}")
    PolicyPageFactory(parent=home, title="Kingfisher leaflet")

    # One query more for each type of page among the results shown, so at most a few more.
    assert few <= SEARCH_QUERY_BUDGET
    assert queries("q=kingfisher") <= few
    assert queries("q=kingfisher&page=2") <= few


def test_every_page_has_a_labelled_search_box_in_its_header(client, content):
    response = client.get(content["review"].url)
    soup = BeautifulSoup(response.content, "html.parser")

    form = soup.select_one("header form[role=search]")
    assert form["action"] == "/search/" and form["method"] == "get"
    field = form.find("input", attrs={"name": "q"})
    assert soup.find("label", attrs={"for": field["id"]}).get_text(strip=True)
    assert form.find("button", attrs={"type": "submit"})
