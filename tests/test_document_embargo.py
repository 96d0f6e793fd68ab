"""A document reaches the public only while a live, public page links to it.

Until a review is live, its reports are a 404 for an anonymous reader, exactly like an
address that never existed, while editors can open them; the moment it goes live they are
served, and when it is unpublished or expires they are a 404 again.
"""

import datetime
import importlib

from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches, resolve
from django.utils import timezone

from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

import pytest

from learning.models import PolicyDocument, ReviewDocument, ReviewPage, ReviewTheme
from site_core.documents import views as documents
from tests.factories import (
    READABLE_PDF,
    DocumentFactory,
    PolicyPageFactory,
    ReviewPageFactory,
    ReviewTypeFactory,
    ThemeFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("files_on_disk")]

FILE_DATA = READABLE_PDF
PRIVATE = "private, no-store"


def document_link(document) -> str:
    return f'<p>Read <a linktype="document" id="{document.pk}">the procedure</a>.</p>'


def body_linking(document) -> list:
    return [("section", {"heading": "Reports", "content": document_link(document)})]


def assert_public(response):
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == FILE_DATA
    assert response["Cache-Control"] == documents.PUBLIC_CACHE_CONTROL
    assert response["X-Content-Type-Options"] == "nosniff"


def assert_not_found(response):
    assert response.status_code == 404
    assert response["Cache-Control"] == PRIVATE
    assert "Page not found" in response.content.decode()


@pytest.fixture
def report():
    return DocumentFactory(title="Child W full report")


@pytest.fixture
def editor(django_user_model):
    """A user who can use the Wagtail admin without being a superuser."""
    user = django_user_model.objects.create_user("editor", password="a long test password")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    return user


def at(moment, monkeypatch):
    """Move Django's clock (timezone.now, and so the Europe/London date) to `moment`."""
    monkeypatch.setattr(timezone, "now", lambda: moment)


# --- The story: draft, scheduled, live, gone ----------------------------------------------


def draft_review(library, document) -> ReviewPage:
    """A review saved as a draft and never published, as the admin's create view saves one:
    its report links are rows in the database already, not only in the revision."""
    review = ReviewPage(
        title="Child W",
        summary="A review concerning Child W.",
        review_type=ReviewTypeFactory(),
        publication_date=datetime.date(2025, 1, 31),
        live=False,
        review_themes=[ReviewTheme(theme=ThemeFactory())],
        report_documents=[ReviewDocument(document=document, kind="full_report")],
    )
    library.add_child(instance=review)
    review.save_revision()
    assert ReviewDocument.objects.filter(page=review, document=document).exists()
    return review


def test_a_draft_reviews_report_is_a_404_for_the_public_like_a_missing_document(
    client, library, report
):
    draft_review(library, report)

    embargoed = client.get(report.url)
    missing = client.get(f"/documents/{report.pk + 1000}/report.pdf")

    assert_not_found(embargoed)
    assert_not_found(missing)
    assert embargoed.content == missing.content


def test_a_scheduled_reviews_reports_appear_together_with_it(client, library, report, monkeypatch):
    briefing = DocumentFactory(title="Child W briefing")
    review = ReviewPageFactory(
        parent=library, documents=[(report, "full_report"), (briefing, "briefing")], publish=False
    )
    go_live = timezone.now() + datetime.timedelta(days=7)
    review.go_live_at = go_live
    review.save_revision().publish()
    assert not ReviewPage.objects.get(pk=review.pk).live

    assert client.get(review.url).status_code == 404
    assert_not_found(client.get(report.url))
    assert_not_found(client.get(briefing.url))

    at(go_live + datetime.timedelta(minutes=1), monkeypatch)
    call_command("publish_scheduled")

    assert client.get(review.url).status_code == 200
    assert_public(client.get(report.url))
    assert_public(client.get(briefing.url))


def test_publishing_a_draft_review_makes_its_report_public(client, library, report):
    review = draft_review(library, report)
    assert_not_found(client.get(report.url))

    review.get_latest_revision().publish()

    assert_public(client.get(report.url))


def test_unpublishing_a_review_takes_its_report_down(client, library, report):
    review = ReviewPageFactory(parent=library, documents=[(report, "full_report")])
    assert_public(client.get(report.url))

    ReviewPage.objects.get(pk=review.pk).unpublish()

    assert_not_found(client.get(report.url))


def test_an_expired_reviews_report_is_a_404(client, library, report, monkeypatch):
    review = ReviewPageFactory(parent=library, documents=[(report, "full_report")])
    expiry = timezone.now() + datetime.timedelta(hours=1)
    ReviewPage.objects.filter(pk=review.pk).update(expire_at=expiry)
    assert_public(client.get(report.url))

    at(expiry + datetime.timedelta(minutes=1), monkeypatch)
    call_command("publish_scheduled")

    assert ReviewPage.objects.get(pk=review.pk).expired
    assert_not_found(client.get(report.url))


@pytest.mark.parametrize("on", ["review", "library"])
def test_a_report_behind_a_privacy_setting_is_a_404(client, library, report, on):
    review = ReviewPageFactory(parent=library, documents=[(report, "full_report")])
    PageViewRestriction.objects.create(
        page=review if on == "review" else library, restriction_type=PageViewRestriction.LOGIN
    )

    assert_not_found(client.get(report.url))


def test_a_document_no_page_links_to_is_a_404(client, report):
    assert_not_found(client.get(report.url))


# --- Editors ------------------------------------------------------------------------------


def test_an_admin_opens_an_embargoed_report_and_nothing_keeps_a_copy(admin_client, library, report):
    draft_review(library, report)

    response = admin_client.get(report.url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == FILE_DATA
    assert response["Cache-Control"] == PRIVATE


def test_an_editor_with_admin_access_opens_an_unlinked_document(client, editor, report):
    client.force_login(editor)

    response = client.get(report.url)

    assert response.status_code == 200
    assert response["Cache-Control"] == PRIVATE


def test_a_signed_in_user_without_admin_access_gets_a_404(client, django_user_model, report):
    client.force_login(django_user_model.objects.create_user("reader", password="x" * 16))

    assert_not_found(client.get(report.url))


# --- Drafts of live pages, rich text and the reference index -------------------------------


def test_a_report_added_only_in_a_draft_of_a_live_review_stays_a_404(client, library, report):
    linked_in_body = DocumentFactory()
    review = ReviewPage.objects.get(pk=ReviewPageFactory(parent=library).pk)
    review.report_documents.add(ReviewDocument(document=report, kind="full_report"))
    review.body = body_linking(linked_in_body)
    draft = review.save_revision()

    assert_not_found(client.get(report.url))
    assert_not_found(client.get(linked_in_body.url))

    draft.publish()

    assert_public(client.get(report.url))
    assert_public(client.get(linked_in_body.url))


def test_a_document_linked_from_a_live_pages_rich_text_is_served(client, home, report):
    PolicyPageFactory(parent=home, intro=document_link(report))

    assert_public(client.get(report.url))


def test_a_document_linked_from_a_live_reviews_streamfield_is_served(client, library, report):
    ReviewPageFactory(parent=library, body=body_linking(report))

    assert_public(client.get(report.url))


def test_a_document_linked_only_from_a_never_published_page_is_a_404(client, home, report):
    # A never-published page keeps its draft in its own row, which Wagtail's reference index
    # reads: the index does list this link, and only the live check keeps it out.
    PolicyPageFactory(parent=home, intro=document_link(report), live=False)

    assert_not_found(client.get(report.url))


def test_a_report_removed_from_a_live_review_is_a_404_once_published(client, library, report):
    # Wagtail does not refresh a page's reference index entry when one of its child rows is
    # deleted, so the index would still list the report: the rule reads ReviewDocument.
    review = ReviewPageFactory(parent=library, documents=[(report, "full_report")])
    assert_public(client.get(report.url))

    review = ReviewPage.objects.get(pk=review.pk)
    review.report_documents = []
    review.save_revision().publish()

    assert_not_found(client.get(report.url))


def test_a_policy_pages_documents_are_served_while_it_is_live(client, home, report):
    policy = PolicyPageFactory(parent=home)
    policy.documents = [PolicyDocument(document=report)]
    policy.save_revision().publish()
    assert_public(client.get(report.url))

    policy.unpublish()

    assert_not_found(client.get(report.url))


# --- Addresses and headers -----------------------------------------------------------------


def test_document_links_go_through_the_checked_view(report):
    assert report.url == f"/documents/{report.pk}/{report.filename}"
    assert resolve(report.url).func is documents.serve


def test_a_wrong_file_name_or_an_absurd_id_is_a_404(client, library, report):
    ReviewPageFactory(parent=library, documents=[(report, "full_report")])

    assert_not_found(client.get(f"/documents/{report.pk}/other.pdf"))
    assert_not_found(client.get(f"/documents/{'9' * 40}/report.pdf"))


def test_a_conditional_request_for_a_public_report_keeps_its_headers(client, library, report):
    ReviewPageFactory(parent=library, documents=[(report, "full_report")])
    etag = client.get(report.url)["ETag"]

    response = client.get(report.url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response["Cache-Control"] == documents.PUBLIC_CACHE_CONTROL


def test_a_public_report_in_a_private_collection_is_never_cached(client, library):
    root = Collection.get_first_root_node()
    private = root.add_child(name="Confidential")
    CollectionViewRestriction.objects.create(
        collection=private, restriction_type=CollectionViewRestriction.LOGIN
    )
    report = DocumentFactory(collection=private)
    ReviewPageFactory(parent=library, documents=[(report, "full_report")])

    response = client.get(report.url)

    assert response.status_code == 302  # Wagtail's own check: sign in first
    assert response["Cache-Control"] == PRIVATE


@pytest.fixture
def debug_urls(settings, tmp_path):
    """The URLs as the development server has them (DEBUG on), media files in tmp_path."""
    import site_core.urls

    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    importlib.reload(site_core.urls)
    clear_url_caches()
    yield tmp_path
    settings.DEBUG = False
    importlib.reload(site_core.urls)
    clear_url_caches()


def test_in_development_media_serves_images_but_never_documents(client, debug_urls):
    for folder, name in [("documents", "report.pdf"), ("images", "photo.png")]:
        (debug_urls / folder).mkdir()
        (debug_urls / folder / name).write_bytes(b"content")

    assert client.get("/media/documents/report.pdf").status_code == 404
    assert client.get("/media/images/photo.png").status_code == 200


# --- Query budget --------------------------------------------------------------------------

# A public report: the access decision (one query), then Wagtail's view: the document, its
# collection, the collection's view restrictions. An embargoed one: the decision, then what
# every 404 of the site costs: its site (for the menu) and Wagtail's redirects middleware
# looking for a redirect from the address.
PUBLIC_DOCUMENT_QUERIES = 4
EMBARGOED_DOCUMENT_QUERIES = 3


def queries_to_fetch(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured)


@pytest.mark.parametrize("pages", [1, 20])
def test_the_document_view_costs_a_fixed_number_of_queries(client, library, pages):
    public, embargoed = DocumentFactory(), DocumentFactory()
    for _ in range(pages):
        ReviewPageFactory(
            parent=library, documents=[(public, "full_report")], body=body_linking(public)
        )
        ReviewPageFactory(parent=library, documents=[(embargoed, "full_report")], publish=False)

    assert queries_to_fetch(client, public.url) == PUBLIC_DOCUMENT_QUERIES
    assert queries_to_fetch(client, embargoed.url) == EMBARGOED_DOCUMENT_QUERIES
