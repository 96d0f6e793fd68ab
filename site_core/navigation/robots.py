"""/robots.txt: keep crawlers out of the admin and point them at the sitemap.

Its own module (not site_core/search/views.py) because it is a fixed text file in effect, served
by Django before Wagtail's catch-all page route.
"""

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

DISALLOWED = ["/admin/", "/django-admin/"]


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        *(f"Disallow: {path}" for path in DISALLOWED),
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
