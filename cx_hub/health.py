"""Health of the moving parts: database, cache/broker, and the worker + beat heartbeat."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection

HEARTBEAT_KEY = "health:heartbeat"
# Beat sends the heartbeat every 30 s; two missed beats mean the worker or beat is down.
HEARTBEAT_STALE_AFTER_S = 90


@dataclass(frozen=True)
class Component:
    name: str
    ok: bool
    detail: str


def record_heartbeat(now: float | None = None) -> None:
    """Store the time a worker ran the beat's heartbeat task."""
    cache.set(HEARTBEAT_KEY, now if now is not None else time.time(), timeout=None)


def last_heartbeat() -> float | None:
    return cache.get(HEARTBEAT_KEY)


def check_database() -> Component:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return Component("Database", True, connection.vendor)
    except Exception as exc:  # any driver error means "down"; the page shows why
        return Component("Database", False, str(exc))


def check_redis() -> Component:
    if not settings.REDIS_URL:
        return Component("Redis", True, "not configured: tasks run in-process, local-memory cache")
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
        return Component("Redis", True, "reachable")
    except Exception as exc:
        return Component("Redis", False, str(exc))


def check_workers(now: float | None = None) -> Component:
    if not settings.REDIS_URL:
        return Component("Workers", True, "tasks run in-process (no REDIS_URL)")
    beat = last_heartbeat()
    if beat is None:
        return Component("Workers", False, "no heartbeat yet: is a worker and beat running?")
    age = (now if now is not None else time.time()) - beat
    if age > HEARTBEAT_STALE_AFTER_S:
        return Component("Workers", False, f"last heartbeat {int(age)} s ago")
    return Component("Workers", True, f"last heartbeat {int(age)} s ago")


def components() -> list[Component]:
    return [check_database(), check_redis(), check_workers()]
