"""Every reader can use the site: its markup, reports, support notice and error pages.

The markup checks here run on every page type without a browser; tests/browser/ runs
axe-core and the HTML checker over the same pages in Chromium; test_branding.py covers
the partnership's name, colour, logo, footer and quick exit.
"""

import io
import itertools
import re
from pathlib import Path

from django.conf import settings as django_settings
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.views.defaults import server_error

from wagtail.admin.userbar import ContentCheckerItem

import pytest
from bs4 import BeautifulSoup

from learning.models import PolicyPage, ReviewPage
from site_core.wagtail_hooks import SiteContentCheckerItem, use_site_content_checker
from tests.factories import DocumentFactory, PolicyPageFactory, ReviewPageFactory, ThemeFactory
from tests.markup import partnership, soup_for, text_of

STYLESHEET = Path(django_settings.BASE_DIR) / "static" / "css" / "site.css"
FOCUSABLE = ["a", "button", "input", "select", "textarea", "summary"]
EN_DASH = "\N{EN DASH}"


@pytest.fixture
def child_v(library):
    report = DocumentFactory(title="Child V report")
    # As the extractor leaves a 1.2 MB PDF of 34 pages.
    type(report).objects.filter(pk=report.pk).update(file_size=1_258_291, page_count=34)
    briefing = DocumentFactory(title="Child V briefing")
    type(briefing).objects.filter(pk=briefing.pk).update(file_size=20_480, page_count=1)
    review = ReviewPageFactory(
        parent=library,
        title="Child V",
        subject="Child V",
        summary="This review concerns the death of a four-year-old.",
        body=[("section", {"heading": "What happened", "content": "<p>Learning.</p>"})],
        themes=[ThemeFactory(name="Medical neglect", slug="medical-neglect")],
        documents=[(report, "full_report"), (briefing, "briefing")],
    )
    return ReviewPage.objects.get(pk=review.pk)


@pytest.fixture
def pages(client, home, library, child_v):
    """The address of one page of each type, and of each page state that has its own markup."""
    library.show_in_menus = True
    library.save_revision().publish()
    policy = PolicyPageFactory(
        parent=home,
        title="Our statutory duty",
        body=[("section", {"heading": "Our duty", "content": "<p>Consider incidents.</p>"})],
    )
    return {
        "home": home.url,
        "library": library.url,
        "library filtered": library.url + "?theme=medical-neglect",
        "library with no results": library.url + "?q=zzzzqqq",
        "theme index": library.url + "themes/",
        "theme": library.url + "themes/medical-neglect/",
        "review": child_v.url,
        "policy": policy.url,
        "search": "/search/?q=child",
        "search with no results": "/search/?q=zzzzqqq",
        "404": "/no-such-page/",
    }


# --- Markup every page shares ----------------------------------------------------------


@pytest.mark.django_db
def test_the_skip_link_then_the_quick_exit_come_first_on_every_page(client, pages):
    for name, url in pages.items():
        soup = soup_for(client, url, status=404 if name == "404" else 200)
        focusable = soup.body.find_all(FOCUSABLE)

        skip, quick_exit = focusable[:2]
        assert skip["href"] == "#main-content", name
        assert soup.find(id="main-content").name == "main", name
        assert text_of(quick_exit) == "Leave this site quickly", name
        assert quick_exit["href"] == "https://www.bbc.co.uk/weather", name
        assert quick_exit["rel"] == ["noreferrer"], name


@pytest.mark.django_db
def test_every_page_has_the_landmarks_and_one_h1_with_headings_in_order(client, pages):
    for name, url in pages.items():
        soup = soup_for(client, url, status=404 if name == "404" else 200)

        assert soup.html["lang"] == "en-GB", name
        assert len(soup.find_all("header", recursive=True)) == 1, name
        assert soup.find("nav", attrs={"aria-label": "Main"}), name
        assert len(soup.find_all("main")) == 1, name
        assert len(soup.find_all("footer")) == 1, name
        levels = [int(h.name[1]) for h in soup.find_all(re.compile(r"^h[1-6]$"))]
        assert levels.count(1) == 1 and levels[0] == 1, (name, levels)
        skips = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
        assert not skips, (name, levels)


@pytest.mark.django_db
def test_no_page_has_inline_styles_or_scripts_a_csp_would_block(client, pages):
    for name, url in pages.items():
        soup = soup_for(client, url, status=404 if name == "404" else 200)

        assert not soup.find("style"), name
        assert not soup.find(style=True), name
        inline = [
            s for s in soup.find_all("script", src=False) if s.get("type") != "application/ld+json"
        ]
        assert not inline, name


@pytest.mark.django_db
def test_breadcrumbs_mark_the_current_page(client, library, child_v):
    soup = soup_for(client, child_v.url)
    trail = soup.find("nav", attrs={"aria-label": "Breadcrumb"})
    items = trail.find_all("li")

    assert [text_of(li) for li in items] == ["Home", library.title, "Child V"]
    assert items[-1]["aria-current"] == "page" and not items[-1].find("a")
    assert not any(li.has_attr("aria-current") for li in items[:-1])


@pytest.mark.django_db
def test_page_titles_name_the_page_its_section_and_the_partnership(client, library, child_v):
    title = soup_for(client, child_v.url).title.string

    assert (
        title
        == f"Child V {EN_DASH} Learning from reviews {EN_DASH} {django_settings.WAGTAIL_SITE_NAME}"
    )

    partnership(partnership_name="Kingston and Richmond Safeguarding Children Partnership")
    soup = soup_for(client, child_v.url)

    assert soup.title.string.endswith(
        f"{EN_DASH} Kingston and Richmond Safeguarding Children Partnership"
    )
    assert "Kingston and Richmond" in text_of(soup.find("header"))


def test_the_stylesheet_shows_focus_and_reflows():
    css = STYLESHEET.read_text()

    assert re.search(r"a:focus-visible[^{]*\{[^}]*outline: 3px solid", css)
    assert "overflow-wrap: anywhere" in css
    assert "scroll-padding-top" in css  # the sticky quick exit does not hide focus


def print_rules():
    css = STYLESHEET.read_text()
    start = css.index("@media print")
    return css[start:]


def test_printing_leaves_out_navigation_and_controls_and_shows_link_addresses():
    rules = print_rules()
    hidden = rules[: rules.index("display: none !important")]

    for selector in (
        ".skip-link",
        ".quick-exit",
        ".site-nav",
        ".site-search",
        ".breadcrumbs",
        ".site-footer nav",
        ".finder__filters",
        ".pagination",
    ):
        assert selector in hidden, selector
    assert '.review__body a[href^="/"]::after' in rules
    assert '.site-main a[href^="http"]::after' in rules
    assert 'content: " (" attr(href) ")"' in rules


# --- Reports and the review page -------------------------------------------------------


@pytest.mark.django_db
def test_report_links_say_kind_format_size_and_length(client, child_v):
    main = soup_for(client, child_v.url).find("main")
    links = [text_of(a) for a in main.select(".document-list a")]

    assert links == [
        "Full report: Child V (PDF, 1.2 MB, 34 pages)",
        "7-minute briefing: Child V (PDF, 20.0 KB, 1 page)",
    ]


@pytest.mark.django_db
def test_the_review_page_leads_with_its_summary_and_learning_before_the_reports(client, child_v):
    text = text_of(soup_for(client, child_v.url).find("main"))

    summary = text.index("This review concerns the death of a four-year-old.")
    learning = text.index("What happened")
    reports = text.index("Full report: Child V")
    assert summary < learning < reports


@pytest.mark.django_db
def test_the_support_notice_shows_only_on_reviews_that_ask_for_it(client, library, child_v):
    assert soup_for(client, child_v.url).find("aside", class_="support-notice") is None

    partnership(
        support_notice_heading="Support for you",
        support_notice_text="<p>Call Samaritans on 116 123.</p>",
    )
    child_v.show_support_notice = True
    child_v.save_revision().publish()
    notice = soup_for(client, child_v.url).find("aside", class_="support-notice")

    assert text_of(notice.find("h2")) == "Support for you"
    assert "Call Samaritans on 116 123." in text_of(notice)
    assert notice["aria-labelledby"] == notice.find("h2")["id"]


# --- The accessibility statement --------------------------------------------------------

STATEMENT_HEADINGS = [
    "How accessible this website is",
    "Feedback and contact information",
    "Enforcement procedure",
    "Technical information about this website\u2019s accessibility",
    "Compliance status",
    "Non-accessible content",
    "What we\u2019re doing to improve accessibility",
    "Preparation of this accessibility statement",
]


@pytest.mark.django_db
def test_the_demo_content_publishes_an_accessibility_statement_linked_from_every_footer(client):
    call_command("load_demo_content", stdout=io.StringIO())
    statement = PolicyPage.objects.live().get(slug="accessibility-statement")

    soup = soup_for(client, statement.url)
    headings = [text_of(h) for h in soup.find("main").find_all(["h1", "h2", "h3"])]

    assert headings[0] == f"Accessibility statement for {django_settings.WAGTAIL_SITE_NAME}"
    positions = [headings.index(heading) for heading in STATEMENT_HEADINGS]
    assert positions == sorted(positions)
    for url in ("/", "/learning-from-reviews/", "/no-such-page/"):
        footer = client.get(url).content.decode()
        footer_soup = BeautifulSoup(footer, "html.parser").find("footer")
        assert footer_soup.find("a", string="Accessibility statement")["href"] == statement.url


@pytest.mark.django_db
def test_without_a_chosen_statement_the_footer_finds_it_by_its_address(client, home):
    statement = PolicyPageFactory(
        parent=home, title="Accessibility", slug="accessibility-statement"
    )

    footer = soup_for(client, home.url).find("footer")

    assert footer.find("a", string="Accessibility statement")["href"] == statement.url


# --- Editors' content checker -----------------------------------------------------------


def test_the_editors_checker_runs_the_sites_content_rules():
    items = [ContentCheckerItem(in_editor=True)]

    use_site_content_checker(None, items, None)

    (checker,) = items
    assert isinstance(checker, SiteContentCheckerItem) and checker.in_editor
    rules = checker.get_axe_run_only(None)
    assert {"image-alt", "heading-order", "link-name", "page-has-heading-one"} <= set(rules)


@pytest.mark.django_db
def test_editors_see_the_checker_on_the_site(client, admin_user, child_v):
    client.force_login(admin_user)

    html = client.get(child_v.url).content.decode()

    assert "page-has-heading-one" in html  # our checker's configuration, in the userbar


# --- Error pages ------------------------------------------------------------------------


def test_the_500_page_renders_without_the_database():
    # No django_db mark: any query here fails the test.
    response = server_error(RequestFactory().get("/"))
    soup = BeautifulSoup(response.content, "html.parser")

    assert response.status_code == 500
    assert text_of(soup.h1) == "Sorry, there is a problem with the service"
    assert soup.find("link", rel="stylesheet")["href"].endswith("css/site.css")
    assert not soup.find("style") and not soup.find("script")


@pytest.mark.django_db
def test_the_500_template_makes_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        render_to_string("500.html")


@pytest.mark.django_db
def test_the_404_page_offers_search_and_the_main_sections(client, library):
    library.show_in_menus = True
    library.save_revision().publish()
    soup = soup_for(client, "/no-such-page/", status=404)
    main = soup.find("main")

    assert text_of(main.h1) == "Page not found"
    assert main.find("form", action="/search/").find("input", attrs={"name": "q"})
    assert main.find("a", href="/")
    assert main.find("a", href=library.url)


@pytest.mark.django_db
def test_a_printed_review_says_where_it_came_from(client, child_v):
    printed = soup_for(client, child_v.url).find(class_="print-only")

    assert text_of(printed) == f"Printed from http://localhost{child_v.url}"
