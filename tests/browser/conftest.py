"""One demo site, one live server and one headless Chromium for every browser test.

The demo content is loaded once for the whole package and committed, because the live
server answers from its own thread and database connection. pytest-django's `live_server`
fixture would make every test transactional, flushing that content after each one, so the
server here is the same `LiveServer` class started once, on 127.0.0.1, for this package;
when the package is done the database is put back exactly as it was (as Django's
serialized rollback does), so the tests that follow never see the demo content.
"""

import io
import os
from pathlib import Path

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings

from wagtail.search.backends import get_search_backend
from wagtail.search.models import IndexEntry

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from site_core.search.backend import copy_page_vectors
from site_core.search.models import PageSearchVector
from tests.browser.pages import describe_demo_site

# Debian's package (`apt-get install chromium`); CHROMIUM_PATH points elsewhere if needed.
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))

# This machine's network is closed to everything but loopback: without these flags Chromium
# keeps trying to reach Google's services in the background. As root it needs --no-sandbox.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

DESKTOP = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 640}  # WCAG 1.4.10 Reflow: 320 CSS pixels wide
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="package")
def demo_site(django_db_setup, django_db_blocker, tmp_path_factory):
    # Reports stored on disk as in production: Wagtail's serve view streams them from there.
    media = override_settings(
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    )
    media.enable()
    with django_db_blocker.unblock():
        before = connection.creation.serialize_db_to_string()
        call_command("load_demo_content", stdout=io.StringIO())
        server = LiveServer("127.0.0.1")
        site = describe_demo_site(server.url)
    try:
        yield site
    finally:
        server.stop()
        with django_db_blocker.unblock():
            _restore(before)
        media.disable()


def _restore(snapshot: str) -> None:
    """Put back the rows of `snapshot` (Django's serialized rollback), and the search vectors.

    The vectors' table is unmanaged, unknown to Django's flush and serializer; the search
    backend writes it as it writes Wagtail's index. So it is emptied here, and once the
    index rows are back the vectors are copied from them, as the backend copies them.
    """
    # Signal handlers that run as the rows go back in (Wagtail's reference index) look up
    # content types: from the cache, filled here, they find the keys the snapshot restores
    # rather than creating rows of their own that the snapshot's would then collide with.
    ContentType.objects.get_for_models(*apps.get_models(), for_concrete_models=False)
    # As Django's TransactionTestCase flushes: the sequences keep counting past the restored
    # rows' keys, and post_migrate is not run, as it would recreate content types and
    # permissions under new keys that the snapshot's own rows would then collide with.
    call_command(
        "flush",
        interactive=False,
        verbosity=0,
        reset_sequences=False,
        inhibit_post_migrate=True,
    )
    PageSearchVector.objects.all().delete()
    connection.creation.deserialize_db_from_string(snapshot)
    copy_page_vectors(IndexEntry.objects.all(), config=get_search_backend().config)


@pytest.fixture(scope="package")
def browser(demo_site) -> Browser:
    """The one browser of the run (every browser test lives in this package).

    Playwright's sync API keeps an asyncio event loop running in this thread while it is
    open, and Django then refuses database queries from the thread, taking it for async
    code that a blocking query would stall. Nothing async runs here, so the check is lifted
    while the browser is open, and only then. The browser depends on the demo site so that
    the site is set up before it starts and put back after it has stopped.
    """
    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser tests need Chromium at {CHROMIUM}. Install Debian's package "
            "(`sudo apt-get install chromium`) or set CHROMIUM_PATH to a Chromium binary.",
            pytrace=False,
        )
    with (
        pytest.MonkeyPatch.context() as patch,
        sync_playwright() as playwright,
    ):
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Opens browser pages at a given viewport, each with its own cookies and storage."""
    contexts = []

    def open_page(viewport: dict = DESKTOP):
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


ADMIN_PASSWORD = "a long browser test password"


@pytest.fixture(scope="module")
def superuser(demo_site, django_db_blocker, request):
    """An administrator the live server can see (committed, not inside a test's
    transaction), one per module, named after it."""
    from django.contrib.auth import get_user_model

    username = "admin-" + request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    with django_db_blocker.unblock():
        user = get_user_model().objects.create_superuser(
            username, f"{username}@example.org", ADMIN_PASSWORD
        )
    yield user
    with django_db_blocker.unblock():
        user.delete()


def sign_in(page: Page, demo_site, user, password: str = ADMIN_PASSWORD) -> None:
    """Signs `user` in to the admin through its login form.

    Closing an edit form releases its editing session, by then after the test, when the
    server may no longer use the database: the session expires by itself instead.
    """
    page.route("**/editing-sessions/release/**", lambda route: route.abort())
    page.goto(demo_site.url("/admin/login/"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(demo_site.url("/admin/"))
