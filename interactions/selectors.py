"""Reads the inbox, the thread page, the API and the benchmark share.

Who sees what is decided here and only here: agents see the threads of their teams (and the
ones assigned to them); roles with `TRIAGE_ALL_TEAMS` see every thread. A thread id outside
that set is a 404 (`access_thread`), never a 403 that confirms it exists.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.db.models.functions import TruncMinute
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User
from accounts.permissions import Perm, user_can
from accounts.privacy import contact_details_masked
from accounts.selectors import team_ids_for_user
from interactions import choices, search
from interactions.masking import mask_in_text
from interactions.models import (
    Contact,
    ContactIdentity,
    EventStatus,
    InboundEvent,
    Message,
    PollCursor,
    Tag,
    Thread,
    ThreadEvent,
    ThreadStatus,
)
from interactions.sla import SLA_FILTERS, SlaBook, sla_annotate, sla_q

PAGE_SIZE = 50


def visible_threads(user: User, *, team_ids: list[int] | None = None) -> QuerySet[Thread]:
    """Every thread `user` may see, unfiltered and unordered.

    `team_ids` (the user's teams) saves the membership query when the caller already has them.
    """
    threads = Thread.objects.all()
    if user_can(user, Perm.TRIAGE_ALL_TEAMS):
        return threads
    if team_ids is None:
        team_ids = team_ids_for_user(user)
    return threads.filter(Q(team_id__in=team_ids) | Q(assignee=user))


def tags_prefetch() -> Prefetch:
    """A list of threads' tags by name, as `thread.tag_list`: a plain list, so a template looping
    over fifty rows does not build fifty querysets (`thread.tags.all`) to read them."""
    return Prefetch("tags", queryset=Tag.objects.order_by("name"), to_attr="tag_list")


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
    sla: str = ""  # "approaching", "breached", or "" for any (see interactions.sla)
    query: str = ""  # full-text search over messages, subjects and contacts
    priority: int | None = None
    sentiment: str = ""
    active_from: date | None = None  # last activity on or after this day (site time zone)
    active_to: date | None = None  # last activity on or before this day
    sort: str = "recent"  # a key of SORTS


@dataclass
class InboxPage:
    threads: list[Thread]
    next_cursor: str = ""
    filters: InboxFilters = field(default_factory=InboxFilters)
    # thread id -> escaped snippet of the matching message, with the hit in <mark>
    snippets: dict = field(default_factory=dict)


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


def inbox_filter_q(
    *,
    user: User,
    filters: InboxFilters,
    now: datetime | None = None,
    sla_book: SlaBook | None = None,
) -> Q:
    """The inbox filters as one condition on Thread (visibility not included).

    The inbox list and the saved views' counts (one aggregate with a `Count(filter=...)` per
    view) share it, so a view's count is always the number of rows its page lists. Nothing here
    joins a to-many table: a join would multiply the rows every other count in that aggregate
    sees, so tags and search are subqueries. `now`/`sla_book` let many views share one SLA
    policy read.
    """
    condition = Q()
    if filters.status:
        condition &= Q(status=filters.status)
    if filters.team_id:
        condition &= Q(team_id=filters.team_id)
    if filters.channel_kind:
        condition &= Q(channel__kind=filters.channel_kind)
    if filters.assignee == "me":
        condition &= Q(assignee=user)
    elif filters.assignee == "unassigned":
        condition &= Q(assignee__isnull=True)
    elif filters.assignee.isdecimal():
        # No user has an id past 64 bits (and SQLite raises OverflowError on one).
        too_big = len(filters.assignee) > 18
        condition &= Q(pk__in=[]) if too_big else Q(assignee_id=int(filters.assignee))
    if filters.tag_id:
        tagged = Thread.tags.through.objects.filter(thread_id=OuterRef("pk"), tag_id=filters.tag_id)
        condition &= Q(Exists(tagged))
    if filters.sla in SLA_FILTERS:
        condition &= sla_q(filters.sla, now=now, book=sla_book)
    if filters.priority is not None:
        condition &= Q(priority=filters.priority)
    if filters.sentiment:
        condition &= Q(sentiment=filters.sentiment)
    if filters.active_from:
        condition &= Q(last_activity_at__gte=_day_start(filters.active_from))
    if filters.active_to:
        condition &= Q(last_activity_at__lt=_day_start(filters.active_to + timedelta(days=1)))
    if filters.query:
        matching = search.matching_threads(Thread.objects.all(), filters.query)
        condition &= Q(pk__in=matching.values("pk"))
    return condition


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# Sort orders besides newest activity. The default is paged by keyset; these by offset over
# an already filtered set (one team's open threads, say), where sorting is cheap.
SORTS = {
    "recent": ("-last_activity_at", "-id"),
    "waiting": (F("last_inbound_at").asc(nulls_last=True), "id"),
    "priority": ("-priority", "-last_activity_at", "-id"),
    "sla": (
        F("first_response_due_at").asc(nulls_last=True),
        F("resolution_due_at").asc(nulls_last=True),
        "id",
    ),
}


def _offset_cursor(cursor: str) -> int:
    raw = cursor[1:] if cursor.startswith("o") else ""
    return min(int(raw), 100_000) if raw.isdecimal() and len(raw) < 7 else 0


def inbox_threads(
    *, user: User, filters: InboxFilters, cursor: str = "", page_size: int = PAGE_SIZE
) -> InboxPage:
    """One page of the inbox, newest activity first, in a constant number of queries.

    Keyset pagination on (last_activity_at, id): page 1000 costs what page 1 costs, and a thread
    that moves while someone pages is neither skipped nor shown twice.
    """
    threads = visible_threads(user).filter(
        inbox_filter_q(user=user, filters=replace(filters, query=""))
    )
    # Pick the page's ids first, then load those rows with their joins: joining channel,
    # contact, assignee and team onto every match before the sort cost hundreds of
    # milliseconds for a common search word; this way the joins touch one page.
    keyset = filters.sort not in SORTS or filters.sort == "recent"
    if not keyset:
        if filters.query:
            # Narrows the queryset itself (not a subquery) so PostgreSQL plans it as before.
            threads = search.matching_threads(threads, filters.query)
        offset = _offset_cursor(cursor)
        ids = list(
            threads.order_by(*SORTS[filters.sort]).values_list("pk", flat=True)[
                offset : offset + page_size + 1
            ]
        )
        next_cursor = f"o{offset + page_size}" if len(ids) > page_size else ""
    else:
        after = decode_cursor(cursor)
        if after is not None:
            when, pk = after
            threads = threads.filter(
                Q(last_activity_at__lt=when) | Q(last_activity_at=when, id__lt=pk)
            )
        if filters.query:
            # None when the newest threads hold too few hits (see interactions.search).
            ids = search.newest_matching_ids(threads, filters.query, limit=page_size + 1)
        else:
            ids = list(
                threads.order_by("-last_activity_at", "-id").values_list("pk", flat=True)[
                    : page_size + 1
                ]
            )
    if ids is None:
        # Too few hits among the newest threads: this query finds the page's matches itself
        # (one extra, for the next cursor), so a search costs as many queries either way.
        page_ids = search.newest_matching(threads, filters.query, limit=page_size + 1)
    else:
        page_ids = ids[:page_size]
    loaded = list(
        Thread.objects.filter(pk__in=page_ids)
        .select_related("channel", "contact", "assignee", "team")
        .prefetch_related(tags_prefetch())
        .order_by("-last_activity_at", "-id")
    )
    if ids is None:
        ids = [thread.pk for thread in loaded]
    by_id = {thread.pk: thread for thread in loaded}
    rows = [by_id[pk] for pk in ids[:page_size] if pk in by_id]
    if keyset:
        next_cursor = encode_cursor(rows[-1]) if len(ids) > page_size and rows else ""
    sla_annotate(rows)
    found = search.snippets([t.pk for t in rows], filters.query) if filters.query else {}
    if contact_details_masked(user):
        found = _mask_previews(rows, found)
    return InboxPage(threads=rows, next_cursor=next_cursor, filters=filters, snippets=found)


def _mask_previews(rows: list[Thread], found: dict[int, SafeString]) -> dict[int, SafeString]:
    """Each row's contact's addresses masked in its preview and search snippet, for a user who
    may not see them (one query for the page's identities)."""
    prefetch_related_objects(rows, "contact__identities")
    for thread in rows:
        identities = thread.contact.identities.all()
        thread.preview = mask_in_text(thread.preview, identities)
        if thread.pk in found:
            # The snippet is escaped HTML with <mark>s; a masked form needs no escaping.
            found[thread.pk] = mark_safe(mask_in_text(found[thread.pk], identities))
    return found


def thread_messages(thread: Thread) -> QuerySet[Message]:
    return (
        thread.messages.select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class TimelineEntry:
    """A message or an activity-log line, in the order they happened."""

    at: datetime
    message: Message | None = None
    event: ThreadEvent | None = None


def thread_timeline(thread: Thread) -> list[TimelineEntry]:
    """Messages and the thread's activity log merged by time, in two queries (plus prefetch)."""
    entries = [TimelineEntry(at=m.created_at, message=m) for m in thread_messages(thread)]
    entries += [
        TimelineEntry(at=e.at, event=e)
        for e in thread.events.select_related("actor").order_by("at", "id")
    ]
    return sorted(entries, key=lambda entry: entry.at)


@dataclass(frozen=True)
class ActionChoices:
    assignees: list[User]
    teams: list
    tags: list[Tag]


def thread_action_choices(thread: Thread | None) -> ActionChoices:
    """Who threads can go to (the thread's team members first), the teams, and the tags.

    The lists come from the cache (interactions.choices); only ordering people by a
    particular thread's team costs a query.
    """
    if thread is not None and thread.team_id:
        users = list(
            User.objects.filter(is_active=True)
            .annotate(
                in_team=Count(
                    "team_memberships", filter=Q(team_memberships__team_id=thread.team_id)
                )
            )
            .order_by("-in_team", "full_name", "email")
        )
    else:
        users = choices.assignable_users()
    return ActionChoices(assignees=users, teams=choices.teams(), tags=choices.tags())


def contact_other_threads(*, user: User, thread: Thread, limit: int = 10) -> list[Thread]:
    """The contact's other visible threads, on every channel, newest first."""
    return list(
        visible_threads(user)
        .filter(contact_id=thread.contact_id)
        .exclude(pk=thread.pk)
        .select_related("channel")
        .order_by("-last_activity_at", "-id")[:limit]
    )


def contact_threads(*, user: User, contact: Contact, limit: int = 100) -> list[Thread]:
    """The contact's threads `user` may see, newest first, ready for the list rows (channel,
    assignee and tags loaded: a fixed number of queries however many there are)."""
    return list(
        visible_threads(user)
        .filter(contact=contact)
        .select_related("channel", "contact", "assignee")
        .prefetch_related(tags_prefetch())
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


@dataclass(frozen=True)
class ProviderHealth:
    provider: str
    last_hour: int
    pending: int
    failed: int
    last_received_at: datetime | None


@dataclass(frozen=True)
class IngestionHealth:
    backlog: int
    failed: int
    last_hour: int
    oldest_pending_at: datetime | None
    providers: list[ProviderHealth]
    per_minute: list[int]  # events received in each of the last 60 minutes, oldest first
    failures: list[InboundEvent]
    retrying: list[InboundEvent]  # pending after a failed attempt, next attempt soonest first
    pollers: list[PollCursor]  # polled mailboxes and videos, with their last error


def ingestion_health(*, now: datetime | None = None, failures: int = 50) -> IngestionHealth:
    """The numbers behind the ingestion page, in a fixed handful of aggregate queries."""
    now = now or timezone.now()
    hour_ago = now - timedelta(hours=1)
    by_provider = (
        InboundEvent.objects.values("provider")
        .annotate(
            last_hour=Count("id", filter=Q(received_at__gte=hour_ago)),
            pending=Count("id", filter=Q(status=EventStatus.PENDING)),
            failed=Count("id", filter=Q(status=EventStatus.FAILED)),
            last_received_at=Max("received_at"),
        )
        .order_by("provider")
    )
    providers = [ProviderHealth(**row) for row in by_provider]
    minutes = (
        InboundEvent.objects.filter(received_at__gte=hour_ago)
        .annotate(minute=TruncMinute("received_at"))
        .values("minute")
        .annotate(n=Count("id"))
    )
    per_minute = [0] * 60
    for row in minutes:
        index = 59 - int((now - row["minute"]).total_seconds() // 60)
        if 0 <= index < 60:
            per_minute[index] += row["n"]
    oldest = (
        InboundEvent.objects.filter(status=EventStatus.PENDING)
        .order_by("received_at")
        .values_list("received_at", flat=True)
        .first()
    )
    return IngestionHealth(
        backlog=sum(p.pending for p in providers),
        failed=sum(p.failed for p in providers),
        last_hour=sum(p.last_hour for p in providers),
        oldest_pending_at=oldest,
        providers=providers,
        per_minute=per_minute,
        failures=list(
            InboundEvent.objects.filter(status=EventStatus.FAILED).order_by("-received_at")[
                :failures
            ]
        ),
        retrying=list(
            InboundEvent.objects.filter(status=EventStatus.PENDING, attempts__gt=0)
            .defer("payload", "raw", "headers")
            .order_by("not_before", "pk")[:failures]
        ),
        pollers=list(
            PollCursor.objects.select_related("channel").order_by("channel__name", "folder")[:200]
        ),
    )
