"""The cache's Redis as a plain client, kept for the life of the process.

Django's cache API builds a client object on every call, and its `incr` takes two round trips
(it checks that the key exists first). The hot paths — a webhook asking for a drain, a message
bumping the live-update versions — use this client instead: one round trip each. Keys go
through the cache's own key function, so they are the keys the cache API reads.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.cache import cache

REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"


@functools.cache
def _client(location: str, timeouts: tuple[float | None, float | None]):
    import redis

    connect_timeout, timeout = timeouts
    return redis.Redis.from_url(
        location, socket_connect_timeout=connect_timeout, socket_timeout=timeout
    )


def redis_client():
    """A redis-py client on the cache's server, or None when the cache is not Redis (the
    embedded default keeps it in local memory)."""
    config = settings.CACHES["default"]
    if config.get("BACKEND") != REDIS_BACKEND:
        return None
    options = config.get("OPTIONS", {})
    timeouts = (options.get("socket_connect_timeout"), options.get("socket_timeout"))
    return _client(config["LOCATION"], timeouts)


def cache_key(key: str) -> str:
    """The key as the cache stores it (prefix and version included)."""
    return cache.make_and_validate_key(key)
