"""The partnership's colour as a stylesheet of its own (see docs/front-end.md)."""

from django.http import HttpResponse
from django.views.decorators.http import require_safe

from site_core.branding.partnership import branding_for_request

# A year: the address changes with the colour (?v=), so a stored copy is never stale.
BRAND_CSS_MAX_AGE = 365 * 24 * 60 * 60


@require_safe
def brand_stylesheet(request):
    """The partnership's colour as CSS custom properties (see docs/front-end.md).

    A stylesheet of its own rather than a <style> element or a style attribute, so that a
    Content Security Policy without 'unsafe-inline' allows it. Pages link to it with the
    colour's version in the address (site_core.branding.partnership), so browsers keep it
    for a year; an address with an old or no version is cached only briefly.
    """
    branding = branding_for_request(request)
    response = HttpResponse(branding.colour_css, content_type="text/css; charset=utf-8")
    current = branding.colour_version and request.GET.get("v") == branding.colour_version
    max_age = BRAND_CSS_MAX_AGE if current else 300
    response["Cache-Control"] = f"public, max-age={max_age}" + (", immutable" if current else "")
    return response
