"""Wagtail's redirects, never to a page the public may not see.

Wagtail keeps a redirect from a page's old address whenever its slug changes, and serves
it from `RedirectMiddleware` whatever the state of the page it leads to. Unpublish a review,
rename it and schedule it for next week, and its old address would announce the new one
(`301`, which browsers and shared caches keep) before it is live. Here a redirect to a
page that is not visible (site_core.publishing.visibility) is left as the 404 it replaces.
"""

from urllib.parse import urlparse

from wagtail.contrib.redirects.middleware import RedirectMiddleware, get_redirect
from wagtail.contrib.redirects.models import Redirect

from site_core.publishing.visibility import is_visible


class VisibleRedirectMiddleware(RedirectMiddleware):
    def process_response(self, request, response):
        redirected = super().process_response(request, response)
        if redirected is response:
            return response
        # The redirect Wagtail chose, looked up again the way it does (the full path, then
        # without its query string): only for a 404 that has one.
        path = Redirect.normalise_path(request.get_full_path(), decode_unicode=False)
        redirect = get_redirect(request, path) or get_redirect(request, urlparse(path).path)
        page_id = redirect.redirect_page_id if redirect is not None else None
        if page_id is not None and not is_visible(page_id):
            return response
        return redirected
