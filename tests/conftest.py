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
