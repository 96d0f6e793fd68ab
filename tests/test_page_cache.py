"""The anonymous full-page cache: what it keeps, what it never keeps, and that every change a
reader could see makes it serve the new state at once, on every view that shows it.

Each purging test first loads the pages that show a review (its page, the library unfiltered
and filtered by its theme and type, its theme page, the feeds, the sitemap, the home page,
a search) until they come from the cache, then makes the change, and checks each page again.
"""

import datetime
import gzip

from django.core.cache import cache
from django.test import RequestFactory
from django.utils import timezone

from wagtail.contrib.frontend_cache.backends import BaseBackend
from wagtail.models import PageViewRestriction

import pytest
import time_machine

from learning.models import ReviewDocument, ReviewPage
from site_core.caching import page_cache
from site_core.publishing.scheduler import run_tick
from tests.factories import DocumentFactory, ReviewPageFactory, ReviewTypeFactory, ThemeFactory
from tests.markup import partnership

pytestmark = pytest.mark.django_db

STATUS = page_cache.STATUS_HEADER


def get(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code in (200, 304, 404), (url, response.status_code)
    return response


def warm(client, urls):
    """Load each page until the cache serves it."""
    for url in urls:
        get(client, url)
        assert get(client, url)[STATUS] == "hit", url


@pytest.fixture(autouse=True)
def site_settings(db):
    # Made on a site's first request otherwise, and their creation (a save) would make that
    # request's page out of date as it is cached: tests here start from a site in use.
    return partnership()


@pytest.fixture
def neglect(db):
    return ThemeFactory(name="Neglect", slug="neglect")


@pytest.fixture
def cspr(db):
    return ReviewTypeFactory(name="Local CSPR", slug="local-cspr")


@pytest.fixture
def child_v(library, neglect, cspr):
    review = ReviewPageFactory(
        parent=library, title="Child V", themes=[neglect], review_type=cspr, summary="Bruising."
    )
    return ReviewPage.objects.get(pk=review.pk)  # as published (the factory's copy is a draft)


def views_of(library, theme="neglect", review_type="local-cspr", word="bruising"):
    """Every public address that lists or shows a review of `theme` and `review_type`."""
    return [
        "/",
        library.url,
        f"{library.url}?theme={theme}",
        f"{library.url}?theme={theme}&type={review_type}&sort=title",
        f"{library.url}themes/",
        f"{library.url}themes/{theme}/",
        f"{library.url}feed/",
        f"{library.url}feed/?theme={theme}",
        "/sitemap.xml",
        f"/search/?q={word}",
        f"{library.url}?q={word}",
    ]


def shows(client, url, text) -> bool:
    response = get(client, url)
    return text in response.content.decode()


def shows_review(client, url, title: str, slug: str) -> bool:
    """Whether the page names the review, or (the sitemap) gives its address."""
    content = get(client, url).content.decode()
    return title in content or f"/{slug}/<" in content


# --- What is kept, and how it is served -------------------------------------------------


def test_a_page_is_cached_after_its_first_request_and_served_whole_from_the_cache(
    client, library, child_v
):
    first = get(client, child_v.url)
    second = get(client, child_v.url)

    assert first[STATUS] == "miss" and second[STATUS] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["ETag"] == first["ETag"]


def test_a_cached_page_costs_no_query(client, library, child_v, django_assert_num_queries):
    warm(client, [f"{library.url}?theme=neglect"])

    with django_assert_num_queries(0):
        assert get(client, f"{library.url}?theme=neglect")[STATUS] == "hit"


def test_cached_pages_tell_browsers_to_check_back_and_vary_on_cookies(client, child_v):
    get(client, child_v.url)
    response = get(client, child_v.url)

    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert directives == {"public", "max-age=0", "must-revalidate"}
    assert "Cookie" in response["Vary"]


def test_a_browser_holding_the_current_page_gets_304_without_the_body(client, child_v):
    etag = get(client, child_v.url)["ETag"]

    response = get(client, child_v.url, if_none_match=etag)

    assert response.status_code == 304 and response.content == b""
    assert response["ETag"] == etag


def test_browsers_that_accept_gzip_get_the_page_compressed_once_when_it_was_cached(
    client, library, child_v
):
    plain = get(client, library.url)
    compressed = get(client, library.url, accept_encoding="gzip, deflate, br")

    assert compressed[STATUS] == "hit" and compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content) == plain.content
    assert int(compressed["Content-Length"]) == len(compressed.content) < len(plain.content) / 3
    assert "Accept-Encoding" in compressed["Vary"]
    # Each encoding has its own ETag, and a browser holding the compressed page gets a 304.
    assert compressed["ETag"] != plain["ETag"]
    again = get(client, library.url, accept_encoding="gzip", if_none_match=compressed["ETag"])
    assert again.status_code == 304
    # Without gzip in Accept-Encoding, or with gzip refused (q=0), the page as made.
    assert "Content-Encoding" not in get(client, library.url)
    refused = get(client, library.url, accept_encoding="gzip;q=0, br")
    assert refused[STATUS] == "hit" and "Content-Encoding" not in refused
    assert refused.content == plain.content


def test_a_compressed_page_is_kept_compressed_only(client, library, child_v):
    made = get(client, library.url)
    request = RequestFactory().get(library.url)
    entry = page_cache._cache().get(
        page_cache.ENTRY_KEY.format(digest=page_cache.request_address(request))
    )

    assert entry.content == b"" and gzip.decompress(entry.gzipped) == made.content


def test_each_query_string_is_its_own_entry(client, library, child_v, neglect):
    ReviewPageFactory(parent=library, title="Child W", themes=[ThemeFactory(slug="other")])
    warm(client, [library.url])

    filtered = get(client, f"{library.url}?theme=neglect")

    assert filtered[STATUS] == "miss"
    assert "Child V" in filtered.content.decode()
    assert "Child W" not in filtered.content.decode()


def test_head_requests_are_answered_from_the_cache(client, child_v):
    warm(client, [child_v.url])

    response = client.head(child_v.url)

    assert response.status_code == 200 and response[STATUS] == "hit"


def test_the_cache_is_switched_off_by_its_setting(client, child_v, settings):
    settings.PAGE_CACHE_ENABLED = False

    assert get(client, child_v.url)[STATUS] == "bypass"
    assert get(client, child_v.url)[STATUS] == "bypass"


# --- What is never kept ----------------------------------------------------------------


def test_an_editor_never_receives_a_cached_page_and_never_fills_the_cache(
    client, admin_user, child_v
):
    warm(client, [child_v.url])
    client.force_login(admin_user)

    editor = get(client, child_v.url)

    assert editor[STATUS] == "bypass"
    assert "wagtail-userbar" in editor.content.decode()
    assert {"private", "no-store"} <= {d.strip() for d in editor["Cache-Control"].split(",")}

    # And what the editor was served did not go into the cache for readers.
    client.logout()
    cache.clear()
    client.force_login(admin_user)
    get(client, child_v.url)
    client.logout()
    assert get(client, child_v.url)[STATUS] == "miss"


def test_previews_are_never_cached(client, admin_user, child_v):
    client.force_login(admin_user)
    url = f"/admin/pages/{child_v.pk}/edit/preview/"

    response = client.get(url)

    assert response[STATUS] == "bypass"


def test_a_response_that_sets_a_cookie_is_not_cached(client, library, child_v):
    # A password-protected review: its form carries a CSRF token, set as a cookie.
    PageViewRestriction.objects.create(
        page=child_v, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )

    first = get(client, child_v.url)
    second = get(client, child_v.url)

    assert 'type="password"' in second.content.decode()
    assert "csrftoken" in second.cookies
    assert first[STATUS] == second[STATUS] == "bypass"


def test_a_reader_who_unlocked_a_private_page_is_never_served_from_the_cache(
    client, library, child_v
):
    warm(client, [library.url])
    client.cookies["sessionid"] = "anything"

    assert get(client, library.url)[STATUS] == "bypass"


@pytest.mark.parametrize(
    "response_headers, status, storable",
    [
        ({}, 200, True),
        ({"Vary": "Accept-Encoding, Cookie"}, 200, True),
        ({"Vary": "Accept-Language"}, 200, False),
        ({"Cache-Control": "private"}, 200, False),
        ({"Cache-Control": "no-store"}, 200, False),
        ({}, 404, False),
        ({}, 301, False),
        ({}, 500, False),
    ],
)
def test_only_plain_public_200_responses_are_storable(response_headers, status, storable):
    from django.http import HttpResponse

    response = HttpResponse("page", status=status)
    for name, value in response_headers.items():
        response[name] = value

    assert page_cache.storable(response) is storable


def test_documents_are_never_cached(client, library, files_on_disk):
    document = DocumentFactory(title="Child V report")
    ReviewPageFactory(parent=library, documents=[(document, "full_report")])

    url = document.url
    responses = [client.get(url) for _ in range(2)]

    assert [r.status_code for r in responses] == [200, 200]
    assert all(r[STATUS] == "bypass" for r in responses)


# --- An embargoed review never enters the cache ----------------------------------------


def test_a_scheduled_review_is_not_cached_before_it_goes_live_and_shows_at_once_after(
    client, library, neglect, cspr
):
    start = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        review = ReviewPageFactory(
            parent=library,
            title="Child X",
            themes=[neglect],
            review_type=cspr,
            publish=False,
            summary="Bruising.",
        )
        review.go_live_at = start + datetime.timedelta(minutes=5)
        review.save_revision().publish()
        path = f"{library.url}child-x/"
        views = views_of(library)

        before = get(client, path)
        assert before.status_code == 404 and before[STATUS] == "bypass"
        warm(client, views)
        assert not any(shows(client, url, "Child X") for url in views)

        clock.shift(datetime.timedelta(minutes=5))
        run_tick()

        assert get(client, path).status_code == 200
        missing = [url for url in views if not shows_review(client, url, "Child X", "child-x")]
        # The theme index lists themes, not reviews: every other view names the review.
        assert missing == [f"{library.url}themes/"]


# --- Every change shows at once, on every view that shows it ---------------------------


def test_publishing_a_review_shows_it_on_every_view(client, library, child_v, neglect, cspr):
    views = views_of(library)
    warm(client, views)

    ReviewPageFactory(
        parent=library, title="Child Y", themes=[neglect], review_type=cspr, summary="Bruising."
    )

    missing = [url for url in views if not shows_review(client, url, "Child Y", "child-y")]
    assert missing == [f"{library.url}themes/"]


def test_unpublishing_a_review_removes_it_from_every_view(client, library, child_v):
    views = [child_v.url, *views_of(library)]
    warm(client, views)

    child_v.unpublish()

    assert get(client, child_v.url).status_code == 404
    assert [url for url in views[1:] if shows_review(client, url, "Child V", "child-v")] == []


def test_a_scheduled_expiry_removes_the_review_from_every_view(client, library, neglect, cspr):
    start = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        review = ReviewPageFactory(
            parent=library, title="Child Z", themes=[neglect], review_type=cspr, summary="Bruising."
        )
        review.expire_at = start + datetime.timedelta(minutes=3)
        review.save_revision().publish()
        views = [review.url, *views_of(library)]
        warm(client, views)

        clock.shift(datetime.timedelta(minutes=3))
        run_tick()

        assert get(client, review.url).status_code == 404
        assert [url for url in views[1:] if shows_review(client, url, "Child Z", "child-z")] == []


def test_a_withdrawn_report_leaves_the_cached_review_page_at_the_next_tick(
    client, library, neglect
):
    document = DocumentFactory(title="Child V report")
    review = ReviewPageFactory(parent=library, title="Child V", themes=[neglect])
    review.report_documents = [
        ReviewDocument(
            document=document, kind="full_report", available_until=datetime.date(2025, 7, 1)
        )
    ]
    review.save_revision().publish()
    london = timezone.get_current_timezone()

    with time_machine.travel(
        datetime.datetime(2025, 7, 1, 23, 59, tzinfo=london), tick=False
    ) as clock:
        warm(client, [review.url])
        assert document.url in get(client, review.url).content.decode()

        clock.shift(datetime.timedelta(minutes=1))
        run_tick()

        page = get(client, review.url).content.decode()
        assert "The full report is no longer published." in page
        assert document.url not in page


def test_renaming_a_theme_shows_the_new_name_on_every_view(client, library, child_v, neglect):
    views = [child_v.url, *views_of(library)]
    warm(client, views)

    neglect.name = "Chronic neglect"
    neglect.save()

    showing = [url for url in views if shows(client, url, "Chronic neglect")]
    # Every view that names the theme names it anew; the sitemap and the site search name
    # no themes (the library's own search does, in its filters).
    assert set(views) - set(showing) == {"/sitemap.xml", "/search/?q=bruising"}
    assert not [url for url in views if shows(client, url, ">Neglect<")]


def test_renaming_a_review_type_shows_the_new_name(client, library, child_v, cspr):
    views = [child_v.url, library.url, f"{library.url}?type=local-cspr"]
    warm(client, views)

    cspr.name = "Local child safeguarding practice review"
    cspr.save()

    assert all(shows(client, url, "Local child safeguarding practice review") for url in views)


def test_editing_the_site_settings_shows_on_every_cached_page(client, library, child_v):
    views = [child_v.url, *views_of(library)]
    html_views = [url for url in views if "feed" not in url and "sitemap" not in url]
    warm(client, views)

    partnership(partnership_name="Kingston and Richmond Safeguarding Children Partnership")

    assert all(
        shows(client, url, "Kingston and Richmond Safeguarding Children Partnership")
        for url in html_views
    )


def test_making_a_review_private_removes_it_from_every_cached_view(client, library, child_v):
    views = views_of(library)
    warm(client, views)

    PageViewRestriction.objects.create(page=child_v, restriction_type=PageViewRestriction.LOGIN)

    assert [url for url in views if shows_review(client, url, "Child V", "child-v")] == []


def test_invalidation_happens_again_after_the_commit(
    client, library, child_v, django_capture_on_commit_callbacks
):
    """A request between a change and its commit could cache the old page under the version
    set at the change: the version set after the commit leaves that entry unread."""
    with django_capture_on_commit_callbacks(execute=True):
        page_cache.invalidate("test")
        during = page_cache.current_version()
        get(client, library.url)  # as a request served before the commit would
        assert get(client, library.url)[STATUS] == "hit"

    assert page_cache.current_version() != during
    assert get(client, library.url)[STATUS] == "miss"


# --- Faults and a CDN --------------------------------------------------------------------


class BrokenCache:
    def get(self, *args, **kwargs):
        raise ConnectionError("Redis is down")

    add = set = get


def test_pages_are_served_uncached_when_the_cache_is_out_of_reach(
    client, library, child_v, monkeypatch, caplog
):
    monkeypatch.setattr(page_cache, "_cache", BrokenCache)

    response = client.get(child_v.url)

    assert response.status_code == 200 and response[STATUS] == "bypass"
    assert "out of reach" in caplog.text


def test_a_forged_host_is_a_400_not_a_cache_error(client, child_v, caplog):
    response = client.get(child_v.url, headers={"host": "evil.example"})

    assert response.status_code == 400
    assert "out of reach" not in caplog.text


class RecordingBackend(BaseBackend):
    purged: list[str] = []

    def __init__(self, params):
        super().__init__(params)

    def purge(self, url):
        RecordingBackend.purged.append(url)


def test_a_configured_cdn_is_purged_after_each_change_and_may_keep_pages_until_then(
    client, library, child_v, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAILFRONTENDCACHE = {"cdn": {"BACKEND": f"{__name__}.RecordingBackend"}}
    RecordingBackend.purged = []

    response = get(client, library.url)
    assert "s-maxage=3600" in response["Cache-Control"]

    with django_capture_on_commit_callbacks(execute=True):
        child_v.unpublish()

    assert "http://localhost/*" in RecordingBackend.purged
