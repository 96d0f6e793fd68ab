"""Django's Redis cache backend, keeping its redis-py client instead of making one per call.

Django's RedisCacheClient builds a new `redis.Redis` object for every cache operation. The
connection comes from a pool either way, but building the object (its table of response
callbacks) costs about 160 microseconds: half of what serving a page from the page cache
costs in all (site_core/page_cache.py). A `redis.Redis` object is safe to share between
threads (each command takes a connection from the pool), and Django's caches are already
one per thread.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


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
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
