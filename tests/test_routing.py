"""Pages are routed and served by Wagtail's own view (docs/routing.md).

Addresses reach `wagtail.views.serve` through `include(wagtail_urls)`, after the site's own
views, so Wagtail's other addresses (its sign-in form for private pages) answer too. Two
page types route with fewer queries (`HomePage.route()`, `ThemeIndexPage.route()`), and
these tests check that they route as Wagtail does: the library's own routes before its
reviews, restrictions checked by Wagtail's hook, unknown and unpublished pages not found.
"""

from urllib.parse import quote

from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import resolve

from wagtail import views as wagtail_views
from wagtail.models import Page, PageViewRestriction, Site

import pytest

from home.models import HomePage
from learning.models import PolicyPage, ReviewPage, ThemeIndexPage
from tests.factories import (
    HomePageFactory,
    PolicyPageFactory,
    ReviewPageFactory,
    ThemeFactory,
    ThemeIndexPageFactory,
)

pytestmark = pytest.mark.django_db

LOGIN_URL = "/_util/login/"  # Wagtail's own sign-in form for private pages ("wagtailcore_login")


@pytest.fixture(autouse=True)
def hosts(settings):
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "other.example"]


@pytest.fixture(scope="module")
def content(django_db_setup, django_db_blocker):
    """Pages the tests read and never change, made once for the module.

    Made in a transaction that is rolled back when the module ends; each test runs in a
    savepoint inside it (pytest-django's), so what a test adds goes with the test.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        home = HomePage.objects.get()
        library = ThemeIndexPageFactory(parent=home)
        neglect = ThemeFactory(name="Neglect", slug="neglect")
        review = ReviewPageFactory(
            parent=library, title="Child V", slug="child-v", themes=[neglect]
        )
        private = ReviewPageFactory(parent=library, title="Child P", slug="child-p")
        PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
        partners = PolicyPageFactory(parent=home, title="Partners only", slug="partners-only")
        members = Group.objects.create(name="Partners")
        PageViewRestriction.objects.create(
            page=partners, restriction_type=PageViewRestriction.GROUPS
        ).groups.add(members)
        policy = PolicyPageFactory(parent=home, title="Our procedures", slug="procedures")
        yield {
            "home": home,
            "library": library,
            "theme": neglect,
            "review": review,
            "private": private,
            "partners": partners,
            "members": members,
            "policy": policy,
        }
        transaction.set_rollback(True)


@pytest.fixture
def review(content):
    return content["review"]


@pytest.fixture
def library(content):
    return content["library"]


def main_text(response) -> str:
    return response.content.decode().split("<main", 1)[-1].split("</main>", 1)[0]


# --- Wagtail's view --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/", "/learning-from-reviews/", "/learning-from-reviews/child-v/", "/some/path/"],
)
def test_every_page_address_goes_to_wagtails_own_view(path):
    assert resolve(path).func is wagtail_views.serve


def test_wagtails_sign_in_form_has_its_own_address():
    assert resolve(LOGIN_URL).url_name == "wagtailcore_login"


def test_pages_of_each_type_are_served(client, content):
    for page in ("home", "library", "review", "policy"):
        response = client.get(content[page].url)
        assert response.status_code == 200, page
        assert content[page].title in main_text(response), page


def test_unpublished_and_unknown_pages_are_not_found(client, content):
    review = ReviewPage.objects.get(pk=content["review"].pk)
    assert client.get(review.url).status_code == 200
    review.unpublish()

    assert client.get(review.url).status_code == 404
    assert client.get("/no-such-page/").status_code == 404
    assert client.get(content["library"].url + "no-such-review/").status_code == 404
    assert client.get(content["policy"].url + "deeper/").status_code == 404
    assert client.get(content["library"].url + "themes/no-such-theme/").status_code == 404


def test_a_page_of_another_type_below_the_library_is_served(client, library):
    """Only reviews are made below a library in the admin; anything else put there is
    routed by Wagtail's own `route()`."""
    page = library.add_child(instance=PolicyPageFactory.build(title="Odd one", slug="odd-one"))

    response = client.get(page.url)

    assert response.status_code == 200
    assert "Odd one" in main_text(response)


# --- The library's own routes win over its reviews (bug: deepest page won) -------------------


@pytest.mark.parametrize("published", [False, True], ids=["draft", "live"])
def test_a_review_slugged_themes_does_not_hide_the_theme_pages(client, content, published):
    # Copying skips the form's check that refuses the library's route slugs.
    source = ReviewPage.objects.get(pk=content["review"].pk)
    clash = source.copy(
        update_attrs={"slug": "themes", "title": "Clashing review"}, keep_live=published
    )
    assert clash.slug == "themes" and clash.live == published
    library = content["library"]

    theme_list = client.get(library.url + "themes/")
    theme_page = client.get(library.url + "themes/neglect/")

    assert theme_list.status_code == 200
    assert "Neglect" in main_text(theme_list)
    assert "Clashing review" not in theme_list.content.decode()
    assert theme_page.status_code == 200
    assert "<h1" in main_text(theme_page) and "Neglect" in main_text(theme_page)
    assert "Child V" in main_text(theme_page)  # the theme's reviews are listed


def test_a_review_slugged_feed_does_not_hide_the_feed(client, content):
    source = ReviewPage.objects.get(pk=content["review"].pk)
    source.copy(update_attrs={"slug": "feed", "title": "Clashing review"}, keep_live=False)

    response = client.get(content["library"].url + "feed/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")


# --- Private pages: Wagtail's sign-in form (bug: it was a 404) -------------------------------


@pytest.mark.parametrize("page", ["private", "partners"], ids=["login", "groups"])
def test_a_private_page_sends_readers_to_wagtails_sign_in_form(client, content, page):
    path = content[page].url

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={quote(path)}"
    sign_in = client.get(response["Location"])
    assert sign_in.status_code == 200
    html = sign_in.content.decode()
    assert f'action="{LOGIN_URL}"' in html
    assert 'name="username"' in html and 'name="password"' in html
    assert f'name="next" value="{path}"' in html
    assert content[page].title not in html


def test_signing_in_on_wagtails_form_leads_back_to_the_private_page(
    client, content, django_user_model
):
    django_user_model.objects.create_user("reader", password="a-long-password")
    path = content["private"].url

    response = client.post(
        LOGIN_URL,
        {"username": "reader", "password": "a-long-password", "next": path},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == path
    assert response.status_code == 200
    assert "Child P" in main_text(response)


def test_a_group_restricted_page_is_served_to_its_groups_members_only(
    client, content, django_user_model
):
    path = content["partners"].url
    outsider = django_user_model.objects.create_user("outsider")
    member = django_user_model.objects.create_user("member")
    member.groups.add(content["members"])

    client.force_login(outsider)
    assert client.get(path).status_code == 302
    client.force_login(member)
    response = client.get(path)
    assert response.status_code == 200
    assert "Partners only" in main_text(response)


def test_a_restriction_added_to_the_library_covers_its_reviews_at_once(client, content):
    review = content["review"]
    assert client.get(review.url).status_code == 200

    PageViewRestriction.objects.create(
        page=content["library"], restriction_type=PageViewRestriction.PASSWORD, password="x"
    )

    response = client.get(review.url)
    assert response.status_code == 200  # the password form, not the review
    assert 'type="password"' in response.content.decode()
    assert "Child V" not in main_text(response).split("<form")[0]


def test_a_restriction_removed_lets_the_page_be_read_again(client, content):
    private = content["private"]
    assert client.get(private.url).status_code == 302

    PageViewRestriction.objects.filter(page=private).delete()

    assert client.get(private.url).status_code == 200


def test_a_group_restriction_on_the_home_page_covers_every_page(client, content):
    PageViewRestriction.objects.create(
        page=content["home"], restriction_type=PageViewRestriction.GROUPS
    ).groups.add(content["members"])

    for page in ("home", "library", "review", "policy"):
        assert client.get(content[page].url).status_code == 302, page


def test_an_alias_takes_its_sources_restrictions(client, content):
    elsewhere = PolicyPageFactory(parent=content["home"], title="Elsewhere", slug="elsewhere")
    source = ReviewPage.objects.get(pk=content["review"].pk)
    alias = source.create_alias(parent=elsewhere, update_slug="child-v-alias")
    assert client.get(alias.url).status_code == 200

    PageViewRestriction.objects.create(page=source, restriction_type=PageViewRestriction.LOGIN)

    assert client.get(alias.url).status_code == 302


# --- Sites -----------------------------------------------------------------------------------


def test_each_host_is_served_by_its_own_site(client, content):
    root = Page.objects.get(depth=1)
    other_home = HomePageFactory(parent=root, title="Other home", slug="other")
    Site.objects.create(hostname="other.example", port=80, root_page=other_home)
    review_path = content["review"].url  # its address on the default site

    assert "Other home" in main_text(client.get("/", HTTP_HOST="other.example"))
    assert client.get(review_path, HTTP_HOST="other.example").status_code == 404
    assert client.get(review_path).status_code == 200  # the default site, as before


def test_a_site_moved_to_another_root_page_is_followed(client, content):
    root = Page.objects.get(depth=1)
    other_home = HomePageFactory(parent=root, title="Other home", slug="other")
    site = Site.objects.create(hostname="other.example", port=80, root_page=content["home"])
    review_path = content["review"].url
    assert client.get(review_path, HTTP_HOST="other.example").status_code == 200

    site.root_page = other_home
    site.save()

    assert client.get(review_path, HTTP_HOST="other.example").status_code == 404
    assert "Other home" in main_text(client.get("/", HTTP_HOST="other.example"))


# --- What the pages show of the pages above them ---------------------------------------------


def breadcrumb_links(response) -> list[str]:
    from bs4 import BeautifulSoup

    nav = BeautifulSoup(response.content, "html.parser").find("nav", class_="breadcrumbs")
    return [" ".join(item.get_text(" ", strip=True).split()) for item in nav.find_all("li")]


def test_breadcrumbs_and_the_library_title_come_from_the_pages_above(client, content):
    review = client.get(content["review"].url)
    theme_page = client.get(content["library"].url + "themes/neglect/")

    assert breadcrumb_links(review) == ["Home", "Learning from reviews", "Child V"]
    assert "<title>Child V \N{EN DASH} Learning from reviews" in review.content.decode()
    assert breadcrumb_links(theme_page) == ["Home", "Learning from reviews", "Themes", "Neglect"]


# --- What the process keeps for routing follows every change (docs/routing.md) -------------


def as_served(request, read):
    """`read(request)` while `request` is being served as an anonymous reader's: with the
    values the process keeps per content version in play (site_core.caching.memo)."""
    from site_core.caching.memo import ServingMiddleware

    return ServingMiddleware(read)(request)


def wagtails_route(page, request, path_components):
    """What Wagtail's own `Page.route()` answers for `page`: the page found, or None (404)."""
    from django.http import Http404

    try:
        return Page.route(page, request, path_components).page.pk
    except Http404:
        return None


def our_route(page, request, path_components):
    from django.http import Http404

    try:
        return page.route(request, path_components).page.pk
    except Http404:
        return None


def test_the_home_pages_route_agrees_with_wagtails_as_its_children_change(rf, content):
    home = HomePage.objects.get(pk=content["home"].pk)
    draft = PolicyPageFactory(parent=home, title="Draft", slug="draft", live=False)
    slugs = ["learning-from-reviews", "procedures", "partners-only", "draft", "nothing-here"]

    def agree():
        for slug in slugs:
            ours = as_served(
                rf.get("/"), lambda request, slug=slug: our_route(home, request, [slug])
            )
            assert ours == wagtails_route(home, rf.get("/"), [slug]), slug

    agree()  # and now the process keeps the children
    policy = PolicyPage.objects.get(pk=content["policy"].pk)
    policy.slug = "our-procedures"
    policy.save_revision().publish()
    draft.save_revision().publish()
    slugs.append("our-procedures")
    agree()
    assert our_route(home, rf.get("/"), ["procedures"]) is None


def test_a_retitled_library_is_shown_at_once_above_its_reviews(client, content):
    assert breadcrumb_links(client.get(content["review"].url))[1] == "Learning from reviews"
    library = ThemeIndexPage.objects.get(pk=content["library"].pk)
    library.title = "Reviews and learning"
    library.save_revision().publish()

    review = client.get(content["review"].url)

    assert breadcrumb_links(review) == ["Home", "Reviews and learning", "Child V"]
    assert "<title>Child V \N{EN DASH} Reviews and learning" in review.content.decode()
    assert "Reviews and learning" in main_text(client.get(content["library"].url))


def test_the_site_kept_for_each_address_is_wagtails(rf, content):
    from site_core.caching.sites import site_for_request

    root = Page.objects.get(depth=1)
    other_home = HomePageFactory(parent=root, title="Other home", slug="other")
    other = Site.objects.create(hostname="other.example", port=80, root_page=other_home)
    Site.objects.create(hostname="other.example", port=8000, root_page=content["home"])
    addresses = [
        ("testserver", "80"),
        ("other.example", "80"),
        ("other.example:8000", "8000"),
        ("other.example", "443"),
        ("localhost", "80"),
    ]

    def request(host, port):
        return rf.get("/", HTTP_HOST=host, SERVER_PORT=port)

    def agree():
        for host, port in addresses:
            for _ in range(2):  # read, then kept
                ours = as_served(request(host, port), site_for_request)
                assert ours.pk == Site.find_for_request(request(host, port)).pk, (host, port)

    agree()
    other.is_default_site, other.port = True, 8080
    Site.objects.filter(is_default_site=True).update(is_default_site=False)
    other.save()  # a change to a site: the content version changes with it
    agree()


def test_the_home_page_kept_for_routing_is_always_the_current_one(rf, client, content):
    """Wagtail starts routing at `site.root_page.specific`: HomePage.objects.get(id=…),
    which the process keeps for anonymous readers (HomePageManager)."""
    pk = content["home"].pk

    def read(request):
        return HomePage.objects.get(id=pk)

    first, second = as_served(rf.get("/"), read), as_served(rf.get("/"), read)
    assert first is not second  # each caller its own copy
    assert first.title == second.title == HomePage.objects.get(id=pk).title
    home = HomePage.objects.get(pk=pk)
    home.intro = "<p>Welcome back to the library of the partnership.</p>"
    home.save_revision().publish()

    assert as_served(rf.get("/"), read).intro == home.intro
    assert "Welcome back to the library of the partnership" in main_text(client.get("/"))
    with pytest.raises(HomePage.DoesNotExist):
        as_served(rf.get("/"), lambda request: HomePage.objects.get(id=pk + 1000))
