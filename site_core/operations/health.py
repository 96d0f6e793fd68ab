"""GET /health/, for load balancers and the container's health check.

200 `ok` when the database and the shared cache both answer, 503 `unavailable` when either
does not. The address is public, so the body says nothing more (no versions, no error
text): the reason for a 503 goes to the log, at WARNING. The answer is never stored
(`Cache-Control: no-store`), by the page cache or by anything in between, so that each
check reaches the database and the cache; and it sets no cookie.

Host checking still applies: a load balancer must send one of ALLOWED_HOSTS as the Host
header, or it gets Django's 400. The production settings exempt this address from the
redirect to HTTPS, so a probe over plain HTTP gets the answer itself.
"""

import logging
import secrets

from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# The probe's key expires by itself: checks every few seconds leave nothing behind.
PROBE_SECONDS = 10
OK, UNAVAILABLE = "ok", "unavailable"


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    """A write and a read of a key of its own: a cache that takes writes but has lost its
    memory (or one that refuses them) is not one the page cache can rely on."""
    cache = caches["default"]
    key, value = f"health:{secrets.token_hex(8)}", secrets.token_hex(8)
    cache.set(key, value, PROBE_SECONDS)
    if cache.get(key) != value:
        raise LookupError("a value just written to the cache could not be read back")


CHECKS = {"database": check_database, "cache": check_cache}


@never_cache
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    healthy = True
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:
            healthy = False
            logger.warning(
                "Health check: the %s is unavailable: %s: %s", name, type(error).__name__, error
            )
    return HttpResponse(
        OK if healthy else UNAVAILABLE,
        status=200 if healthy else 503,
        content_type="text/plain; charset=utf-8",
    )
