"""Values every page shows, kept per process for the current content version.

Every public page shows the vocabularies (filters, cards), the main menu and the
partnership's branding. Each is built from a few queries, kept in the shared cache (Redis
in production) so that one process's work serves them all, and, for anonymous readers,
kept by each process too, so that a page does not read and unpickle them from Redis on
every request. `cached_value()` is that ladder, in one place:

1. this process's memo for the current content version (`remembered()`);
2. the shared cache, under the caller's key, for at most `timeout` seconds;
3. `build()`, whose value then goes into both.

The memo is keyed on the page cache's version (site_core/caching/page_cache.py): any change a
reader could see replaces the version, so the next request in each process builds its
values again. The callers' own receivers still clear the shared cache's keys
(site_core.signals.content_changed). The memo is used only while serving a request the
page cache could keep (an anonymous GET or HEAD; `ServingMiddleware` makes the request
known): an editor's request, which may be the one making a change, and code outside a
request (the scheduler, commands) always read the shared cache or build. The values kept
must be immutable (frozen dataclasses, lists nobody appends to): every request of the
process shares them.
"""

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction

from site_core.caching import page_cache
from site_core.signals import content_changed

T = TypeVar("T")

_UNREAD = object()


class _Serving:
    """The request being served, and the content version it reads (once, when first asked)."""

    def __init__(self, request):
        self.request = request
        self.cacheable = page_cache.cacheable_request(request)
        self._version: Any = _UNREAD

    def version(self) -> str | None:
        if self._version is _UNREAD:
            # The page cache's middleware has usually read it for this request already.
            version = page_cache.request_version(self.request)
            if version is None:
                try:
                    version = page_cache.current_version()
                except Exception:  # the cache is out of reach: build every time
                    version = None
            self._version = version
        return self._version


# The request this thread (or task) is serving, for code that is not handed it.
_serving: ContextVar[_Serving | None] = ContextVar("serving", default=None)
# The values kept by this process, and the content version they were built for. Replaced
# as a whole when the version changes: a request never sees another version's values.
_kept: tuple[str | None, dict] = (None, {})


def remembered(key, build: Callable[[], T]) -> T:
    """`build()`, kept by this process until the content changes, for anonymous readers."""
    global _kept
    serving = _serving.get()
    if serving is None or not serving.cacheable:
        return build()
    version = serving.version()
    if version is None:
        return build()
    kept_version, values = _kept
    if kept_version != version:
        values = {}
        _kept = (version, values)
    try:
        return values[key]
    except KeyError:
        value = values[key] = build()
        return value


def cached_value(key: str, build: Callable[[], T], *, timeout: int) -> T:
    """`build()`'s value: from this process's memo, else the shared cache, else built.

    `key` names the value in the shared cache (and in the memo); the caller deletes it
    there when the value changes. `timeout` bounds, in seconds, how long the shared cache
    keeps it should a deletion ever be missed.
    """

    def shared() -> T:
        value = cache.get(key)
        if value is None:
            value = build()
            cache.set(key, value, timeout)
        return value

    return remembered(key, shared)


def forget_per_site(key_template: str) -> None:
    """Delete from the shared cache the value `key_template` names for each site."""
    from wagtail.models import Site

    pks = Site.objects.values_list("pk", flat=True)
    cache.delete_many([key_template.format(site_id=pk) for pk in pks])


def forget_per_site_when_content_changes(key_template: str) -> None:
    """Forget each site's value of `key_template` whenever what readers see changes.

    Inside a transaction (a scheduler tick publishes a whole tick's pages in one), a request
    served before the commit could cache the old value again: so it is forgotten at the
    change and once more after the commit.
    """

    def forget(**kwargs) -> None:
        forget_per_site(key_template)
        transaction.on_commit(lambda: forget_per_site(key_template), robust=True)

    content_changed.connect(forget, weak=False, dispatch_uid=f"forget {key_template}")


class ServingMiddleware:
    """Makes the request being served known to `remembered()` while it is served."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _serving.set(_Serving(request))
        try:
            return self.get_response(request)
        finally:
            _serving.reset(token)
