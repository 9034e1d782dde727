"""SLA reads: a thread's SLA state and the inbox filter (the writes are in services/sla.py).

A thread has up to two running targets: the first reply (until `first_response_at` is set) and
resolution (until it is resolved; it stands still while the thread is pending, waiting on the
customer, and the time it stood still moves its due time on). Its state is the worse of the two:

- "breached": a running target's due time has passed;
- "approaching": a running target is due within its warning window, which is 25% of the
  policy's target or 30 minutes, whichever is longer (a 1-hour first reply warns 30 minutes
  ahead, a 3-day resolution 18 business hours ahead), measured in the policy's business hours;
- "ok": otherwise, including threads without due times.

The badge and the filter share one definition: the warning window ends at the instant
`add_business_minutes(now, window)`, so "approaching" is a plain range on the due column and
the inbox filter stays one indexed-friendly SQL query whatever the number of threads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from interactions import choices
from interactions.business_hours import Schedule, add_business_minutes, always_open
from interactions.models import Priority, SlaPolicy, Thread, ThreadStatus

log = logging.getLogger(__name__)

APPROACHING_SHARE = 0.25
APPROACHING_MINUTES = 30
STATES = ("ok", "approaching", "breached")
# The inbox's `sla` filter values.
SLA_FILTERS = ("approaching", "breached")
# target name → (due field, minutes field on the policy)
TARGETS = {
    "first_response": ("first_response_due_at", "first_response_minutes"),
    "resolution": ("resolution_due_at", "resolution_minutes"),
}


def warning_minutes(target_minutes: int | None) -> float:
    """How long before a due time a thread counts as approaching."""
    if not target_minutes:
        return APPROACHING_MINUTES
    return max(APPROACHING_SHARE * target_minutes, APPROACHING_MINUTES)


def policy_schedule(policy: SlaPolicy | None) -> Schedule:
    """The schedule a policy counts in; around the clock when it names none (or a broken one)."""
    if policy is None or policy.business_hours is None:
        return always_open()
    try:
        return policy.business_hours.schedule()
    except ValueError:
        log.warning("Business hours %s are invalid; counting around the clock.", policy.pk)
        return always_open()


def active_sla_policies() -> dict[int, SlaPolicy]:
    active = SlaPolicy.objects.filter(is_active=True).select_related("business_hours")
    return {p.priority: p for p in active}


@dataclass
class SlaBook:
    """The active policies by priority, loaded in one query and reused for a page or a sweep."""

    policies: dict[int, SlaPolicy]
    _cutoffs: dict = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls) -> SlaBook:
        return cls(policies=choices.cached("sla_policies", active_sla_policies))

    def policy(self, priority: int) -> SlaPolicy | None:
        return self.policies.get(priority)

    def warn_until(self, priority: int, target: str, now: datetime) -> datetime:
        """Due times up to this instant are approaching (for threads of `priority`)."""
        key = (priority, target, now)
        if key not in self._cutoffs:
            policy = self.policy(priority)
            minutes = getattr(policy, TARGETS[target][1], None) if policy else None
            window = max(1, round(warning_minutes(minutes)))
            self._cutoffs[key] = add_business_minutes(now, window, policy_schedule(policy))
        return self._cutoffs[key]


def _running(target: str) -> Q:
    not_resolved = ~Q(status=ThreadStatus.RESOLVED)
    if target == "first_response":
        return not_resolved & Q(first_response_at__isnull=True, first_response_due_at__isnull=False)
    # A pending thread waits on the customer: its resolution clock stands still.
    return ~Q(status__in=[ThreadStatus.RESOLVED, ThreadStatus.PENDING]) & Q(
        resolution_due_at__isnull=False
    )


def target_q(target: str, state: str, *, now: datetime, book: SlaBook) -> Q:
    """Threads whose `target` is breached, or approaching (and not breached), at `now`."""
    due = TARGETS[target][0]
    if state == "breached":
        return _running(target) & Q(**{f"{due}__lte": now})
    if state != "approaching":
        raise ValueError(f"Unknown SLA state {state!r}.")
    windows = Q()
    for priority in Priority.values:
        windows |= Q(
            priority=priority,
            **{f"{due}__gt": now, f"{due}__lte": book.warn_until(priority, target, now)},
        )
    return _running(target) & windows


def sla_q(state: str, *, now: datetime | None = None, book: SlaBook | None = None) -> Q:
    """The inbox filter: threads whose SLA state is `state` ("approaching" or "breached")."""
    now = now or timezone.now()
    book = book or SlaBook.load()
    breached = target_q("first_response", "breached", now=now, book=book) | target_q(
        "resolution", "breached", now=now, book=book
    )
    if state == "breached":
        return breached
    if state == "approaching":
        approaching = target_q("first_response", "approaching", now=now, book=book) | target_q(
            "resolution", "approaching", now=now, book=book
        )
        return approaching & ~breached
    raise ValueError(f"Unknown SLA state {state!r}.")


def _target_due(thread: Thread, target: str) -> datetime | None:
    if thread.status == ThreadStatus.RESOLVED:
        return None
    if target == "resolution" and thread.status == ThreadStatus.PENDING:
        return None  # paused while waiting on the customer
    if target == "first_response" and thread.first_response_at is not None:
        return None
    return getattr(thread, TARGETS[target][0])


def target_state(thread: Thread, target: str, *, now: datetime, book: SlaBook) -> str:
    due = _target_due(thread, target)
    if due is None:
        return "ok"
    if due <= now:
        return "breached"
    if due <= book.warn_until(thread.priority, target, now):
        return "approaching"
    return "ok"


def sla_state(thread: Thread, now: datetime | None = None, *, book: SlaBook | None = None) -> str:
    """ "ok", "approaching" or "breached" (see the module docstring for the thresholds)."""
    now = now or timezone.now()
    if _target_due(thread, "first_response") is None and _target_due(thread, "resolution") is None:
        return "ok"
    book = book or SlaBook.load()
    states = {target_state(thread, target, now=now, book=book) for target in TARGETS}
    for state in ("breached", "approaching"):
        if state in states:
            return state
    return "ok"


def sla_annotate(threads: list[Thread], now: datetime | None = None) -> list[Thread]:
    """Set `thread.sla_state` on each (one policy query for the whole list)."""
    now = now or timezone.now()
    book = None
    for thread in threads:
        if book is None and (thread.first_response_due_at or thread.resolution_due_at):
            book = SlaBook.load()
        thread.sla_state = sla_state(thread, now, book=book) if book else "ok"
    return threads
