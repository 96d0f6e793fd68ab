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
