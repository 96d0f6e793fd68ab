"""The health endpoint a load balancer polls: `ok` while the database and the cache answer,
`unavailable` (503) when either does not, and nothing else, ever, in its body."""

import logging
import socket

from django.db import connections

import pytest

from site_core.caching.page_cache import STATUS_HEADER
from site_core.operations import health

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_port():
    """A port on this machine that nothing listens on: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def database_down(monkeypatch, closed_port):
    """The health check's database connection pointed at a server that is not there (the
    test's own connection stays, holding the test's transaction)."""
    default = connections["default"]
    unreachable = type(default)(
        {**default.settings_dict, "HOST": "127.0.0.1", "PORT": closed_port}, alias="unreachable"
    )
    monkeypatch.setattr(health, "connection", unreachable)
    yield
    unreachable.close()


@pytest.fixture
def cache_down(settings, closed_port):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port}/0",
        }
    }


def test_answers_ok_when_the_database_and_the_cache_answer(client):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_head_is_answered_too(client):
    assert client.head("/health/").status_code == 200


def test_only_reads_are_allowed(client):
    assert client.post("/health/").status_code == 405


def test_is_never_stored_and_sets_no_cookie(client, settings):
    settings.PAGE_CACHE_ENABLED = True
    responses = [client.get("/health/") for _ in range(3)]

    for response in responses:
        assert "no-store" in response["Cache-Control"]
        # The page cache leaves a no-store answer alone: each poll reaches the real checks.
        assert response[STATUS_HEADER] == "bypass"
        assert not response.cookies


@pytest.mark.parametrize("fixture", ["database_down", "cache_down"])
def test_a_service_down_is_a_503_that_reveals_nothing(client, caplog, request, fixture):
    request.getfixturevalue(fixture)

    with caplog.at_level(logging.WARNING, logger="site_core.operations.health"):
        response = client.get("/health/")

    assert response.status_code == 503
    assert response.content == b"unavailable"
    assert "no-store" in response["Cache-Control"]
    # Only the log says which service failed, and why.
    service = "database" if fixture == "database_down" else "cache"
    [record] = [r for r in caplog.records if r.name == "site_core.operations.health"]
    assert record.levelno == logging.WARNING
    assert f"the {service} is unavailable" in record.getMessage()
    assert "refused" in record.getMessage().lower()


def test_a_cache_that_loses_what_it_was_given_is_unavailable(client, monkeypatch):
    class Forgetful:
        def set(self, *args, **kwargs):
            pass

        def get(self, key, default=None):
            return default

    monkeypatch.setattr(health, "caches", {"default": Forgetful()})

    assert client.get("/health/").status_code == 503


def test_a_host_not_allowed_is_refused(client):
    assert client.get("/health/", headers={"host": "elsewhere.example"}).status_code == 400
