"""Workers drain stored events oldest first; failures back off; a drain is requested once."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import OperationalError, transaction
from django.utils import timezone

from interactions.models import ChannelKind, EventStatus, InboundEvent, Message, Rule, Thread
from interactions.services import events
from interactions.services.events import (
    CRASH_LIMIT,
    MAX_ATTEMPTS,
    RetryLater,
    drain_request,
    drain_started,
    inbound_event_process,
    inbound_event_process_next,
    inbound_event_store,
    inbound_events_drain,
    inbound_events_stalled,
)
from interactions.services.rules import active_rules
from tests.concurrency import run_at_once
from tests.factories import ChannelFactory
from tests.webhooks import twilio_sms_params

pytestmark = pytest.mark.django_db

TO = "+14155550100"


@pytest.fixture
def sms_channel():
    return ChannelFactory(kind=ChannelKind.SMS, address=TO, provider="twilio")


def store(sid: str, body: str = "Hello", sender: str = "+447700900123") -> InboundEvent:
    params = twilio_sms_params(sid=sid, body=body, sender=sender, to=TO)
    with transaction.atomic():
        return inbound_event_store(provider="twilio", provider_event_id=sid, payload=params)[0]


def texts_in_order() -> list[str]:
    return list(Message.objects.order_by("pk").values_list("text", flat=True))


def test_a_drain_processes_every_pending_event_oldest_first(sms_channel):
    for i in range(5):
        store(f"SM{i}", f"message {i}")

    counts = inbound_events_drain()

    assert counts == {"processed": 5}
    assert texts_in_order() == [f"message {i}" for i in range(5)]
    assert not InboundEvent.objects.exclude(status=EventStatus.PROCESSED).exists()
    assert inbound_event_process_next() is None  # nothing left


@pytest.mark.postgres
def test_a_drain_claims_the_next_event_set_to_commit_asynchronously_in_one_statement(
    sms_channel, django_assert_num_queries
):
    from django.db import connection

    event = store("SM-async")
    with transaction.atomic():
        with django_assert_num_queries(1):
            claimed = events._lock_next()
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            setting = cursor.fetchone()[0]

    assert claimed.pk == event.pk
    assert setting == "off"


def test_a_drain_stops_at_its_budget_and_says_so(sms_channel):
    for i in range(3):
        store(f"SM{i}")

    counts = inbound_events_drain(budget=2)

    assert counts == {"processed": 2, "budget_spent": 1}
    assert InboundEvent.objects.filter(status=EventStatus.PENDING).count() == 1


def test_an_event_backing_off_waits_its_turn(sms_channel):
    later = store("SMlater")
    InboundEvent.objects.filter(pk=later.pk).update(
        not_before=timezone.now() + timedelta(minutes=1)
    )
    store("SMnow", "now")

    assert inbound_events_drain() == {"processed": 1}
    assert texts_in_order() == ["now"]
    later.refresh_from_db()
    assert later.status == EventStatus.PENDING
    # The sweeper leaves it alone too, until its time has come.
    InboundEvent.objects.filter(pk=later.pk).update(received_at=timezone.now() - timedelta(hours=1))
    assert inbound_events_stalled(older_than_s=60) == []
    InboundEvent.objects.filter(pk=later.pk).update(not_before=timezone.now())
    assert inbound_events_stalled(older_than_s=60) == [later.pk]


def test_a_transient_failure_backs_off_and_ends_failed_after_max_attempts(sms_channel, monkeypatch):
    event = store("SMflaky")

    def flaky(**kwargs):
        raise OperationalError("the database went away")

    monkeypatch.setattr(events, "message_create_inbound", flaky)
    before = timezone.now()
    assert inbound_event_process_next() == "retry"

    event.refresh_from_db()
    assert event.status == EventStatus.PENDING and event.attempts == 1
    assert "went away" in event.error
    assert event.not_before > before  # backing off: the next drain passes it by
    assert inbound_event_process_next() is None

    for _ in range(MAX_ATTEMPTS - 1):
        InboundEvent.objects.filter(pk=event.pk).update(not_before=None)
        assert inbound_event_process_next() == "retry"
    event.refresh_from_db()
    assert event.status == EventStatus.FAILED and event.attempts == MAX_ATTEMPTS
    assert event.error.startswith(f"Gave up after {MAX_ATTEMPTS} attempts")


def test_the_first_event_due_again_says_when(sms_channel):
    assert events.next_retry_in() is None
    soon, later = store("SMsoon"), store("SMlater")
    now = timezone.now()
    InboundEvent.objects.filter(pk=soon.pk).update(not_before=now + timedelta(seconds=30))
    InboundEvent.objects.filter(pk=later.pk).update(not_before=now + timedelta(minutes=5))

    assert 25 < events.next_retry_in() <= 30


def test_a_bug_met_by_one_delivery_sets_it_aside_and_the_drain_goes_on(sms_channel, monkeypatch):
    store("SMbad", "boom")
    store("SMgood", "fine")
    original = events.message_create_inbound

    def buggy(*, inbound, **kwargs):
        if inbound.text == "boom":
            raise KeyError("missing field")
        return original(inbound=inbound, **kwargs)

    monkeypatch.setattr(events, "message_create_inbound", buggy)

    assert inbound_events_drain() == {"failed": 1, "processed": 1}
    bad = InboundEvent.objects.get(provider_event_id="SMbad")
    assert bad.status == EventStatus.FAILED and bad.error == "KeyError: 'missing field'"
    assert texts_in_order() == ["fine"]


@pytest.mark.redis
def test_a_delivery_that_keeps_killing_its_worker_is_set_aside(sms_channel):
    poison = store("SMpoison", "huge")
    store("SMafter", "next")
    # Three starts that never finished (each took its worker down with it).
    for _ in range(CRASH_LIMIT):
        events._starts.begin(poison.pk)
    events._starts.previous = None  # those workers died: nothing of theirs was cleaned up

    assert inbound_events_drain() == {"failed": 1, "processed": 1}

    poison.refresh_from_db()
    assert poison.status == EventStatus.FAILED
    assert poison.error.startswith(f"Processing stopped {CRASH_LIMIT} times without finishing")
    assert texts_in_order() == ["next"]


@pytest.mark.redis
def test_retried_and_replayed_deliveries_are_not_mistaken_for_crashes(sms_channel, monkeypatch):
    event = store("SMflaky")
    calls = []
    original = events.message_create_inbound

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) <= CRASH_LIMIT + 1:
            raise OperationalError("the database went away")
        return original(**kwargs)

    monkeypatch.setattr(events, "message_create_inbound", flaky)
    for _ in range(CRASH_LIMIT + 1):
        assert inbound_event_process_next() == "retry"
        InboundEvent.objects.filter(pk=event.pk).update(not_before=None)

    assert inbound_event_process_next() == "processed"


def test_a_replay_clears_the_backoff(sms_channel):
    event = store("SMreplay")
    InboundEvent.objects.filter(pk=event.pk).update(
        status=EventStatus.FAILED, not_before=timezone.now() + timedelta(hours=1)
    )
    events.inbound_event_replay(event=event)
    event.refresh_from_db()
    assert event.status == EventStatus.PENDING and event.not_before is None


def test_a_message_without_a_provider_time_is_dated_when_its_delivery_arrived(sms_channel):
    event = store("SMlate", "Sent during the outage")
    arrived = timezone.now() - timedelta(minutes=42)
    InboundEvent.objects.filter(pk=event.pk).update(received_at=arrived)

    assert inbound_event_process(event_id=event.pk) == "processed"

    message = Message.objects.get()
    assert message.created_at == arrived
    assert message.thread.last_inbound_at == arrived


def test_an_older_message_processed_late_moves_no_thread_time_back(sms_channel):
    newer, older = store("SMnewer", "second"), store("SMolder", "first")
    now = timezone.now()
    InboundEvent.objects.filter(pk=newer.pk).update(received_at=now - timedelta(minutes=1))
    InboundEvent.objects.filter(pk=older.pk).update(received_at=now - timedelta(minutes=5))

    assert inbound_events_drain() == {"processed": 2}  # in id order: the newer one first

    thread = Thread.objects.get()
    # Opened by the newer message, dated when it arrived rather than when it was processed.
    assert thread.created_at == now - timedelta(minutes=1)
    assert thread.last_inbound_at == thread.last_activity_at == now - timedelta(minutes=1)
    assert list(thread.messages.values_list("text", flat=True)) == ["first", "second"]


def test_a_drain_is_requested_once_until_one_starts():
    published = []
    drain_started(queue="q")

    assert drain_request(lambda: published.append(1), queue="q") is True
    assert drain_request(lambda: published.append(1), queue="q") is False
    assert drain_request(lambda: published.append(1), queue="other") is True
    assert len(published) == 2

    drain_started(queue="q")  # the requested drain begins: later events ask again
    assert drain_request(lambda: published.append(1), queue="q") is True
    assert len(published) == 3


def test_a_failed_publish_lets_the_next_event_ask_again():
    drain_started(queue="q")

    def broker_down():
        raise ConnectionError("broker down")

    with pytest.raises(ConnectionError):
        drain_request(broker_down, queue="q")
    assert cache.get(f"{events.KICK_KEY}:q") is None
    assert drain_request(lambda: None, queue="q") is True


def test_a_rule_saved_in_this_process_applies_to_the_next_message_at_once(sms_channel):
    assert active_rules() == {}  # read (and kept) before the rule exists
    Rule.objects.create(
        name="Refunds to billing",
        trigger="message_received",
        conditions=[{"type": "text", "op": "any", "value": ["refund"]}],
        actions=[{"type": "tag", "value": "refund"}],
    )
    store("SMrefund", "I want a refund")

    assert inbound_events_drain() == {"processed": 1}

    thread = Thread.objects.get()
    assert list(thread.tags.values_list("name", flat=True)) == ["refund"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_drains_take_different_events_and_process_each_once(monkeypatch):
    ChannelFactory(kind=ChannelKind.SMS, address=TO, provider="twilio")
    # Committed for real here, and tasks run in-process: keep them pending for the drains.
    monkeypatch.setattr(events, "_enqueue", None)
    for i in range(40):
        store(f"SMc{i}", f"message {i}", sender=f"+4477009001{i % 8:02d}")
    outcomes = run_at_once(inbound_events_drain, copies=3)

    assert sum(c["processed"] for c in outcomes) == 40
    assert Message.objects.count() == 40
    assert Thread.objects.count() == 8  # one per sender, however the drains interleaved
    assert not InboundEvent.objects.exclude(status=EventStatus.PROCESSED).exists()


def test_retry_later_says_whether_an_event_was_reached():
    assert RetryLater("down").event_id is None
    assert RetryLater("busy", event_id=7).event_id == 7
