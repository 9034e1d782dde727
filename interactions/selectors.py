"""Reads the inbox, the thread page, the API and the benchmark share.

Who sees what is decided here and only here: agents see the threads of their teams (and the
ones assigned to them); roles with `TRIAGE_ALL_TEAMS` see every thread. A thread id outside
that set is a 404 (`access_thread`), never a 403 that confirms it exists.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.dateparse import parse_datetime

from accounts.models import User
from accounts.permissions import Perm, user_can
from interactions.models import (
    Contact,
    ContactIdentity,
    Message,
    Tag,
    Thread,
    ThreadStatus,
)

PAGE_SIZE = 50


def visible_threads(user: User) -> QuerySet[Thread]:
    """Every thread `user` may see, unfiltered and unordered."""
    threads = Thread.objects.all()
    if user_can(user, Perm.TRIAGE_ALL_TEAMS):
        return threads
    team_ids = list(user.team_memberships.values_list("team_id", flat=True))
    return threads.filter(Q(team_id__in=team_ids) | Q(assignee=user))


def access_thread(user: User, thread_id: int) -> Thread:
    """The thread if `user` may see it, else 404."""
    try:
        return (
            visible_threads(user)
            .select_related("channel", "contact", "assignee", "team")
            .prefetch_related("tags")
            .get(pk=thread_id)
        )
    except (Thread.DoesNotExist, ValueError, TypeError):
        raise Http404("No such thread.") from None


@dataclass(frozen=True)
class InboxFilters:
    status: str = ThreadStatus.OPEN
    team_id: int | None = None
    channel_kind: str = ""
    assignee: str = ""  # "me", "unassigned", a user id, or "" for anyone
    tag_id: int | None = None


@dataclass
class InboxPage:
    threads: list[Thread]
    next_cursor: str = ""
    filters: InboxFilters = field(default_factory=InboxFilters)


def encode_cursor(thread: Thread) -> str:
    raw = f"{thread.last_activity_at.isoformat()}|{thread.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """The (last_activity_at, id) a page continues after; None for a bad or empty cursor."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, pk = raw.partition("|")
        when = parse_datetime(stamp)
        return (when, int(pk)) if when is not None else None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def inbox_threads(
    *, user: User, filters: InboxFilters, cursor: str = "", page_size: int = PAGE_SIZE
) -> InboxPage:
    """One page of the inbox, newest activity first, in a constant number of queries.

    Keyset pagination on (last_activity_at, id): page 1000 costs what page 1 costs, and a thread
    that moves while someone pages is neither skipped nor shown twice.
    """
    threads = visible_threads(user)
    if filters.status:
        threads = threads.filter(status=filters.status)
    if filters.team_id:
        threads = threads.filter(team_id=filters.team_id)
    if filters.channel_kind:
        threads = threads.filter(channel__kind=filters.channel_kind)
    if filters.assignee == "me":
        threads = threads.filter(assignee=user)
    elif filters.assignee == "unassigned":
        threads = threads.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        threads = threads.filter(assignee_id=int(filters.assignee))
    if filters.tag_id:
        threads = threads.filter(tags__id=filters.tag_id)
    after = decode_cursor(cursor)
    if after is not None:
        when, pk = after
        threads = threads.filter(Q(last_activity_at__lt=when) | Q(last_activity_at=when, id__lt=pk))
    rows = list(
        threads.select_related("channel", "contact", "assignee", "team")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by("-last_activity_at", "-id")[: page_size + 1]
    )
    next_cursor = encode_cursor(rows[page_size - 1]) if len(rows) > page_size else ""
    return InboxPage(threads=rows[:page_size], next_cursor=next_cursor, filters=filters)


def thread_messages(thread: Thread) -> QuerySet[Message]:
    return (
        thread.messages.select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def contact_other_threads(*, user: User, thread: Thread, limit: int = 10) -> list[Thread]:
    """The contact's other visible threads, on every channel, newest first."""
    return list(
        visible_threads(user)
        .filter(contact_id=thread.contact_id)
        .exclude(pk=thread.pk)
        .select_related("channel")
        .order_by("-last_activity_at", "-id")[:limit]
    )


def contacts_page(*, query: str = "", page_size: int = PAGE_SIZE, offset: int = 0) -> list[Contact]:
    contacts = Contact.objects.filter(merged_into__isnull=True)
    if query:
        contacts = contacts.filter(
            Q(name__icontains=query)
            | Q(company__icontains=query)
            | Q(identities__value__icontains=query.lower())
        ).distinct()
    return list(
        contacts.prefetch_related(
            Prefetch("identities", queryset=ContactIdentity.objects.order_by("kind", "value"))
        ).order_by("-last_seen_at", "-id")[offset : offset + page_size + 1]
    )


def access_contact(contact_id: int) -> Contact:
    try:
        return Contact.objects.prefetch_related("identities").get(pk=contact_id)
    except (Contact.DoesNotExist, ValueError, TypeError):
        raise Http404("No such contact.") from None
