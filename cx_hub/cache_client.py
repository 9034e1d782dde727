"""The cache's Redis: Django's backend with one redis-py client per process, and that client
for the hot paths that need more than the cache API.

Django's Redis backend builds a new redis-py client for every cache call, and building one
copies some two hundred response callbacks: about 0.15 ms, a dozen times per page. Clients
share their connection pool and are safe to share between threads, so `RedisCache` here keeps
one per pool.

The hot paths (a webhook asking for a drain, a message bumping the live-update versions) take
that client from `redis_client()`: the cache API's `incr` costs two round trips (it checks that
the key exists first), a pipeline costs one. Keys go through the cache's own key function, so
they are the keys the cache API reads.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends import redis as django_redis

REDIS_BACKEND = "cx_hub.cache_client.RedisCache"


class _ReusingClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    """`django.core.cache.backends.redis.RedisCache`, reusing its redis-py client."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient


def redis_client():
    """A redis-py client on the cache's server (the cache's own), or None when the cache is
    not Redis (the embedded default keeps it in local memory)."""
    if settings.CACHES["default"].get("BACKEND") != REDIS_BACKEND:
        return None
    return cache._cache.get_client(write=True)


def cache_key(key: str) -> str:
    """The key as the cache stores it (prefix and version included)."""
    return cache.make_and_validate_key(key)
