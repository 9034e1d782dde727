"""Auto-assignment of new threads: round robin, least loaded, who is skipped, and rules first."""

import threading

import pytest
from django.db import connection, transaction

from interactions.models import (
    AssignmentMode,
    Rule,
    RuleTrigger,
    TeamRouting,
    Thread,
    ThreadEvent,
    ThreadEventKind,
)
from interactions.services.assignment import team_routing_set, thread_auto_assign
from tests.factories import TeamFactory, ThreadFactory, UserFactory
from tests.interactions.routing.conftest import receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def agents(team_a):
    """Three available agents on team A, in id order."""
    return [UserFactory(full_name=f"Agent {n}", teams=[team_a]) for n in (1, 2, 3)]


def _new_thread(team):
    return ThreadFactory(team=team)


def test_round_robin_takes_turns(team_a, agents):
    team_routing_set(team=team_a, mode=AssignmentMode.ROUND_ROBIN)

    chosen = [thread_auto_assign(thread=_new_thread(team_a)) for _ in range(7)]

    assert chosen == [*agents, *agents, agents[0]]
    assert TeamRouting.objects.get(team=team_a).last_assigned == agents[0]


def test_round_robin_continues_after_the_last_one_assigned(team_a, agents):
    TeamRouting.objects.create(
        team=team_a, mode=AssignmentMode.ROUND_ROBIN, last_assigned=agents[1]
    )

    assert thread_auto_assign(thread=_new_thread(team_a)) == agents[2]


def test_least_loaded_picks_the_agent_with_fewest_open_threads(team_a, agents):
    for agent, n in zip(agents, (3, 1, 2), strict=True):
        for _ in range(n):
            ThreadFactory(team=team_a, assignee=agent)
    for _ in range(5):  # resolved threads are not load
        ThreadFactory(team=team_a, assignee=agents[1], resolved=True)
    team_routing_set(team=team_a, mode=AssignmentMode.LEAST_LOADED)

    first = thread_auto_assign(thread=_new_thread(team_a))  # loads 3, 1, 2
    second = thread_auto_assign(thread=_new_thread(team_a))  # loads 3, 2, 2: a tie
    third = thread_auto_assign(thread=_new_thread(team_a))  # loads 3, 2, 3

    assert first == agents[1]
    assert second == agents[2]  # ties go in turn: the one after the last assigned
    assert third == agents[1]


def test_load_counts_every_team(team_a, team_b, agents):
    other = TeamFactory(name="Other")
    for _ in range(2):
        ThreadFactory(team=other, assignee=agents[0])
    team_routing_set(team=team_a, mode=AssignmentMode.LEAST_LOADED)

    assert thread_auto_assign(thread=_new_thread(team_a)) == agents[1]


def test_unavailable_and_deactivated_members_are_skipped(team_a, agents):
    agents[0].is_available = False
    agents[0].save()
    agents[2].is_active = False
    agents[2].save()
    team_routing_set(team=team_a, mode=AssignmentMode.ROUND_ROBIN)

    chosen = {thread_auto_assign(thread=_new_thread(team_a)) for _ in range(4)}

    assert chosen == {agents[1]}


def test_nobody_available_leaves_the_thread_unassigned(team_a, agents):
    for agent in agents:
        agent.is_available = False
        agent.save()
    team_routing_set(team=team_a, mode=AssignmentMode.LEAST_LOADED)
    thread = _new_thread(team_a)

    assert thread_auto_assign(thread=thread) is None
    assert Thread.objects.get(pk=thread.pk).assignee is None


def test_manual_teams_and_teams_without_a_setting_are_left_alone(team_a, team_b, agents):
    team_routing_set(team=team_a, mode=AssignmentMode.MANUAL)

    assert thread_auto_assign(thread=_new_thread(team_a)) is None
    assert thread_auto_assign(thread=_new_thread(team_b)) is None
    assert thread_auto_assign(thread=ThreadFactory(team=None)) is None


def test_an_assigned_thread_is_not_reassigned(team_a, agents, agent_b):
    team_routing_set(team=team_a, mode=AssignmentMode.ROUND_ROBIN)
    thread = ThreadFactory(team=team_a, assignee=agent_b)

    assert thread_auto_assign(thread=thread) is None
    assert Thread.objects.get(pk=thread.pk).assignee == agent_b


def test_a_new_thread_from_ingestion_is_assigned_and_logged(sms_channel, team_a, agents):
    team_routing_set(team=team_a, mode=AssignmentMode.ROUND_ROBIN)

    first = receive("Hello", sender="+447700900001").thread
    second = receive("Hello", sender="+447700900002").thread
    again = receive("Me again", sender="+447700900001").thread

    assert (first.assignee, second.assignee) == (agents[0], agents[1])
    assert again.pk == first.pk and again.assignee == agents[0]
    assert TeamRouting.objects.get(team=team_a).last_assigned == agents[1]  # no turn used
    event = ThreadEvent.objects.get(thread=first, kind=ThreadEventKind.ASSIGNED)
    assert event.actor is None and event.data["new"] == "Agent 1"


def test_a_rule_that_assigns_wins_over_auto_assignment(sms_channel, team_a, agents, agent_b):
    team_routing_set(team=team_a, mode=AssignmentMode.ROUND_ROBIN)
    Rule.objects.create(
        name="VIP to Bob",
        trigger=RuleTrigger.MESSAGE_RECEIVED,
        conditions=[{"type": "text", "op": "any", "value": ["vip"]}],
        actions=[{"type": "assign_agent", "value": agent_b.pk}],
    )

    vip = receive("I am a VIP customer", sender="+447700900001").thread
    other = receive("Hello", sender="+447700900002").thread

    assert vip.assignee == agent_b
    assert other.assignee == agents[0]  # the rotation did not spend a turn on the VIP thread


def test_a_rule_that_moves_the_thread_uses_the_new_teams_rotation(
    sms_channel, team_a, team_b, agents, agent_b
):
    team_routing_set(team=team_a, mode=AssignmentMode.ROUND_ROBIN)
    team_routing_set(team=team_b, mode=AssignmentMode.ROUND_ROBIN)
    Rule.objects.create(
        name="Billing",
        trigger=RuleTrigger.MESSAGE_RECEIVED,
        actions=[{"type": "assign_team", "value": team_b.pk}],
    )

    thread = receive("Invoice question").thread

    assert (thread.team, thread.assignee) == (team_b, agent_b)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_arrivals_never_read_the_same_turn(team_a, agents):
    """Two workers assigning at once: the routing row lock makes the second wait its turn."""
    team_routing_set(team=team_a, mode=AssignmentMode.ROUND_ROBIN)
    threads = [_new_thread(team_a) for _ in range(2)]
    barrier = threading.Barrier(2)
    chosen, errors = [], []

    def work(thread):
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                chosen.append(thread_auto_assign(thread=thread))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(t,)) for t in threads]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)

    assert errors == []
    assert sorted(u.pk for u in chosen) == [agents[0].pk, agents[1].pk]
