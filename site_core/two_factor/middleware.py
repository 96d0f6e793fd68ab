from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from django_otp import user_has_device

# Admin addresses a user who has not yet entered a code may still open.
ALLOWED_URL_NAMES = (
    "two_factor_verify",
    "two_factor_enrol",
    "wagtailadmin_logout",
    "wagtailadmin_javascript_catalog",  # the sign-in pages' script translations
)


class TwoFactorMiddleware:
    """After django-otp's OTPMiddleware: a user who must enter a code (they set up an app,
    or ADMIN_REQUIRE_TWO_FACTOR is on) is sent to enter it, or to set an app up, before any
    admin page; on the public site they are a reader until then (no private pages, no
    userbar).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not user.is_verified():
            has_device = user_has_device(user)
            if has_device or settings.ADMIN_REQUIRE_TWO_FACTOR:
                if not request.path_info.startswith(settings.ADMIN_PATH_PREFIXES):
                    request.user = AnonymousUser()
                elif request.path_info not in {reverse(name) for name in ALLOWED_URL_NAMES}:
                    step = "two_factor_verify" if has_device else "two_factor_enrol"
                    query = urlencode({"next": request.get_full_path()})
                    return redirect(f"{reverse(step)}?{query}")
        return self.get_response(request)
