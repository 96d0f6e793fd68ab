"""Django's Redis cache backend, keeping its client between calls and riding out an outage.

Keeping the client: Django's RedisCacheClient builds a new `redis.Redis` object for every
cache operation. The connection comes from a pool either way, but building the object (its
table of response callbacks) costs about 160 microseconds: half of what serving a page from
the page cache costs in all (site_core/caching/page_cache.py). A `redis.Redis` object is safe to
share between threads (each command takes a connection from the pool), and Django's caches
are already one per thread.

Riding out an outage: Django's backend raises on every call when Redis cannot be reached,
and every page reads the cache (the page cache, the vocabularies, the menu, the branding):
a Redis outage would be a 500 on every page. Here a call that cannot reach Redis is a miss
(a read returns its default) or is skipped (a write), and pages are made from the database.
- The socket timeouts in the cache's OPTIONS (settings/base.py) keep an unreachable Redis
  from holding a request for long.
- After a failure Redis is not tried again for `retry_after_seconds` (OPTIONS, default 5):
  calls in that time are misses or skipped at once, instead of each waiting for a
  connection that fails. The first call after it tries Redis again.
- A warning is logged at most once a minute per process, with the calls skipped since.
- Writes lost in an outage must not leave old values behind once Redis answers again with
  its old contents: a theme renamed, a menu changed, the page cache's version replaced by
  a publish, all while Redis was out of reach. So each process remembers the keys whose
  write or deletion did not reach Redis, and deletes them (a miss is always safe) as soon as
  Redis answers, before anything else it asks. A background thread tries too, after each
  pause, for a process that makes no more cache calls of its own (the scheduler between
  ticks). Keys named with `forget_after_outage()` (the page cache's version) are deleted
  after any outage a process noticed, lost write or not: the process that lost the write
  may have gone (a worker recycled, the scheduler restarted) before Redis came back. Past
  MAX_LOST_KEYS lost keys, the whole cache database is emptied instead.
docs/caching.md explains the design and its limits.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Redis refused, reset, timed out, or is loading its data after a restart (BusyLoadingError
# is a ConnectionError). Anything else (a wrong command, a full memory) is a bug or a
# configuration error and still raises.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
RETRY_AFTER_SECONDS = 5
LOG_EVERY_SECONDS = 60
MAX_LOST_KEYS = 1000
REPLAY_EVERY_SECONDS = 1.0
ALL = object()  # what clear() writes: every key

_forgotten_after_outage: set[str] = set()
_outages: dict[tuple, "Outage"] = {}
_outages_lock = threading.Lock()


def forget_after_outage(key: str) -> None:
    """Have `key` deleted whenever Redis answers again after an outage this process noticed.

    For a key whose stale value would be served to readers (the page cache's version), when
    the write that should have replaced it could have been lost by another process.
    """
    _forgotten_after_outage.add(key)


class Outage:
    """What one process knows of one Redis cache being out of reach, shared by its threads."""

    def __init__(self, where: str, retry_after: float):
        self.where = where
        self.retry_after = retry_after
        self.lock = threading.Lock()
        # Held while the lost keys are deleted: other threads wait rather than read old values.
        self.recovering = threading.Lock()
        self.paused_until = 0.0  # time.monotonic(): no call reaches Redis before this
        self.noticed = False  # an outage since Redis last answered
        self.lost: set[str] = set()
        self.everything_lost = False  # too many keys, or a clear(): empty the database
        self.logged_at: float | None = None
        self.skipped = 0
        self.replayer: threading.Thread | None = None

    def paused(self) -> bool:
        return time.monotonic() < self.paused_until

    def pending(self) -> bool:
        return self.everything_lost or bool(self.lost)

    def lose(self, written) -> None:
        """Remember keys whose write did not reach Redis (ALL: the whole database)."""
        with self.lock:
            self.skipped += 1
            if not written or self.everything_lost:
                return
            if written is ALL:
                self.everything_lost = True
                self.lost.clear()
                return
            self.lost.update(written)
            if len(self.lost) > MAX_LOST_KEYS:
                self.everything_lost = True
                self.lost.clear()

    def failed(self, error: Exception, written) -> None:
        with self.lock:
            self.noticed = True
            self.paused_until = time.monotonic() + self.retry_after
            now = time.monotonic()
            due = self.logged_at is None or now - self.logged_at >= LOG_EVERY_SECONDS
            if due:
                skipped, self.skipped = self.skipped, 0
                self.logged_at = now
        self.lose(written)
        if due:
            logger.warning(
                "The cache at %s is out of reach (%s): reads are misses and writes are "
                "skipped, Redis is tried again every %g s (%d calls skipped since the last "
                "warning)",
                self.where,
                error,
                self.retry_after,
                skipped,
            )


def _outage_for(identity: tuple, where: str, retry_after: float) -> Outage:
    with _outages_lock:
        outage = _outages.get(identity)
        if outage is None:
            outage = _outages[identity] = Outage(where, retry_after)
        return outage


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ReusingRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        retry_after = float(options.pop("retry_after_seconds", RETRY_AFTER_SECONDS))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusingRedisCacheClient
        # One per process and cache, whichever thread's copy of the backend notices.
        self._outage = _outage_for(
            (tuple(self._servers), self.key_prefix, self.version),
            ", ".join(self._servers),
            retry_after,
        )

    def _call(self, fallback, written, operation, *args, **kwargs):
        """`operation`, or `fallback` when Redis cannot be reached.

        `written` is what the operation writes or deletes (None for a read): keys that did
        not reach Redis are deleted once it answers again.
        """
        outage = self._outage
        if outage.paused():
            outage.lose(written)
            return fallback
        try:
            if outage.noticed:
                self._recover()
            return operation(*args, **kwargs)
        except UNREACHABLE as error:
            outage.failed(error, written)
            if outage.pending():
                self._start_replayer()
            return fallback

    def _recover(self) -> None:
        """Delete what this process's lost writes may have left stale; raises if Redis is
        still out of reach."""
        outage = self._outage
        with outage.recovering:
            if not outage.noticed:
                return  # another thread did it while this one waited
            with outage.lock:
                everything, lost = outage.everything_lost, set(outage.lost)
            if everything:
                super().clear()
            else:
                super().delete_many([*lost, *_forgotten_after_outage])
            with outage.lock:
                outage.lost -= lost
                outage.everything_lost = outage.everything_lost and not everything
                outage.noticed = outage.pending()
                outage.logged_at = None  # the next outage is logged at once
        if everything:
            logger.info(
                "The cache at %s answers again; emptied it (too many lost writes)", outage.where
            )
        else:
            logger.info(
                "The cache at %s answers again; deleted the %d keys whose writes were lost",
                outage.where,
                len(lost),
            )

    def _start_replayer(self) -> None:
        outage = self._outage
        with outage.lock:
            if outage.replayer is not None and outage.replayer.is_alive():
                return
            outage.replayer = threading.Thread(
                target=self._replay_lost_writes, name="redis-cache-replay", daemon=True
            )
            outage.replayer.start()

    def _replay_lost_writes(self) -> None:
        outage = self._outage
        while outage.pending():
            time.sleep(REPLAY_EVERY_SECONDS)
            if outage.paused() or not outage.pending():
                continue
            try:
                self._recover()
            except UNREACHABLE as error:
                outage.failed(error, None)

    # Every call Django's backend makes to Redis goes through _call.

    def get(self, key, default=None, version=None):
        return self._call(default, None, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._call({}, None, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call(False, None, super().has_key, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, [key], super().add, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._call(None, [key], super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(list(data), list(data), super().set_many, data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, None, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(False, [key], super().delete, key, version)

    def delete_many(self, keys, version=None):
        keys = list(keys)
        self._call(None, keys, super().delete_many, keys, version)

    def incr(self, key, delta=1, version=None):
        # As if counting from zero: a count kept in the cache (a rate limit) lets the call
        # through rather than failing the request; the lost key is deleted afterwards.
        return self._call(delta, [key], super().incr, key, delta, version)

    def clear(self):
        return self._call(False, ALL, super().clear)
