"""A keyboard-only reader filters the library by two themes and opens a review.

Only Tab, Space and Enter are pressed. After every key the element with focus must be one
a sighted keyboard user can see: on screen, not covered by anything else (such as the sticky
"Leave this site quickly" bar: WCAG 2.4.11), and drawn with a focus indicator (2.4.7).
"""

from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import DESKTOP
from tests.browser.pages import DemoSite

pytestmark = pytest.mark.django_db

# More Tab presses than any page here needs to reach its furthest control; a control that is
# never reached fails the test instead of looping for ever.
MAX_TABS = 150

# What a sighted keyboard user sees of the focused element, read in the page.
FOCUS_STATE = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) {
        return {element: "nothing (the page itself)", problems: ["nothing has focus"]};
    }
    const style = getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    const problems = [];
    if (rect.width < 1 || rect.height < 1 || style.visibility === "hidden") {
        problems.push("it is not displayed");
    } else if (rect.bottom <= 0 || rect.right <= 0
               || rect.top >= innerHeight || rect.left >= innerWidth) {
        problems.push("it is off screen");
    } else {
        const x = Math.min(Math.max(rect.left + rect.width / 2, 0), innerWidth - 1);
        const y = Math.min(Math.max(rect.top + rect.height / 2, 0), innerHeight - 1);
        const hit = document.elementFromPoint(x, y);
        if (hit && hit !== el && !el.contains(hit)) {
            problems.push("it is covered by " + hit.outerHTML.slice(0, 80));
        }
    }
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow !== "none";
    if (!outline && !shadow) {
        problems.push("it has no focus indicator (no outline, no box-shadow)");
    }
    const name = (el.getAttribute("aria-label") || el.innerText || el.value || "").trim();
    return {
        element: `<${el.tagName.toLowerCase()}${el.id ? " id=" + el.id : ""}> ${name.slice(0, 60)}`,
        id: el.id,
        href: el.getAttribute("href"),
        problems: problems,
    };
}"""


class KeyboardReader:
    """Presses keys and, after each one, checks that focus can be seen."""

    def __init__(self, page: Page, screenshots: Path):
        self.page = page
        self.screenshots = screenshots
        self.steps = 0

    def press(self, key: str) -> dict:
        self.page.keyboard.press(key)
        self.steps += 1
        focus = self.page.evaluate(FOCUS_STATE)
        if focus["problems"]:
            shot = self.screenshots / f"step-{self.steps:03}-{key.lower()}.png"
            self.page.screenshot(path=shot)
            pytest.fail(
                f"After {self.steps} key presses (last: {key}) on {self.page.url}, focus is on "
                f"{focus['element']}, which a keyboard user cannot see: "
                f"{'; '.join(focus['problems'])}. Screenshot: {shot}"
            )
        return focus

    def follow(self, key: str) -> None:
        """Press a key that loads a new page; focus then starts again from the top."""
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
        self.steps += 1

    def tab_to(self, description: str, matches) -> dict:
        """Tab forward until the focused element matches, checking every stop on the way."""
        for _ in range(MAX_TABS):
            focus = self.press("Tab")
            if matches(focus):
                return focus
        pytest.fail(f"{MAX_TABS} presses of Tab on {self.page.url} never reached {description}")


@pytest.fixture
def reader(new_page, tmp_path) -> KeyboardReader:
    return KeyboardReader(new_page(DESKTOP), tmp_path)


def test_a_keyboard_user_filters_by_two_themes_and_opens_a_review(
    reader: KeyboardReader, demo_site: DemoSite
):
    page = reader.page
    first, second = demo_site.two_themes
    page.goto(demo_site.url(demo_site.library))

    # Tab only goes forward: tick the two themes in the order the form lists them.
    listed = page.locator("input[name=theme]").evaluate_all("boxes => boxes.map(b => b.value)")
    for slug in sorted((first, second), key=listed.index):
        reader.tab_to(
            f"the {slug} checkbox", lambda focus, slug=slug: focus["id"] == f"theme-{slug}"
        )
        reader.press("Space")
        assert page.locator(f"#theme-{slug}").is_checked(), f"Space did not tick {slug}"

    reader.tab_to(
        "the filter form's submit button", lambda focus: "Apply filters" in focus["element"]
    )
    reader.follow("Enter")
    assert f"theme={first}" in page.url and f"theme={second}" in page.url, page.url
    assert page.locator(f"#theme-{first}").is_checked()
    assert page.locator(f"#theme-{second}").is_checked()

    # The review that has both themes is among the results.
    title = demo_site.two_themes_review_title
    result = page.locator(".card-list").get_by_role("link", name=title, exact=True)
    review_path = result.evaluate("a => a.pathname")
    reader.tab_to(f"the link to {review_path}", lambda focus: focus["href"] == review_path)
    reader.follow("Enter")
    assert page.url == demo_site.url(review_path)
    assert page.locator("h1").inner_text() == title
