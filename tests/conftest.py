from django.db import connection

import pytest

from home.models import HomePage
from tests.factories import ThemeIndexPageFactory


@pytest.fixture
def home(db):
    """The site's root page, created by the home app's migration."""
    return HomePage.objects.get()


@pytest.fixture
def library(home):
    return ThemeIndexPageFactory(parent=home)


@pytest.fixture(scope="session")
def restore_migration_data(django_db_setup, django_db_blocker):
    """Put back, once the session's last test is done, the rows the migrations made.

    For tests that run real processes against the test database (`transaction=True`): such
    a test ends by emptying every table, the pages and types the migrations create included,
    and the suite reuses its database (--reuse-db), so without this the next run would find
    no home page. `serialized_rollback` restores them before each such test; this does the
    same once after the last one, from the same serialized copy.
    """
    yield
    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        with django_db_blocker.unblock():
            connection.creation.deserialize_db_from_string(contents)


@pytest.fixture(autouse=True)
def fresh_cache():
    """Cached vocabularies and menus must not outlive the test (and its database) that made them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def files_on_disk(settings, tmp_path):
    """Documents stored as in production, on disk: Wagtail's serve view streams them from
    their path, which the test settings' in-memory storage does not have."""
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
