"""Live updates without websockets: version counters in the cache, bumped on every change.

Every write that changes what an inbox or a thread shows calls `changed(thread_id)` (on commit).
Open pages poll every few seconds with the version they rendered; an unchanged version answers
204 after one cache read (and the session and user lookups of any signed-in request): a hundred
idle agents cost a hundred cache reads and no query about threads or messages.
Presence ("Dana is viewing / replying") lives in the cache too, with a short time-to-live.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction

from cx_hub.cache_client import cache_key, redis_client

INBOX_KEY = "live:inbox"
PRESENCE_TTL_S = 15


def _thread_key(thread_id: int) -> str:
    return f"live:thread:{thread_id}"


def _bump(*keys: str) -> None:
    """Increment each key's version; a key not set yet (or evicted) starts from a fresh,
    unguessable point (the time in ms), so a page never mistakes a new counter for its own."""
    start = int(time.time() * 1000)
    client = redis_client()
    if client is not None:
        # One round trip for all keys: SET NX, then INCR, each.
        with client.pipeline(transaction=False) as pipe:
            for key in keys:
                full = cache_key(key)
                pipe.set(full, start, nx=True)
                pipe.incr(full)
            pipe.execute()
        return
    for key in keys:
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, start, timeout=None)


def changed(thread_id: int | None = None) -> None:
    """Mark the inbox (and one thread) as changed once the current transaction commits.

    Best effort: should the cache be down, the change is logged and the pages catch up on
    their next change or reload; it never fails the work that committed.
    """
    keys = (INBOX_KEY,) if thread_id is None else (INBOX_KEY, _thread_key(thread_id))
    transaction.on_commit(lambda: _bump(*keys), robust=True)


def inbox_version() -> int:
    return cache.get_or_set(INBOX_KEY, lambda: int(time.time() * 1000), timeout=None)


def thread_version(thread_id: int) -> int:
    return cache.get_or_set(_thread_key(thread_id), lambda: int(time.time() * 1000), timeout=None)


def presence_mark(*, thread_id: int, user_id: int, name: str, state: str = "viewing") -> None:
    """Record that a user is viewing (or replying to) a thread right now."""
    key = f"live:presence:{thread_id}"
    now = time.time()
    present = {
        uid: entry
        for uid, entry in (cache.get(key) or {}).items()
        if now - entry["at"] < PRESENCE_TTL_S
    }
    previous = present.get(user_id, {})
    # "replying" sticks for a few seconds after the last keystroke, then falls back to viewing.
    if state == "viewing" and previous.get("state") == "replying" and now - previous["at"] < 8:
        state = "replying"
        now = previous["at"]
    present[user_id] = {"name": name, "state": state, "at": now}
    cache.set(key, present, timeout=PRESENCE_TTL_S * 2)


def presence_others(*, thread_id: int, user_id: int) -> list[dict]:
    """Who else is on the thread, replying first, by name."""
    now = time.time()
    entries = cache.get(f"live:presence:{thread_id}") or {}
    others = [
        {"name": e["name"], "state": e["state"]}
        for uid, e in entries.items()
        if uid != user_id and now - e["at"] < PRESENCE_TTL_S
    ]
    return sorted(others, key=lambda e: (e["state"] != "replying", e["name"]))
