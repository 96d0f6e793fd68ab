"""Faults: the site while PostgreSQL or Redis is out of reach, and a scheduler killed mid-tick.

- The database out of reach: readers get the 503 page (site_core/operations/unavailable.py), which
  needs no query, and the next request after the database is back gets its page, on a
  fresh connection, with no restart (CONN_HEALTH_CHECKS and Django's request_finished).
- Redis out of reach: every page is served uncached, never a 500 (site_core/caching/redis.py), and
  a change made meanwhile is not undone by the old entries Redis still holds when it
  answers again.
- A scheduler process killed in the middle of a tick leaves every review as it was, and the
  next tick publishes them all.

The longer runs under load, against a throwaway PostgreSQL and Redis, are bench/faults.py.
"""

import logging
import pickle
import subprocess
import sys
import time
from contextlib import closing, contextmanager
from unittest import mock

from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_started
from django.db import OperationalError, connection, connections, transaction
from django.template.response import SimpleTemplateResponse
from django.test import RequestFactory

import psycopg
import pytest
import redis
from bs4 import BeautifulSoup

from learning.models import ReviewPage
from site_core.caching import page_cache
from site_core.caching import redis as site_cache
from tests.factories import ReviewPageFactory
from tests.markup import partnership
from tests.test_scheduler import (
    ROOT,
    assert_published_exactly_once,
    due_reviews,
    is_scheduled,
    publish_count,
    scheduler_env,
)

STATUS = page_cache.STATUS_HEADER
# A database of the machine's Redis for these tests alone, flushed before and after each.
REDIS_TEST_URL = "redis://127.0.0.1:6379/8"
# Nothing listens on port 1: Redis is down.
REDIS_DOWN_URL = "redis://127.0.0.1:1/0"
VERSION_KEY = cache.make_key(page_cache.VERSION_KEY)


@pytest.fixture
def site_settings(db):
    # Made on a site's first request otherwise, and that save replaces the page cache's
    # version while the page is being cached: the tests start from a site in use.
    return partnership()


@pytest.fixture
def child_v(library, site_settings):
    review = ReviewPageFactory(parent=library, title="Child V", summary="Bruising.")
    return ReviewPage.objects.get(pk=review.pk)


# --- The database out of reach -----------------------------------------------------------


@contextmanager
def database_down():
    """Every query fails as it does while PostgreSQL is stopped."""
    refused = OperationalError('connection failed: connection to server at "127.0.0.1" refused')
    with mock.patch.object(connections["default"], "ensure_connection", side_effect=refused):
        yield


def test_a_reader_gets_the_503_page_while_the_database_is_down_and_the_page_once_it_is_back(
    client, child_v
):
    url = child_v.url
    with database_down():
        response = client.get(url)

    # Every query raised: the page was made without one.
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    page = BeautifulSoup(response.content, "html.parser")
    assert page.h1.get_text() == "This site is briefly unavailable"
    assert "try again in a minute" in page.main.get_text()
    assert page.find("a", string="Try this page again")["href"] == child_v.url
    assert page.find("meta", attrs={"http-equiv": True}) is None  # no automatic refresh
    assert page.find("link", rel="stylesheet")["href"].startswith("/static/css/site")
    # Not cached: the next request, with the database back, gets the review itself.
    response = client.get(child_v.url)
    assert response.status_code == 200 and response[STATUS] == "miss"
    assert b"Child V" in response.content


def test_a_database_error_while_the_template_renders_is_a_503_too(client, child_v):
    broken = mock.PropertyMock(side_effect=OperationalError("server closed the connection"))
    with mock.patch.object(SimpleTemplateResponse, "rendered_content", broken):
        response = client.get(child_v.url)

    assert response.status_code == 503
    assert b"briefly unavailable" in response.content


def test_an_outage_is_logged_once_with_its_traceback_not_once_per_request(
    client, child_v, library, caplog
):
    urls = [child_v.url, library.url, "/"]
    with database_down():
        for url in urls:
            assert client.get(url).status_code == 503

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    [record] = errors  # not also django.request's "Service Unavailable" for each
    assert record.name == "site_core.operations.unavailable"
    assert "answered 503 to GET " + child_v.url in record.getMessage()
    assert record.exc_info and "refused" in str(record.exc_info[1])


def test_other_errors_are_still_a_500(client, child_v):
    with mock.patch.object(ReviewPage, "serve", side_effect=RuntimeError("a bug")):
        client.raise_request_exception = False
        response = client.get(child_v.url)

    assert response.status_code == 500


def other_connection() -> psycopg.Connection:
    """A second connection to the test database, outside Django."""
    s = connection.settings_dict
    return psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"],
        password=s["PASSWORD"] or None,
        dbname=s["NAME"],
        autocommit=True,
    )


def terminate(backend_pid: int) -> None:
    """End a backend as a database restart does, and wait until it is gone."""
    with closing(other_connection()) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
        deadline = time.monotonic() + 30
        while admin.execute(
            "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend_pid]
        ).fetchone():
            assert time.monotonic() < deadline, "the backend outlived pg_terminate_backend"
            time.sleep(0.05)


def serve(path: str) -> int:
    """A request as gunicorn makes it: Django's own WSGI handler with its request_started and
    request_finished signals (the test client leaves out their connection handling)."""
    statuses = []
    result = WSGIHandler()(
        RequestFactory().get(path).environ,
        lambda status, headers, exc_info=None: statuses.append(int(status.split()[0])),
    )
    try:
        b"".join(result)
    finally:
        result.close()  # request_finished
    return statuses[0]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("restore_migration_data")
def test_a_dropped_persistent_connection_is_replaced_without_a_restart(settings, monkeypatch):
    settings.PAGE_CACHE_ENABLED = False  # every request needs the database
    partnership()
    # As in production: each thread keeps its connection between requests, checked before
    # its first use in each.
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    connection.close()

    assert serve("/") == 200
    first = backend_pid()

    # Dropped between requests (PostgreSQL restarted while the worker was idle): the health
    # check at the next request's first query finds it and reconnects.
    terminate(first)
    assert serve("/") == 200
    second = backend_pid()
    assert second != first

    # Dropped during a request, after its first query: that request is a 503, and the
    # connection, broken, is closed when it ends rather than kept for the next.
    def drop_after_first_query(**kwargs):
        terminate(backend_pid())

    request_started.connect(drop_after_first_query)
    try:
        assert serve("/") == 503
    finally:
        request_started.disconnect(drop_after_first_query)
    assert connection.connection is None

    assert serve("/") == 200
    assert backend_pid() not in (first, second)


# --- Redis out of reach ------------------------------------------------------------------


@pytest.fixture
def outages(monkeypatch):
    """A fresh record of outages: what one test's closed port did must not pause the next."""
    registry = {}
    monkeypatch.setattr(site_cache, "_outages", registry)
    yield registry
    for outage in registry.values():
        # Ends the replay thread of a cache that never comes back (the closed port).
        with outage.lock:
            outage.lost.clear()
            outage.everything_lost = False


def redis_settings(location: str, **options) -> dict:
    return {
        "default": {
            "BACKEND": "site_core.caching.redis.ReusingRedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5, **options},
        }
    }


@pytest.fixture
def redis_down(settings, outages):
    # Long enough that nothing in the test tries Redis a second time.
    settings.CACHES = redis_settings(REDIS_DOWN_URL, retry_after_seconds=600)


@pytest.fixture
def redis_db(settings, outages):
    """A real Redis database as the cache, tried again on every call after a failure."""
    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        client.flushdb()
    except redis.ConnectionError as error:
        pytest.fail(f"These tests need Redis at {REDIS_TEST_URL}: {error}")
    settings.CACHES = redis_settings(REDIS_TEST_URL, retry_after_seconds=0)
    yield client
    client.flushdb()
    client.close()


@contextmanager
def redis_out_of_reach():
    """Every command fails as it does while Redis is stopped or the network is cut; Redis
    keeps what it holds, as one restarted with its data or cut off for a moment does."""
    refused = redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with mock.patch.object(redis.Redis, "execute_command", side_effect=refused):
        yield


def stored_version(client: redis.Redis):
    value = client.get(VERSION_KEY)
    return None if value is None else pickle.loads(value)


def test_with_redis_down_pages_are_served_uncached_trying_redis_once(
    client, library, child_v, redis_down, caplog
):
    connect = redis.connection.Connection._connect
    with mock.patch.object(
        redis.connection.Connection, "_connect", autospec=True, side_effect=connect
    ) as attempts:
        # The review, the library filtered by a theme (the vocabulary), the home page (the
        # menu and branding): each reads the cache directly.
        theme = child_v.review_themes.first().theme
        for url in (child_v.url, f"{library.url}?theme={theme.slug}", "/"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert response[STATUS] == "bypass", url
    assert b"Child V" in client.get(library.url).content

    # One refused connection: then Redis was left alone for retry_after_seconds.
    assert attempts.call_count == 1
    warnings = [r for r in caplog.records if r.name == "site_core.caching.redis"]
    [warning] = warnings
    assert warning.levelno == logging.WARNING
    assert "out of reach" in warning.getMessage() and "127.0.0.1:1" in warning.getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_change_made_while_redis_is_out_of_reach_shows_once_it_answers_with_old_pages(
    client, library, child_v, redis_db, django_capture_on_commit_callbacks
):
    for url in (child_v.url, library.url):
        client.get(url)
        assert client.get(url)[STATUS] == "hit", url
    version = stored_version(redis_db)

    with redis_out_of_reach():
        # An editor unpublishes the review: both replacements of the version are lost.
        with django_capture_on_commit_callbacks(execute=True):
            ReviewPage.objects.get(pk=child_v.pk).unpublish()
        assert client.get(library.url)[STATUS] == "bypass"

    # Redis answers again, with the old version and the old pages still in it.
    assert stored_version(redis_db) == version
    response = client.get(library.url)
    assert response[STATUS] == "miss"
    assert b"Child V" not in response.content
    assert client.get(child_v.url).status_code == 404
    assert stored_version(redis_db) not in (None, version)


def test_a_process_that_only_read_during_an_outage_drops_the_page_version_afterwards(redis_db):
    """The process that lost the version's replacement may be gone (a worker recycled):
    any process that noticed the outage drops the version when Redis answers again."""
    version = page_cache.current_version()

    with redis_out_of_reach():
        assert cache.get("vocabulary") is None

    assert stored_version(redis_db) == version
    assert cache.get("vocabulary") is None  # the first call once Redis answers
    assert stored_version(redis_db) is None
    assert page_cache.current_version() != version


def test_a_lost_deletion_is_made_once_redis_answers_without_another_cache_call(redis_db):
    """The scheduler may make no cache call for days after a tick: its lost deletions are
    retried in the background."""
    cache.set("menu", ["old entries"])

    with redis_out_of_reach():
        cache.delete("menu")

    deadline = time.monotonic() + 30
    while redis_db.exists(cache.make_key("menu")):
        assert time.monotonic() < deadline, "the lost deletion was never made"
        time.sleep(0.05)


# --- A scheduler killed mid-tick -----------------------------------------------------------


def wait_for_blocked_tick(admin: psycopg.Connection) -> tuple[int, str]:
    """The pid and query of the scheduler's backend once it waits for a row lock, having
    written already (it has a transaction id)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        row = admin.execute(
            "SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND backend_xid IS NOT NULL"
        ).fetchone()
        if row:
            return row
        time.sleep(0.05)
    raise AssertionError("the scheduler's tick never reached the locked review")


def public_state(reviews) -> dict:
    return {
        r.pk: (r.live, r.live_revision_id, r.last_published_at, r.has_unpublished_changes)
        for r in ReviewPage.objects.filter(pk__in=[r.pk for r in reviews])
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("restore_migration_data")
def test_a_scheduler_killed_mid_tick_publishes_nothing_and_the_next_tick_publishes_all(
    client, library, redis_db
):
    partnership()
    # Published in order of go-live time, the oldest first: reviews[3], [2], then [1].
    reviews = due_reviews(library, 4)
    locked = reviews[1]
    before = public_state(reviews)
    env = {**scheduler_env(), "REDIS_URL": REDIS_TEST_URL}
    command = [sys.executable, "manage.py", "run_scheduler", "--once"]

    with closing(other_connection()) as admin:
        with transaction.atomic():
            # An editor's save holding the third review's row: the tick publishes two
            # reviews, then waits for this one.
            ReviewPage.objects.select_for_update().get(pk=locked.pk)
            scheduler = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
            try:
                pid, query = wait_for_blocked_tick(admin)
                assert query.startswith('UPDATE "wagtailcore_page"'), query
                assert f"\"title\" = '{locked.title}'" in query, query
            finally:
                scheduler.kill()
                scheduler.communicate(timeout=30)
        # The server notices the dead client once the lock is released, and rolls back.
        deadline = time.monotonic() + 60
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, "the killed tick's backend never ended"
            time.sleep(0.05)

    assert public_state(reviews) == before
    assert all(is_scheduled(r) and publish_count(r) == 0 for r in reviews)
    version = page_cache.current_version()

    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)

    assert done.returncode == 0, done.stdout + done.stderr
    assert_published_exactly_once(reviews)
    # Its commit replaced the page cache's version, and search finds every review.
    assert stored_version(redis_db) != version
    results = client.get("/search/", {"q": "Due"})
    assert results.status_code == 200
    text = BeautifulSoup(results.content, "html.parser").main.get_text()
    assert all(r.title in text for r in reviews), text
