"""schema.org data for a review page (JSON-LD), so search engines know what it is.

A review is a `Report`: its title, summary and address, `datePublished` to the precision
readers see ("2021-03" for a month; left out when the date is not recorded), its authors,
its publisher (the publishing body, else the site's partnership) and `about`, its key
themes. Everything is built from what the page's context has already read: no queries.
The template writes it with the `json_ld` filter (site_core/templatetags/metadata.py),
which escapes it for a <script> element.
"""

from learning.cards import library_url_of
from site_core.branding.partnership import branding_for_request
from site_core.caching.sites import site_for_request

LANGUAGE = "en-GB"


def _organisation(name: str, url: str = "") -> dict:
    organisation = {"@type": "Organization", "name": name}
    if url:
        organisation["url"] = url
    return organisation


def review_structured_data(review, request, context) -> dict:
    """The `Report` for `review`; `context` is its page context (ReviewPage.get_context)."""
    url = review.get_full_url(request) or ""
    library_url = library_url_of(url)
    site = site_for_request(request)
    name = branding_for_request(request).name
    partnership = _organisation(name, f"{site.root_url}/" if site else "")
    body = context.get("publishing_body")
    publisher = _organisation(body.name) if body else partnership

    data = {
        "@context": "https://schema.org",
        "@type": "Report",
        "name": review.title,
        "headline": review.title,
        "url": url,
        "description": review.get_meta_description(),
        "inLanguage": LANGUAGE,
    }
    if review.iso_date:
        data["datePublished"] = review.iso_date
    if review.last_published_at:
        data["dateModified"] = review.last_published_at.isoformat()
    authors = [{"@type": "Person", "name": author.name} for author in context["authors"]]
    data["author"] = authors or [publisher]
    data["publisher"] = publisher
    if context.get("review_type"):
        data["genre"] = context["review_type"].name
    if review.reference:
        data["reportNumber"] = review.reference
    themes = context.get("key_themes") or []
    if themes:
        data["about"] = [
            {
                "@type": "DefinedTerm",
                "name": theme.name,
                "termCode": theme.slug,
                **({"url": f"{library_url}themes/{theme.slug}/"} if library_url else {}),
            }
            for theme in themes
        ]
    return data
