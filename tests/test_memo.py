"""Values every page shows, kept per process and content version (site_core/caching/memo.py).

`cached_value()` is the ladder the vocabularies, the menu and the branding share: this
process's memo for the current version (anonymous readers only), then the shared cache,
then the build. These tests run code as `ServingMiddleware` runs a request.
"""

from django.core.cache import cache

import pytest

from site_core.caching import page_cache
from site_core.caching.memo import ServingMiddleware, cached_value, remembered

pytestmark = pytest.mark.django_db


def serving(request, work):
    """`work()`'s result, run while `request` is being served."""
    if request is None:
        return work()
    return ServingMiddleware(lambda _request: work())(request)


class Builds:
    """A build function that counts its calls and returns the count."""

    def __init__(self):
        self.count = 0

    def __call__(self) -> int:
        self.count += 1
        return self.count


def test_an_anonymous_readers_values_are_built_once_per_version(rf):
    build = Builds()

    assert serving(rf.get("/"), lambda: remembered("k", build)) == 1
    assert serving(rf.get("/other/"), lambda: remembered("k", build)) == 1
    page_cache.invalidate("test")
    assert serving(rf.get("/"), lambda: remembered("k", build)) == 2


@pytest.mark.parametrize("request_kind", ["editor", "post", "outside a request", "admin"])
def test_editors_and_code_outside_requests_always_build_afresh(rf, settings, request_kind):
    request = {
        "editor": lambda: rf.get("/", HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}=x"),
        "post": lambda: rf.post("/"),
        "outside a request": lambda: None,
        "admin": lambda: rf.get("/admin/"),
    }[request_kind]()
    build = Builds()

    serving(request, lambda: remembered("k", build))
    serving(request, lambda: remembered("k", build))

    assert build.count == 2


def test_without_the_cache_every_value_is_built(rf, monkeypatch):
    def out_of_reach():
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(page_cache, "current_version", out_of_reach)
    build = Builds()

    serving(rf.get("/"), lambda: remembered("k", build))
    serving(rf.get("/"), lambda: remembered("k", build))

    assert build.count == 2


def cached(build):
    """What a caller of `cached_value()` runs (learning.terms.vocabulary(), say)."""
    return lambda: cached_value("test:value", build, timeout=60)


def test_cached_value_reads_the_shared_cache_then_builds():
    value = cached(Builds())

    assert serving(None, value) == 1  # built, and put in the shared cache
    assert cache.get("test:value") == 1
    assert serving(None, value) == 1  # from the shared cache
    cache.delete("test:value")  # what the callers' receivers do on a change
    assert serving(None, value) == 2


def test_cached_value_keeps_an_anonymous_readers_value_until_the_version_changes(rf):
    value = cached(Builds())

    assert serving(rf.get("/"), value) == 1
    cache.delete("test:value")
    assert serving(rf.get("/"), value) == 1  # this process's memo, no cache read
    page_cache.invalidate("test")
    assert serving(rf.get("/"), value) == 2  # a new version: the shared cache, then a build
    page_cache.invalidate("test")
    assert serving(rf.get("/"), value) == 2  # a new version: from the shared cache


def test_a_renamed_theme_shows_on_the_next_page(client, library):
    from tests.factories import ReviewPageFactory, ThemeFactory

    theme = ThemeFactory(name="Neglect")
    ReviewPageFactory(parent=library, themes=[theme])
    client.get(library.url)
    client.get(library.url)  # the vocabulary is kept for this version

    theme.name = "Renamed theme"
    theme.save()

    assert "Renamed theme" in client.get(library.url).content.decode()
