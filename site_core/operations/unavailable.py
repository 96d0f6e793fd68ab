"""A 503 page asking readers to try again while the database is out of reach, not a 500.

When PostgreSQL restarts (an upgrade, a failover) or drops connections, a request that
needs it fails with `OperationalError` or `InterfaceError`. This middleware turns that
into `templates/503.html` with status 503, `Retry-After` and `Cache-Control: no-store`, so
readers, crawlers and load balancers see a temporary condition rather than a broken site.
The page is rendered without a request, so no context processor runs: it reads nothing
from the database (the layout it shares with templates/500.html, standalone_page.html).

Recovery needs no restart: Django closes a connection that failed when the request ends
(`close_old_connections` on `request_finished`, which runs once the 503 is sent), and
CONN_HEALTH_CHECKS (settings/base.py) checks a kept connection before its first use in a
request and replaces it if the server dropped it. Pages the page cache holds are served
throughout: it runs before this middleware and needs no database.

`OperationalError` also covers other passing conditions (a deadlock, a statement timeout):
"try again" is the right answer to those too. Errors raised by another middleware rather
than by the view or its template still end as Django's 500.
"""

import logging
import threading
import time

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
# An outage fails every request: one error line (with the traceback) a minute per process,
# counting the others, rather than thousands.
LOG_EVERY_SECONDS = 60


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._lock = threading.Lock()
        self._logged_at: float | None = None
        self._unlogged = 0

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        """Called for an exception raised by the view or while its template renders."""
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        self._log(request, exception)
        response = HttpResponse(
            render_to_string("503.html", {"path": request.get_full_path()}), status=503
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        # Logged above: django.request would log it again as "Service Unavailable".
        response._has_been_logged = True
        return response

    def _log(self, request: HttpRequest, exception: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            if self._logged_at is not None and now - self._logged_at < LOG_EVERY_SECONDS:
                self._unlogged += 1
                return
            unlogged, self._unlogged, self._logged_at = self._unlogged, 0, now
        logger.error(
            "The database is out of reach; answered 503 to %s %s (and to %d other requests "
            "since the last report)",
            request.method,
            request.path,
            unlogged,
            exc_info=exception,
        )
