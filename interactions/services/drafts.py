"""Shared reply drafts: saved while an agent types, shown to colleagues, cleared when sent.

One draft per (thread, author). A per-thread version in the cache, bumped on commit, lets the
colleagues' drafts panel poll answer 204 from the cache, reading no draft (as interactions/live.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from interactions.models import Draft, Thread

# A draft nobody touched for this long is stale: not shown, not restored.
DRAFT_MAX_AGE = timedelta(days=7)
DRAFT_MAX_CHARS = 20000


def _version_key(thread_id: int) -> str:
    return f"drafts:thread:{thread_id}"


def drafts_version(thread_id: int) -> int:
    return cache.get_or_set(_version_key(thread_id), lambda: int(time.time() * 1000), timeout=None)


def _changed(thread_id: int) -> None:
    def bump():
        try:
            cache.incr(_version_key(thread_id))
        except ValueError:
            cache.set(_version_key(thread_id), int(time.time() * 1000), timeout=None)

    transaction.on_commit(bump)


def draft_save(*, thread: Thread, author: User, text: str) -> Draft | None:
    """Store the author's draft on the thread (one per author); empty text deletes it."""
    text = text[:DRAFT_MAX_CHARS]
    if not text.strip():
        draft_clear(thread=thread, author=author)
        return None
    now = timezone.now()
    try:
        with transaction.atomic():
            draft, _ = Draft.objects.update_or_create(
                thread=thread, author=author, defaults={"text": text, "updated_at": now}
            )
    except IntegrityError:
        # Two tabs saved the first version at once: the other insert won; update it.
        Draft.objects.filter(thread=thread, author=author).update(text=text, updated_at=now)
        draft = Draft.objects.get(thread=thread, author=author)
    _changed(thread.pk)
    return draft


def draft_clear(*, thread: Thread, author: User) -> None:
    """Forget the author's draft on the thread (the reply went out, or they emptied it)."""
    deleted, _ = Draft.objects.filter(thread=thread, author=author).delete()
    if deleted:
        _changed(thread.pk)


@dataclass
class ThreadDrafts:
    """The drafts on a thread as one viewer sees them."""

    mine: Draft | None = None
    others: list[Draft] = field(default_factory=list)
    version: int = 0
    now: datetime = field(default_factory=timezone.now)

    @property
    def poll_version(self) -> str:
        """What the panel polls with: the version, plus the minute while it shows drafts, so
        "updated 3 min ago" keeps counting (one refresh a minute)."""
        if not self.others:
            return str(self.version)
        return f"{self.version}.{minute_of(self.now)}"


def minute_of(when: datetime) -> int:
    return int(when.timestamp() // 60)


def thread_drafts(*, thread: Thread, user: User) -> ThreadDrafts:
    """The viewer's own draft and colleagues' fresh drafts on a thread, in one query."""
    version = drafts_version(thread.pk)
    now = timezone.now()
    drafts = list(
        Draft.objects.filter(
            thread=thread, updated_at__gte=now - DRAFT_MAX_AGE, author__is_active=True
        )
        .select_related("author")
        .order_by("-updated_at", "-id")
    )
    for draft in drafts:
        draft.age = now - draft.updated_at
    return ThreadDrafts(
        mine=next((d for d in drafts if d.author_id == user.pk), None),
        others=[d for d in drafts if d.author_id != user.pk],
        version=version,
        now=now,
    )
