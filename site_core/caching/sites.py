"""The Wagtail site serving a request, kept by the process until the content changes."""

from django.core.exceptions import DisallowedHost

from wagtail.models import Site

from site_core.caching.memo import remembered

# Addresses kept per content version: a site answers to a few; a wildcard in ALLOWED_HOSTS
# must not let made-up host names fill the memory.
MAX_ADDRESSES = 64


def site_for_request(request) -> Site | None:
    """`Site.find_for_request(request)`, kept by the process for anonymous readers.

    Wagtail looks the site up with a query on every request and keeps the answer on the
    request. The answer depends only on the host and port asked for and on the Site records,
    and any change to those replaces the content version (site_core.publishing.changes), so
    the process keeps it per host and port for that version (site_core/caching/memo.py). The
    site search and the navigation, branding and metadata of every page ask here; a page view
    has had Wagtail look the site up already, so the first ask costs no query either.
    Shared by every request of the process: callers only read it.
    """
    if request is None:
        return None
    try:
        address = (request.get_host(), request.get_port())
    except DisallowedHost:
        return Site.find_for_request(request)
    # The one memo value that grows: filled address by address as readers ask, and
    # replaced as a whole with the content version like every other.
    known = remembered("sites by address", dict)
    try:
        return known[address]
    except KeyError:
        site = Site.find_for_request(request)
        if len(known) < MAX_ADDRESSES:
            known[address] = site
        return site
