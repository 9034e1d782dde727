"""Provider deliveries: stored before they are acknowledged, processed exactly once.

`inbound_event_store` is all a webhook does besides verifying; `inbound_event_process` is all the
worker does. A re-delivery hits the (provider, provider_event_id) unique constraint and changes
nothing; a message inside an event is inserted once whatever happens to the event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

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
)
from interactions.types import CallUpdate, InboundMessage, StatusUpdate

log = logging.getLogger(__name__)

# Task retries for transient failures (database down, broker hiccups).
MAX_ATTEMPTS = 8
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
    except Exception:  # broker down or slow: the row is stored, the sweeper re-enqueues it
        log.warning("Could not enqueue inbound event %s; the sweeper will retry it.", event_id)


def inbound_event_store(
    *,
    provider: str,
    provider_event_id: str,
    payload: dict | None = None,
    raw: str = "",
    headers: dict | None = None,
) -> tuple[InboundEvent, bool]:
    """Store one delivery (or find its earlier copy); enqueue processing once it commits."""
    try:
        with transaction.atomic():
            event = InboundEvent.objects.create(
                provider=provider,
                provider_event_id=provider_event_id[:255],
                payload=payload or {},
                raw=raw,
                headers=headers or {},
            )
    except IntegrityError:
        return InboundEvent.objects.get(
            provider=provider, provider_event_id=provider_event_id[:255]
        ), False
    transaction.on_commit(lambda: enqueue_processing(event.pk))
    return event, True


class RetryLater(Exception):
    """Processing hit something transient; the task retries with backoff."""


def _lock(event_id: int) -> InboundEvent | None:
    events = InboundEvent.objects.filter(pk=event_id).exclude(status=EventStatus.PROCESSED)
    if connection.features.has_select_for_update_skip_locked:
        # Another worker holding the row is processing it right now: leave it to them.
        return events.select_for_update(skip_locked=True).first()
    return events.first()


def inbound_event_process(*, event_id: int) -> str:
    """Apply one stored event: contacts, threads, messages, statuses. Returns the outcome.

    Idempotent: a processed event is skipped; a half-done one (worker killed) is redone in full,
    and the message-level unique constraints keep every message single. A receipt for a message
    we do not know (yet) never holds back the customer messages delivered beside it: it gets its
    own savepoint, and the event is retried a few times for it alone.
    """
    try:
        with transaction.atomic():
            event = _lock(event_id)
            if event is None:
                return "skipped"
            attempts = event.attempts + 1
            adapter = get_adapter(event.provider)
            if adapter is None:
                raise ParseError(f"No adapter for provider {event.provider!r}.")
            unknown = []
            for item in adapter.parse(event.payload, event.raw):
                if isinstance(item, InboundMessage):
                    message_create_inbound(inbound=item)
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
                event.save(update_fields=["attempts", "status", "error", "processed_at"])
                retry = False
    except (ParseError, UnknownChannel, InvalidIdentity) as exc:
        _fail(event_id, str(exc) or exc.__class__.__name__)
        return "failed"
    except OperationalError as exc:
        _note_attempt(event_id, f"Database: {exc}")
        raise RetryLater(str(exc)) from exc
    if retry:
        raise RetryLater(event.error)
    return "processed"


def _apply_update(item) -> None:
    if isinstance(item, StatusUpdate):
        message_apply_status(update=item)
    elif isinstance(item, CallUpdate):
        call_apply_update(update=item)
    else:
        raise ParseError(f"Adapter returned an unknown item {type(item).__name__}.")


def _fail(event_id: int, reason: str) -> None:
    InboundEvent.objects.filter(pk=event_id).update(
        status=EventStatus.FAILED, error=reason[:4000], attempts=F("attempts") + 1
    )
    log.warning("Inbound event %s failed: %s", event_id, reason)


def _note_attempt(event_id: int, reason: str) -> None:
    InboundEvent.objects.filter(pk=event_id).update(error=reason[:4000], attempts=F("attempts") + 1)


def inbound_event_replay(*, event: InboundEvent) -> None:
    """Send a failed event through the pipeline again (after a fix, or a new channel)."""
    InboundEvent.objects.filter(pk=event.pk).update(status=EventStatus.PENDING, error="")
    transaction.on_commit(lambda: enqueue_processing(event.pk))


def inbound_events_stalled(*, older_than_s: int = 60, limit: int = 500) -> list[int]:
    """Pending events nobody picked up (broker outage, lost task): the sweeper re-enqueues them."""
    cutoff = timezone.now() - timedelta(seconds=older_than_s)
    return list(
        InboundEvent.objects.filter(status=EventStatus.PENDING, received_at__lte=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
