"""The demo site's pages in every state the accessibility checks cover.

Shared by the axe-core checks in the browser (test_accessibility.py) and the HTML validity
check (tests/test_html_validity.py), so that both look at the same set of pages.
"""

from collections.abc import Callable
from dataclasses import dataclass

from learning.models import PolicyPage, ReviewPage, ThemeIndexPage
from site_core.branding.models import PartnershipSettings

NO_MATCH = "zyzzogeton"  # a word (a weevil) that no demo page contains


@dataclass(frozen=True)
class DemoSite:
    """Where the demo site answers, and what the tests find on its pages."""

    base_url: str
    library: str
    policy: str
    accessibility_statement: str
    # A review with reports and the support notice switched on.
    review: str
    review_title: str
    support_heading: str
    # Two themes that one review has, so that filtering by both still finds it.
    two_themes: tuple[str, str]
    two_themes_review_title: str

    def url(self, path: str) -> str:
        return self.base_url + path


def describe_demo_site(base_url: str) -> DemoSite:
    """Reads, once the demo content is loaded, the addresses and texts the checks need."""
    library = ThemeIndexPage.objects.live().get()
    reviews = list(
        ReviewPage.objects.live()
        .order_by("path")
        .prefetch_related("review_themes__theme", "report_documents")
    )
    review = next(r for r in reviews if r.show_support_notice and r.report_documents.all())
    shared = next(r for r in reviews if len(r.review_themes.all()) >= 2)
    first, second = (link.theme.slug for link in shared.review_themes.all()[:2])
    statement = PolicyPage.objects.live().get(slug="accessibility-statement")
    policy = PolicyPage.objects.live().exclude(pk=statement.pk).first()
    return DemoSite(
        base_url=base_url,
        library=library.url,
        policy=policy.url,
        accessibility_statement=statement.url,
        review=review.url,
        review_title=review.title,
        support_heading=PartnershipSettings.for_site(library.get_site()).support_notice_heading,
        two_themes=(first, second),
        two_themes_review_title=shared.title,
    )


@dataclass(frozen=True)
class PageCase:
    name: str
    path: Callable[[DemoSite], str]
    # Text the page must show in this state, so that a check runs on the state it names
    # (a broken filter must not pass as an empty page).
    shows: Callable[[DemoSite], list[str]]
    status: int = 200


PAGES = [
    PageCase("home", lambda s: "/", lambda s: []),
    PageCase("library", lambda s: s.library, lambda s: [s.review_title]),
    PageCase(
        "library filtered, with results",
        lambda s: f"{s.library}?theme={s.two_themes[0]}&theme={s.two_themes[1]}",
        lambda s: [s.two_themes_review_title, "Clear all filters"],
    ),
    PageCase(
        "library filtered, no results",
        lambda s: f"{s.library}?q={NO_MATCH}",
        lambda s: ["No reviews match these filters"],
    ),
    PageCase("theme index", lambda s: f"{s.library}themes/", lambda s: []),
    PageCase(
        "theme page",
        lambda s: f"{s.library}themes/{s.two_themes[0]}/",
        lambda s: [s.two_themes_review_title],
    ),
    PageCase(
        "review with reports and support notice",
        lambda s: s.review,
        lambda s: [s.support_heading, "Reports"],
    ),
    PageCase("policy page", lambda s: s.policy, lambda s: []),
    PageCase(
        "search, with results",
        lambda s: "/search/?q=neglect",
        lambda s: ["A local learning review concerning neglect"],
    ),
    PageCase(
        "search, no results",
        lambda s: f"/search/?q={NO_MATCH}",
        lambda s: [f"Nothing on this site matches “{NO_MATCH}”"],
    ),
    PageCase(
        "accessibility statement",
        lambda s: s.accessibility_statement,
        lambda s: ["Accessibility statement"],
    ),
    PageCase("404", lambda s: "/no-such-page/", lambda s: ["Page not found"], status=404),
]
