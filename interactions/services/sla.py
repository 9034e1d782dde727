"""SLA writes: due times on threads, and saving policies and business hours.

Due times are counted from when the thread opened, in the business hours of the active policy
for the thread's priority: a priority change recomputes both from the same start, so raising a
thread to urgent pulls its deadlines in rather than granting a fresh clock. The beat sweep that
logs "approaching"/"breached" lives in services/routing.py (it also runs rules).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from interactions import choices
from interactions.business_hours import add_business_minutes, business_minutes_between
from interactions.models import BusinessHours, Rule, SlaPolicy, Thread
from interactions.sla import active_sla_policies, policy_schedule


def sla_policy_for(priority: int) -> SlaPolicy | None:
    """The active policy for `priority`; kept per process (every new thread asks)."""
    return choices.local("sla_policies", active_sla_policies).get(priority)


def sla_apply(*, thread: Thread) -> Thread:
    """Set the thread's first-response and resolution due times from its priority's policy.

    No active policy clears them. A thread already answered gets no first-response due time
    (and one already resolved keeps its resolution due time for the record). The resolution
    target is pushed on by the business minutes the thread spent pending (`sla_resume`).
    """
    policy = sla_policy_for(thread.priority)
    first_due = resolution_due = None
    if policy is not None:
        schedule = policy_schedule(policy)
        if thread.first_response_at is None:
            first_due = add_business_minutes(
                thread.created_at, policy.first_response_minutes, schedule
            )
        resolution_due = add_business_minutes(
            thread.created_at, policy.resolution_minutes + thread.sla_paused_minutes, schedule
        )
    if (thread.first_response_due_at, thread.resolution_due_at) != (first_due, resolution_due):
        Thread.objects.filter(pk=thread.pk).update(
            first_response_due_at=first_due, resolution_due_at=resolution_due
        )
        thread.first_response_due_at, thread.resolution_due_at = first_due, resolution_due
    return thread


def sla_pause(*, thread: Thread, at: datetime) -> None:
    """Stop the resolution clock: the thread waits on the customer. Call with the thread
    locked; a thread without a resolution target, or already paused, is left as it is."""
    if thread.sla_paused_at is not None or thread.resolution_due_at is None:
        return
    thread.sla_paused_at = at
    Thread.objects.filter(pk=thread.pk).update(sla_paused_at=at)


def sla_resume(*, thread: Thread, at: datetime) -> None:
    """Restart the resolution clock: the business minutes it stood still (in the policy's
    hours) push the due time on. Call with the thread locked; a no-op unless paused."""
    if thread.sla_paused_at is None:
        return
    schedule = policy_schedule(sla_policy_for(thread.priority))
    paused = max(0, round(business_minutes_between(thread.sla_paused_at, at, schedule)))
    thread.sla_paused_at = None
    thread.sla_paused_minutes += paused
    Thread.objects.filter(pk=thread.pk).update(
        sla_paused_at=None, sla_paused_minutes=thread.sla_paused_minutes
    )
    sla_apply(thread=thread)


def sla_clear_answered() -> int:
    """Drop the first-response due time of threads that have been answered (one UPDATE).

    Replies are stored by the outbound service, which sets `first_response_at`; the sweep calls
    this every minute, and `sla_state` already ignores an answered thread's due time meanwhile.
    """
    return Thread.objects.filter(
        first_response_at__isnull=False, first_response_due_at__isnull=False
    ).update(first_response_due_at=None)


def _save(instance, unique_error: dict[str, str]):
    instance.full_clean()
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        # A concurrent save won the unique constraint that full_clean checked a moment ago.
        raise ValidationError(unique_error) from None
    return instance


def sla_policy_save(*, policy: SlaPolicy) -> SlaPolicy:
    """Validate and store a policy; it applies to threads opened or re-prioritized from now."""
    return _save(policy, {"priority": "Another active policy already covers this priority."})


def sla_policy_delete(*, policy: SlaPolicy) -> None:
    policy.delete()


def business_hours_save(*, hours: BusinessHours) -> BusinessHours:
    return _save(hours, {"name": "Another schedule has this name."})


def business_hours_delete(*, hours: BusinessHours) -> None:
    """Delete a schedule no policy uses (ValidationError otherwise)."""
    if hours.sla_policies.exists():
        raise ValidationError("An SLA policy still counts in these hours: change it first.")
    for rule in Rule.objects.only("name", "conditions"):
        conditions = rule.conditions if isinstance(rule.conditions, list) else []
        if any(
            isinstance(c, dict)
            and c.get("type") == "business_hours"
            and str(c.get("value")) == str(hours.pk)
            for c in conditions
        ):
            raise ValidationError(f"The rule “{rule.name}” uses these hours: change it first.")
    hours.delete()
