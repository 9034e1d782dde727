"""The notification bell's state in the cache, so no page asks the database for it.

Per user, like interactions/live.py: a version counter, bumped on commit whenever one of their
notifications is created or read, and the unread count as of a version. A page renders the
bell from the cache alone (one `get_many`); when the count is not cached there, the bell asks
for it as soon as the page has loaded, and that request counts once (one COUNT query) for the
pages after it. The bell's poll answers 204 while the version is unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

# A thread moving to another team changes what a user may see (so what counts) without a
# bump; a cached count is recomputed at least this often.
COUNT_TTL_S = 600


def _version_key(user_id: int) -> str:
    return f"notif:v:{user_id}"


def _count_key(user_id: int) -> str:
    return f"notif:n:{user_id}"


@dataclass(frozen=True)
class BellState:
    version: int | None
    unread: int | None  # None: not cached at this version

    @property
    def label(self) -> str:
        return "99+" if (self.unread or 0) > 99 else str(self.unread or 0)


def changed(user_id: int) -> None:
    """The user's notifications changed: bump their version once the transaction commits."""

    def bump():
        key = _version_key(user_id)
        try:
            cache.incr(key)
        except ValueError:  # not set yet (or evicted): start from a fresh, unguessable point
            cache.set(key, int(time.time() * 1000), timeout=None)

    transaction.on_commit(bump)


def version(user_id: int) -> int:
    return cache.get_or_set(_version_key(user_id), lambda: int(time.time() * 1000), timeout=None)


def cached(user_id: int) -> BellState:
    """What the cache knows, without touching the database."""
    found = cache.get_many([_version_key(user_id), _count_key(user_id)])
    current = found.get(_version_key(user_id))
    entry = found.get(_count_key(user_id))
    if current is not None and entry is not None and entry[0] == current:
        return BellState(version=current, unread=entry[1])
    return BellState(version=current, unread=None)


def unread(user_id: int, count: Callable[[], int]) -> BellState:
    """The cached state, counting with `count()` (and caching it) when the cache lacks it."""
    state = cached(user_id)
    if state.unread is not None:
        return state
    # Read the version before counting: a notification arriving meanwhile bumps it, so this
    # count is stored against the older version and never shown as current.
    current = version(user_id)
    n = count()
    cache.set(_count_key(user_id), (current, n), timeout=COUNT_TTL_S)
    return BellState(version=current, unread=n)
