"""SLA due times on open and on priority change, the approaching/breached state and filter,
and the beat sweep that logs each state once."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from cx_hub.celery import app as celery_app
from interactions.models import (
    BusinessHours,
    Priority,
    Rule,
    RuleTrigger,
    SlaPolicy,
    Thread,
    ThreadEvent,
    ThreadEventKind,
    ThreadStatus,
)
from interactions.selectors import InboxFilters, inbox_threads
from interactions.services.routing import sla_sweep
from interactions.services.sla import sla_apply, sla_clear_answered
from interactions.services.threads import thread_set_priority, thread_set_status
from interactions.sla import SlaBook, sla_q, sla_state, warning_minutes
from interactions.tasks import sla_sweep as sla_sweep_task
from tests.factories import ThreadFactory
from tests.interactions.routing.conftest import receive

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 6, 3, 10, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def office_hours():
    week = [["09:00", "17:00"]] * 5 + [None, None]
    return BusinessHours.objects.create(name="Berlin office", timezone="Europe/Berlin", week=week)


@pytest.fixture
def normal_policy():
    """Normal priority: reply within 1 hour, resolve within 8 hours, around the clock."""
    return SlaPolicy.objects.create(
        name="Normal", priority=Priority.NORMAL, first_response_minutes=60, resolution_minutes=480
    )


@pytest.fixture
def urgent_policy():
    return SlaPolicy.objects.create(
        name="Urgent", priority=Priority.URGENT, first_response_minutes=15, resolution_minutes=120
    )


def _thread(created=T0, **kwargs):
    thread = ThreadFactory(created_at=created, **kwargs)
    return sla_apply(thread=thread)


# --- Due times -------------------------------------------------------------------------------


def test_a_new_thread_gets_due_times_when_its_first_message_arrives(sms_channel, normal_policy):
    before = timezone.now()

    thread = Thread.objects.get(pk=receive("Hello").thread.pk)

    assert thread.created_at >= before
    assert thread.first_response_due_at == thread.created_at + timedelta(minutes=60)
    assert thread.resolution_due_at == thread.created_at + timedelta(minutes=480)


def test_without_a_policy_there_are_no_due_times(sms_channel):
    thread = Thread.objects.get(pk=receive("Hello").thread.pk)

    assert thread.first_response_due_at is None and thread.resolution_due_at is None
    assert sla_state(thread) == "ok"


def test_due_times_count_business_hours(normal_policy, office_hours):
    normal_policy.business_hours = office_hours
    normal_policy.save()
    friday_late = datetime(2026, 6, 5, 16, 30, tzinfo=BERLIN)

    thread = _thread(created=friday_late)

    assert thread.first_response_due_at == datetime(2026, 6, 8, 9, 30, tzinfo=BERLIN)
    # 8 business hours: 30 minutes on Friday, then Monday 09:00 to 16:30.
    assert thread.resolution_due_at == datetime(2026, 6, 8, 16, 30, tzinfo=BERLIN)


def test_a_priority_change_recomputes_from_when_the_thread_opened(
    normal_policy, urgent_policy, manager
):
    thread = _thread()

    thread_set_priority(thread=thread, priority=Priority.URGENT, actor=manager)

    thread.refresh_from_db()
    assert thread.first_response_due_at == T0 + timedelta(minutes=15)
    assert thread.resolution_due_at == T0 + timedelta(minutes=120)


def test_a_priority_without_a_policy_clears_the_due_times(normal_policy, manager):
    thread = _thread()

    thread_set_priority(thread=thread, priority=Priority.LOW, actor=manager)

    thread.refresh_from_db()
    assert thread.first_response_due_at is None and thread.resolution_due_at is None


def test_an_inactive_policy_does_not_apply(normal_policy):
    normal_policy.is_active = False
    normal_policy.save()

    assert _thread().first_response_due_at is None


def test_an_answered_thread_has_no_first_response_due_time(normal_policy):
    thread = _thread()
    Thread.objects.filter(pk=thread.pk).update(first_response_at=T0 + timedelta(minutes=5))

    assert sla_clear_answered() == 1

    thread.refresh_from_db()
    assert thread.first_response_due_at is None
    assert thread.resolution_due_at == T0 + timedelta(minutes=480)
    thread_set_priority(thread=thread, priority=Priority.NORMAL, actor=None)
    assert sla_apply(thread=thread).first_response_due_at is None


# --- State -----------------------------------------------------------------------------------


def test_the_warning_window_is_a_quarter_of_the_target_or_30_minutes():
    assert warning_minutes(60) == 30  # 25% would be 15: the 30-minute floor wins
    assert warning_minutes(480) == 120
    assert warning_minutes(None) == 30


@pytest.mark.parametrize(
    ("minutes_after_open", "state"),
    [(0, "ok"), (29, "ok"), (31, "approaching"), (59, "approaching"), (60, "breached")],
)
def test_state_follows_the_first_response_target(normal_policy, minutes_after_open, state):
    thread = _thread()

    assert sla_state(thread, T0 + timedelta(minutes=minutes_after_open)) == state


def test_the_resolution_target_warns_a_quarter_ahead(normal_policy):
    thread = _thread()
    Thread.objects.filter(pk=thread.pk).update(first_response_at=T0 + timedelta(minutes=1))
    thread.refresh_from_db()

    assert sla_state(thread, T0 + timedelta(minutes=359)) == "ok"
    assert sla_state(thread, T0 + timedelta(minutes=361)) == "approaching"  # 2 h before 8 h
    assert sla_state(thread, T0 + timedelta(minutes=480)) == "breached"


def test_a_resolved_thread_is_never_breached(normal_policy, manager):
    thread = _thread()
    thread_set_status(thread=thread, status=ThreadStatus.RESOLVED, actor=manager)
    thread.refresh_from_db()

    assert sla_state(thread, T0 + timedelta(days=3)) == "ok"


def test_approaching_counts_business_hours(normal_policy, office_hours):
    normal_policy.business_hours = office_hours
    normal_policy.save()
    thread = _thread(created=datetime(2026, 6, 5, 16, 30, tzinfo=BERLIN))  # due Mon 09:30

    # Friday 16:50 is 40 business minutes before the due time: not yet approaching.
    assert sla_state(thread, datetime(2026, 6, 5, 16, 50, tzinfo=BERLIN)) == "ok"
    # Saturday noon is only 30 business minutes before Monday 09:30.
    assert sla_state(thread, datetime(2026, 6, 6, 12, 0, tzinfo=BERLIN)) == "approaching"


def test_the_filter_and_the_state_agree(normal_policy):
    now = T0 + timedelta(minutes=45)
    threads = {
        "ok": _thread(created=now - timedelta(minutes=10)),
        "approaching": _thread(created=now - timedelta(minutes=45)),
        "breached": _thread(created=now - timedelta(minutes=70)),
    }
    book = SlaBook.load()

    for state in ("approaching", "breached"):
        found = set(Thread.objects.filter(sla_q(state, now=now, book=book)))
        assert found == {threads[state]}
        assert all(sla_state(t, now, book=book) == state for t in found)


def test_the_inbox_filters_and_flags_threads_by_sla(normal_policy, manager, manager_client):
    now = timezone.now()
    breached = _thread(created=now - timedelta(minutes=70), subject="Late one")
    approaching = _thread(created=now - timedelta(minutes=40), subject="Soon one")
    _thread(created=now - timedelta(minutes=1), subject="Fresh one")

    page = inbox_threads(user=manager, filters=InboxFilters(sla="breached"))
    assert [t.pk for t in page.threads] == [breached.pk]
    assert page.threads[0].sla_state == "breached"
    page = inbox_threads(user=manager, filters=InboxFilters(sla="approaching"))
    assert [t.pk for t in page.threads] == [approaching.pk]

    response = manager_client.get("/inbox/?sla=breached")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Late one" in html and "Soon one" not in html and "Fresh one" not in html
    assert "SLA breached" in html
    everything = manager_client.get("/inbox/").content.decode()
    assert "SLA due soon" in everything and "SLA breached" in everything


def test_an_unknown_sla_filter_is_ignored(manager_client):
    assert manager_client.get("/inbox/?sla=whenever").status_code == 200


# --- The sweep -------------------------------------------------------------------------------


def _sla_events(thread):
    return list(
        ThreadEvent.objects.filter(thread=thread, kind=ThreadEventKind.SLA)
        .order_by("id")
        .values_list("data", flat=True)
    )


def test_the_sweep_logs_each_state_once(normal_policy):
    thread = _thread()

    sla_sweep(now=T0 + timedelta(minutes=40))
    sla_sweep(now=T0 + timedelta(minutes=41))
    sla_sweep(now=T0 + timedelta(minutes=61))
    counts = sla_sweep(now=T0 + timedelta(minutes=62))

    assert [(e["target"], e["state"]) for e in _sla_events(thread)] == [
        ("first_response", "approaching"),
        ("first_response", "breached"),
    ]
    assert _sla_events(thread)[0]["due"] == (T0 + timedelta(minutes=60)).isoformat()
    assert counts == {"cleared": 0, "approaching": 0, "breached": 0}


def test_the_sweep_fires_the_sla_warning_rules_once_per_target(normal_policy):
    Rule.objects.create(
        name="Escalate late ones",
        trigger=RuleTrigger.SLA_WARNING,
        actions=[
            {"type": "set_priority", "value": Priority.HIGH},
            {"type": "tag", "value": "late"},
        ],
    )
    thread = _thread()

    sla_sweep(now=T0 + timedelta(minutes=40))  # approaching: fires
    sla_sweep(now=T0 + timedelta(minutes=61))  # breached after a warning: does not fire again

    thread.refresh_from_db()
    assert thread.priority == Priority.HIGH
    assert [t.name for t in thread.tags.all()] == ["late"]
    rule_events = ThreadEvent.objects.filter(thread=thread, kind=ThreadEventKind.RULE)
    assert [e.data["trigger"] for e in rule_events] == ["sla_warning"]


def test_a_breach_never_seen_approaching_still_fires_the_warning(normal_policy):
    Rule.objects.create(
        name="Tag late", trigger=RuleTrigger.SLA_WARNING, actions=[{"type": "tag", "value": "late"}]
    )
    thread = _thread()

    sla_sweep(now=T0 + timedelta(minutes=90))

    assert [t.name for t in thread.tags.all()] == ["late"]
    assert [e["state"] for e in _sla_events(thread)] == ["breached"]


def test_the_sweep_skips_answered_and_resolved_threads(normal_policy, manager):
    answered = _thread()
    Thread.objects.filter(pk=answered.pk).update(first_response_at=T0 + timedelta(minutes=2))
    resolved = _thread()
    thread_set_status(thread=resolved, status=ThreadStatus.RESOLVED, actor=manager)

    counts = sla_sweep(now=T0 + timedelta(minutes=90))

    assert counts == {"cleared": 1, "approaching": 0, "breached": 0}
    assert _sla_events(answered) == [] and _sla_events(resolved) == []


def test_the_sweep_is_a_beat_task_every_minute(normal_policy):
    entry = settings.CELERY_BEAT_SCHEDULE["sla-sweep"]
    assert entry == {"task": "interactions.sla_sweep", "schedule": 60.0}
    assert "interactions.sla_sweep" in celery_app.tasks
    thread = _thread(created=timezone.now() - timedelta(minutes=90))

    sla_sweep_task.delay()

    assert [e["state"] for e in _sla_events(thread)] == ["breached"]


# --- Pending pauses the resolution clock ---------------------------------------------------


def _pending_since(thread, since, manager):
    """Set pending, then date the pause back to `since` (the service stamps the real now)."""
    thread_set_status(thread=thread, status=ThreadStatus.PENDING, actor=manager)
    Thread.objects.filter(pk=thread.pk).update(sla_paused_at=since)
    thread.refresh_from_db()
    return thread


def test_pending_stops_the_resolution_clock_and_reopening_moves_the_due_time_on(
    normal_policy, manager
):
    now = timezone.now()
    # Answered, so only the resolution target runs: resolve by now + 5 h.
    thread = _thread(created=now - timedelta(hours=3), first_response_at=now - timedelta(hours=2))
    due = thread.resolution_due_at
    thread = _pending_since(thread, now - timedelta(hours=2), manager)

    # Waiting on the customer, it is neither breached nor approaching, whatever the time.
    assert sla_state(thread, due + timedelta(days=2)) == "ok"
    assert thread not in Thread.objects.filter(sla_q("breached", now=due + timedelta(days=2)))

    thread_set_status(thread=thread, status=ThreadStatus.OPEN, actor=manager)
    thread.refresh_from_db()

    assert thread.sla_paused_at is None and thread.sla_paused_minutes == 120
    assert thread.resolution_due_at == due + timedelta(minutes=120)


def test_pending_does_not_excuse_a_first_reply_never_sent(normal_policy, manager):
    now = timezone.now()
    thread = _pending_since(_thread(created=now - timedelta(hours=3)), now, manager)

    assert sla_state(thread, now) == "breached"  # the 1-hour first reply is 2 hours late


def test_a_pause_counts_business_minutes_only(normal_policy, manager):
    # UTC office hours: no clock change can make a week longer or shorter than 168 hours.
    normal_policy.business_hours = BusinessHours.objects.create(
        name="UTC office", timezone="UTC", week=[["09:00", "17:00"]] * 5 + [None, None]
    )
    normal_policy.save()
    now = timezone.now()
    thread = _thread(created=now - timedelta(days=30))
    before = thread.resolution_due_at
    # Pending for the last 7 days: whatever day it is, that is 5 working days of 8 hours.
    thread = _pending_since(thread, now - timedelta(days=7), manager)

    thread_set_status(thread=thread, status=ThreadStatus.OPEN, actor=manager)
    thread.refresh_from_db()

    assert thread.sla_paused_minutes == 5 * 8 * 60
    assert thread.resolution_due_at > before


def test_the_customer_answering_restarts_the_clock_from_their_message(
    sms_channel, normal_policy, manager
):
    first = receive("Where is my parcel?").thread
    thread = Thread.objects.get(pk=first.pk)
    due = thread.resolution_due_at
    now = timezone.now()
    _pending_since(thread, now - timedelta(minutes=90), manager)

    receive("Here is the tracking number", sent_at=now - timedelta(minutes=30))

    thread.refresh_from_db()
    assert thread.status == ThreadStatus.OPEN and thread.sla_paused_at is None
    assert thread.sla_paused_minutes == 60
    assert thread.resolution_due_at == due + timedelta(minutes=60)


def test_pauses_add_up_and_survive_a_priority_change(normal_policy, urgent_policy, manager):
    now = timezone.now()
    thread = _thread(created=now - timedelta(hours=5))
    thread = _pending_since(thread, now - timedelta(hours=4), manager)
    thread_set_status(thread=thread, status=ThreadStatus.OPEN, actor=manager)
    thread = _pending_since(Thread.objects.get(pk=thread.pk), now - timedelta(hours=1), manager)
    thread_set_status(thread=thread, status=ThreadStatus.RESOLVED, actor=manager)
    thread.refresh_from_db()
    assert thread.sla_paused_minutes == 300 and thread.sla_paused_at is None

    thread_set_status(thread=thread, status=ThreadStatus.OPEN, actor=manager)
    thread_set_priority(thread=thread, priority=Priority.URGENT, actor=manager)
    thread.refresh_from_db()

    assert thread.resolution_due_at == thread.created_at + timedelta(minutes=120 + 300)


def test_the_thread_page_says_the_clock_is_paused(normal_policy, manager, manager_client):
    thread = _thread(created=timezone.now())
    thread_set_status(thread=thread, status=ThreadStatus.PENDING, actor=manager)

    page = manager_client.get(f"/inbox/threads/{thread.pk}/").content.decode()

    assert "paused while pending" in page
