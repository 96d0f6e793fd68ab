"""Screenshots of the library and a review at desktop and phone widths, for reviewers.

Not part of the suite (`make screenshots` runs it): it writes full-page PNGs to
var/screenshots/, replacing the last ones.
"""

from pathlib import Path

from django.conf import settings

import pytest

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.screenshots, pytest.mark.django_db]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("name", ["library", "review"])
def test_screenshot(demo_site, new_page, name, viewport):
    page = new_page(viewport)
    path = getattr(demo_site, name)
    assert page.goto(demo_site.url(path)).status == 200
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{name}-{'phone' if viewport == PHONE else 'desktop'}.png"
    page.screenshot(path=shot, full_page=True)
    print(shot)
