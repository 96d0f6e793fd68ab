"""The library's Atom feed: valid RFC 4287, and the same reviews as the library lists."""

from datetime import date, timedelta
from functools import cache
from pathlib import Path

from django.http import QueryDict

from wagtail.models import PageViewRestriction

import pytest
import rnc2rng
from bs4 import BeautifulSoup
from lxml import etree, isoschematron

from learning.feeds import FEED_LENGTH
from learning.finder import find_reviews
from learning.models import DatePrecision, ReviewPage, ReviewType
from tests.factories import PublishingBodyFactory, ReviewPageFactory, ThemeFactory

pytestmark = pytest.mark.django_db

ATOM = "http://www.w3.org/2005/Atom"
NS = {"atom": ATOM}
SCHEMA = Path(__file__).parent / "data" / "atom.rnc"
OLD_SCHEMATRON = "http://www.ascc.net/xml/schematron"
ISO_SCHEMATRON = "http://purl.oclc.org/dsdl/schematron"


# --- Validating against RFC 4287 ------------------------------------------------------


@cache
def atom_validators() -> tuple[etree.RelaxNG, isoschematron.Schematron]:
    """RFC 4287's schema (Appendix B) as RELAX NG, and its Schematron rules.

    rnc2rng declares `xmlns:local=""` for the schema's `namespace local = ""`, which XML
    namespaces 1.0 forbids (lxml refuses it); the declaration is unused (`local:*` is
    written as <nsName ns=""/>), so it is dropped. The RFC's Schematron rules (an
    atom:feed or each atom:entry has an author; an entry has an alternate link or
    content) are annotations RELAX NG ignores; they are run as ISO Schematron.
    """
    rng = rnc2rng.dumps(rnc2rng.loads(SCHEMA.read_text()))
    grammar = etree.fromstring(rng.replace(' xmlns:local=""', "").encode())
    relax_ng = etree.RelaxNG(grammar)

    rules = etree.Element(f"{{{ISO_SCHEMATRON}}}schema", nsmap={None: ISO_SCHEMATRON})
    etree.SubElement(rules, f"{{{ISO_SCHEMATRON}}}ns", prefix="atom", uri=ATOM)
    for rule in grammar.iter(f"{{{OLD_SCHEMATRON}}}rule"):
        # One pattern per rule: within a pattern only the first rule matching a node fires.
        pattern = etree.SubElement(rules, f"{{{ISO_SCHEMATRON}}}pattern")
        iso_rule = etree.SubElement(
            pattern, f"{{{ISO_SCHEMATRON}}}rule", context=rule.get("context")
        )
        for check in rule.iter(f"{{{OLD_SCHEMATRON}}}assert"):
            etree.SubElement(
                iso_rule, f"{{{ISO_SCHEMATRON}}}assert", test=check.get("test")
            ).text = check.text
    assert len(rules.findall(f"{{{ISO_SCHEMATRON}}}pattern")) == 3
    return relax_ng, isoschematron.Schematron(rules)


def assert_valid_atom(content: bytes) -> etree._Element:
    root = etree.fromstring(content)
    relax_ng, schematron = atom_validators()
    assert relax_ng.validate(root), relax_ng.error_log
    assert schematron.validate(root), schematron.error_log
    return root


def test_the_validator_rejects_invalid_atom():
    valid = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:x:1</id>'
        b"<updated>2021-03-01T00:00:00Z</updated><author><name>A</name></author>"
        b'<entry><title>E</title><id>urn:x:2</id><link href="http://example.org/"/>'
        b"<updated>2021-03-01T00:00:00Z</updated></entry></feed>"
    )
    assert_valid_atom(valid)
    relax_ng, schematron = atom_validators()

    no_id = etree.fromstring(valid.replace(b"<id>urn:x:1</id>", b""))
    date_only = etree.fromstring(valid.replace(b"2021-03-01T00:00:00Z", b"2021-03-01"))
    no_author = etree.fromstring(valid.replace(b"<author><name>A</name></author>", b""))
    no_link = etree.fromstring(valid.replace(b'<link href="http://example.org/"/>', b""))

    assert not relax_ng.validate(no_id)
    assert not relax_ng.validate(date_only)
    assert not schematron.validate(no_author)
    assert not schematron.validate(no_link)


# --- Content ----------------------------------------------------------------------------


@pytest.fixture
def themes(db):
    return {
        "neglect": ThemeFactory(name="Neglect", slug="neglect"),
        "domestic-abuse": ThemeFactory(name="Domestic abuse", slug="domestic-abuse"),
    }


@pytest.fixture
def reviews(library, themes):
    body = PublishingBodyFactory(name="Richmond LSCB", slug="richmond-lscb")
    make = ReviewPageFactory
    return {
        "day": make(
            parent=library,
            title="Child A & family",
            summary="Neglect of a toddler <under two>: what agencies missed.",
            publication_date=date(2022, 5, 17),
            publishing_body=body,
            themes=[themes["domestic-abuse"], themes["neglect"]],
        ),
        "month": make(
            parent=library,
            title="Child B",
            publication_date=date(2021, 3, 1),
            publication_date_precision=DatePrecision.MONTH,
            review_type=ReviewType.objects.get(slug="serious-case-review"),
            themes=[themes["neglect"]],
        ),
        "year": make(
            parent=library,
            title="Child C",
            publication_date=date(2019, 1, 1),
            publication_date_precision=DatePrecision.YEAR,
            themes=[themes["domestic-abuse"]],
        ),
        "undated": make(
            parent=library,
            title="Baby D",
            publication_date=None,
            publication_date_precision=DatePrecision.NOT_RECORDED,
            themes=[themes["neglect"]],
        ),
    }


def get_feed(client, library, query=""):
    response = client.get(library.url + "feed/" + (f"?{query}" if query else ""))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return assert_valid_atom(response.content)


def entries(feed) -> list:
    return feed.findall("atom:entry", NS)


def titles(feed) -> list[str]:
    return [entry.findtext("atom:title", namespaces=NS) for entry in entries(feed)]


def entry_titled(feed, title):
    (entry,) = [e for e in entries(feed) if e.findtext("atom:title", namespaces=NS) == title]
    return entry


def test_feed_is_valid_atom_and_lists_live_reviews_newest_first(client, library, reviews):
    feed = get_feed(client, library)

    assert feed.findtext("atom:title", namespaces=NS) == "Learning from reviews"
    assert titles(feed) == ["Child A & family", "Child B", "Child C", "Baby D"]
    ids = [entry.findtext("atom:id", namespaces=NS) for entry in entries(feed)]
    assert len(set(ids)) == 4


def test_feed_addresses_are_absolute(client, library, reviews):
    feed = get_feed(client, library, "theme=neglect")

    self_link = feed.find("atom:link[@rel='self']", NS).get("href")
    alternate = feed.find("atom:link[@rel='alternate']", NS).get("href")
    assert self_link == library.full_url + "feed/?theme=neglect"
    assert alternate == library.full_url + "?theme=neglect"
    assert feed.findtext("atom:id", namespaces=NS) == self_link
    for entry in entries(feed):
        assert entry.find("atom:link", NS).get("href").startswith("http")


def test_entry_has_title_summary_link_dates_and_a_category_per_theme(client, library, reviews):
    review = ReviewPage.objects.get(pk=reviews["day"].pk)

    entry = entry_titled(get_feed(client, library), "Child A & family")

    summary = entry.find("atom:summary", NS)
    assert summary.get("type") == "text"
    assert summary.text == "Neglect of a toddler <under two>: what agencies missed."
    link = entry.find("atom:link", NS)
    assert (link.get("rel"), link.get("href")) == ("alternate", review.full_url)
    assert entry.findtext("atom:published", namespaces=NS) == "2022-05-17T00:00:00+01:00"
    assert entry.findtext("atom:updated", namespaces=NS) == review.last_published_at.isoformat()
    assert entry.findtext("atom:author/atom:name", namespaces=NS) == "Richmond LSCB"
    categories = [
        (c.get("term"), c.get("label"), c.get("scheme")) for c in entry.findall("atom:category", NS)
    ]
    assert categories == [
        ("domestic-abuse", "Domestic abuse", library.full_url + "themes/domestic-abuse/"),
        ("neglect", "Neglect", library.full_url + "themes/neglect/"),
    ]


def test_published_follows_the_date_shown(client, library, reviews):
    feed = get_feed(client, library)

    def published(title):
        return entry_titled(feed, title).findtext("atom:published", namespaces=NS)

    # A date known to the month or year is stored as its first day.
    assert published("Child B") == "2021-03-01T00:00:00+00:00"
    assert published("Child C") == "2019-01-01T00:00:00+00:00"
    assert published("Baby D") is None
    # Every entry has `updated`, including the one without a date.
    assert all(e.find("atom:updated", NS) is not None for e in entries(feed))


def test_feed_updated_is_its_newest_entry(client, library, reviews):
    feed = get_feed(client, library)

    newest = max(entry.findtext("atom:updated", namespaces=NS) for entry in entries(feed))
    assert feed.findtext("atom:updated", namespaces=NS) == newest


def test_theme_feed_has_exactly_the_reviews_with_that_theme(client, library, reviews):
    feed = get_feed(client, library, "theme=neglect")

    assert feed.findtext("atom:title", namespaces=NS) == "Learning from reviews: Neglect"
    expected = ReviewPage.objects.live().filter(review_themes__theme__slug="neglect")
    assert sorted(titles(feed)) == sorted(r.title for r in expected)
    assert "Child C" not in titles(feed)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "theme=neglect",
        "theme=neglect&theme=domestic-abuse",
        "type=serious-case-review",
        "type=local-cspr&type=serious-case-review",
        "year=2022",
        "body=richmond-lscb",
        "q=neglect",
        "q=toddler&sort=newest",
        "sort=oldest",
        "theme=domestic-abuse&sort=oldest&year=2019",
    ],
)
def test_feed_lists_what_the_library_lists(client, library, reviews, query):
    in_library = [r.title for r in find_reviews(QueryDict(query), library).page]

    assert titles(get_feed(client, library, query)) == in_library


def test_feed_title_names_every_filter(client, library, reviews):
    feed = get_feed(
        client,
        library,
        "theme=neglect&type=serious-case-review&year=2021&body=richmond-lscb&q=baby",
    )

    assert feed.findtext("atom:title", namespaces=NS) == (
        "Learning from reviews: Neglect, Serious Case Review (before 2019), 2021, Richmond LSCB, "
        "“baby”"
    )


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("theme=no-such-theme", 4),
        ("type=nope&body=nobody&year=abc&sort=sideways&page=-3", 4),
        ("year=99999&q=%00%00&page=2", 4),
        ("theme=neglect&theme=NEGLECT&theme=no-such-theme", 3),
        ("q=" + "x" * 500, 0),
    ],
)
def test_unknown_filter_values_are_ignored(client, library, reviews, query, listed):
    feed = get_feed(client, library, query)

    # Ignored, not failed: the other filters still apply.
    assert len(entries(feed)) == listed


def test_drafts_private_and_unpublished_reviews_never_appear(client, library, reviews, themes):
    ReviewPageFactory(parent=library, title="Never published", publish=False)
    taken_down = ReviewPageFactory(parent=library, title="Taken down")
    ReviewPage.objects.get(pk=taken_down.pk).unpublish()
    private = ReviewPageFactory(parent=library, title="Private")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    changed = ReviewPage.objects.get(pk=reviews["month"].pk)
    changed.title = "Unpublished new title"
    changed.save_revision()  # a draft of a live review: the live version stays in the feed

    for query in ("", "theme=neglect", "q=published", "sort=oldest"):
        listed = titles(get_feed(client, library, query))
        assert not {"Never published", "Taken down", "Private", "Unpublished new title"} & set(
            listed
        )
    assert "Child B" in titles(get_feed(client, library))


def test_feed_holds_the_first_fifty_reviews_and_ignores_page(client, library, themes):
    for n in range(FEED_LENGTH + 3):
        ReviewPageFactory(
            parent=library,
            title=f"Review {n:02}",
            publication_date=date(2000, 1, 1) + timedelta(days=n),
            themes=[themes["neglect"]],
        )

    newest = titles(get_feed(client, library))
    oldest = titles(get_feed(client, library, "sort=oldest&page=2"))

    assert len(newest) == len(oldest) == FEED_LENGTH
    assert newest[:2] == ["Review 52", "Review 51"]
    assert oldest[:2] == ["Review 00", "Review 01"]


def test_characters_xml_does_not_allow_are_left_out(client, library, themes):
    ReviewPageFactory(
        parent=library,
        title="Child\x0bE",
        summary="Pasted from a word processor:\x0c\x08 a form feed.",
        themes=[themes["neglect"]],
    )

    entry = entries(get_feed(client, library))[0]

    assert entry.findtext("atom:title", namespaces=NS) == "Child E"
    assert entry.findtext("atom:summary", namespaces=NS) == (
        "Pasted from a word processor:   a form feed."
    )


def test_empty_feed_is_valid(client, library):
    feed = get_feed(client, library, "theme=no-such-theme")

    assert entries(feed) == []
    assert feed.findtext("atom:updated", namespaces=NS)


# --- Auto-discovery ---------------------------------------------------------------------


def feed_link(client, url):
    response = client.get(url)
    assert response.status_code == 200
    links = BeautifulSoup(response.content, "html.parser").select(
        'head link[rel="alternate"][type="application/atom+xml"]'
    )
    assert len(links) == 1
    return links[0]


def test_library_links_to_the_feed_of_what_it_shows(client, library, reviews):
    plain = feed_link(client, library.url)
    filtered = feed_link(client, library.url + "?type=serious-case-review&theme=neglect&junk=1")

    assert plain["href"] == library.url + "feed/"
    assert plain["title"] == "Learning from reviews"
    assert filtered["href"] == library.url + "feed/?theme=neglect&type=serious-case-review"
    assert filtered["title"] == "Learning from reviews: Neglect, Serious Case Review (before 2019)"


def test_theme_page_links_to_its_themes_feed(client, library, reviews):
    link = feed_link(client, library.url + "themes/neglect/?sort=oldest")

    assert link["href"] == library.url + "feed/?theme=neglect&sort=oldest"
    assert link["title"] == "Learning from reviews: Neglect"

    theme_page = client.get(library.url + "themes/neglect/?sort=oldest")
    feed = assert_valid_atom(client.get(link["href"]).content)
    assert titles(feed) == [review.title for review in theme_page.context["reviews"]]
