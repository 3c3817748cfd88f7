"""Django's Redis cache backend, without making a new redis-py client for every operation.

Django's `RedisCacheClient.get_client()` builds a `redis.Redis` around the connection pool on every cache
call; redis-py's constructor sets up its command callbacks each time, which costs about twice what the
round trip to Redis does (80 µs against 40 µs here). The client is safe to share between threads (every
command takes a connection from the pool, and the pool starts afresh in a forked process), so one per
connection pool is kept and reused. Everything else is Django's backend, unchanged.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as _RedisCache
from django.core.cache.backends.redis import RedisCacheClient as _RedisCacheClient


class RedisCacheClient(_RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(_RedisCache):
    """`CACHES` backend: Django's RedisCache with the client above (settings use it for `CACHE_URL=redis://…`)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
