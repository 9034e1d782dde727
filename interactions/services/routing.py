"""Automatic routing: what happens to a thread when a message arrives, and the SLA sweep.

On arrival (inside the ingest transaction): a new thread gets its SLA due times, then the
"a message arrives" rules run, then a new thread still without an assignee is auto-assigned —
so a rule that assigned wins over the team's rotation. Every minute the sweep logs SLA
"approaching"/"breached" events once per thread and target, and runs the "an SLA nears
breach" rules.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from interactions.models import Message, RuleTrigger, Thread, ThreadEvent, ThreadEventKind
from interactions.services.assignment import thread_auto_assign
from interactions.services.rules import rules_run
from interactions.services.sla import sla_apply, sla_clear_answered
from interactions.sla import TARGETS, SlaBook, target_q, target_state

log = logging.getLogger(__name__)

SWEEP_LIMIT = 500


def routing_after_inbound(
    *, thread: Thread, message: Message, created_thread: bool, automated: bool = False
) -> Thread:
    """SLA due times (new thread), rules, then auto-assignment (new thread). Call inside the
    ingest transaction, after the thread row is updated; refreshes `thread` in place when a
    rule or the rotation changed it (they write through services of their own)."""
    if created_thread:
        try:
            with transaction.atomic():
                sla_apply(thread=thread)
        except Exception:  # a bad schedule must not lose the message
            log.exception("SLA due times failed for thread %s", thread.pk)
    changed = bool(
        rules_run(
            trigger=RuleTrigger.MESSAGE_RECEIVED,
            thread=thread,
            message=message,
            automated=automated,
        )
    )
    if created_thread:
        # thread_auto_assign reads the assignee from the row, so a rule that assigned wins.
        try:
            with transaction.atomic():
                changed |= thread_auto_assign(thread=thread) is not None
        except Exception:  # a routing problem must not lose the message
            log.exception("Auto-assignment failed for thread %s", thread.pk)
    if changed:
        thread.refresh_from_db()
    return thread


def _sla_event_exists(state: str, target: str):
    return Exists(
        ThreadEvent.objects.filter(
            thread_id=OuterRef("pk"),
            kind=ThreadEventKind.SLA,
            data__state=state,
            data__target=target,
        )
    )


def sla_sweep(*, now: datetime | None = None, limit: int = SWEEP_LIMIT) -> dict[str, int]:
    """Log SLA events once per thread, target and state; fire the sla_warning rules.

    The warning rules fire when a target first becomes "approaching", or when it is breached
    without having been seen approaching (a short target, a sweep that did not run), so every
    thread gets its warning exactly once per target.
    """
    now = now or timezone.now()
    counts = {"cleared": sla_clear_answered(), "approaching": 0, "breached": 0}
    book = SlaBook.load()
    for target in TARGETS:
        for state in ("breached", "approaching"):
            due_field = TARGETS[target][0]
            ids = list(
                Thread.objects.filter(target_q(target, state, now=now, book=book))
                .filter(~_sla_event_exists(state, target))
                .order_by(due_field, "pk")
                .values_list("pk", flat=True)[:limit]
            )
            for thread_id in ids:
                try:
                    if _sla_log(thread_id, target, state, now=now, book=book):
                        counts[state] += 1
                except Exception:  # one thread must not stop the sweep
                    log.exception("SLA sweep failed for thread %s", thread_id)
    return counts


@transaction.atomic
def _sla_log(thread_id: int, target: str, state: str, *, now: datetime, book: SlaBook) -> bool:
    thread = (
        Thread.objects.select_for_update()
        .select_related("channel", "contact")
        .filter(pk=thread_id)
        .first()
    )
    if thread is None or target_state(thread, target, now=now, book=book) != state:
        return False
    logged = ThreadEvent.objects.filter(
        thread=thread, kind=ThreadEventKind.SLA, data__target=target
    )
    if logged.filter(data__state=state).exists():
        return False
    warned_before = logged.filter(data__state="approaching").exists()
    due = getattr(thread, TARGETS[target][0])
    ThreadEvent.objects.create(
        thread=thread,
        kind=ThreadEventKind.SLA,
        data={"state": state, "target": target, "due": due.isoformat()},
    )
    if state == "approaching" or not warned_before:
        rules_run(trigger=RuleTrigger.SLA_WARNING, thread=thread, now=now)
    return True
