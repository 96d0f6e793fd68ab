"""Template tags for what a page says about itself: description, canonical address, JSON-LD.

Used in <head> by base.html. Each copes without a page (error pages, the search page),
giving nothing rather than failing.
"""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from wagtail.models import Page

register = template.Library()

# As django.utils.html.json_script: no text inside the data can end the <script> element
# ("</script>", "<!--") or be read as markup; U+2028/2029 are escaped for old parsers.
_SCRIPT_ESCAPES = {
    ord("<"): "\\u003C",
    ord(">"): "\\u003E",
    ord("&"): "\\u0026",
    ord("\u2028"): "\\u2028",
    ord("\u2029"): "\\u2029",
}


@register.simple_tag(takes_context=True)
def meta_description(context) -> str:
    """The page's description for search engines and link previews.

    The view's `meta_description` if it set one (a theme's page), else the page's own
    `get_meta_description()` (a review: its summary), else its "Search description".
    """
    if context.get("meta_description"):
        return context["meta_description"]
    page = context.get("page")
    if not isinstance(page, Page):
        return ""
    method = getattr(page, "get_meta_description", None)
    return (method() if method else page.search_description) or ""


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """The page's absolute address without a query string, for rel=canonical and og:url.

    The view's `canonical_url` if it set one (a library's routes, such as a theme's
    page), else the page's own full URL. Filtered and paginated library addresses share
    the library's.
    """
    if context.get("canonical_url"):
        return context["canonical_url"]
    page = context.get("page")
    if not isinstance(page, Page):
        return ""
    return page.get_full_url(context.get("request")) or ""


@register.filter
def json_ld(data) -> str:
    """`{{ data|json_ld }}`: a <script type="application/ld+json"> element holding `data`.

    Django's json_script filter does the same escaping but only writes
    type="application/json", which search engines do not read as structured data.
    """
    if not data:
        return ""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(_SCRIPT_ESCAPES)),  # safe: escaped for <script> just here
    )
