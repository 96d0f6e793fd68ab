"""Full-page cache for anonymous readers, invalidated by one version key.

Every public page of this site shows something of many others: the main menu and footer
(policy pages, settings), listings with counts per theme and type, related reviews, feeds,
the sitemap. Working out which of the cached pages (one per combination of filters) shows a
given review is not worth the risk of getting it wrong: any change that can alter what a
reader sees replaces the cache's version, and from then on every page is rendered afresh
and cached with the new version. An entry made under an old version is never served again:
the next request for its address replaces it (it also expires, or Redis evicts it first).
A partnership publishes a few reviews a week; re-rendering a page on its first request
after each change is cheap, serving a withdrawn review is not.

What is never cached (the request goes through untouched):
- requests that carry a session cookie (editors, previews, a reader who unlocked a
  password-protected page) or credentials, and anything under the admin;
- responses that are not a plain 200, stream a file (documents), set a cookie (a CSRF
  token, messages), say private/no-store/no-cache, or vary on a header other than Cookie.
A review before its go-live time is a 404 to the public, so it never enters the cache.

docs/caching.md explains the design and the events that replace the version.
"""

import gzip
import hashlib
import logging
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers

from site_core.caching.redis import forget_after_outage
from site_core.signals import content_changed

logger = logging.getLogger(__name__)

VERSION_KEY = "page-cache:version"
ENTRY_KEY = "page-cache:page:{digest}"
STATUS_HEADER = "X-Page-Cache"
# A bigger page (none is near it) is served but not cached, so one cannot crowd out the rest.
MAX_ENTRY_BYTES = 2 * 1024 * 1024
# Headers the cache always leaves to the response in hand rather than replaying.
NOT_REPLAYED = {"set-cookie", "date", "x-page-cache", "etag", "content-length"}
# Compressed in the cache: text of these types, when long enough for it to pay.
COMPRESSIBLE = ("text/", "application/atom+xml", "application/xml", "application/json")
MIN_GZIP_BYTES = 500
# A Vary on these is satisfied by the key or the bypass rules; on any other header (say,
# Accept-Language) the page could differ between two readers of one address: not cached.
VARY_HANDLED = {"cookie", "accept-encoding"}
# How often, at most, one process logs that the cache cannot be reached.
OUTAGE_LOG_SECONDS = 60


@dataclass(frozen=True)
class Entry:
    version: str  # the cache's version when the page was made; any other is out of date
    status: int
    headers: list[tuple[str, str]]  # without ETag: it depends on the encoding served
    content: bytes  # empty when kept compressed only (below)
    etag: str
    # Compressed once, when cached, and sent to every reader whose browser accepts it (all of
    # them): a listing goes from about 57 kB to 7 kB, for phones on a slow connection. Safe
    # from BREACH-style attacks: a cached page holds no secret (no CSRF token, nothing of a
    # session), so there is nothing to guess by its compressed length. A compressed page is
    # kept compressed only: every hit then reads 7 kB from Redis rather than 64, and the rare
    # client that refuses gzip gets it decompressed.
    gzipped: bytes | None = None

    def variant(self, accept_encoding: str) -> tuple[bytes, str, bool]:
        """The body, its ETag and whether it is gzipped, for a request's Accept-Encoding."""
        if self.gzipped is None:
            return self.content, self.etag, False
        if accepts_gzip(accept_encoding):
            return self.gzipped, self.etag[:-1] + '-gzip"', True
        return self.content or gzip.decompress(self.gzipped), self.etag, False


def enabled() -> bool:
    return getattr(settings, "PAGE_CACHE_ENABLED", False)


def _cache():
    return caches[settings.PAGE_CACHE_ALIAS]


REQUEST_VERSION_ATTR = "_page_cache_version"


def request_version(request) -> str | None:
    """The version this middleware read for `request`, if it read one (saves a cache read)."""
    return getattr(request, REQUEST_VERSION_ATTR, None)


def current_version() -> str:
    cache = _cache()
    version = cache.get(VERSION_KEY)
    if version is None:
        # add(): of two processes that find no version, both end up using the first one's.
        cache.add(VERSION_KEY, secrets.token_hex(8), None)
        version = cache.get(VERSION_KEY)
    return version


def invalidate(reason: str = "") -> None:
    """Make every cached page out of date, now and again once the transaction commits.

    The second time is the one that counts: a request served between the change and the
    commit reads the old rows, and may cache them under the version set the first time.
    (Outside a transaction the two happen at once.)
    """
    _replace_version()
    transaction.on_commit(lambda: _after_commit(reason), robust=True)


def _replace_version() -> None:
    try:
        _cache().set(VERSION_KEY, secrets.token_hex(8), None)
    except Exception:
        # The cache is out of reach, so nothing can be read from it either. The site's Redis
        # backend (site_core/caching/redis.py) does not raise: it deletes the version once Redis
        # answers again, so the entries made before the change are never served.
        logger.exception("Could not replace the page cache's version")


def _after_commit(reason: str) -> None:
    _replace_version()
    logger.info("Page cache invalidated: %s", reason)
    _purge_frontend_caches(reason)


def _purge_frontend_caches(reason: str) -> None:
    """Tell a CDN, when one is configured, that every page of every site has changed."""
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None):
        return
    from wagtail.contrib.frontend_cache.utils import purge_urls_from_cache
    from wagtail.models import Site

    try:
        urls = [f"{site.root_url}/*" for site in Site.objects.all()]
        purge_urls_from_cache(urls)
    except Exception:
        logger.exception("Could not purge the frontend cache (%s)", reason)


def request_address(request: HttpRequest) -> str:
    """A digest of the exact address asked for, host and scheme included (feeds and canonical
    links hold absolute addresses). The query string is kept as sent: two orders of the same
    filters are two entries, never one page served for another."""
    address = "\n".join(
        [request.scheme, request.get_host(), request.path, request.META.get("QUERY_STRING", "")]
    )
    return hashlib.sha256(address.encode("utf-8", "surrogateescape")).hexdigest()


def cacheable_request(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META:
        return False
    return not request.path.startswith(settings.PAGE_CACHE_EXCLUDED_PREFIXES)


def storable(response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if len(response.content) > MAX_ENTRY_BYTES:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in ("private", "no-store", "no-cache")):
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    return vary <= VARY_HANDLED


def _etag(content: bytes) -> str:
    return '"' + hashlib.blake2b(content, digest_size=16).hexdigest() + '"'


def _public_cache_control(response: HttpResponse) -> None:
    """Browsers must check back every time (they get a 304 when nothing changed); a CDN, when
    one is configured, may keep the page until the purge that comes with every change."""
    if "Cache-Control" in response:
        return  # the view chose (brand.css, robots.txt)
    directives = {"public": True, "max_age": 0, "must_revalidate": True}
    if getattr(settings, "WAGTAILFRONTENDCACHE", None):
        directives["s_maxage"] = settings.PAGE_CACHE_CDN_SECONDS
    patch_cache_control(response, **directives)


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip: named, or `*`, with a q above 0."""
    weights = {}
    for part in accept_encoding.lower().split(","):
        coding, *params = (item.strip() for item in part.split(";"))
        q = next((p[2:] for p in params if p.startswith("q=")), "1")
        try:
            weights[coding] = float(q)
        except ValueError:
            weights[coding] = 0.0
    weight = weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0)))
    return weight > 0


def _gzip(response: HttpResponse) -> bytes | None:
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    if len(response.content) < MIN_GZIP_BYTES or not content_type.startswith(COMPRESSIBLE):
        return None
    # mtime=0: the same page always compresses to the same bytes (and the same ETag).
    return gzip.compress(response.content, compresslevel=6, mtime=0)


def _replay(entry: Entry, request: HttpRequest) -> HttpResponse:
    body, etag, gzipped = entry.variant(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    if etag in request.META.get("HTTP_IF_NONE_MATCH", ""):
        response = HttpResponseNotModified()
        for name, value in entry.headers:
            if name.lower() in ("cache-control", "vary"):
                response[name] = value
    else:
        response = HttpResponse(body, status=entry.status)
        for name, value in entry.headers:
            response[name] = value
        if gzipped:
            response["Content-Encoding"] = "gzip"
        response["Content-Length"] = str(len(body))
    response["ETag"] = etag
    response[STATUS_HEADER] = "hit"
    return response


class PageCacheMiddleware:
    """Serves anonymous GET and HEAD requests from the cache, and caches what may be.

    Placed right after the security and static-file middleware: a hit skips sessions, CSRF,
    authentication, URL resolving and the database altogether; the security middleware
    still adds its headers to it on the way out.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.outage_logged_at = 0.0

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not enabled() or not cacheable_request(request):
            return self._bypass(request)
        # Outside the try: a forged Host header raises here, and must end as Django's 400.
        key = ENTRY_KEY.format(digest=request_address(request))
        try:
            # The version and the entry in one round trip (MGET on Redis).
            found = _cache().get_many([VERSION_KEY, key])
            version = found.get(VERSION_KEY) or current_version()
        except Exception:
            self._log_outage()
            return self._bypass(request)
        if version is None:
            # No version to serve or store under: the cache answers with misses because it
            # cannot reach Redis (site_core/caching/redis.py), which logs it.
            return self._bypass(request)
        setattr(request, REQUEST_VERSION_ATTR, version)  # for site_core/caching/memo.py
        entry = found.get(key)
        if entry is not None and entry.version == version:
            return _replay(entry, request)

        response = self.get_response(request)
        if request.method == "GET" and storable(response):
            _public_cache_control(response)
            patch_vary_headers(response, ["Cookie", "Accept-Encoding"])
            gzipped = _gzip(response)
            entry = Entry(
                version=version,
                status=response.status_code,
                headers=[(n, v) for n, v in response.items() if n.lower() not in NOT_REPLAYED],
                content=b"" if gzipped is not None else response.content,
                etag=_etag(response.content),
                gzipped=gzipped,
            )
            response["ETag"] = entry.etag
            try:
                _cache().set(key, entry, settings.PAGE_CACHE_SECONDS)
            except Exception:
                self._log_outage()
            response[STATUS_HEADER] = "miss"
        else:
            response[STATUS_HEADER] = "bypass"
        return response

    def _bypass(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.SESSION_COOKIE_NAME in request.COOKIES and "Cache-Control" not in response:
            # A signed-in editor's page (the userbar, a preview): never kept anywhere.
            patch_cache_control(response, private=True, no_cache=True, no_store=True)
        response[STATUS_HEADER] = "bypass"
        return response

    def _log_outage(self) -> None:
        now = time.monotonic()
        if now - self.outage_logged_at >= OUTAGE_LOG_SECONDS:
            self.outage_logged_at = now
            logger.warning("The page cache is out of reach; serving pages uncached", exc_info=True)


# --- What replaces the version ----------------------------------------------------------


def _content_changed(sender, reason: str = "", **kwargs) -> None:
    invalidate(reason)


def connect() -> None:
    # A change made while Redis was out of reach could not replace the version, and the
    # process that made it may be gone when Redis answers again with the old entries: every
    # process that noticed the outage deletes the version then (site_core/caching/redis.py).
    forget_after_outage(VERSION_KEY)
    # Every change a reader could see (site_core/publishing/changes.py).
    content_changed.connect(_content_changed, dispatch_uid="page_cache_content_changed")
