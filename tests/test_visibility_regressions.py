"""Each way the public once reached what Wagtail hides, walked as an attacker would.

The site once had several copies of "what is public", each disagreeing with Wagtail
somewhere. These are the cases found, each checked on every public surface at once (the
URLs found by following the site: tests/public_surface.py) where it could leak there.
"""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

import pytest
from bs4 import BeautifulSoup

from learning.models import DocumentKind, ReviewPage
from tests.factories import ReviewPageFactory, ThemeFactory
from tests.public_surface import crawl, traces

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("files_on_disk")]

SUMMARY_WORD = "quillwhistle"  # only in the review's summary
REPORT_WORD = "zanderbloom"  # only in its report's text
TITLE = "Child Ottoline"


def report(title: str, collection=None):
    return get_document_model().objects.create(
        title=title,
        file=ContentFile(b"%PDF-1.4\n%test\n", name=f"{title.lower().replace(' ', '-')}.pdf"),
        collection=collection or Collection.get_first_root_node(),
        extracted_text=f"The report says {REPORT_WORD} about the agencies.",
        # Read already: saving it again queues no text extraction.
        file_hash="0" * 40,
        text_extracted_hash="0" * 40,
    )


def review_with_report(library, document, **kwargs):
    # Two reviews sharing its theme: its related reviews, and theirs, would show it.
    theme = ThemeFactory(name="Neglect", slug="neglect")
    for n in range(2):
        ReviewPageFactory(parent=library, title=f"Child Other {n}", themes=[theme])
    return ReviewPageFactory(
        parent=library,
        title=TITLE,
        summary=f"What agencies learnt: {SUMMARY_WORD}.",
        themes=[theme],
        documents=[(document, DocumentKind.FULL_REPORT)],
        **kwargs,
    )


def public_traces(client, *extra) -> list:
    """(address, word) for each public page, feed or sitemap showing a word of the review."""
    return traces(crawl(client, extra=list(extra)), [SUMMARY_WORD, REPORT_WORD, "Ottoline"])


def hits(client, word: str) -> dict[str, int]:
    """How many results the site search and the library's search give for `word`."""
    counts = {}
    for address in ("/search/", "/learning-from-reviews/"):
        page = BeautifulSoup(client.get(address, {"q": word}).content, "html.parser")
        counts[address] = int(page.select_one("#result-count").get_text().split()[0])
    return counts


def found_nowhere(client, *words) -> bool:
    return all(set(hits(client, word).values()) == {0} for word in words)


def test_an_alias_of_a_review_made_private_afterwards_shows_nothing_of_it(client, library):
    document = report("Report O")
    review = review_with_report(library, document)
    review.refresh_from_db()  # as published
    alias = review.create_alias(parent=library, update_slug="child-ottoline-copy")
    assert client.get(alias.url).status_code == 200
    assert hits(client, SUMMARY_WORD) == {"/search/": 2, "/learning-from-reviews/": 2}

    PageViewRestriction.objects.create(
        page=review, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )

    # Wagtail hides the alias too: it takes its source's restrictions.
    response = client.get(alias.url)
    assert response.status_code == 200 and SUMMARY_WORD not in response.content.decode()
    assert "password" in response.content.decode().lower()
    assert public_traces(client, alias.url) == []
    assert found_nowhere(client, SUMMARY_WORD, REPORT_WORD, "Ottoline")
    assert client.get(document.url).status_code == 404
    library_page = BeautifulSoup(client.get(library.url).content, "html.parser")
    assert "2 reviews" in library_page.get_text(" ", strip=True)


def test_a_report_in_a_password_protected_collection_is_neither_found_nor_quoted(
    client, library, django_capture_on_commit_callbacks
):
    document = report("Report P")
    review_with_report(library, document)
    private = Collection.get_first_root_node().add_child(name="Confidential")
    CollectionViewRestriction.objects.create(
        collection=private, restriction_type="password", password="secret"
    )
    assert hits(client, REPORT_WORD) == {"/search/": 1, "/learning-from-reviews/": 1}

    with django_capture_on_commit_callbacks(execute=True):
        document.collection = private
        document.save()

    assert found_nowhere(client, REPORT_WORD)
    assert REPORT_WORD not in {word for _, word in public_traces(client)}
    assert hits(client, SUMMARY_WORD) == {"/search/": 1, "/learning-from-reviews/": 1}
    # Wagtail's own password form still guards the file itself.
    response = client.get(document.url)
    assert response.status_code == 200 and response.get("Content-Disposition") is None
    assert response["Cache-Control"] == "private, no-store"


def test_a_restricted_collection_made_public_again_is_searchable_again(
    client, library, django_capture_on_commit_callbacks
):
    private = Collection.get_first_root_node().add_child(name="Confidential")
    restriction = CollectionViewRestriction.objects.create(
        collection=private, restriction_type="password", password="secret"
    )
    review_with_report(library, report("Report Q", collection=private))
    assert found_nowhere(client, REPORT_WORD)

    with django_capture_on_commit_callbacks(execute=True):
        restriction.delete()

    assert hits(client, REPORT_WORD) == {"/search/": 1, "/learning-from-reviews/": 1}


def test_an_old_address_does_not_reveal_the_new_slug_of_an_embargoed_review(
    client, library, django_capture_on_commit_callbacks
):
    review = review_with_report(library, report("Report R"))
    review = ReviewPage.objects.get(pk=review.pk)
    old_url = review.url
    review.unpublish()
    review = ReviewPage.objects.get(pk=review.pk)
    with django_capture_on_commit_callbacks(execute=True):
        review.slug = "child-ottoline-renamed"
        review.go_live_at = timezone.now() + timedelta(days=7)
        review.save_revision().publish()  # scheduled: not live until next week
    assert not ReviewPage.objects.get(pk=review.pk).live
    # Wagtail made its automatic redirect from the old address to the page.
    assert Redirect.objects.filter(redirect_page=review).exists()

    response = client.get(old_url)
    assert response.status_code == 404
    assert "renamed" not in response.get("Location", "")


def test_an_old_address_still_leads_to_a_live_page(client, library):
    review = review_with_report(library, report("Report S"))
    Redirect.objects.create(old_path="/old-reviews/ottoline", redirect_page=review)
    response = client.get("/old-reviews/ottoline")
    assert response.status_code == 301 and response["Location"] == review.url


@pytest.mark.parametrize(
    "address",
    [
        "/search/?q=neglect&page=9223372036854775807",
        "/search/?q=neglect&page=99999999999999999999999",
        "/learning-from-reviews/?page=9223372036854775807",
        "/learning-from-reviews/themes/neglect/?page=9223372036854775807",
    ],
)
def test_a_page_number_past_any_sane_range_is_not_found(client, library, address):
    review_with_report(library, report("Report T"))
    assert client.get(address).status_code == 404


def test_a_restriction_on_the_site_root_hides_the_menu(client, home, library):
    library.show_in_menus = True
    library.save()
    menu = BeautifulSoup(client.get("/search/").content, "html.parser").select(".site-nav__link")
    assert [a.get_text(strip=True) for a in menu] == [library.title]

    PageViewRestriction.objects.create(
        page=home, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )

    menu = BeautifulSoup(client.get("/search/").content, "html.parser").select(".site-nav__link")
    assert menu == []


def test_an_alias_made_of_a_private_review_is_private_at_once(client, library):
    review = review_with_report(library, report("Report V"))
    PageViewRestriction.objects.create(
        page=review, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    # Served: the process now keeps what the restrictions cover (VisibilityMixin), for the
    # current content version.
    assert client.get(library.url).status_code == 200

    alias = ReviewPage.objects.get(pk=review.pk).create_alias(
        parent=library, update_slug="child-ottoline-again"
    )

    response = client.get(alias.url)
    assert SUMMARY_WORD not in response.content.decode()
    assert "password" in response.content.decode().lower()
