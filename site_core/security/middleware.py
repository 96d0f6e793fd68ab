"""Security headers, the admin's own content security policy, idle sign-ins and the lock-out
page. What each does and why: docs/security.md.

PermissionsPolicyMiddleware and ContentSecurityPolicyMiddleware sit before the page cache
in MIDDLEWARE, so that a page served from the cache gets the current headers too.
"""

import math
import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config

# Session keys of the idle time-out: when the user signed in, and their latest request.
SIGNED_IN_AT = "_security_signed_in_at"
LAST_SEEN_AT = "_security_last_seen_at"
# The latest request is written at most this often: a session saved on every request would
# cost a database write for each of the admin's many background requests.
LAST_SEEN_RESOLUTION = 60

LOCKED_OUT_TEMPLATE = "security/sign_in_locked.html"


class PermissionsPolicyMiddleware:
    """Refuses the browser features in PERMISSIONS_POLICY to every page."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.header)
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with ADMIN_CONTENT_SECURITY_POLICY for the admin's paths.

    A page previewed in the admin is rendered by a request Wagtail makes up for the page's
    public address (`is_dummy`), run through this middleware inside the admin's request: it
    gets the admin's policy, which lets the admin show it in a frame.

    A view that sets its own policy (Wagtail's document and image views do for files that
    could run script) keeps it, as with django-csp's own middleware.
    """

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponse, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None and _in_admin(request):
            parts.config = default_config(settings.ADMIN_CONTENT_SECURITY_POLICY["DIRECTIVES"])
        return parts


def _in_admin(request: HttpRequest) -> bool:
    return getattr(request, "is_dummy", False) or request.path_info.startswith(
        settings.ADMIN_PATH_PREFIXES
    )


class IdleSessionMiddleware:
    """Signs out a user after SESSION_IDLE_TIMEOUT seconds without a request, and in any case
    SESSION_COOKIE_AGE seconds after they signed in.

    Django's own session expiry cannot do both: a session saved on every request (to slide
    its expiry) would never reach an absolute limit. Readers without a session are left
    alone: no session is created for them, so the page cache still serves them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        now = int(time.time())
        if (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            and request.user.is_authenticated
            and self._expired(request.session, now)
        ):
            # The request goes on signed out: the admin sends it to its sign-in page.
            logout(request)
        key = request.session.session_key
        response = self.get_response(request)
        if request.user.is_authenticated:
            session = request.session
            # Signing in gives the session a new key (so does changing one's password).
            if session.session_key != key:
                session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = now
            elif now - session.get(LAST_SEEN_AT, 0) >= LAST_SEEN_RESOLUTION:
                session[LAST_SEEN_AT] = now
        return response

    @staticmethod
    def _expired(session, now: int) -> bool:
        # A session from before this middleware has neither key: it starts counting now.
        signed_in_at = session.setdefault(SIGNED_IN_AT, now)
        last_seen_at = session.get(LAST_SEEN_AT, now)
        return (
            now - last_seen_at > settings.SESSION_IDLE_TIMEOUT
            or now - signed_in_at > settings.SESSION_COOKIE_AGE
        )


def client_ip(request: HttpRequest) -> str | None:
    """The address a sign-in attempt came from, for django-axes.

    Behind REVERSE_PROXY_COUNT proxies that each append to X-Forwarded-For, the client is
    that many entries from the right: anything further left was sent by the client itself
    and could be made up to dodge the lock-out.
    """
    count = settings.REVERSE_PROXY_COUNT
    if count > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a sign-in from a locked-out username and address (429)."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    return render(request, LOCKED_OUT_TEMPLATE, {"minutes": minutes}, status=429)
