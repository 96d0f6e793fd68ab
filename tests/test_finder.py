"""A practitioner narrows the library by theme, type, year, publisher and words."""

from datetime import date

import pytest
from bs4 import BeautifulSoup

from learning.models import DatePrecision, ReviewType
from site_core.search.query import MAX_QUERY_LENGTH
from site_core.search.text_search import highlight
from tests.factories import PublishingBodyFactory, ReviewPageFactory, ThemeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def themes(db):
    return {
        slug: ThemeFactory(name=name, slug=slug)
        for slug, name in [
            ("neglect", "Neglect"),
            ("domestic-abuse", "Domestic abuse"),
            ("voice-of-the-child", "Voice of the child"),
        ]
    }


@pytest.fixture
def reviews(library, themes):
    cspr = ReviewType.objects.get(slug="local-cspr")
    scr = ReviewType.objects.get(slug="serious-case-review")
    lscb = PublishingBodyFactory(name="Richmond LSCB", slug="richmond-lscb")
    make = ReviewPageFactory
    return {
        "child-a": make(
            parent=library,
            title="Child A",
            review_type=cspr,
            publication_date=date(2022, 5, 1),
            themes=[themes["neglect"], themes["domestic-abuse"]],
            summary="Chronic neglect of a toddler.",
        ),
        "child-b": make(
            parent=library,
            title="Child B",
            review_type=scr,
            publication_date=date(2015, 6, 1),
            publishing_body=lscb,
            themes=[themes["neglect"]],
            summary="A teenager who took his own life.",
        ),
        "child-c": make(
            parent=library,
            title="Child C",
            review_type=cspr,
            publication_date=date(2022, 1, 1),
            themes=[themes["domestic-abuse"], themes["voice-of-the-child"]],
            summary="Domestic abuse in the household.",
        ),
        "draft": make(
            parent=library,
            title="Child D draft",
            review_type=cspr,
            themes=[themes["neglect"]],
            publish=False,
        ),
    }


def finder_for(client, library, query=""):
    response = client.get(f"{library.url}?{query}")
    assert response.status_code == 200
    return response, response.context["finder"]


def titles(finder):
    return [review.title for review in finder.page]


def counts(options):
    return {option.value: option.count for option in options}


def test_unfiltered_library_lists_live_reviews_newest_first(client, library, reviews):
    _, finder = finder_for(client, library)

    assert titles(finder) == ["Child A", "Child C", "Child B"]
    assert finder.total == 3


def test_one_theme_lists_exactly_the_reviews_with_it(client, library, reviews):
    _, finder = finder_for(client, library, "theme=neglect")

    assert titles(finder) == ["Child A", "Child B"]


def test_several_themes_narrow_the_results(client, library, reviews):
    _, finder = finder_for(client, library, "theme=neglect&theme=domestic-abuse")

    assert titles(finder) == ["Child A"]


def test_several_types_widen_within_the_facet(client, library, reviews):
    _, one = finder_for(client, library, "type=serious-case-review")
    _, both = finder_for(client, library, "type=serious-case-review&type=local-cspr")

    assert titles(one) == ["Child B"]
    assert titles(both) == ["Child A", "Child C", "Child B"]


def test_year_and_publishing_body_filters(client, library, reviews):
    _, by_year = finder_for(client, library, "year=2022")
    _, by_body = finder_for(client, library, "body=richmond-lscb")

    assert titles(by_year) == ["Child A", "Child C"]
    assert titles(by_body) == ["Child B"]


def test_facet_counts_keep_the_other_filters(client, library, reviews):
    _, finder = finder_for(client, library, "theme=neglect&type=local-cspr")

    assert titles(finder) == ["Child A"]
    # Themes: among the results (A); types: with the theme kept but the type dropped (A, B).
    assert counts(finder.facets.themes) == {"neglect": 1, "domestic-abuse": 1}
    assert counts(finder.facets.types)["local-cspr"] == 1
    assert counts(finder.facets.types)["serious-case-review"] == 1
    assert counts(finder.facets.types)["rapid-review"] == 0
    assert counts(finder.facets.years) == {"2022": 1}


def test_facet_options_render_with_counts_and_empty_types_disabled(client, library, reviews):
    response, _ = finder_for(client, library)
    soup = BeautifulSoup(response.content, "html.parser")

    neglect = soup.find("input", {"name": "theme", "value": "neglect"})
    assert soup.find("label", {"for": neglect["id"]}).get_text(" ", strip=True) == "Neglect (2)"
    assert soup.find("input", {"name": "type", "value": "rapid-review"}).has_attr("disabled")
    assert not soup.find("input", {"name": "type", "value": "local-cspr"}).has_attr("disabled")
    for fieldset in soup.select("form fieldset"):
        assert fieldset.find("legend")


def test_result_count_is_announced_and_chips_remove_one_filter(client, library, reviews):
    response, _ = finder_for(client, library, "theme=neglect&year=2022")
    soup = BeautifulSoup(response.content, "html.parser")

    live = soup.find(attrs={"aria-live": "polite"})
    assert live.get_text(" ", strip=True) == "1 review"
    chips = {a.get_text(" ", strip=True): a["href"] for a in soup.select("a.chip")}
    assert chips["Theme: Neglect (remove this filter) \N{MULTIPLICATION SIGN}"] == "?year=2022"
    assert chips["Year: 2022 (remove this filter) \N{MULTIPLICATION SIGN}"] == "?theme=neglect"
    assert soup.find("a", string="Clear all filters")


def test_no_results_says_so_and_offers_to_clear(client, library, reviews):
    response, finder = finder_for(client, library, "theme=voice-of-the-child&year=2015")

    assert finder.total == 0
    text = BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)
    assert "No reviews match these filters." in text
    assert "Clear all filters" in text


def test_sorting(client, library, reviews):
    _, oldest = finder_for(client, library, "sort=oldest")
    _, relevance_without_q = finder_for(client, library, "sort=relevance")

    assert titles(oldest) == ["Child B", "Child C", "Child A"]
    assert relevance_without_q.filters.sort == "newest"


def test_free_text_search_with_snippet_and_relevance(client, library, reviews):
    _, finder = finder_for(client, library, "q=neglect")

    assert set(titles(finder)) == {"Child A", "Child B"}
    assert finder.filters.sort == "relevance"
    first = next(iter(finder.page))
    assert "<mark>" in first.snippet


def test_undated_reviews_sort_last_either_way(client, library, reviews, themes):
    ReviewPageFactory(
        parent=library,
        title="Undated",
        publication_date=None,
        publication_date_precision=DatePrecision.NOT_RECORDED,
        themes=[themes["neglect"]],
    )

    _, newest = finder_for(client, library)
    _, oldest = finder_for(client, library, "sort=oldest")

    assert titles(newest)[-1] == "Undated"
    assert titles(oldest)[-1] == "Undated"


def test_pagination_keeps_the_filters(client, library, themes):
    for n in range(23):
        ReviewPageFactory(parent=library, title=f"Review {n:02}", themes=[themes["neglect"]])

    response, finder = finder_for(client, library, "theme=neglect&page=2")
    soup = BeautifulSoup(response.content, "html.parser")

    assert finder.page.number == 2
    assert len(finder.page) == 3
    assert soup.find("a", rel="prev")["href"] == "?theme=neglect&page=1"


@pytest.mark.parametrize(
    "query, notice",
    [
        ("theme=not-a-theme", "There is no theme “not-a-theme”, so it was ignored."),
        ("type=made-up", "There is no review type “made-up”, so it was ignored."),
        ("body=nobody", "There is no publishing body “nobody”, so it was ignored."),
        ("year=abc", "“abc” is not a year, so reviews from every year are shown."),
    ],
)
def test_unknown_values_are_ignored_and_named(client, library, reviews, query, notice):
    response, finder = finder_for(client, library, query)

    assert finder.total == 3
    assert notice in response.content.decode()


def test_malformed_and_repeated_parameters_are_tolerated(client, library, reviews):
    _, finder = finder_for(
        client, library, "page=abc&theme=&theme=neglect&theme=NEGLECT&year=&year=2022&sort=bogus&q="
    )

    assert titles(finder) == ["Child A"]
    assert [t.slug for t in finder.filters.themes] == ["neglect"]


def test_a_page_past_the_end_gives_the_last_page(client, library, reviews):
    _, finder = finder_for(client, library, "page=999")

    assert finder.page.number == 1


def test_an_over_long_search_is_cut_and_the_reader_told(client, library, reviews):
    response, finder = finder_for(client, library, "q=" + "neglect " * 60)

    assert len(finder.filters.q) <= MAX_QUERY_LENGTH
    assert "Your search was shortened" in response.content.decode()


def test_theme_index_lists_every_theme_with_live_counts(client, library, reviews):
    response = client.get(f"{library.url}themes/")

    assert response.status_code == 200
    text = BeautifulSoup(response.content, "html.parser").find("main").get_text(" ", strip=True)
    assert "Neglect 2 reviews" in " ".join(text.split())
    assert "Voice of the child 1 review" in " ".join(text.split())


def test_theme_page_shows_its_reviews_with_the_same_filters(client, library, reviews, themes):
    response = client.get(f"{library.url}themes/neglect/?type=local-cspr")

    assert response.status_code == 200
    finder = response.context["finder"]
    assert titles(finder) == ["Child A"]
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("h1").get_text(strip=True) == "Neglect"
    assert themes["neglect"].description in soup.get_text()


def test_unknown_theme_page_is_a_404(client, library):
    assert client.get(f"{library.url}themes/no-such-theme/").status_code == 404


def test_a_renamed_theme_shows_at_once(client, library, reviews, themes):
    client.get(library.url)  # fills the vocabulary cache
    themes["neglect"].name = "Neglect and deprivation"
    themes["neglect"].save()

    _, finder = finder_for(client, library)

    assert "Neglect and deprivation" in [o.label for o in finder.facets.themes]


def test_highlight_marks_the_match_and_escapes_the_text():
    html = highlight("Before <b>bold</b> the neglected child was seen. After.", "neglect")

    assert "<mark>neglected</mark>" in html
    assert "&lt;b&gt;" in html


def test_postgres_search_matches_other_forms_of_a_word(client, library, reviews):
    _, finder = finder_for(client, library, "q=neglected")

    assert set(titles(finder)) == {"Child A", "Child B"}


def test_best_match_comes_first_on_every_database(client, library, themes):
    ReviewPageFactory(
        parent=library,
        title="Child E",
        summary="A review about a family move.",
        body=[("text", "<p>One worker mentioned possible neglect once.</p>")],
        publication_date=date(2024, 1, 1),
        themes=[themes["voice-of-the-child"]],
    )
    ReviewPageFactory(
        parent=library,
        title="Neglect of Child F",
        summary="Neglect: chronic neglect over years, neglect that agencies missed.",
        publication_date=date(2019, 1, 1),
        themes=[themes["neglect"]],
    )

    _, finder = finder_for(client, library, "q=neglect&sort=relevance")

    assert titles(finder) == ["Neglect of Child F", "Child E"]
