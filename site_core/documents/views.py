"""The document view: Wagtail's, behind the site's rule of what the public may have.

Wagtail serves any document to whoever has its address, so a report attached to a review
that is still a draft, or scheduled for next week, would leak. Here the public gets a
document only while a visible page uses it, as `site_core.publishing.visibility` decides
(`document_status()`): a registered document use (a review's reports until their
"available until" date, a policy page's documents) or a link in a page's own fields. Past
its date, a use's own page says how to request a copy (410 Gone, `DocumentUse.withdrawn`).

Anyone else gets the site's ordinary 404, exactly as for a document that does not exist,
so the address confirms nothing; users who can use the Wagtail admin get the file. See
docs/embargo.md for why the reference index is trusted for page fields only.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import get_resolver, get_urlconf

from wagtail.documents.views.serve import serve as wagtail_serve

from site_core.documents.storage import download_headers
from site_core.publishing.visibility import document_status

# Long enough to spare the server a burst of downloads, short enough that a report taken
# down (unpublished, expired, withdrawn) leaves shared caches within minutes.
PUBLIC_CACHE_CONTROL = "public, max-age=300"
# Anything not public: a copy must never be kept by a proxy, nor reused by the browser.
PRIVATE_CACHE_CONTROL = "private, no-store"
# Content-Security-Policy of a document opened in the browser (a PDF), and of one saved.
INLINE_FILE_POLICY = "default-src 'none'"
DOWNLOAD_POLICY = "sandbox; default-src 'none'"


def can_use_admin(user) -> bool:
    return user.is_authenticated and user.has_perm("wagtailadmin.access_admin")


def serve(request: HttpRequest, document_id: str, document_filename: str) -> HttpResponse:
    """Wagtail's document view behind the public-access rule, with caching headers.

    Routed in place of Wagtail's own (site_core/urls.py). Only the decision and the
    headers are added; Wagtail still checks the file name and collection privacy, sends
    `document_served` and streams the file.
    """
    status = document_status(int(document_id))
    if status is None or status.filename != document_filename:
        return not_found(request)
    cache_control = PRIVATE_CACHE_CONTROL
    if status.used or can_use_admin(request.user):
        # Wagtail's view checks a restricted collection itself (its password form).
        try:
            response = wagtail_serve(request, document_id, document_filename)
        except Http404:
            return not_found(request)
        if response.streaming:
            with_file_headers(response, status.file_name)
        # A redirect to the object store's signed address is never kept: the address expires
        # within minutes (MEDIA_SIGNED_URL_SECONDS), and is the editor's alone for a draft.
        if status.public and not is_redirect(response):
            cache_control = PUBLIC_CACHE_CONTROL
    elif status.withdrawn is not None and status.withdrawn[0].withdrawn is not None:
        use, link_id = status.withdrawn
        response = use.withdrawn(request, link_id)
        if response is None:
            return not_found(request)
    else:
        return not_found(request)
    return with_headers(response, cache_control)


def not_found(request: HttpRequest) -> HttpResponse:
    """The site's ordinary 404, the same for a missing document and an embargoed one."""
    handler = get_resolver(get_urlconf()).resolve_error_handler(404)
    response = handler(request, Http404("No document here."))
    return with_headers(response, PRIVATE_CACHE_CONTROL)


def is_redirect(response: HttpResponse) -> bool:
    return response.status_code in (301, 302, 303, 307, 308)


def with_file_headers(response: HttpResponse, file_name: str) -> None:
    """The file's own type and disposition, and a policy that keeps it from running script.

    A PDF opens in the browser and gets Wagtail's `default-src 'none'` only: Chrome's and
    Safari's PDF viewers show nothing under a `sandbox` policy. Everything else is saved
    rather than opened, and sandboxed should a browser open it all the same. The view sets
    the policy, so the site-wide one (site_core/security/middleware.py) leaves it alone.
    """
    content_type, disposition = download_headers(file_name)
    response["Content-Type"] = content_type
    response["Content-Disposition"] = disposition
    response["Content-Security-Policy"] = (
        INLINE_FILE_POLICY if disposition.startswith("inline") else DOWNLOAD_POLICY
    )


def with_headers(response: HttpResponse, cache_control: str) -> HttpResponse:
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response
