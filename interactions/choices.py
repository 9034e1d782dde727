"""Small lists every page shows (teams, tags, assignable people, SLA policies), cached.

They change rarely, and every inbox page needs them: read from the cache, rebuilt after any
save or delete of the rows behind them (receivers bump one version key on commit).
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

from accounts.models import Team, User
from interactions.models import Tag

VERSION_KEY = "choices:version"
TTL_S = 3600


def _version() -> int:
    return cache.get_or_set(VERSION_KEY, 1, timeout=None)


def changed(**_kwargs) -> None:
    """Receiver for post_save / post_delete of the models behind the lists."""

    def bump():
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            cache.set(VERSION_KEY, 1, timeout=None)

    transaction.on_commit(bump)


def cached(name: str, build):
    """`build()`'s value, cached until one of the watched models changes."""
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
