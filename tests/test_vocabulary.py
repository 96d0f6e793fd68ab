"""Admins manage themes as a controlled list: no near-duplicates, stable slugs."""

from django.urls import reverse

import pytest

from learning.models import ReviewType, Theme
from tests.factories import ThemeFactory

pytestmark = pytest.mark.django_db

ADD_THEME = reverse("wagtailsnippets_learning_theme:add")


def theme_data(**overrides):
    return {"name": "Neglect", "slug": "neglect", "group": "harm", "description": "", **overrides}


def test_admin_adds_a_theme(admin_client):
    response = admin_client.post(ADD_THEME, theme_data(description="Needs not met."))

    assert response.status_code == 302
    theme = Theme.objects.get(slug="neglect")
    assert (theme.name, theme.group, theme.description) == ("Neglect", "harm", "Needs not met.")


@pytest.mark.parametrize("name", ["neglect ", "NEGLECT", "  Neglect"])
def test_the_same_theme_cannot_be_added_twice_in_another_case_or_spacing(admin_client, name):
    ThemeFactory(name="Neglect", slug="neglect")

    response = admin_client.post(ADD_THEME, theme_data(name=name, slug="neglect-2"))

    assert response.status_code == 200
    assert "“Neglect” already exists" in response.content.decode()
    assert Theme.objects.count() == 1


def test_a_theme_name_is_stored_tidied(admin_client):
    admin_client.post(ADD_THEME, theme_data(name="  Voice   of the child ", slug="voice"))

    assert Theme.objects.get(slug="voice").name == "Voice of the child"


def test_the_database_refuses_a_case_variant_that_bypasses_the_form(db):
    from django.db import IntegrityError, transaction

    ThemeFactory(name="Neglect", slug="neglect")
    with pytest.raises(IntegrityError), transaction.atomic():
        Theme.objects.create(name="NEGLECT", slug="neglect-again")


def test_the_standard_review_types_exist_with_stable_slugs():
    assert set(ReviewType.objects.values_list("slug", flat=True)) >= {
        "local-cspr",
        "national-cspr",
        "rapid-review",
        "local-learning-review",
        "serious-case-review",
        "thematic-review",
        "safeguarding-adults-review",
        "domestic-homicide-review",
    }


def test_the_vocabularies_share_one_admin_menu(admin_client):
    response = admin_client.get(reverse("wagtailadmin_home"))

    assert "Review vocabularies" in response.content.decode()
    for url_name in ("learning_theme", "learning_reviewtype", "learning_publishingbody"):
        assert admin_client.get(reverse(f"wagtailsnippets_{url_name}:list")).status_code == 200
