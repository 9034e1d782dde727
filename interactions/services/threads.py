"""Finding the thread a message belongs to, opening one, and thread state changes."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Team, User
from interactions import live
from interactions.models import (
    Channel,
    ChannelKind,
    Contact,
    Message,
    Priority,
    Tag,
    Thread,
    ThreadEvent,
    ThreadEventKind,
    ThreadStatus,
)
from interactions.normalize import base_subject
from interactions.services.sla import sla_apply, sla_pause, sla_resume
from interactions.signals import thread_resolved
from interactions.types import InboundMessage

# The first key of the advisory lock that serializes thread lookup per (channel, contact).
ADVISORY_THREAD_LOCK = 71_003
# A chat message within this long after a thread was resolved reopens it; later starts anew.
REOPEN_WINDOW = timedelta(days=7)
# Email without usable headers joins an open thread with the same subject from the same person.
SUBJECT_FALLBACK_WINDOW = timedelta(days=30)


def thread_mark_read(*, thread: Thread) -> Thread:
    """Clear the unread marker; a no-op (no query) when it is already read."""
    if thread.is_unread:
        Thread.objects.filter(pk=thread.pk).update(is_unread=False)
        thread.is_unread = False
    return thread


def _email_thread(channel: Channel, contact: Contact, message: InboundMessage) -> Thread | None:
    refs = [r for r in (message.in_reply_to, *message.references) if r]
    if refs:
        # The header match must also match the contact: a newsletter's Message-ID answered by
        # thousands of recipients must not merge strangers into one thread.
        hit = (
            Message.objects.filter(
                channel=channel, provider_message_id__in=refs, thread__contact=contact
            )
            .select_related("thread")
            .order_by("-created_at")
            .first()
        )
        if hit is not None:
            return hit.thread
    subject = base_subject(message.subject)
    if not subject:
        return None
    since = timezone.now() - SUBJECT_FALLBACK_WINDOW
    candidates = Thread.objects.filter(
        channel=channel, contact=contact, last_activity_at__gte=since
    ).exclude(status=ThreadStatus.RESOLVED)
    for thread in candidates.order_by("-last_activity_at")[:20]:
        if base_subject(thread.subject).lower() == subject.lower():
            return thread
    return None


# The person's latest thread in one conversation on one channel (thread_channel_contact_idx),
# written out rather than built with the ORM: it runs once per message, and compiling the
# queryset took longer than PostgreSQL takes to answer it (the bench's ingest_throughput).
_LATEST_CHAT_SQL = (
    f"SELECT * FROM {Thread._meta.db_table} "
    "WHERE channel_id = %s AND contact_id = %s AND conversation_key = %s "
    "ORDER BY last_activity_at DESC, id DESC LIMIT 1"
)


def _chat_thread(channel: Channel, contact: Contact, message: InboundMessage) -> Thread | None:
    # One thread per provider conversation (a post's comments, DMs); a message without a key
    # joins only keyless threads, so a private message never lands in a public comment thread.
    # Locked as it is read: the message about to be added updates it (thread_for_inbound).
    sql = _LATEST_CHAT_SQL + (" FOR UPDATE" if connection.features.has_select_for_update else "")
    params = [channel.pk, contact.pk, message.conversation_key]
    latest = next(iter(Thread.objects.raw(sql, params)), None)
    if latest is None:
        return None
    if latest.status != ThreadStatus.RESOLVED:
        return latest
    resolved_at = latest.resolved_at or latest.last_activity_at
    return latest if timezone.now() - resolved_at <= REOPEN_WINDOW else None


def thread_for_inbound(
    *, channel: Channel, contact: Contact, message: InboundMessage, at: datetime | None = None
) -> tuple[Thread, bool]:
    """The thread `message` continues, or a new open one; returns (thread, created).

    Call inside a transaction. On PostgreSQL a transaction-scoped advisory lock per
    (channel, contact) makes two workers with two new messages from the same person take
    turns here, so they cannot both open a thread. The thread returned is locked until the
    transaction ends, so the caller may update it from the values in hand.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [ADVISORY_THREAD_LOCK, (channel.pk * 1_000_003 + contact.pk) & 0x7FFFFFFF],
            )
    if channel.kind == ChannelKind.EMAIL:
        thread, locked = _email_thread(channel, contact, message), False
    else:
        thread, locked = _chat_thread(channel, contact, message), True
    # A thread merged away lives on in the one it was merged into (services.merge).
    seen: set[int] = set()
    while thread is not None and thread.merged_into_id and thread.pk not in seen:
        seen.add(thread.pk)
        thread, locked = thread.merged_into, False
    if thread is not None:
        if not locked:
            thread = Thread.objects.select_for_update().get(pk=thread.pk)
        return thread, False
    # A new thread starts when its first message was written (`at`), not when it was processed.
    at = at or message.sent_at or timezone.now()
    thread = Thread.objects.create(
        channel=channel,
        contact=contact,
        subject=message.subject[:255],
        conversation_key=message.conversation_key[:255],
        team=channel.default_team,
        status=ThreadStatus.OPEN,
        created_at=at,
        last_activity_at=at,
    )
    return thread, True


def threads_due_to_wake(now=None):
    """Snoozed threads whose time has come."""
    now = now or timezone.now()
    return Thread.objects.filter(Q(status=ThreadStatus.SNOOZED) & Q(snoozed_until__lte=now))


def _log(thread: Thread, kind: str, actor, **data) -> ThreadEvent:
    live.changed(thread.pk)
    return ThreadEvent.objects.create(thread=thread, kind=kind, actor=actor, data=data)


def _locked(thread: Thread) -> Thread:
    # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of the outer joins.
    return (
        Thread.objects.select_for_update(of=("self",))
        .select_related("team", "assignee")
        .get(pk=thread.pk)
    )


@transaction.atomic
def thread_assign(*, thread: Thread, assignee: User | None, actor: User | None) -> Thread:
    """Give the thread to `assignee` (None: unassign). Logged on the thread."""
    thread = _locked(thread)
    if thread.assignee_id == (assignee.pk if assignee else None):
        return thread
    if assignee is not None and not assignee.is_active:
        raise ValidationError({"assignee": "That user is deactivated."})
    old = thread.assignee
    thread.assignee = assignee
    thread.save(update_fields=["assignee"])
    _log(
        thread,
        ThreadEventKind.ASSIGNED,
        actor,
        old=old.display_name if old else None,
        new=assignee.display_name if assignee else None,
    )
    return thread


@transaction.atomic
def thread_set_team(*, thread: Thread, team: Team | None, actor: User | None) -> Thread:
    thread = _locked(thread)
    if thread.team_id == (team.pk if team else None):
        return thread
    old = thread.team
    thread.team = team
    thread.save(update_fields=["team"])
    _log(
        thread,
        ThreadEventKind.TEAM,
        actor,
        old=str(old) if old else None,
        new=str(team) if team else None,
    )
    return thread


@transaction.atomic
def thread_set_status(
    *, thread: Thread, status: str, actor: User | None, snoozed_until: datetime | None = None
) -> Thread:
    """Open, pending, snoozed (until a time in the future) or resolved; logged on the thread."""
    if status not in ThreadStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    now = timezone.now()
    if status == ThreadStatus.SNOOZED and (snoozed_until is None or snoozed_until <= now):
        raise ValidationError({"snoozed_until": "Snooze until a time in the future."})
    thread = _locked(thread)
    if thread.status == status and status != ThreadStatus.SNOOZED:
        return thread
    old = thread.status
    thread.status = status
    thread.snoozed_until = snoozed_until if status == ThreadStatus.SNOOZED else None
    thread.resolved_at = now if status == ThreadStatus.RESOLVED else None
    thread.save(update_fields=["status", "snoozed_until", "resolved_at"])
    # Pending means waiting on the customer: the resolution clock stands still meanwhile.
    if status == ThreadStatus.PENDING:
        sla_pause(thread=thread, at=now)
    elif old == ThreadStatus.PENDING:
        sla_resume(thread=thread, at=now)
    _log(
        thread,
        ThreadEventKind.STATUS,
        actor,
        old=old,
        new=status,
        until=snoozed_until.isoformat() if thread.snoozed_until else None,
    )
    if status == ThreadStatus.RESOLVED:
        transaction.on_commit(
            lambda: thread_resolved.send(sender=Thread, thread=thread, actor=actor)
        )
    return thread


@transaction.atomic
def thread_set_priority(*, thread: Thread, priority: int, actor: User | None) -> Thread:
    if priority not in Priority.values:
        raise ValidationError({"priority": f"Unknown priority {priority!r}."})
    thread = _locked(thread)
    if thread.priority == priority:
        return thread
    old = thread.priority
    thread.priority = priority
    thread.save(update_fields=["priority"])
    sla_apply(thread=thread)
    _log(
        thread,
        ThreadEventKind.PRIORITY,
        actor,
        old=Priority(old).label,
        new=Priority(priority).label,
    )
    return thread


@transaction.atomic
def thread_set_tags(
    *, thread: Thread, add: list[Tag] = (), remove: list[Tag] = (), actor: User | None
) -> Thread:
    """Add and remove tags; logged with the names that actually changed."""
    current = set(thread.tags.values_list("pk", flat=True))
    to_add = [t for t in add if t.pk not in current]
    to_remove = [t for t in remove if t.pk in current]
    if not to_add and not to_remove:
        return thread
    thread.tags.add(*to_add)
    thread.tags.remove(*to_remove)
    _log(
        thread,
        ThreadEventKind.TAGS,
        actor,
        added=[t.name for t in to_add],
        removed=[t.name for t in to_remove],
    )
    return thread


def threads_wake_snoozed(*, now: datetime | None = None) -> int:
    """Reopen snoozed threads whose time has come (the beat task calls this)."""
    woken = 0
    for thread in threads_due_to_wake(now).select_related(None)[:1000]:
        with transaction.atomic():
            locked = Thread.objects.select_for_update().get(pk=thread.pk)
            if locked.status != ThreadStatus.SNOOZED:
                continue
            locked.status = ThreadStatus.OPEN
            locked.snoozed_until = None
            locked.is_unread = True
            locked.save(update_fields=["status", "snoozed_until", "is_unread"])
            _log(
                locked,
                ThreadEventKind.STATUS,
                None,
                old="snoozed",
                new="open",
                reason="snooze ended",
            )
            woken += 1
    return woken


BULK_LIMIT = 200


def threads_bulk_apply(*, threads: list[Thread], action: str, value, actor: User | None) -> int:
    """Apply one change to each thread (each through its own service, so each is logged)."""
    for thread in threads[:BULK_LIMIT]:
        if action == "assign":
            thread_assign(thread=thread, assignee=value, actor=actor)
        elif action == "status":
            thread_set_status(thread=thread, status=value, actor=actor)
        elif action == "priority":
            thread_set_priority(thread=thread, priority=value, actor=actor)
        elif action == "add_tag":
            thread_set_tags(thread=thread, add=[value], actor=actor)
        else:
            raise ValidationError({"action": f"Unknown bulk action {action!r}."})
    return min(len(threads), BULK_LIMIT)
