"""Every page type renders, and shows readers every field they need."""

from datetime import date

import pytest
from bs4 import BeautifulSoup

from learning.models import DatePrecision, PolicyDocument, PolicyGuidanceLink, ReviewPage
from tests.factories import (
    DocumentFactory,
    PolicyPageFactory,
    PublishingBodyFactory,
    ReviewPageFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


def soup_of(client, page):
    response = client.get(page.url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def text_of(node):
    return " ".join(node.get_text(" ", strip=True).split())


@pytest.fixture
def child_v(library):
    report = DocumentFactory(title="Child V report")
    briefing = DocumentFactory(
        title="Child V briefing", file__filename="briefing.pdf", file__data=b"%PDF-1.4\n" * 200
    )
    review = ReviewPageFactory(
        parent=library,
        title="Child V",
        subject="Child V",
        summary="This review concerns the death of a four-year-old.",
        publication_date=date(2021, 3, 1),
        publication_date_precision=DatePrecision.MONTH,
        publishing_body=PublishingBodyFactory(name="Richmond LSCB", slug="richmond-lscb"),
        reference="CSPR-2021-07",
        external_url="https://example.org/case-reviews/child-v",
        external_reason="Also held on the national repository.",
        body=[
            (
                "section",
                {"heading": "What happened", "content": "<p>Agencies did not share concerns.</p>"},
            ),
            (
                "learning_points",
                {"heading": "Strategic learning points", "points": ["Share early.", "Ask why."]},
            ),
            (
                "callout",
                {
                    "kind": "support",
                    "heading": "If this review has affected you",
                    "text": "<p>Call the helpline.</p>",
                },
            ),
        ],
        themes=[
            ThemeFactory(name="Medical neglect", slug="medical-neglect"),
            ThemeFactory(name="Domestic abuse", slug="domestic-abuse"),
        ],
        authors=[("Jane Wonnacott", "independent_author"), ("Edina Carmi", "panel_chair")],
        documents=[(report, "full_report"), (briefing, "briefing")],
    )
    return ReviewPage.objects.get(pk=review.pk)


def test_review_page_shows_every_field(client, child_v):
    soup = soup_of(client, child_v)
    main = soup.find("main")
    text = text_of(main)

    assert [text_of(h) for h in soup.find_all("h1")] == ["Child V"]
    assert "This review concerns the death of a four-year-old." in text
    assert "Local Child Safeguarding Practice Review" in text
    assert "March 2021" in text
    assert main.find("time", {"datetime": "2021-03"}) or main.find(
        "time", {"datetime": "2021-03-01"}
    )
    assert "Richmond LSCB" in text
    assert "CSPR-2021-07" in text
    assert text.index("Medical neglect") < text.index("Domestic abuse")
    assert "Jane Wonnacott" in text and "Independent author" in text
    assert "Edina Carmi" in text and "Panel chair" in text
    assert "Agencies did not share concerns." in text
    points = [ol for ol in main.find_all("ol") if "Share early." in text_of(ol)]
    assert [text_of(li) for li in points[0].find_all("li")] == ["Share early.", "Ask why."]
    assert "If this review has affected you" in text
    assert main.find("a", href="https://example.org/case-reviews/child-v")
    assert "Also held on the national repository." in text


def test_review_page_lists_documents_with_kind_type_and_size(client, child_v):
    main = soup_of(client, child_v).find("main")
    links = {
        a["href"]: text_of(a) for a in main.find_all("a", href=lambda h: h and "/documents/" in h)
    }
    documents = [d.document for d in child_v.report_documents.all()]

    assert list(links) == [d.url for d in documents]
    full_report, briefing = links.values()
    assert "Full report" in full_report and "PDF" in full_report
    assert "7-minute briefing" in briefing and "PDF" in briefing
    assert "1.8\xa0KB" in briefing or "1.8 KB" in briefing


def test_review_without_a_recorded_date_shows_no_date(client, library):
    review = ReviewPageFactory(
        parent=library,
        title="Baby Ulric",
        publication_date=None,
        publication_date_precision=DatePrecision.NOT_RECORDED,
    )

    main = soup_of(client, review).find("main")

    assert main.find("time") is None
    assert "None" not in text_of(main)


def test_library_lists_live_reviews_newest_first(client, library):
    older = ReviewPageFactory(parent=library, title="Family A", publication_date=date(2015, 11, 1))
    newer = ReviewPageFactory(parent=library, title="Maria", publication_date=date(2021, 3, 1))
    undated = ReviewPageFactory(
        parent=library,
        title="Baby Ulric",
        publication_date=None,
        publication_date_precision=DatePrecision.NOT_RECORDED,
    )
    ReviewPageFactory(parent=library, title="Draft review", publish=False)

    main = soup_of(client, library).find("main")
    titles = [text_of(h) for h in main.find_all(["h2", "h3"]) if h.find("a")]

    assert titles == [newer.title, older.title, undated.title]
    assert "3 reviews" in text_of(main)


def test_library_paginates_and_tolerates_bad_page_numbers(client, library):
    for n in range(23):
        ReviewPageFactory(parent=library, title=f"Review {n:02}")

    first = client.get(library.url)
    second = client.get(library.url + "?page=2")
    junk = client.get(library.url + "?page=abc")
    past_end = client.get(library.url + "?page=99")

    assert (
        first.status_code == second.status_code == junk.status_code == past_end.status_code == 200
    )
    assert len(first.context["reviews"]) == 20
    assert len(second.context["reviews"]) == 3
    assert junk.context["reviews"].number == 1
    assert past_end.context["reviews"].number == 2
    assert BeautifulSoup(first.content, "html.parser").find("a", rel="next")


def test_home_page_shows_latest_reviews_and_routes(client, home, library):
    for year in (2019, 2020, 2021, 2022):
        ReviewPageFactory(parent=library, title=f"Review {year}", publication_date=date(year, 1, 1))
    policy = PolicyPageFactory(parent=home, title="Our statutory duty")

    main = soup_of(client, home).find("main")
    text = text_of(main)

    assert "Review 2022" in text and "Review 2020" in text and "Review 2019" not in text
    assert main.find("a", href=library.url)
    assert main.find("a", href=policy.url)


def test_policy_page_shows_body_documents_guidance_and_dates(client, home):
    policy = PolicyPageFactory(
        parent=home,
        title="Serious incidents procedure",
        body=[("section", {"heading": "When to notify", "content": "<p>Within five days.</p>"})],
        last_reviewed=date(2025, 4, 1),
        next_review_due=date(2026, 4, 1),
    )
    document = DocumentFactory(title="Serious incidents procedure (PDF)")
    PolicyDocument.objects.create(page=policy, document=document, title="The procedure")
    PolicyGuidanceLink.objects.create(
        page=policy,
        title="Working Together to Safeguard Children",
        url="https://www.gov.uk/government/publications/working-together-to-safeguard-children--2",
        note="Chapter 4",
    )
    policy.save_revision().publish()

    main = soup_of(client, policy).find("main")
    text = text_of(main)

    assert "When to notify" in text and "Within five days." in text
    assert main.find("a", href=document.url)
    assert "The procedure" in text
    assert main.find("a", string=lambda s: s and "Working Together" in s)
    assert "Chapter 4" in text
    assert "1 April 2025" in text and "1 April 2026" in text


@pytest.mark.parametrize("path", ["/no-such-page/", "/learning-from-reviews/no-such-review/"])
def test_unknown_addresses_get_the_site_404(client, library, path):
    response = client.get(path)

    assert response.status_code == 404
    assert BeautifulSoup(response.content, "html.parser").find("h1")
