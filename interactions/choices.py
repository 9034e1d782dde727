"""Small lists every page shows (teams, tags, assignable people, SLA policies), cached.

They change rarely, and every inbox page needs them: read from the cache, rebuilt after any
save or delete of the rows behind them (receivers bump one version key on commit).

The ingestion workers read configuration (channels, rules, SLA policies) for every message:
`local` keeps it in the process itself, and asks the shared version at most once a second, so
a change made anywhere reaches every worker within about a second, and a change made in the
worker's own process at once.
"""

from __future__ import annotations

import threading
import time

from django.core.cache import cache
from django.db import transaction

from accounts.models import Team, User
from interactions.models import Tag

VERSION_KEY = "choices:version"
# Every list kept with `cached`. A change drops their entries for the version it ends (nothing
# reads those again), so a page never pays for a rebuild on a timer: the time-to-live only
# sweeps up an entry written late for a version already gone.
NAMES = ("teams", "tags", "users", "sla_policies")
TTL_S = 24 * 3600
# Process-local copies: the shared version is asked at most this often, and a copy is rebuilt
# after this long whatever the version says (a change whose transaction rolled back).
LOCAL_RECHECK_S = 1.0
LOCAL_MAX_AGE_S = 30.0


def _version() -> int:
    return cache.get_or_set(VERSION_KEY, 1, timeout=None)


def changed(**_kwargs) -> None:
    """Receiver for post_save / post_delete of the models behind the lists."""
    local_clear()  # this process sees its own change at once

    def bump():
        try:
            version = cache.incr(VERSION_KEY)
        except ValueError:
            cache.set(VERSION_KEY, 1, timeout=None)
            return
        cache.delete_many([f"choices:{name}:{version - 1}" for name in NAMES])

    transaction.on_commit(bump)


def cached(name: str, build):
    """`build()`'s value, cached until one of the watched models changes."""
    if name not in NAMES:
        raise ValueError(f"Add {name!r} to choices.NAMES, so a change drops it.")
    key = f"choices:{name}:{_version()}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=TTL_S)
    return value


def teams() -> list[Team]:
    return cached("teams", lambda: list(Team.objects.order_by("name")))


def tags() -> list[Tag]:
    return cached("tags", lambda: list(Tag.objects.order_by("name")))


def assignable_users() -> list[User]:
    return cached(
        "users", lambda: list(User.objects.filter(is_active=True).order_by("full_name", "email"))
    )


class _Local(threading.local):
    def __init__(self) -> None:
        self.values: dict[str, tuple[float, object]] = {}
        self.version: int | None = None
        self.checked = 0.0


_local = _Local()


def local(name: str, build):
    """`build()`'s value kept in this process (and thread) while the shared version holds."""
    now = time.monotonic()
    if now - _local.checked >= LOCAL_RECHECK_S:
        version = _version()
        if version != _local.version:
            _local.values.clear()
            _local.version = version
        _local.checked = now
    hit = _local.values.get(name)
    if hit is not None and now - hit[0] < LOCAL_MAX_AGE_S:
        return hit[1]
    value = build()
    _local.values[name] = (now, value)
    return value


def local_clear() -> None:
    _local.values.clear()
    _local.checked = 0.0
