"""The demo content: the partnership's eight reviews, loaded once however often it runs."""

import io
from collections import Counter

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from wagtail.documents import get_document_model
from wagtail.models import Collection, Page, Revision

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from learning.models import PolicyPage, PublishingBody, ReviewPage, Theme, ThemeIndexPage

pytestmark = pytest.mark.django_db

SEED_REVIEWS = {
    "A local learning review concerning neglect",
    "Young Person W",
    "Child V",
    "Baby Ulric \N{EN DASH} a local learning review",
    "Maria \N{EN DASH} Domestic Homicide Review and Serious Case Review",
    "Serious case review into events at St Paul's School",
    "Family A",
    "Child B",
}


def load():
    out = io.StringIO()
    call_command("load_demo_content", stdout=out)
    return out.getvalue()


def snapshot():
    return {
        "pages": Page.objects.count(),
        "revisions": Revision.objects.count(),
        "documents": get_document_model().objects.count(),
        "themes": Theme.objects.count(),
        "bodies": PublishingBody.objects.count(),
        "collections": Collection.objects.count(),
        "latest revisions": sorted(
            Page.objects.exclude(latest_revision=None).values_list("latest_revision_id", flat=True)
        ),
    }


@pytest.fixture
def demo(db):
    load()


def test_loading_twice_changes_and_duplicates_nothing(demo):
    before = snapshot()

    output = load()

    assert snapshot() == before
    assert "already present" in output.lower()


def test_the_library_lists_all_eight_seed_reviews(client, demo):
    response = client.get("/learning-from-reviews/")

    assert response.status_code == 200
    assert {review.title for review in response.context["reviews"]} == SEED_REVIEWS
    assert ThemeIndexPage.objects.get().url == "/learning-from-reviews/"


def test_every_seed_review_is_live_complete_and_renders(client, demo):
    reviews = ReviewPage.objects.live().specific()
    assert {r.title for r in reviews} == SEED_REVIEWS

    for review in reviews:
        response = client.get(review.url)
        assert response.status_code == 200, review.title
        text = BeautifulSoup(response.content, "html.parser").find("main").get_text(" ")
        assert review.summary in " ".join(text.split()), review.title
        for link in review.review_themes.all():
            assert link.theme.name in text, (review.title, link.theme.name)
        assert review.report_documents.exists(), review.title


def test_seed_facts_are_carried(demo):
    st_pauls = ReviewPage.objects.get(title__contains="St Paul's School")
    assert st_pauls.publishing_body.name == "Richmond LSCB"
    assert st_pauls.display_date == "January 2020"
    assert [(a.name, a.role) for a in st_pauls.authors.all()] == [
        ("Jane Wonnacott", "independent_author"),
        ("Edina Carmi", "panel_chair"),
    ]
    maria = ReviewPage.objects.get(subject="Maria")
    assert maria.publishing_body.name == "Richmond Community Safety Partnership"
    assert maria.review_type.slug == "domestic-homicide-review"
    assert maria.display_date == "March 2021"
    family_a = ReviewPage.objects.get(title="Family A")
    assert [a.name for a in family_a.authors.all()] == ["Edina Carmi", "Nicki Walker Hall"]
    child_b = ReviewPage.objects.get(title="Child B")
    assert child_b.display_date == "June 2015"
    assert [a.name for a in child_b.authors.all()] == ["Susan Ellery"]
    neglect = Theme.objects.get(slug="neglect")
    assert Counter(
        r.title for r in ReviewPage.objects.filter(review_themes__theme=neglect)
    ) == Counter({"A local learning review concerning neglect": 1, "Family A": 1})


def test_placeholder_reports_are_marked_and_carry_the_summary_text(demo):
    for review in ReviewPage.objects.live():
        for link in review.report_documents.select_related("document"):
            with link.document.open_file() as handle:
                text = " ".join(
                    page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages
                )
            words = " ".join(text.split())
            assert "DEMONSTRATION PLACEHOLDER" in words, link.document.title
            assert review.summary.split()[0] in words


def test_the_statutory_duty_policy_page_is_loaded(client, demo):
    policy = PolicyPage.objects.live().get(slug="statutory-duty")

    response = client.get(policy.url)

    assert response.status_code == 200
    assert "Working Together to Safeguard Children" in response.content.decode()


def test_demo_logins_print_and_are_created_once(db):
    call_command("setup_sign_off", stdout=io.StringIO())
    out = io.StringIO()
    call_command("create_demo_logins", stdout=out)
    call_command("create_demo_logins", stdout=io.StringIO())

    users = get_user_model().objects
    for username, groups in [("admin", []), ("editor", ["Editors"]), ("approver", ["Approvers"])]:
        assert f"user: {username}  password: learning-demo-{username}" in out.getvalue()
        user = users.get(username=username)
        assert user.check_password(f"learning-demo-{username}")
        assert [group.name for group in user.groups.all()] == groups
    assert users.get(username="admin").is_superuser
    assert not users.filter(is_superuser=True).exclude(username="admin").exists()
    assert users.count() == 3


def test_demo_logins_ask_for_the_sign_off_groups_first(db):
    with pytest.raises(CommandError, match="setup_sign_off"):
        call_command("create_demo_logins", stdout=io.StringIO())

    assert not get_user_model().objects.exists()


def test_demo_logins_are_refused_outside_dev_settings(db, settings):
    settings.DEMO_LOGINS_ALLOWED = False

    with pytest.raises(CommandError):
        call_command("create_demo_logins", stdout=io.StringIO())
