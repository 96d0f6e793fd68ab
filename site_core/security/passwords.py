"""Wagtail's password forms for private pages and documents, with a safe return address.

Wagtail redirects to the form's `return_url` with `django.shortcuts.redirect()`, which takes a
value without "/" or "." for the name of a URL pattern and fails with a 500 when it names
none. The form is Wagtail's own (it writes `return_url` itself), so only a tampered form
sends such a value: it goes back to the home page instead.
"""

from wagtail import views as page_views
from wagtail.documents.views import serve as document_views


def _with_safe_return_url(request):
    if request.method == "POST":
        return_url = request.POST.get("return_url", "")
        if "/" not in return_url and "." not in return_url:
            request.POST = request.POST.copy()
            request.POST["return_url"] = "/"
    return request


def page_password(request, page_view_restriction_id, page_id):
    return page_views.authenticate_with_password(
        _with_safe_return_url(request), page_view_restriction_id, page_id
    )


def document_password(request, restriction_id):
    return document_views.authenticate_with_password(_with_safe_return_url(request), restriction_id)
