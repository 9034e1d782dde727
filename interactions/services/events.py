"""Provider deliveries: stored before they are acknowledged, processed exactly once.

`inbound_event_store` is all a webhook does besides verifying; `inbound_events_drain` is all the
worker does. A re-delivery hits the (provider, provider_event_id) unique constraint and changes
nothing; a message inside an event is inserted once whatever happens to the event.

Workers do not get a task per event: a stored event requests a drain (at most one drain task
waits in the queue at a time), and a drain takes pending events oldest first, each in a
transaction of its own that begins by locking the event (SKIP LOCKED, so concurrent drains
take different events, and a worker that dies lets go of its event with its session). A
failed attempt backs off (`not_before`). The processing transactions commit asynchronously on
PostgreSQL (`synchronous_commit = off`): a server crash can only take back processing, whose
event is then still pending and is processed again; the event was stored synchronously.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from cx_hub import rows
from cx_hub.cache_client import cache_key, redis_client
from interactions.channels.base import ParseError
from interactions.channels.registry import get_adapter
from interactions.models import EventStatus, InboundEvent
from interactions.normalize import InvalidIdentity
from interactions.services.messages import (
    MessageNotYetKnown,
    UnknownChannel,
    call_apply_update,
    message_apply_status,
    message_create_inbound,
    messages_apply_watermark,
)
from interactions.types import CallUpdate, InboundMessage, StatusUpdate, WatermarkUpdate

log = logging.getLogger(__name__)

# Attempts at an event that keeps hitting transient failures before it is marked failed.
MAX_ATTEMPTS = 8
# Starts of an event's processing that killed the worker before it is set aside (_StartLog).
CRASH_LIMIT = 3
# Events a drain processes before handing over to a fresh task (other tasks get their turn).
DRAIN_BUDGET = 2000
# A stored event asks for a drain unless one is already waiting (this key, set on request and
# cleared when a drain starts, expires by itself should a requested drain be lost).
KICK_KEY = "ingest:drain-requested"
KICK_TTL_S = 5
# Backoff between attempts at an event that hit a transient failure (seconds, capped).
RETRY_BASE_S, RETRY_MAX_S = 2, 300
# Attempts before receipts for messages we never knew are given up (sent outside CX Hub).
UNKNOWN_RECEIPT_ATTEMPTS = 4

# The hook the task module installs, so services never import tasks.
_enqueue: Callable[[int], None] | None = None


def set_enqueuer(enqueue: Callable[[int], None]) -> None:
    global _enqueue
    _enqueue = enqueue


def enqueue_processing(event_id: int) -> None:
    """Hand an event to the workers; if the broker is down, the sweeper will find it later."""
    if _enqueue is None:
        return
    try:
        _enqueue(event_id)
    except Exception:  # broker or cache down: the row is stored, the sweeper will find it
        log.warning("Could not hand inbound event %s to the workers; the sweeper will.", event_id)


def drain_request(publish: Callable[[], object], *, queue: str) -> bool:
    """Ask for a drain on `queue`: `publish` one unless one is requested there and not yet
    started. One cache round trip per stored event, and a publish only now and then, however
    many webhooks arrive. True when this call published.
    """
    key = f"{KICK_KEY}:{queue}"
    client = redis_client()
    if client is not None:
        requested = client.set(cache_key(key), 1, nx=True, ex=KICK_TTL_S)
    else:
        requested = cache.add(key, 1, timeout=KICK_TTL_S)
    if not requested:
        return False
    try:
        publish()
    except Exception:
        cache.delete(key)  # let the next event try again
        raise
    return True


def drain_started(*, queue: str) -> None:
    """A drain is starting on `queue`: events stored from now on must request another one."""
    cache.delete(f"{KICK_KEY}:{queue}")


def inbound_event_store(
    *,
    provider: str,
    provider_event_id: str,
    payload: dict | None = None,
    raw: str = "",
    headers: dict | None = None,
) -> tuple[InboundEvent, bool]:
    """Store one delivery (or find its earlier copy); enqueue processing once it commits."""
    event = InboundEvent(
        provider=provider,
        provider_event_id=provider_event_id[:255],
        payload=payload or {},
        raw=raw,
        headers=headers or {},
    )
    # One statement, INSERT … ON CONFLICT DO NOTHING RETURNING id, where the ORM would need a
    # savepoint around its INSERT to survive the duplicate: this runs on every webhook.
    if not rows.insert(event, skip_duplicate_of=("provider", "provider_event_id")):
        return InboundEvent.objects.get(
            provider=provider, provider_event_id=provider_event_id[:255]
        ), False
    transaction.on_commit(lambda: enqueue_processing(event.pk))
    return event, True


class _StartLog:
    """How many times each event's processing has started, kept in the cache.

    Every finished attempt counts in `attempts`; a start that never finished killed its worker
    (an email that exhausts memory, say). Drains take the oldest event first, so such an event
    would stop every drain at the head of the queue: after CRASH_LIMIT such starts it is failed
    instead. One cache round trip per event: the previous event's count is dropped in the
    same one (it finished, or this process would not be here).
    """

    TTL_S = 24 * 3600

    def __init__(self) -> None:
        self.previous: str | None = None

    def begin(self, event_id: int) -> int:
        key = cache_key(f"ingest:starts:{event_id}")
        client = redis_client()
        if client is None:  # the embedded default: tasks run in-process, nothing to guard
            return 1
        try:
            with client.pipeline(transaction=False) as pipe:
                if self.previous and self.previous != key:
                    pipe.delete(self.previous)
                pipe.incr(key)
                pipe.expire(key, self.TTL_S)
                results = pipe.execute()
        except Exception:  # the cache is down: process without the guard rather than not at all
            log.warning("Could not count the start of inbound event %s", event_id)
            return 1
        self.previous = key
        return results[-2]


_starts = _StartLog()


class RetryLater(Exception):
    """Processing hit something transient; the task retries with backoff."""

    def __init__(self, message: str = "", *, event_id: int | None = None) -> None:
        super().__init__(message)
        self.event_id = event_id  # None: no event was reached (the database is down)


def inbound_events_drain(*, budget: int = DRAIN_BUDGET) -> Counter:
    """Process pending events, oldest first, until none is left or `budget` are done.

    Returns the counts by outcome; `counts["budget_spent"]` tells the caller to carry on in a
    fresh task. Raises RetryLater when the database cannot be reached.
    """
    counts: Counter = Counter()
    for _ in range(budget):
        outcome = inbound_event_process_next()
        if outcome is None:
            return counts
        counts[outcome] += 1
    counts["budget_spent"] = 1
    return counts


def inbound_event_process_next() -> str | None:
    """Claim and process the oldest pending event that no one holds and that is not backing
    off; its outcome, or None when there is none.

    The claim is the row lock of the event's own processing transaction (SKIP LOCKED): no
    lease to expire, and a worker that dies lets go of its event with its session. A transient
    failure postpones the event with backoff instead of raising.
    """
    try:
        outcome, event_id = _process(_lock_next)
    except RetryLater as exc:
        if exc.event_id is None:
            raise
        _postpone(exc.event_id)
        return "retry"
    return None if event_id is None else outcome


# Safe for processing only: see the module docstring. Each lock function starts its transaction
# with it.
_ASYNC_COMMIT_SQL = "SET LOCAL synchronous_commit TO OFF"

# Written out rather than built with the ORM: it runs once per message, and compiling the
# queryset took longer than PostgreSQL takes to answer it (the bench's ingest_throughput).
# Uses inbound_event_pending_idx.
_LOCK_NEXT_SQL = (
    f"SELECT * FROM {InboundEvent._meta.db_table} "
    "WHERE status = %s AND (not_before IS NULL OR not_before <= %s) ORDER BY id LIMIT 1"
)


def _lock_next() -> InboundEvent | None:
    sql = _LOCK_NEXT_SQL
    if connection.features.has_select_for_update_skip_locked:
        sql += " FOR UPDATE SKIP LOCKED"
    if connection.vendor == "postgresql":
        sql = f"{_ASYNC_COMMIT_SQL}; {sql}"  # one round trip for both
    found = InboundEvent.objects.raw(sql, [EventStatus.PENDING, timezone.now()])
    return next(iter(found), None)


def _lock(event_id: int) -> InboundEvent | None:
    _commit_asynchronously()
    events = InboundEvent.objects.filter(pk=event_id).exclude(status=EventStatus.PROCESSED)
    if connection.features.has_select_for_update_skip_locked:
        # Another worker holding the row is processing it right now: leave it to them.
        events = events.select_for_update(skip_locked=True)
    return next(iter(events.order_by()[:1]), None)


def _postpone(event_id: int) -> None:
    """Back off before the next attempt; give up after MAX_ATTEMPTS."""
    event = InboundEvent.objects.filter(pk=event_id).only("attempts", "error").first()
    if event is None:
        return
    if event.attempts >= MAX_ATTEMPTS:
        _fail(event_id, f"Gave up after {event.attempts} attempts: {event.error}", count=False)
        return
    delay = min(RETRY_MAX_S, RETRY_BASE_S**event.attempts) * random.uniform(0.8, 1.2)
    InboundEvent.objects.filter(pk=event_id, status=EventStatus.PENDING).update(
        not_before=timezone.now() + timedelta(seconds=delay)
    )


def next_retry_in() -> float | None:
    """Seconds until the first event backing off is due again; None when none is."""
    now = timezone.now()
    due = (
        InboundEvent.objects.filter(status=EventStatus.PENDING, not_before__gt=now)
        .order_by("not_before")
        .values_list("not_before", flat=True)
        .first()
    )
    return None if due is None else (due - now).total_seconds()


def _commit_asynchronously() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_ASYNC_COMMIT_SQL)


def inbound_event_process(*, event_id: int) -> str:
    """Apply one stored event: contacts, threads, messages, statuses. Returns the outcome.

    Idempotent: a processed event is skipped; a half-done one (worker killed) is redone in full,
    and the message-level unique constraints keep every message single. A receipt for a message
    we do not know (yet) never holds back the customer messages delivered beside it: it gets its
    own savepoint, and the event is retried a few times for it alone. Raises RetryLater for a
    transient failure.
    """
    return _process(lambda: _lock(event_id), event_id=event_id)[0]


def _process(lock, *, event_id: int | None = None) -> tuple[str, int | None]:
    """Lock an event with `lock()` and apply it, in one transaction; (outcome, its id)."""
    try:
        with transaction.atomic():
            event = lock()
            if event is None:
                return "skipped", None
            event_id = event.pk
            crashes = _starts.begin(event_id) - 1 - event.attempts
            if crashes >= CRASH_LIMIT:
                raise ParseError(
                    f"Processing stopped {crashes} times without finishing (the worker died: "
                    "out of memory on this delivery?); set aside so the others go on."
                )
            attempts = event.attempts + 1
            adapter = get_adapter(event.provider)
            if adapter is None:
                raise ParseError(f"No adapter for provider {event.provider!r}.")
            unknown = []
            for item in adapter.parse(event.payload, event.raw):
                if isinstance(item, InboundMessage):
                    message_create_inbound(inbound=item, received_at=event.received_at)
                    continue
                try:
                    with transaction.atomic():
                        _apply_update(item)
                except MessageNotYetKnown as exc:
                    unknown.append(str(exc))
            if unknown and attempts < UNKNOWN_RECEIPT_ATTEMPTS:
                # Keep what applied; come back for the receipts (their send may be in flight).
                event.attempts = attempts
                event.error = f"Waiting for message(s) {', '.join(unknown[:5])}"
                event.save(update_fields=["attempts", "error"])
                retry = True
            else:
                event.attempts = attempts
                event.status = EventStatus.PROCESSED
                # Receipts for messages sent outside CX Hub (a Page inbox, a phone) end here.
                event.error = (
                    f"Ignored receipts for unknown message(s) {', '.join(unknown[:5])}"
                    if unknown
                    else ""
                )
                event.processed_at = timezone.now()
                rows.update(
                    InboundEvent,
                    event.pk,
                    attempts=event.attempts,
                    status=event.status,
                    error=event.error,
                    processed_at=event.processed_at,
                )
                retry = False
    except (ParseError, UnknownChannel, InvalidIdentity) as exc:
        _fail(event_id, str(exc) or exc.__class__.__name__)
        return "failed", event_id
    except IntegrityError as exc:
        # A twin stored concurrently (see message_create_inbound): the retry finds it.
        _note_attempt(event_id, f"Conflict: {exc}")
        raise RetryLater(str(exc), event_id=event_id) from exc
    except DatabaseError as exc:  # the connection dropped, a deadlock, a timeout…
        if event_id is not None:
            _note_attempt(event_id, f"Database: {exc}")
        raise RetryLater(str(exc), event_id=event_id) from exc
    except Exception as exc:
        # A bug met by one delivery must not stop the drains behind it: set it aside with the
        # reason, to replay once fixed.
        if event_id is None:
            raise
        log.exception("Inbound event %s could not be processed", event_id)
        _fail(event_id, f"{exc.__class__.__name__}: {exc}")
        return "failed", event_id
    if retry:
        raise RetryLater(event.error, event_id=event_id)
    return "processed", event_id


def _apply_update(item) -> None:
    if isinstance(item, StatusUpdate):
        message_apply_status(update=item)
    elif isinstance(item, WatermarkUpdate):
        messages_apply_watermark(update=item)
    elif isinstance(item, CallUpdate):
        call_apply_update(update=item)
    else:
        raise ParseError(f"Adapter returned an unknown item {type(item).__name__}.")


def _fail(event_id: int, reason: str, *, count: bool = True) -> None:
    InboundEvent.objects.filter(pk=event_id).update(
        status=EventStatus.FAILED,
        error=reason[:4000],
        attempts=F("attempts") + 1 if count else F("attempts"),
    )
    log.warning("Inbound event %s failed: %s", event_id, reason)


def _note_attempt(event_id: int, reason: str) -> None:
    InboundEvent.objects.filter(pk=event_id).update(error=reason[:4000], attempts=F("attempts") + 1)


def inbound_event_replay(*, event: InboundEvent) -> None:
    """Send a failed event through the pipeline again (after a fix, or a new channel)."""
    InboundEvent.objects.filter(pk=event.pk).update(
        status=EventStatus.PENDING, error="", not_before=None
    )
    transaction.on_commit(lambda: enqueue_processing(event.pk))


def inbound_events_stalled(*, older_than_s: int = 60, limit: int = 500) -> list[int]:
    """Pending events nobody picked up (a broker outage, a lost drain) and not backing off: the
    sweeper asks for a drain when there are any."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than_s)
    return list(
        InboundEvent.objects.filter(
            Q(not_before__isnull=True) | Q(not_before__lte=now),
            status=EventStatus.PENDING,
            received_at__lte=cutoff,
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
