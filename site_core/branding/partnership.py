"""The partnership's branding and reader-safety settings as pages show them, cached per site.

Every page shows the partnership's name, logo, colour, footer links, contact details and
quick exit. They come from PartnershipSettings, but resolved (footer page links turned
into addresses, the logo into a rendition, rich text expanded) and kept in the cache like
the main menu (site_core/navigation/menu.py), so a page costs no query for them. Saving
the settings, changing an image, or publishing, unpublishing, moving or deleting any page
clears the cache (site_core.signals.content_changed); the timeout bounds staleness should
a change ever be missed.
"""

import hashlib
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from wagtail.models import Page, Site
from wagtail.rich_text import expand_db_html

from site_core.branding.colour import brand_colour_problems, brand_palette
from site_core.caching.memo import cached_value, forget_per_site_when_content_changes
from site_core.caching.sites import site_for_request
from site_core.publishing.visibility import is_visible, visible_pages

logger = logging.getLogger(__name__)

CACHE_KEY = "site_core:branding:{site_id}"
REQUEST_ATTR = "_site_branding"
CACHE_TIMEOUT = 300
STATEMENT_SLUG = "accessibility-statement"
LOGO_FILTER = "height-128"  # twice the shown height, for sharp logos on high-density screens


@dataclass(frozen=True)
class Logo:
    url: str
    width: int
    height: int
    alt: str


@dataclass(frozen=True)
class FooterLink:
    label: str
    url: str


@dataclass(frozen=True)
class Branding:
    partnership_name: str = ""
    logo: Logo | None = None
    colour_css: str = ""  # the brand stylesheet's text; empty for the site's own colour
    statement_url: str = ""
    footer_links: list[FooterLink] = field(default_factory=list)
    contact_html: str = ""
    support_heading: str = ""
    support_html: str = ""
    quick_exit_url: str = ""  # empty when the quick exit is switched off

    @property
    def name(self) -> str:
        """The partnership's name, else the one the site was set up with (SITE_NAME)."""
        return self.partnership_name or settings.WAGTAIL_SITE_NAME

    @property
    def colour_version(self) -> str:
        """Changes whenever the brand stylesheet does: the ?v= of its address."""
        if not self.colour_css:
            return ""
        return hashlib.sha256(self.colour_css.encode()).hexdigest()[:12]

    @property
    def contact(self) -> SafeString:
        return mark_safe(self.contact_html)  # rich text, as Wagtail's richtext filter gives it

    @property
    def support(self) -> SafeString:
        return mark_safe(self.support_html)  # rich text, as Wagtail's richtext filter gives it


DEFAULT_BRANDING = Branding()


def brand_css(colour: str) -> str:
    """The stylesheet that gives the site the partnership's colour; empty for none or a
    colour that fails the contrast rules (saved before the rules, or straight to the
    database)."""
    if not colour or brand_colour_problems(colour):
        return ""
    declarations = "".join(f"{name}:{value};" for name, value in brand_palette(colour).items())
    return f":root{{{declarations}}}\n"


def _logo(partnership) -> Logo | None:
    image = partnership.logo
    if image is None:
        return None
    try:
        # SVG logos scale by themselves; other formats get a rendition at a sensible size.
        shown = image if image.is_svg() else image.get_rendition(LOGO_FILTER)
        return Logo(
            url=shown.file.url if shown is image else shown.url,
            width=shown.width,
            height=shown.height,
            alt=partnership.logo_alt_text,
        )
    except OSError:  # includes Wagtail's SourceImageIOError: the file is missing
        logger.warning("The partnership logo's file is missing; the header shows the name.")
        return None


def _page_url(page, request) -> str:
    if page is None or not is_visible(page.pk):
        return ""
    return page.get_url(request) or ""


def _statement_url(partnership, site: Site, request) -> str:
    if partnership.accessibility_statement_id:
        return _page_url(partnership.accessibility_statement, request)
    page = (
        visible_pages(Page.objects.descendant_of(site.root_page))
        .filter(slug=STATEMENT_SLUG)
        .order_by("depth")
        .only("url_path", "path", "depth", "live")
        .first()
    )
    return _page_url(page, request)


def _footer_links(partnership, request) -> list[FooterLink]:
    links = []
    for block in partnership.footer_links:
        url = _page_url(block.value["page"], request) or block.value["url"]
        if url:  # a page unpublished since it was chosen drops out
            links.append(FooterLink(label=block.value["label"], url=url))
    return links


def _build(site: Site, request) -> Branding:
    from site_core.branding.models import PartnershipSettings

    partnership = PartnershipSettings.for_site(site)
    return Branding(
        partnership_name=partnership.partnership_name,
        logo=_logo(partnership),
        colour_css=brand_css(partnership.primary_colour),
        statement_url=_statement_url(partnership, site, request),
        footer_links=_footer_links(partnership, request),
        contact_html=expand_db_html(partnership.contact_details or ""),
        support_heading=partnership.support_notice_heading,
        support_html=expand_db_html(partnership.support_notice_text or ""),
        quick_exit_url=partnership.quick_exit_url if partnership.quick_exit_enabled else "",
    )


def branding_for_request(request) -> Branding:
    """The branding of the site serving `request`; the defaults when there is no such site
    (or no request), so that error pages never fail because of it."""
    if request is None or not hasattr(request, "get_host"):
        return DEFAULT_BRANDING
    # A page asks several times (header, <title>, footer, JSON-LD): read the cache once per
    # request. Nothing a request does changes the branding it shows.
    branding = getattr(request, REQUEST_ATTR, None)
    if branding is not None:
        return branding
    site = site_for_request(request)
    if site is None:
        return DEFAULT_BRANDING
    # Kept by the process for a reader's page until the content changes, else in the shared
    # cache (site_core/caching/memo.py).
    branding = cached_value(
        CACHE_KEY.format(site_id=site.pk), lambda: _build(site, request), timeout=CACHE_TIMEOUT
    )
    setattr(request, REQUEST_ATTR, branding)
    return branding


def connect() -> None:
    forget_per_site_when_content_changes(CACHE_KEY)
