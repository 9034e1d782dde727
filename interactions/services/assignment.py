"""Auto-assignment: a new thread with a team and no assignee goes to one of the team's agents.

Only members who are active and available (the "away" toggle) are candidates. Round robin
hands threads out in turn (by user id, continuing after the last one assigned); least loaded
picks the member with the fewest open or pending threads assigned, ties broken in round-robin
order so equal loads still take turns. The team's TeamRouting row is locked while picking, so two
threads arriving at once never both read the same pointer or the same loads.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count

from accounts.models import Team, User
from interactions.models import AssignmentMode, TeamRouting, Thread, ThreadStatus
from interactions.services.threads import thread_assign

# What counts as an agent's load for "least loaded".
LOAD_STATUSES = (ThreadStatus.OPEN, ThreadStatus.PENDING)


def _rotation(members: list[User], last_id: int | None) -> list[User]:
    """Members in turn order: the ones after `last_id` (by id) first, then from the start."""
    if last_id is None:
        return members
    after = [m for m in members if m.pk > last_id]
    return after + [m for m in members if m.pk <= last_id]


def agent_loads(user_ids: list[int]) -> dict[int, int]:
    rows = (
        Thread.objects.filter(assignee_id__in=user_ids, status__in=LOAD_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("id"))
    )
    return {row["assignee_id"]: row["n"] for row in rows}


@transaction.atomic
def thread_auto_assign(*, thread: Thread) -> User | None:
    """Assign an unassigned thread to an agent of its team per the team's mode; the chosen
    agent, or None (manual team, nobody available, or already assigned — e.g. by a rule)."""
    if thread.team_id is None:
        return None
    routing = TeamRouting.objects.select_for_update().filter(team_id=thread.team_id).first()
    if routing is None or routing.mode == AssignmentMode.MANUAL:
        return None
    current = Thread.objects.filter(pk=thread.pk).values_list("assignee_id", flat=True).first()
    if current is not None:
        return None
    members = list(
        User.objects.filter(
            team_memberships__team_id=thread.team_id, is_active=True, is_available=True
        ).order_by("pk")
    )
    if not members:
        return None
    turns = _rotation(members, routing.last_assigned_id)
    if routing.mode == AssignmentMode.LEAST_LOADED:
        loads = agent_loads([m.pk for m in members])
        chosen = min(turns, key=lambda m: loads.get(m.pk, 0))  # min keeps the first of a tie
    else:
        chosen = turns[0]
    thread_assign(thread=thread, assignee=chosen, actor=None)
    thread.assignee = chosen
    routing.last_assigned = chosen
    routing.save(update_fields=["last_assigned"])
    return chosen


def team_routing_set(*, team: Team, mode: str) -> TeamRouting:
    """Choose how the team's new threads are assigned."""
    if mode not in AssignmentMode.values:
        raise ValidationError({"mode": f"Unknown assignment mode {mode!r}."})
    routing, _ = TeamRouting.objects.update_or_create(team=team, defaults={"mode": mode})
    return routing
