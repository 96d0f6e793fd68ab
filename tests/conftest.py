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
