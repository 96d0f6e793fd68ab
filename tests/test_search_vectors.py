"""The narrow search table the finder and the site search read follows Wagtail's index.

The site's search backend (site_core/search/backend.py) writes a page's `PageSearchVector`
row whenever it writes the page's index entry, and deletes it with the entry. If it ever
stopped, searches would miss new pages, keep finding deleted ones or quote stale text, so
each way the index changes is checked here: publishing, unpublishing, deleting, the
extractor re-indexing a review for its report, `update_index`, and objects that are not
pages. (The tests read Wagtail's index through its model, to compare.)
"""

import io

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from wagtail.models import Collection, Page, PageViewRestriction, Site
from wagtail.search import index
from wagtail.search.backends import get_search_backend
from wagtail.search.models import IndexEntry

import pytest

from learning.finder import find_reviews
from learning.models import DocumentKind, ReportDocument
from site_core.search.models import PageSearchVector
from site_core.search.views import matching_pages
from tests.factories import (
    DocumentFactory,
    HomePageFactory,
    PolicyPageFactory,
    ReviewPageFactory,
    ThemeFactory,
    ThemeIndexPageFactory,
)

pytestmark = pytest.mark.django_db


def matches(word):
    return set(PageSearchVector.objects.filter(match=word).values_list("page_id", flat=True))


def entry_of(obj) -> IndexEntry:
    return IndexEntry.objects.get(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    )


def rows() -> set[tuple]:
    """Every row of the table, vectors as text, to compare whole states."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT page_id, content_type_id, match::text, rank::text, text"
            " FROM site_core_pagesearchvector"
        )
        return set(cursor.fetchall())


def lexemes(page, column: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT unnest(tsvector_to_array({column})) FROM site_core_pagesearchvector"
            " WHERE page_id = %s",
            [page.pk],
        )
        return {lexeme for (lexeme,) in cursor.fetchall()}


def site_search(word) -> set[int]:
    site = Site.objects.get(is_default_site=True)
    return {pk for pk, *_ in matching_pages(word, site.root_page)[0:100]}


def test_a_published_review_is_copied_with_its_words_and_text(library):
    review = ReviewPageFactory(parent=library, summary="A review about a kingfisher.")

    assert review.pk in matches("kingfisher")
    vector = PageSearchVector.objects.get(page=review)
    assert vector.content_type_id == review.content_type_id
    # The plain text snippets are cut from: the entry's, as Wagtail indexed it.
    assert vector.text == entry_of(review).body_text
    assert "A review about a kingfisher." in vector.text


def test_match_has_every_word_and_rank_only_the_pages_own(library):
    # A word past the first 2,000 characters of the indexed text (here, deep in a report)
    # is matched but does not rank; the title and the subject (boosted) do.
    report = DocumentFactory(extracted_text="filler " * 400 + "kingfisher")
    review = ReviewPageFactory(
        parent=library,
        title="Heron",
        subject="Egret",
        summary="Nothing here.",
        documents=[(report, DocumentKind.FULL_REPORT)],
    )
    index.insert_or_update_object(review)

    assert {"heron", "egret", "kingfish"} <= lexemes(review, "match")
    assert {"heron", "egret"} <= lexemes(review, "rank")
    assert "kingfish" not in lexemes(review, "rank")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT match = strip(match) FROM site_core_pagesearchvector WHERE page_id = %s",
            [review.pk],
        )
        assert cursor.fetchone() == (True,)  # no positions: a tenth of the size


def test_publishing_new_words_replaces_the_old_ones(library):
    review = ReviewPageFactory(parent=library, summary="A review about a kingfisher.")
    review.summary = "A review about a heron."
    review.save_revision().publish()

    assert review.pk not in matches("kingfisher")
    assert review.pk in matches("heron")
    assert PageSearchVector.objects.filter(page=review).count() == 1
    assert "heron" in PageSearchVector.objects.get(page=review).text


def test_an_unpublished_review_is_not_found_and_is_again_once_republished(rf, library):
    review = ReviewPageFactory(parent=library, summary="A review about a kingfisher.")
    assert site_search("kingfisher") == {review.pk}

    review.refresh_from_db()  # live: the factory published it through a revision
    review.unpublish()

    # Wagtail indexes drafts too, so the row stays; the searches show live pages only.
    assert review.pk in matches("kingfisher")
    assert site_search("kingfisher") == set()
    assert list(find_reviews(rf.get("/", {"q": "kingfisher"}).GET, library).page) == []

    review.save_revision().publish()
    assert site_search("kingfisher") == {review.pk}


def test_removing_the_index_entry_removes_the_row(library):
    review = ReviewPageFactory(parent=library, summary="A review about a kingfisher.")
    index.remove_object(review)
    assert not PageSearchVector.objects.filter(page=review).exists()


def test_a_deleted_page_and_the_pages_under_it_lose_their_rows(home, library):
    review = ReviewPageFactory(parent=library, summary="A review about a kingfisher.")
    review.delete()
    assert not matches("kingfisher")

    other = ThemeIndexPageFactory(parent=home, title="Other library", slug="other")
    under = [ReviewPageFactory(parent=other, summary="About a heron.") for _ in range(2)]
    assert matches("heron") == {page.pk for page in under}
    other.delete()
    assert not PageSearchVector.objects.filter(page_id__in=[other.pk, *matches("heron")])
    assert not matches("heron")


def test_the_entry_and_the_row_are_written_together_or_not_at_all(library, monkeypatch):
    review = ReviewPageFactory(parent=library, summary="A review about a kingfisher.")

    def fails(*args, **kwargs):
        raise RuntimeError("copy failed")

    monkeypatch.setattr("site_core.search.backend.copy_page_vectors", fails)
    review.summary = "A review about a heron."
    with pytest.raises(RuntimeError):
        index.insert_or_update_object(review)

    # The entry Wagtail wrote first was rolled back with the failed copy.
    assert "kingfisher" in entry_of(review).body_text
    assert review.pk in matches("kingfisher")


def test_update_index_rebuilds_the_rows(library, settings):
    reviews = [ReviewPageFactory(parent=library, summary=f"About heron {n}.") for n in range(3)]
    gone = ReviewPageFactory(parent=library, summary="A review about a kingfisher.")
    call_command("update_index", stdout=io.StringIO())
    before = rows()
    assert {page_id for page_id, *_ in before} >= {r.pk for r in [*reviews, gone]}

    # Out of step, as changes around the backend leave it: a row lost, a row stale, and a
    # page deleted while the backend was not told (its entry goes with it, not its row).
    PageSearchVector.objects.filter(page=reviews[0]).delete()
    PageSearchVector.objects.filter(page=reviews[1]).update(text="stale")
    not_told = {"default": {**settings.WAGTAILSEARCH_BACKENDS["default"], "AUTO_UPDATE": False}}
    gone_id = gone.pk
    with override_settings(WAGTAILSEARCH_BACKENDS=not_told):
        gone.delete()
    assert PageSearchVector.objects.filter(page_id=gone_id).exists()

    call_command("update_index", stdout=io.StringIO())

    assert rows() == {row for row in before if row[0] != gone_id}


def test_resetting_the_index_empties_the_table_too(library):
    ReviewPageFactory(parent=library, summary="A review about a kingfisher.")
    assert PageSearchVector.objects.exists()

    get_search_backend().reset_indexes()

    assert not IndexEntry.objects.exists()
    assert not PageSearchVector.objects.exists()


def test_a_documents_new_text_reindexes_its_review(library, django_capture_on_commit_callbacks):
    def csv(text):
        return ContentFile(text.encode(), name="report.csv")

    document = ReportDocument(
        title="Report", file=csv("kingfisher"), collection=Collection.get_first_root_node()
    )
    with django_capture_on_commit_callbacks(execute=True):  # the text is read on commit
        document.save()
    review = ReviewPageFactory(parent=library, documents=[(document, DocumentKind.FULL_REPORT)])
    assert review.pk in matches("kingfisher")

    document.file = csv("heron")
    with django_capture_on_commit_callbacks(execute=True):
        document.save()  # read again, and the review that uses it re-indexed

    assert review.pk in matches("heron")
    assert review.pk not in matches("kingfisher")
    assert "heron" in PageSearchVector.objects.get(page=review).text


def test_objects_that_are_not_pages_have_no_row(library):
    ReviewPageFactory(parent=library, summary="A review about a kingfisher.")
    before = rows()

    document = DocumentFactory(title="Kingfisher report", extracted_text="kingfisher")
    index.insert_or_update_object(document)
    theme = ThemeFactory(name="Kingfisher", slug="kingfisher")
    index.insert_or_update_object(theme)

    assert entry_of(document) and entry_of(theme)  # indexed by Wagtail
    assert rows() == before  # but no row of theirs, nor any other row changed


def test_a_document_with_a_pages_id_leaves_the_pages_row_alone(library):
    # Index entries are keyed by (content type, object id): another model's entry may carry
    # a page's id; writing or deleting it must leave the page's row as it is.
    review = ReviewPageFactory(parent=library, summary="A review about a kingfisher.")
    before = rows()
    document = DocumentFactory(id=review.pk, title="Heron", extracted_text="heron")
    index.insert_or_update_object(document)
    assert entry_of(document).object_id == str(review.pk)

    document.delete()

    assert rows() == before


def test_the_rank_prefers_a_page_whose_own_text_has_the_word(rf, library):
    report = DocumentFactory(extracted_text="kingfisher " * 50)
    in_report = ReviewPageFactory(
        parent=library,
        title="Child R",
        summary="Nothing here.",
        documents=[(report, DocumentKind.FULL_REPORT)],
    )
    index.insert_or_update_object(in_report)
    in_title = ReviewPageFactory(parent=library, title="The kingfisher review", summary="Text.")
    result = find_reviews(rf.get("/", {"q": "kingfisher"}).GET, library)
    assert [review.pk for review in result.page] == [in_title.pk, in_report.pk]


def test_the_site_search_finds_every_visible_match_best_first(home, library):
    """The site search's SQL: every live, public page of the site with the word, by score,
    then newest first published, then id; counted; each with the page's indexed text.

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
    found = [PolicyPageFactory(parent=home, title="Kingfisher procedure")]
    for n in range(4):
        found.append(ReviewPageFactory(parent=library, title=f"Kingfisher {n}", summary="Same."))
        found.append(
            ReviewPageFactory(parent=library, title=f"Child {n}", summary=f"Kingfisher {n}.")
        )
        in_report = ReviewPageFactory(
            parent=library, title=f"Child R{n}", documents=[(report, DocumentKind.FULL_REPORT)]
        )
        index.insert_or_update_object(in_report)
        found.append(in_report)
    # Ties on rank and on first publication: only the id orders these.
    Page.objects.filter(title__startswith="Kingfisher ").update(first_published_at=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT page_id, score FROM site_core_ranked_search_matches("
            "plainto_tsquery('english', 'kingfisher'))"
        )
        scores = dict(cursor.fetchall())
    published = dict(Page.objects.values_list("pk", "first_published_at"))
    texts = dict(PageSearchVector.objects.values_list("page_id", "text"))

    expected = sorted(
        (page.pk for page in found),
        key=lambda pk: (-scores[pk], -published[pk].timestamp(), pk),
    )
    site = Site.objects.get(is_default_site=True)
    matched = matching_pages("kingfisher", site.root_page)
    got = [row for start in range(0, 14, 3) for row in matched[start : start + 3]]

    assert [pk for pk, *_ in got] == expected
    assert len(expected) == 13 and len({scores[pk] for pk in expected}) > 1
    assert matched.count() == 13 and {count for *_, count in got} == {13}
    types = dict(Page.objects.values_list("pk", "content_type_id"))
    assert [(pk, ct, text) for pk, ct, text, _ in got] == [
        (pk, types[pk], texts[pk]) for pk in expected
    ]
