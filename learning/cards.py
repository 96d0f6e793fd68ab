"""Review cards: what a listing shows of each review, worked out once per card in Python.

A listing (the library, a theme's page, the home page, a review's related reviews) shows
each review as a card: its title linking to it, subject, type, date, summary, the search
snippet and its key themes linking to their theme pages. `review_cards()` reads all of that
from reviews loaded by `learning.queries` and from the cached vocabulary (read once for the
whole list), so the template (templates/components/review_cards.html) only prints values:
no page address worked out per theme, no cache read per card, no lookup that misses on
the page object (which costs the template engine a dir() of it).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from learning.models import Theme
from learning.terms import Term, Vocabulary, vocabulary


@dataclass(frozen=True)
class ThemeLink:
    """A theme as a link to its page in the library."""

    slug: str
    name: str
    url: str


@dataclass(frozen=True)
class ReviewCard:
    url: str
    title: str
    subject: str
    type_name: str
    display_date: str  # as readers see it, to the precision the editor chose; "" for none
    iso_date: str  # the same date for machines (<time datetime>), same precision
    summary: str
    snippet: str  # where a search matched (safe HTML), "" without a search
    themes: tuple[ThemeLink, ...]


def library_url_of(review_url: str) -> str:
    """The library's address from the address of a review in it (its parent)."""
    return review_url[: review_url.rstrip("/").rfind("/") + 1] if review_url else ""


def theme_links(themes: Iterable, library_url: str) -> tuple[ThemeLink, ...]:
    """Links to the theme pages of `themes` (anything with slug and name) in a library."""
    return tuple(ThemeLink(t.slug, t.name, f"{library_url}themes/{t.slug}/") for t in themes)


def key_themes(review, vocab: Vocabulary) -> list:
    """A review's key themes in order, named from the vocabulary (see ReviewPage.key_themes).

    From the ids a listing loaded with the review (`theme_ids`, learning.queries), else
    from its theme links (prefetched by a listing, or one query).
    """
    by_id = vocab.theme_by_id
    ids = getattr(review, "theme_ids", None)
    if ids is None:
        return [by_id.get(link.theme_id) or link.theme for link in review.review_themes.all()]
    themes = [by_id.get(pk) for pk in ids]
    if None in themes:  # a theme newer than the vocabulary read from the cache
        missing = Theme.objects.in_bulk(
            [pk for pk, theme in zip(ids, themes, strict=True) if theme is None]
        )
        themes = [theme or missing.get(pk) for pk, theme in zip(ids, themes, strict=True)]
    return [theme for theme in themes if theme is not None]


def review_type(review, vocab: Vocabulary) -> Term | None:
    if review.review_type_id is None:
        return None
    return vocab.type_by_id.get(review.review_type_id) or review.review_type


def publishing_body(review, vocab: Vocabulary) -> Term | None:
    if review.publishing_body_id is None:
        return None
    return vocab.by_id("body").get(review.publishing_body_id) or review.publishing_body


def _base(within, request) -> tuple[str, str]:
    """`within`'s tree address and its address on the request's site ("" if on another)."""
    if within is None:
        return "", ""
    url = within.get_url(request) or ""
    return within.url_path, url if url.startswith("/") else ""


def review_cards(
    reviews: Iterable,
    request,
    *,
    vocab: Vocabulary | None = None,
    with_themes: bool = True,
    within=None,
) -> list[ReviewCard]:
    """A card for each review, in order.

    `reviews` come from `learning.queries.live_reviews()` (with their themes' ids) or,
    with `with_themes=False`, from `related_reviews()` (a compact card has no themes). A
    review the finder found by searching carries its `snippet`.

    `within`: the page the reviews were found under (their library), when the caller has
    it. A review's address is then that page's address followed by the rest of the
    review's own path: the address Wagtail's `get_url()` gives for a page of the request's
    site, without matching the site's root paths again for each card.
    """
    vocab = vocab or vocabulary()
    base_path, base_url = _base(within, request)
    cards = []
    for review in reviews:
        if base_url and review.url_path.startswith(base_path):
            url = base_url + review.url_path[len(base_path) :]
        else:
            url = review.get_url(request) or ""
        kind = review_type(review, vocab)
        themes = theme_links(key_themes(review, vocab), library_url_of(url)) if with_themes else ()
        cards.append(
            ReviewCard(
                url=url,
                title=review.title,
                subject=review.subject,
                type_name=kind.name if kind else "",
                display_date=review.display_date,
                iso_date=review.iso_date,
                summary=review.summary,
                snippet=getattr(review, "snippet", ""),
                themes=themes,
            )
        )
    return cards
