"""Setting up an authenticator app, and entering its code after the password."""

import base64
import math

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

import segno
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from site_core.two_factor.forms import CodeForm

WRONG_CODE = (
    "That code is not right. Check that your phone's clock is correct, and enter the "
    "code your app shows now."
)
THROTTLED = "Too many wrong codes. Wait {seconds} seconds, then enter the code your app shows."


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return reverse("wagtailadmin_home")


def _confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def _throttled_message(device: TOTPDevice) -> str | None:
    """What to say while django-otp refuses codes after wrong ones (a wait that doubles with
    each), or None when a code may be tried."""
    allowed, details = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (details or {}).get("locked_until")
    wait = (locked_until - timezone.now()).total_seconds() if locked_until else 1
    return THROTTLED.format(seconds=max(1, math.ceil(wait)))


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in, for a user who has set up an app."""
    device = _confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('two_factor_enrol')}?{urlencode({'next': _next_url(request)})}")
    if request.user.is_verified():
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if form.is_valid():
        if throttled := _throttled_message(device):
            form.add_error("code", throttled)
        elif verify_token(request.user, device.persistent_id, form.cleaned_data["code"]):
            otp_login(request, device)
            return redirect(_next_url(request))
        else:
            form.add_error("code", WRONG_CODE)
    return render(request, "two_factor/verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app; once set up, see that it is on and turn it off."""
    user = request.user
    if _confirmed_device(user) is not None:
        return _enrolled(request)

    # One app being set up at a time: the secret shown stays the same until it is confirmed.
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        if throttled := _throttled_message(device):
            form.add_error("code", throttled)
        elif device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(
                request,
                "Two-step verification is on. From now on you will enter a code from your "
                "app each time you sign in.",
            )
            return redirect(_next_url(request))
        else:
            form.add_error("code", WRONG_CODE)

    qr_code = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "next": _next_url(request),
        # segno writes the address as drawn modules, none of its text, so the SVG is safe.
        "qr_code": mark_safe(
            qr_code.svg_inline(scale=4, dark="#000", light="#fff", title="QR code to scan")
        ),
        # Grouped in fours to copy into an app by hand, as apps show it.
        "secret": " ".join(_chunks(base64.b32encode(device.bin_key).decode(), 4)),
    }
    return render(request, "two_factor/enrol.html", context)


def _enrolled(request: HttpRequest) -> HttpResponse:
    required = settings.ADMIN_REQUIRE_TWO_FACTOR
    if request.method == "POST" and not required:
        TOTPDevice.objects.filter(user=request.user).delete()
        messages.success(request, "Two-step verification is off.")
        return redirect("wagtailadmin_account")
    return render(request, "two_factor/enrolled.html", {"required": required})


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]
