"""Pages routed from the site's structure (site_core/structure.py, site_core/routing.py).

The structure answers which site serves a host, its root page and which pages are
restricted, without a query, until a change replaces the page cache's version. These tests
check that the answers stay right across each change that alters them, and that without
the structure (the cache out of reach) Wagtail's own lookups give the same pages.
"""

from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wagtail.models import PageViewRestriction, Site

import pytest

from learning.models import ReviewPage
from site_core import page_cache, structure
from tests.factories import HomePageFactory, ReviewPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def hosts(settings):
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "other.example"]


@pytest.fixture
def review(library):
    return ReviewPageFactory(parent=library, title="Child V", slug="child-v")


def page_queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_a_second_request_makes_no_site_or_restriction_query(client, review):
    # The first request also creates the site's settings, which replaces the version.
    client.get(review.url)
    client.get(review.url)  # reads the structure

    queries = page_queries(client, review.url)

    assert not [q for q in queries if "wagtailcore_site" in q]
    assert not [q for q in queries if "wagtailcore_pageviewrestriction" in q]
    assert not [q for q in queries if "alias_of_id" in q and "IN (" in q and "path" in q]


def test_a_restriction_added_after_the_structure_was_read_applies_at_once(client, review):
    assert client.get(review.url).status_code == 200

    PageViewRestriction.objects.create(
        page=review.get_parent(), restriction_type=PageViewRestriction.PASSWORD, password="x"
    )

    response = client.get(review.url)
    assert response.status_code == 200  # the password form, not the review
    assert 'type="password"' in response.content.decode()
    assert "Child V" not in response.content.decode().split("<main", 1)[-1].split("<form")[0]


def test_a_restriction_removed_lets_the_page_be_read_again(client, review):
    restriction = PageViewRestriction.objects.create(
        page=review, restriction_type=PageViewRestriction.LOGIN
    )
    assert client.get(review.url).status_code == 302  # to the sign-in page

    restriction.delete()

    assert client.get(review.url).status_code == 200


def test_a_group_restriction_on_the_home_page_covers_every_page(client, home, review):
    client.get(review.url)
    restriction = PageViewRestriction.objects.create(
        page=home, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(Group.objects.create(name="Readers"))

    assert client.get(review.url).status_code == 302
    assert client.get(home.url).status_code == 302


def test_an_alias_takes_its_sources_restrictions(client, home, library, review):
    """Wagtail resolves an alias to its source for restrictions: the router leaves it to it."""
    other = ReviewPageFactory(parent=home, title="Elsewhere", slug="elsewhere")
    alias = ReviewPage.objects.get(pk=review.pk).create_alias(
        parent=other, update_slug="child-v-alias"
    )
    assert client.get(alias.url).status_code == 200

    PageViewRestriction.objects.create(page=review, restriction_type=PageViewRestriction.LOGIN)

    assert client.get(alias.url).status_code == 302


def test_unpublished_and_unknown_pages_are_not_found(client, review):
    client.get(review.url)
    ReviewPage.objects.get(pk=review.pk).unpublish()

    assert client.get(review.url).status_code == 404
    assert client.get("/no-such-page/").status_code == 404
    assert client.get(review.url + "deeper/").status_code == 404


def test_each_host_is_served_by_its_own_site(client, home, review):
    other_root = HomePageFactory(parent=home.get_parent(), title="Other home", slug="other")
    Site.objects.create(hostname="other.example", port=80, root_page=other_root)

    assert "Other home" in client.get("/", HTTP_HOST="other.example").content.decode()
    assert (
        client.get(review.url_path.removeprefix("/home"), HTTP_HOST="other.example").status_code
        == 404
    )
    assert client.get(review.url).status_code == 200  # the default site, as before


def test_a_site_moved_to_another_root_page_is_followed(client, home, review):
    other_root = HomePageFactory(parent=home.get_parent(), title="Other home", slug="other")
    site = Site.objects.create(hostname="other.example", port=80, root_page=home)
    assert (
        client.get(review.url_path.removeprefix("/home"), HTTP_HOST="other.example").status_code
        == 200
    )

    site.root_page = other_root
    site.save()

    assert (
        client.get(review.url_path.removeprefix("/home"), HTTP_HOST="other.example").status_code
        == 404
    )
    assert "Other home" in client.get("/", HTTP_HOST="other.example").content.decode()


def test_without_the_cache_pages_are_routed_by_wagtail_with_the_same_checks(
    client, review, monkeypatch
):
    def out_of_reach():
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(page_cache, "current_version", out_of_reach)
    structure.forget()
    assert structure.current_structure() is None

    assert "Child V" in client.get(review.url).content.decode()
    PageViewRestriction.objects.create(page=review, restriction_type=PageViewRestriction.LOGIN)
    assert client.get(review.url).status_code == 302


# --- Values kept per version (structure.remembered) ---------------------------------------


def serving(request):
    """Run as ServingMiddleware runs a request: `remembered()` sees it."""
    token = structure._serving.set(request)
    return lambda: structure._serving.reset(token)


def test_an_anonymous_pages_values_are_built_once_per_version(rf, db):
    built = []
    done = serving(rf.get("/"))
    try:
        assert structure.remembered("k", lambda: built.append(1) or len(built)) == 1
        assert structure.remembered("k", lambda: built.append(1) or len(built)) == 1
        page_cache.invalidate("test")
        done()
        done = serving(rf.get("/"))  # the next request, after the change
        assert structure.remembered("k", lambda: built.append(1) or len(built)) == 2
    finally:
        done()


@pytest.mark.parametrize("request_kind", ["editor", "post", "outside a request", "admin"])
def test_editors_and_code_outside_requests_always_build_afresh(rf, db, settings, request_kind):
    request = {
        "editor": lambda: rf.get("/", HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}=x"),
        "post": lambda: rf.post("/"),
        "outside a request": lambda: None,
        "admin": lambda: rf.get("/admin/"),
    }[request_kind]()
    built = []
    done = serving(request)
    try:
        structure.remembered("k", lambda: built.append(1))
        structure.remembered("k", lambda: built.append(1))
    finally:
        done()
    assert len(built) == 2


def test_a_renamed_theme_shows_on_the_next_page(client, library, review):
    from learning.models import Theme

    theme = Theme.objects.get(review_links__page=review)
    client.get(library.url)
    client.get(library.url)  # the vocabulary is kept for this version

    theme.name = "Renamed theme"
    theme.save()

    assert "Renamed theme" in client.get(library.url).content.decode()
