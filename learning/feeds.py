"""The library's Atom feed (RFC 4287): the reviews the library lists, as entries.

`/learning-from-reviews/feed/` takes the library's own query string (`theme`, `type`,
`year`, `body`, `q`, `sort`) and goes through `learning.finder.find_reviews()`, so a feed
lists exactly what the library shows at the same address: a feed of "Neglect" reviews is
the library's query on the feed's address. It holds the first `FEED_LENGTH` reviews,
newest first unless `sort` says otherwise, on one page (`page` is ignored). Unknown
values are ignored, as they are in the library.

Each entry has the review's title, summary and address, `published` (the review's own
publication date, when one is recorded), `updated` (when the page was last published)
and one category per key theme: term = the theme's slug, label = its name, scheme = the
theme's page.
"""

import re
from dataclasses import dataclass
from datetime import datetime, time
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from learning.cards import key_themes, publishing_body
from learning.finder import Filters, find_reviews
from learning.models import DatePrecision, ReviewPage, ThemeIndexPage
from learning.terms import vocabulary
from site_core.branding.partnership import branding_for_request
from site_core.caching.sites import site_for_request

FEED_LENGTH = 50
FEED_LANGUAGE = "en-GB"

# Characters XML 1.0 does not allow (Django's feed writer refuses them rather than write
# an invalid feed). Text pasted from word processors brings some, such as vertical tabs.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str | None) -> str | None:
    return _NOT_XML.sub(" ", value) if value else value


class ReviewAtomFeed(Atom1Feed):
    """Django's Atom 1.0 writer, with plain-text summaries and labelled categories.

    Django writes every summary as `type="html"` and a category with its term only; a
    review's summary is plain text, and a theme has a name and a page of its own. Each
    item's categories are given as `theme_categories`, dicts of `term`, `label`, `scheme`.
    """

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None, "categories": ()})
        if item["description"]:
            handler.addQuickElement("summary", item["description"], {"type": "text"})
        for category in item.get("theme_categories", ()):
            handler.addQuickElement("category", "", category)

    def latest_post_date(self):
        """The feed's `updated`: its newest entry's, else when the library was published.

        Django's default also counts `published` dates, which here are the reviews' own
        dates (possibly later than the page was last changed), and otherwise says "now",
        which would make an empty feed look changed on every request.
        """
        dates = [item["updateddate"] for item in self.items if item["updateddate"]]
        return max(dates) if dates else (self.feed.get("updated_fallback") or timezone.now())


@dataclass(frozen=True)
class FeedLink:
    """The auto-discovery link of a library or theme page: where its feed is, and its title."""

    url: str
    title: str


def feed_title(library: ThemeIndexPage, filters: Filters) -> str:
    """The library's title, then what the feed is filtered by: "Learning from reviews: Neglect"."""
    parts = [theme.name for theme in filters.all_themes]
    if filters.types:
        parts.append(" or ".join(term.name for term in filters.types))
    if filters.year:
        parts.append(str(filters.year))
    if filters.body:
        parts.append(filters.body.name)
    if filters.q:
        parts.append(f"“{filters.q}”")
    return f"{library.title}: {', '.join(parts)}" if parts else library.title


def _with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


def feed_link(library: ThemeIndexPage, filters: Filters, request=None) -> FeedLink:
    """The feed of the reviews a library or theme page lists (its filters, its theme)."""
    url = (library.get_url(request) or "") + library.reverse_subpage("feed")
    query = filters.params_with_fixed_theme().urlencode()
    return FeedLink(_with_query(url, query), feed_title(library, filters))


def published(review: ReviewPage) -> datetime | None:
    """The review's own publication date as a time (midnight, site time), if recorded.

    A date known to the month or the year is stored as its first day, so that is the
    day given; a date that is "not recorded" gives no `published` element at all.
    """
    if (
        review.publication_date is None
        or review.publication_date_precision == DatePrecision.NOT_RECORDED
    ):
        return None
    return timezone.make_aware(datetime.combine(review.publication_date, time.min))


def entry_id(review: ReviewPage, authority: str) -> str:
    """A permanent id (RFC 4151 tag URI) that survives a change of the review's slug.

    Feed readers recognise entries by id; an address-based id would show a review again
    as new whenever an editor corrected its slug or moved it.
    """
    first = review.first_published_at or review.last_published_at or timezone.now()
    return f"tag:{authority},{first:%Y-%m-%d}:review:{review.pk}"


def _full_url(page, request: HttpRequest) -> str:
    """The page's address on its Wagtail site, as in canonical links and the sitemap."""
    return page.get_full_url(request) or request.build_absolute_uri(page.get_url(request) or "/")


def review_feed(request: HttpRequest, library: ThemeIndexPage) -> HttpResponse:
    params = request.GET.copy()
    params.pop("page", None)  # a feed is one page: the newest FEED_LENGTH reviews
    vocab = vocabulary()
    finder = find_reviews(params, library, per_page=FEED_LENGTH, vocab=vocab)
    filters = finder.filters

    # Every address is absolute and on the Wagtail site's own host, as the canonical links
    # and the sitemap are, so a reader's copy of an entry links where search engines do.
    site = site_for_request(request)
    library_url = _full_url(library, request)
    feed_url = library_url + library.reverse_subpage("feed")
    query = filters.params().urlencode()
    authority = urlsplit(library_url).hostname or "localhost"

    feed = ReviewAtomFeed(
        title=_text(feed_title(library, filters)),
        link=_with_query(library_url, query),
        description="",
        subtitle=_text(library.search_description) or None,
        language=FEED_LANGUAGE,
        feed_url=_with_query(feed_url, query),
        feed_guid=_with_query(feed_url, query),
        author_name=branding_for_request(request).name,
        author_link=f"{site.root_url}/" if site else request.build_absolute_uri("/"),
        updated_fallback=library.last_published_at,
    )

    theme_urls: dict[str, str] = {}  # a theme's page, worked out once however many cite it

    def theme_url(slug: str) -> str:
        if slug not in theme_urls:
            theme_urls[slug] = library_url + library.reverse_subpage("theme_detail", args=[slug])
        return theme_urls[slug]

    for review in finder.page:
        feed.add_item(
            title=_text(review.title),
            link=_full_url(review, request),
            description=_text(review.summary),
            unique_id=entry_id(review, authority),
            pubdate=published(review),
            updateddate=(
                review.last_published_at or review.latest_revision_created_at or timezone.now()
            ),
            # Entries without a publishing body fall back to the feed's author (the site).
            author_name=_text(body.name) if (body := publishing_body(review, vocab)) else None,
            theme_categories=[
                {"term": theme.slug, "label": _text(theme.name), "scheme": theme_url(theme.slug)}
                for theme in key_themes(review, vocab)
            ],
        )

    response = HttpResponse(content_type=feed.content_type)
    feed.write(response, "utf-8")
    return response
