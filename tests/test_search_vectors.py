"""The narrow search table the finder and site search match against follows Wagtail's index.

A trigger on Wagtail's index table keeps `PageSearchVector` in step (PostgreSQL only; see
site_core/models.py). If it ever stopped, searches would miss new pages or keep finding
deleted ones, so each way the index changes is checked here.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from wagtail.models import Page, PageViewRestriction, Site
from wagtail.search import index
from wagtail.search.models import IndexEntry

import pytest

from learning.finder import find_reviews
from site_core.models import PageSearchVector
from site_core.text_search import TextSearch
from site_core.views import matching_pages, matching_queryset
from tests.factories import (
    DocumentFactory,
    HomePageFactory,
    PolicyPageFactory,
    ReviewPageFactory,
    ThemeIndexPageFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the search table is PostgreSQL's own"
    ),
]


def matches(word):
    return set(PageSearchVector.objects.filter(match=word).values_list("page_id", flat=True))


def test_a_published_review_is_copied_with_its_words(library):
    review = ReviewPageFactory(parent=library, summary="A review about a kingfisher.")
    assert review.pk in matches("kingfisher")
    vector = PageSearchVector.objects.get(page=review)
    assert vector.content_type_id == review.content_type_id


def test_reindexing_replaces_the_words(library):
    review = ReviewPageFactory(parent=library, summary="A review about a kingfisher.")
    review.summary = "A review about a heron."
    review.save_revision().publish()
    assert review.pk not in matches("kingfisher")
    assert review.pk in matches("heron")
    assert PageSearchVector.objects.filter(page=review).count() == 1


def test_removing_the_index_entry_removes_the_copy(library):
    review = ReviewPageFactory(parent=library, summary="A review about a kingfisher.")
    index.remove_object(review)
    assert not PageSearchVector.objects.filter(page=review).exists()


def test_a_deleted_page_is_no_longer_matched(library):
    review = ReviewPageFactory(parent=library, summary="A review about a kingfisher.")
    review.delete()
    assert not matches("kingfisher")


def test_documents_are_not_copied_and_do_not_remove_a_page_with_the_same_id(library):
    review = ReviewPageFactory(parent=library, summary="A review about a kingfisher.")
    document = DocumentFactory()
    index.insert_or_update_object(document)
    assert not PageSearchVector.objects.filter(
        content_type=ContentType.objects.get_for_model(document)
    ).exists()
    # Index entries are keyed by (content type, object id): another model's entry may carry
    # the page's id, and deleting it must leave the page's copy alone.
    entry = IndexEntry.objects.get(
        content_type=ContentType.objects.get_for_model(document), object_id=str(document.pk)
    )
    entry.object_id = str(review.pk)
    entry.save()
    entry.delete()
    assert review.pk in matches("kingfisher")


def test_the_rank_prefers_a_page_whose_own_text_has_the_word(rf, library):
    report = DocumentFactory(extracted_text="kingfisher " * 50)
    in_report = ReviewPageFactory(
        parent=library,
        title="Child R",
        summary="Nothing here.",
        documents=[(report, "full_report")],
    )
    index.insert_or_update_object(in_report)
    in_title = ReviewPageFactory(parent=library, title="The kingfisher review", summary="Text.")
    result = find_reviews(rf.get("/", {"q": "kingfisher"}).GET, library)
    assert [review.pk for review in result.page] == [in_title.pk, in_report.pk]


def test_the_site_search_sql_finds_and_orders_as_the_queryset(rf, home, library):
    """The site search's hand-written SQL (PostgreSQL) against the same search as a queryset.

    Pages with the word in their title, their summary or only a report rank differently;
    several tie on rank and differ by first publication or only by id; a draft, a private
    page and a page outside the site are not found; policy pages are found with reviews.
    """
    report = DocumentFactory(extracted_text="kingfisher " * 20)
    private = ReviewPageFactory(parent=library, title="Kingfisher private")
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    ReviewPageFactory(parent=library, title="Kingfisher draft", publish=False)
    elsewhere = HomePageFactory(parent=home.get_parent(), title="Other site")
    ReviewPageFactory(parent=ThemeIndexPageFactory(parent=elsewhere), title="Kingfisher elsewhere")
    PolicyPageFactory(parent=home, title="Kingfisher procedure")
    for n in range(4):
        ReviewPageFactory(parent=library, title=f"Kingfisher {n}", summary="Same words.")
        ReviewPageFactory(parent=library, title=f"Child {n}", summary=f"A kingfisher {n}.")
        in_report = ReviewPageFactory(
            parent=library, title=f"Child R{n}", documents=[(report, "full_report")]
        )
        index.insert_or_update_object(in_report)
    # Ties on rank and on first publication: only the id orders these.
    Page.objects.filter(title__startswith="Kingfisher ").update(first_published_at=timezone.now())
    site = Site.objects.get(is_default_site=True)

    search = TextSearch("kingfisher")
    queryset = list(matching_queryset(search, site.root_page))
    matches = matching_pages("kingfisher", site.root_page)
    assert not isinstance(matches, QuerySet)  # the SQL, not the queryset again
    from_sql = [row for start in range(0, 14, 3) for row in matches[start : start + 3]]

    assert len(queryset) == 13 and queryset[0][3] == 13
    assert from_sql == queryset
    assert matches.count() == 13
    titles = dict(Page.objects.values_list("pk", "title"))
    assert not {"Kingfisher private", "Kingfisher draft", "Kingfisher elsewhere"} & {
        titles[pk] for pk, *_ in from_sql
    }
