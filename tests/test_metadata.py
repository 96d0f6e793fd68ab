"""What pages tell search engines and link previews; the sitemap, robots.txt; related reviews."""

import json
from datetime import date

from wagtail.models import PageViewRestriction

import pytest
from bs4 import BeautifulSoup
from lxml import etree

from learning.models import DatePrecision, ReviewPage
from tests.factories import (
    PolicyPageFactory,
    PublishingBodyFactory,
    ReviewPageFactory,
    ThemeFactory,
    ThemeIndexPageFactory,
)

pytestmark = pytest.mark.django_db

SITE_NAME = "Safeguarding Children Partnership"


def soup_at(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def head_meta(soup) -> dict[str, str]:
    """The description, canonical address and Open Graph properties in <head>."""
    head = soup.head
    found = {meta["property"]: meta["content"] for meta in head.find_all("meta", property=True)}
    description = head.find("meta", attrs={"name": "description"})
    if description:
        found["description"] = description["content"]
    canonicals = head.find_all("link", rel="canonical")
    assert len(canonicals) <= 1
    if canonicals:
        found["canonical"] = canonicals[0]["href"]
    return found


def json_ld(soup) -> list[dict]:
    return [json.loads(s.string) for s in soup.find_all("script", type="application/ld+json")]


@pytest.fixture
def neglect(db):
    return ThemeFactory(name="Neglect", slug="neglect")


@pytest.fixture
def child_v(library, neglect, settings):
    settings.WAGTAIL_SITE_NAME = SITE_NAME
    review = ReviewPageFactory(
        parent=library,
        title="Child V",
        summary="This review concerns the death of a four-year-old.",
        publication_date=date(2021, 3, 1),
        publication_date_precision=DatePrecision.MONTH,
        publishing_body=PublishingBodyFactory(name="Richmond LSCB", slug="richmond-lscb"),
        reference="CSPR-2021-07",
        themes=[neglect, ThemeFactory(name="Domestic abuse", slug="domestic-abuse")],
        authors=[("Jane Wonnacott", "independent_author"), ("Edina Carmi", "panel_chair")],
    )
    return ReviewPage.objects.get(pk=review.pk)


# --- Review pages ---------------------------------------------------------------------


def test_review_page_has_description_canonical_and_open_graph(client, child_v):
    meta = head_meta(soup_at(client, child_v.url))

    assert meta == {
        "description": "This review concerns the death of a four-year-old.",
        "canonical": child_v.full_url,
        "og:type": "article",
        "og:title": "Child V",
        "og:description": "This review concerns the death of a four-year-old.",
        "og:url": child_v.full_url,
        "og:site_name": SITE_NAME,
        "og:locale": "en_GB",
    }
    assert child_v.full_url.startswith("http")


def test_search_description_overrides_the_summary(client, child_v):
    child_v.search_description = "Written for search engines."
    child_v.seo_title = "Child V: a review"
    child_v.save_revision().publish()

    meta = head_meta(soup_at(client, child_v.url))

    assert meta["description"] == meta["og:description"] == "Written for search engines."
    assert meta["og:title"] == "Child V: a review"


def test_review_json_ld_is_a_report(client, child_v, library):
    (data,) = json_ld(soup_at(client, child_v.url))

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Report"
    assert data["name"] == data["headline"] == "Child V"
    assert data["url"] == child_v.full_url
    assert data["description"] == "This review concerns the death of a four-year-old."
    assert data["datePublished"] == "2021-03"  # shown to the month
    assert data["reportNumber"] == "CSPR-2021-07"
    assert data["genre"] == "Local Child Safeguarding Practice Review"
    assert data["author"] == [
        {"@type": "Person", "name": "Jane Wonnacott"},
        {"@type": "Person", "name": "Edina Carmi"},
    ]
    assert data["publisher"] == {"@type": "Organization", "name": "Richmond LSCB"}
    assert [(t["@type"], t["name"], t["url"]) for t in data["about"]] == [
        ("DefinedTerm", "Neglect", library.full_url + "themes/neglect/"),
        ("DefinedTerm", "Domestic abuse", library.full_url + "themes/domestic-abuse/"),
    ]


@pytest.mark.parametrize(
    ("precision", "expected"),
    [
        (DatePrecision.DAY, "2019-07-04"),
        (DatePrecision.MONTH, "2019-07"),
        (DatePrecision.YEAR, "2019"),
        (DatePrecision.NOT_RECORDED, None),
    ],
)
def test_date_published_has_the_precision_readers_see(client, library, precision, expected):
    review = ReviewPageFactory(
        parent=library, publication_date=date(2019, 7, 4), publication_date_precision=precision
    )

    (data,) = json_ld(soup_at(client, review.url))

    assert data.get("datePublished") == expected


def test_review_without_authors_or_body_is_by_the_partnership(client, library, settings):
    settings.WAGTAIL_SITE_NAME = SITE_NAME
    review = ReviewPageFactory(parent=library)

    (data,) = json_ld(soup_at(client, review.url))

    partnership = {"@type": "Organization", "name": SITE_NAME, "url": "http://localhost/"}
    assert data["publisher"] == partnership
    assert data["author"] == [partnership]


def test_json_ld_cannot_break_out_of_its_script_element(client, library):
    attack = "</script><script>alert(1)</script><!-- & \u2028"
    review = ReviewPageFactory(
        parent=library,
        title=f"Child {attack}",
        summary=f"Summary {attack}",
        authors=[(f"Author {attack}", "author")],
    )

    response = client.get(review.url)
    html = response.content.decode()
    soup = BeautifulSoup(html, "html.parser")

    assert "<script>alert(1)" not in html
    # The only script with content is the JSON-LD (the quick exit's is a file: src=...).
    assert len(soup.find_all("script", src=False)) == 1
    (data,) = json_ld(soup)
    assert data["name"] == f"Child {attack}"
    assert data["description"] == f"Summary {attack}"
    assert data["author"][0]["name"] == f"Author {attack}"


def test_review_page_names_its_type_and_body_from_the_vocabulary(client, child_v):
    text = soup_at(client, child_v.url).find("main").get_text(" ", strip=True)

    assert "Local Child Safeguarding Practice Review" in text
    assert "Richmond LSCB" in text
    assert text.index("Neglect") < text.index("Domestic abuse")


# --- Other pages ----------------------------------------------------------------------


def test_every_page_type_has_canonical_and_open_graph(client, home, library, neglect):
    ReviewPageFactory(parent=library, themes=[neglect])
    policy = PolicyPageFactory(parent=home, title="Serious incidents", search_description="How.")
    pages = {
        home.url: (home.full_url, home.title),
        library.url: (library.full_url, library.title),
        policy.url: (policy.full_url, "Serious incidents"),
        library.url + "themes/": (library.full_url + "themes/", "Themes"),
        library.url + "themes/neglect/?sort=oldest&page=1": (
            library.full_url + "themes/neglect/",
            "Neglect",
        ),
        library.url + "?theme=neglect&page=2": (library.full_url, library.title),
    }

    for url, (canonical, title) in pages.items():
        meta = head_meta(soup_at(client, url))
        assert meta["canonical"] == meta["og:url"] == canonical, url
        assert meta["og:type"] == "website", url
        assert meta["og:title"] == title, url
        assert meta["og:site_name"], url

    assert head_meta(soup_at(client, policy.url))["og:description"] == "How."
    theme_meta = head_meta(soup_at(client, library.url + "themes/neglect/"))
    assert theme_meta["description"] == theme_meta["og:description"] == neglect.description


def test_pages_other_than_reviews_have_no_json_ld(client, home, library):
    assert json_ld(soup_at(client, home.url)) == []
    assert json_ld(soup_at(client, library.url)) == []


def test_not_found_page_has_no_canonical(client, home):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert head_meta(BeautifulSoup(response.content, "html.parser")) == {}


# --- Sitemap and robots.txt -----------------------------------------------------------

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_locations(client) -> list[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    return root.xpath("//s:url/s:loc/text()", namespaces=SITEMAP_NS)


def test_sitemap_lists_live_public_pages_only(client, home, library, neglect):
    live = [ReviewPageFactory(parent=library, themes=[neglect]) for _ in range(3)]
    draft = ReviewPageFactory(parent=library, title="Draft", publish=False)
    taken_down = ReviewPageFactory(parent=library, title="Taken down")
    ReviewPage.objects.get(pk=taken_down.pk).unpublish()
    private = ReviewPageFactory(parent=library, title="Private")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    private_policy = PolicyPageFactory(parent=home, title="Private policy")
    PageViewRestriction.objects.create(
        page=private_policy, restriction_type=PageViewRestriction.LOGIN
    )
    under_private = PolicyPageFactory(parent=private_policy, title="Below a private page")

    locations = sitemap_locations(client)

    assert len(locations) == len(set(locations))
    assert set(locations) == {
        home.full_url,
        library.full_url,
        library.full_url + "themes/",
        library.full_url + "themes/neglect/",
        *(review.full_url for review in live),
    }
    for hidden in (draft, taken_down, private, private_policy, under_private):
        assert hidden.full_url not in locations


def test_sitemap_leaves_out_themes_without_reviews(client, library, neglect):
    unused = ThemeFactory(name="Unused", slug="unused")
    ReviewPageFactory(parent=library, themes=[neglect])
    ReviewPageFactory(parent=library, themes=[unused], publish=False)

    locations = sitemap_locations(client)

    assert library.full_url + "themes/neglect/" in locations
    assert library.full_url + "themes/unused/" not in locations


def test_robots_txt_points_to_the_sitemap(client, home):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /django-admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert client.get("/sitemap.xml").status_code == 200
    # Crawlers and monitors may ask with HEAD.
    assert client.head("/robots.txt").status_code == 200


# --- Related reviews --------------------------------------------------------------------


def related_titles(client, review) -> list[str]:
    section = soup_at(client, review.url).find("section", class_="related-reviews")
    if section is None:
        return []
    return [h.get_text(strip=True) for h in section.find_all("h3")]


def test_related_reviews_share_most_themes_then_are_newest(client, home, library):
    a, b, c, d = (ThemeFactory() for _ in range(4))
    review = ReviewPageFactory(parent=library, title="This one", themes=[a, b, c])

    def make(title, themes, year, **kwargs):
        return ReviewPageFactory(
            parent=library,
            title=title,
            themes=themes,
            publication_date=date(year, 1, 1),
            **kwargs,
        )

    make("One in common, newest", [a], 2024)
    make("Three in common, oldest", [c, b, a], 2001)
    make("Two in common", [a, d, b], 2010)
    make("One in common, older", [c], 2005)
    make("None in common", [d], 2025)
    make("Draft with all", [a, b, c], 2025, publish=False)
    private = make("Private with all", [a, b, c], 2025)
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    other_library = ThemeIndexPageFactory(parent=home, title="Elsewhere", slug="elsewhere")
    ReviewPageFactory(parent=other_library, title="Other library", themes=[a, b, c])

    assert related_titles(client, review) == [
        "Three in common, oldest",
        "Two in common",
        "One in common, newest",
    ]


def test_related_cards_show_type_date_and_summary_but_not_themes(client, library, neglect):
    review = ReviewPageFactory(parent=library, themes=[neglect])
    other = ReviewPageFactory(
        parent=library,
        title="Child W",
        summary="About Child W.",
        publication_date=date(2020, 2, 3),
        themes=[neglect],
    )

    section = soup_at(client, review.url).find("section", class_="related-reviews")
    (card,) = section.find_all("article")
    text = card.get_text(" ", strip=True)

    assert card.find("a", href=other.url)
    assert "Local Child Safeguarding Practice Review" in text
    assert "3 February 2020" in text
    assert "About Child W." in text
    assert card.find(class_="theme-tags") is None


def test_no_related_section_without_related_reviews(client, library, neglect):
    review = ReviewPageFactory(parent=library, themes=[neglect])
    ReviewPageFactory(parent=library, themes=[ThemeFactory()])

    assert related_titles(client, review) == []
    assert soup_at(client, review.url).find("section", class_="related-reviews") is None


def test_a_draft_review_previews_with_its_metadata_and_related_reviews(library, neglect):
    ReviewPageFactory(parent=library, title="Child W", themes=[neglect])
    draft = ReviewPageFactory(parent=library, title="Child X", themes=[neglect], publish=False)
    revision = ReviewPage.objects.get(pk=draft.pk).get_latest_revision_as_object()

    response = revision.make_preview_request()

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    (data,) = json_ld(soup)
    assert data["name"] == "Child X"
    assert [a.get_text(strip=True) for a in soup.select(".related-reviews h3")] == ["Child W"]
