"""An editor creates, edits and publishes reviews through the admin forms."""

from django.urls import reverse

from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

import pytest
from bs4 import BeautifulSoup

from learning.forms import (
    MISSING_DATE,
    MISSING_SUMMARY,
    MISSING_THEME,
    MISSING_TYPE,
    reserved_slug_message,
)
from learning.models import ReviewPage, ReviewType
from tests.factories import DocumentFactory, PublishingBodyFactory, ReviewPageFactory, ThemeFactory

pytestmark = pytest.mark.django_db


def add_review_url(library):
    return reverse("wagtailadmin_pages:add", args=("learning", "reviewpage", library.pk))


def review_form_data(*, themes=(), documents=(), authors=(), action="action-publish", **fields):
    data = {
        "title": "Child Q",
        "slug": "child-q",
        "subject": "Child Q",
        "review_type": ReviewType.objects.get(slug="local-cspr").pk,
        "summary": "This review concerns a baby who was seriously injured.",
        "publication_date": "2024-05-01",
        "publication_date_precision": "day",
        "publishing_body": "",
        "reference": "",
        "external_url": "",
        "external_reason": "",
        "body": streamfield(
            [
                (
                    "section",
                    {
                        "heading": "What happened",
                        "content": rich_text("<p>Agencies missed the signs.</p>"),
                    },
                ),
                (
                    "learning_points",
                    {
                        "heading": "Strategic learning points",
                        "points": streamfield([("item", "Share information early.")]),
                    },
                ),
            ]
        ),
        "review_themes": inline_formset([{"theme": t.pk} for t in themes]),
        "report_documents": inline_formset(
            [{"document": d.pk, "kind": kind, "title": ""} for d, kind in documents]
        ),
        "authors": inline_formset([{"name": n, "role": r} for n, r in authors]),
        "comments": inline_formset([]),
        action: "1",
    }
    data.update(fields)
    return nested_form_data(data)


def error_texts(response):
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


def test_editor_creates_and_publishes_a_complete_review(admin_client, library):
    neglect = ThemeFactory(name="Neglect", slug="neglect")
    voice = ThemeFactory(name="Voice of the child", slug="voice-of-the-child")
    report = DocumentFactory(title="Child Q report")
    body = PublishingBodyFactory(name="Richmond LSCB", slug="richmond-lscb")

    response = admin_client.post(
        add_review_url(library),
        review_form_data(
            themes=[voice, neglect],
            documents=[(report, "full_report")],
            authors=[("Jane Author", "independent_author"), ("Sam Chair", "panel_chair")],
            publishing_body=body.pk,
        ),
    )

    assert response.status_code == 302, error_texts(response)
    review = ReviewPage.objects.get(slug="child-q")
    assert review.live
    assert [t.theme.slug for t in review.review_themes.all()] == ["voice-of-the-child", "neglect"]
    assert [(a.name, a.role) for a in review.authors.all()] == [
        ("Jane Author", "independent_author"),
        ("Sam Chair", "panel_chair"),
    ]
    assert [(d.document, d.kind) for d in review.report_documents.all()] == [
        (report, "full_report")
    ]
    assert review.publishing_body == body
    assert [block.block_type for block in review.body] == ["section", "learning_points"]
    assert list(review.body[1].value["points"]) == ["Share information early."]


def test_publishing_without_the_essentials_names_each_and_keeps_what_was_typed(
    admin_client, library
):
    response = admin_client.post(
        add_review_url(library),
        review_form_data(review_type="", summary="", publication_date=""),
    )

    assert response.status_code == 200
    assert not ReviewPage.objects.exists()
    text = error_texts(response)
    for message in (MISSING_TYPE, MISSING_SUMMARY, MISSING_THEME, MISSING_DATE):
        assert message in text
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("input", {"name": "title"})["value"] == "Child Q"
    assert soup.find("input", {"name": "subject"})["value"] == "Child Q"


def test_a_draft_saves_with_the_essentials_missing(admin_client, library):
    response = admin_client.post(
        add_review_url(library),
        review_form_data(
            review_type="", summary="", publication_date="", action="action-save-draft"
        ),
    )

    assert response.status_code == 302, error_texts(response)
    draft = ReviewPage.objects.get(slug="child-q")
    assert not draft.live
    assert draft.review_type is None


def test_a_historic_review_without_a_recorded_date_can_be_published(admin_client, library):
    response = admin_client.post(
        add_review_url(library),
        review_form_data(
            themes=[ThemeFactory()],
            publication_date="",
            publication_date_precision="not_recorded",
        ),
    )

    assert response.status_code == 302, error_texts(response)
    assert ReviewPage.objects.get(slug="child-q").live


def test_a_theme_chosen_twice_is_refused(admin_client, library):
    neglect = ThemeFactory(name="Neglect", slug="neglect")

    response = admin_client.post(
        add_review_url(library), review_form_data(themes=[neglect, neglect])
    )

    assert response.status_code == 200
    assert "duplicate data for page and theme" in error_texts(response)
    assert not ReviewPage.objects.exists()


def test_summary_longer_than_the_limit_is_refused_with_the_limit(admin_client, library):
    response = admin_client.post(
        add_review_url(library), review_form_data(themes=[ThemeFactory()], summary="x" * 301)
    )

    assert response.status_code == 200
    assert "at most 300 characters" in error_texts(response)


def test_editor_edits_a_live_review_and_republishes(admin_client, library):
    review = ReviewPage.objects.get(
        pk=ReviewPageFactory(parent=library, title="Child V", summary="Old summary.").pk
    )
    edit_url = reverse("wagtailadmin_pages:edit", args=(review.pk,))
    theme = review.review_themes.get().theme

    form_page = admin_client.get(edit_url)
    assert form_page.status_code == 200

    response = admin_client.post(
        edit_url,
        review_form_data(
            title="Child V",
            slug=review.slug,
            summary="New summary.",
            themes=[theme],
            review_themes=inline_formset(
                [{"id": review.review_themes.get().pk, "theme": theme.pk}], initial=1
            ),
        ),
    )

    assert response.status_code == 302, error_texts(response)
    review.refresh_from_db()
    assert review.summary == "New summary."
    assert review.live


@pytest.mark.parametrize("slug", ["feed", "themes"])
@pytest.mark.parametrize("action", ["action-publish", None])
def test_a_slug_the_library_uses_for_its_own_pages_is_refused(admin_client, library, slug, action):
    data = review_form_data(themes=[ThemeFactory()], slug=slug, action=action or "ignored")
    response = admin_client.post(add_review_url(library), data)

    assert response.status_code == 200
    assert reserved_slug_message(slug) in error_texts(response)
    assert not ReviewPage.objects.exists()
