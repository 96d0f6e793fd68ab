"""The content security policies in a real browser: public pages break none of the strict
policy's rules, and the Wagtail admin works under its own.

Chromium reports each thing a policy blocked as a `securitypolicyviolation` event, which a
script added before any of the page's own collects for the test to read.
"""

import pytest
from playwright.sync_api import Page, expect

from learning.models import ReviewPage
from tests.browser.conftest import sign_in
from tests.browser.pages import PAGES

pytestmark = pytest.mark.django_db

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspViolations.push(
        `${event.effectiveDirective} blocked ${event.blockedURI || "inline code"}`
        + ` (${event.sourceFile || document.location.pathname}:${event.lineNumber})`
    );
});
"""


def watch(page: Page) -> list[str]:
    """Starts collecting the policy's refusals on `page`; the returned list fills as they come,
    with those the console reports (some are reported only there)."""
    page.add_init_script(COLLECT_VIOLATIONS)
    console = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return console


def violations(page: Page, console: list[str]) -> list[str]:
    return page.evaluate("window.__cspViolations") + console


@pytest.mark.parametrize("case", PAGES, ids=[case.name for case in PAGES])
def test_public_pages_break_no_rule_of_the_strict_policy(demo_site, new_page, case):
    page = new_page()
    console = watch(page)

    response = page.goto(demo_site.url(case.path(demo_site)))
    page.wait_for_load_state("load")

    assert response.status == case.status
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert violations(page, console) == []


def test_the_quick_exit_script_runs_under_the_strict_policy(demo_site, new_page):
    page = new_page()
    console = watch(page)
    page.goto(demo_site.url(demo_site.review))

    # The script shows its hint about the Escape key; without it the hint stays hidden.
    expect(page.locator(".quick-exit__hint")).to_be_visible()
    assert violations(page, console) == []


def test_an_administrator_signs_in_explores_and_edits_a_review_under_the_admin_policy(
    demo_site, new_page, superuser
):
    review = ReviewPage.objects.live().get(title=demo_site.review_title)
    page = new_page()
    console = watch(page)
    sign_in(page, demo_site, superuser)
    page.goto(demo_site.url(f"/admin/pages/{review.get_parent().pk}/"))
    expect(page.get_by_role("link", name=review.title).first).to_be_visible()
    page.goto(demo_site.url(f"/admin/pages/{review.pk}/edit/"))
    # The rich text editor and the side panels are drawn by the admin's scripts.
    expect(page.locator(".Draftail-Editor").first).to_be_visible()
    page.get_by_role("button", name="Toggle preview").click()
    # The preview loads in a second frame that then replaces the first.
    expect(page.locator("iframe.w-preview__proxy")).to_have_count(0)
    preview = page.frame_locator("#w-preview-iframe")
    expect(preview.get_by_role("heading", level=1)).to_have_text(review.title)

    assert violations(page, console) == []


def test_setting_up_two_step_verification_shows_its_qr_code_under_the_admin_policy(
    demo_site, new_page, superuser
):
    page = new_page()
    console = watch(page)

    sign_in(page, demo_site, superuser)
    page.goto(demo_site.url("/admin/two-factor/"))

    expect(page.get_by_role("img", name="QR code to scan")).to_be_visible()
    assert violations(page, console) == []
