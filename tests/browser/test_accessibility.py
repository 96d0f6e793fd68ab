"""Every page type and state passes axe-core's WCAG 2.0, 2.1 and 2.2 A and AA rules.

Each page is checked in headless Chromium at a desktop viewport and at 320 CSS pixels wide
(WCAG 1.4.10 Reflow), where it must also fit without scrolling sideways. Before axe runs,
the test checks that the page is in the state it claims (results found, none found, the
support notice shown), so a broken filter cannot pass as an empty page.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import DESKTOP, NARROW
from tests.browser.pages import PAGES

pytestmark = pytest.mark.django_db

# axe-core's tags for the success criteria of WCAG 2.0, 2.1 and 2.2 at levels A and AA
# (2.2 added no level A criterion that axe tests, so it has no wcag22a rules).
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": WCAG_AA_TAGS},
    "resultTypes": ["violations"],
}

VIEWPORTS = {"desktop": DESKTOP, "320px": NARROW}


def describe_violations(violations: list[dict]) -> str:
    """axe's findings as a reader can act on them: rule, impact, where, and how to fix."""
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"  {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            target = " ".join(" >>> ".join(t) if isinstance(t, list) else t for t in node["target"])
            summary = node.get("failureSummary", "").replace("\n", "\n      ")
            lines.append(f"    at {target}\n      {summary}")
    return "\n".join(lines)


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
@pytest.mark.parametrize("case", PAGES, ids=[case.name for case in PAGES])
def test_page_has_no_wcag_aa_violations(demo_site, new_page, case, viewport):
    page = new_page(viewport)
    path = case.path(demo_site)
    response = page.goto(demo_site.url(path))
    assert response.status == case.status, f"{path} answered {response.status}"
    text = page.locator("body").inner_text()
    for expected in case.shows(demo_site):
        assert expected in text, f"{path} does not show {expected!r}: not the state under test"

    results = Axe().run(page, options=AXE_OPTIONS)

    violations = results.response["violations"]
    assert not violations, (
        f"axe found {len(violations)} WCAG A/AA violation(s) on {case.name} ({path}) at "
        f"{viewport['width']}px:\n{describe_violations(violations)}"
    )
    if viewport == NARROW:
        widths = page.evaluate(
            "({page: document.documentElement.scrollWidth, window: window.innerWidth})"
        )
        assert widths["page"] <= widths["window"], (
            f"{case.name} ({path}) scrolls sideways at 320px: the page is {widths['page']}px wide"
        )
