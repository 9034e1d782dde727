"""Ingestion with real processes, and under faults: Redis down, a worker killed, duplicates.

Twilio webhooks travel over HTTP to gunicorn, signed for the server's PUBLIC_BASE_URL the way
Twilio signs them; a Celery worker (and beat, where the sweeper matters) processes them. Every
process uses the pytest-django test database, whose rows the test commits (transactional_db),
and a private redis-server of the test's own, which a test may crash. See conftest.py.

Run alone with `pytest -m integration`. Needs DATABASE_URL (PostgreSQL), REDIS_URL and the
redis-server binary.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import DatabaseError, transaction
from twilio.request_validator import RequestValidator

from interactions.models import ChannelKind, EventStatus, InboundEvent, Message, Thread
from tests.factories import ChannelFactory, TeamFactory
from tests.integration.slow_adapter import STARTED
from tests.webhooks import TWILIO_TOKEN, twilio_sms_params

pytestmark = [
    pytest.mark.integration,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

SMS_NUMBER = "+14155550100"
MESSAGING = "/webhooks/twilio/messaging/"
# How long a message may take from webhook to database, and a webhook to be answered.
ARRIVAL_S = 30
ANSWER_S = 2.0


@pytest.fixture
def sms_channel(ingestion_stack):
    return ChannelFactory(
        kind=ChannelKind.SMS,
        address=SMS_NUMBER,
        provider="twilio",
        default_team=TeamFactory(name="Support"),
    )


def inbound_sms(body: str, sender: str = "+447700900123") -> dict:
    """The parameters Twilio sends for an incoming SMS, with a fresh MessageSid."""
    return twilio_sms_params(sid=f"SM{uuid.uuid4().hex}", body=body, sender=sender, to=SMS_NUMBER)


def post_sms(stack, params: dict) -> requests.Response:
    """POST as Twilio does: form-encoded, signed for the URL Twilio was given."""
    url = stack.base_url + MESSAGING
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
    response = requests.post(
        url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/xml")
    return response


def messages_for(deliveries: list[dict]) -> list[str]:
    """The provider ids of the stored messages among `deliveries`, one entry per row."""
    sids = [params["MessageSid"] for params in deliveries]
    return sorted(
        Message.objects.filter(provider_message_id__in=sids).values_list(
            "provider_message_id", flat=True
        )
    )


def all_processed(count: int) -> bool:
    statuses = list(InboundEvent.objects.values_list("status", flat=True))
    return len(statuses) == count and set(statuses) == {EventStatus.PROCESSED}


def test_signed_webhooks_over_http_become_threads_and_messages(ingestion_stack, sms_channel):
    stack = ingestion_stack
    stack.start_redis()
    stack.start_web()
    stack.start_worker()
    stack.start_beat()
    stack.wait_ready()
    senders = [f"+4477009001{n:02d}" for n in range(4)]
    # Two messages from each sender, the second after the first (one solo worker takes them in
    # order): one thread per sender.
    deliveries = [inbound_sms(f"Question {i} about order #10{i}", senders[i % 4]) for i in range(8)]

    for params in deliveries:
        post_sms(stack, params)

    stack.wait_for(lambda: all_processed(len(deliveries)), ARRIVAL_S, "every event processed")
    assert messages_for(deliveries) == sorted(p["MessageSid"] for p in deliveries)
    threads = Thread.objects.filter(channel=sms_channel)
    assert sorted(threads.values_list("contact__identities__value", flat=True)) == senders
    assert {thread.messages.count() for thread in threads} == {2}
    texts = set(Message.objects.values_list("text", flat=True))
    assert texts == {params["Body"] for params in deliveries}


def test_with_redis_down_webhooks_still_answer_and_the_sweeper_catches_up(
    ingestion_stack, sms_channel
):
    stack = ingestion_stack
    # The sweeper runs every second and takes events pending for a second or more.
    stack.env.update(INBOUND_SWEEP_AFTER_S="1", CXHUB_TEST_SWEEP_EVERY_S="1")
    stack.start_redis()
    stack.start_web()
    worker = stack.start_worker()
    stack.start_beat()
    stack.wait_ready()
    # Traffic before the outage, so the web workers hold broker connections that then break.
    before = [inbound_sms(f"Before the outage {i}") for i in range(4)]
    for params in before:
        post_sms(stack, params)
    stack.wait_for(lambda: all_processed(len(before)), ARRIVAL_S, "events before the outage")

    stack.stop_redis()
    during = [inbound_sms(f"During the outage {i}", f"+44770090020{i}") for i in range(6)]
    answer_times = []
    for params in during:
        started = time.monotonic()
        post_sms(stack, params)
        answer_times.append(time.monotonic() - started)

    assert max(answer_times) < ANSWER_S, answer_times
    stored = InboundEvent.objects.filter(provider_event_id__in=[p["MessageSid"] for p in during])
    assert list(stored.values_list("status", flat=True)) == [EventStatus.PENDING] * len(during)
    assert messages_for(during) == []

    stack.start_redis()  # empty: the tasks the web tried to queue were never there

    stack.wait_for(
        lambda: all_processed(len(before) + len(during)), ARRIVAL_S, "events after the outage"
    )
    assert messages_for(during) == sorted(p["MessageSid"] for p in during)
    assert messages_for(before) == sorted(p["MessageSid"] for p in before)
    assert Message.objects.count() == len(before) + len(during)
    # The sweeper is what found them: a sweep re-enqueued at least one event.
    assert re.search(
        r"interactions\.sweep_inbound_events\[[^\]]+\] succeeded in [\d.]+s: [1-9]", worker.output()
    )


def test_a_worker_killed_mid_task_loses_nothing_and_doubles_nothing(ingestion_stack, sms_channel):
    stack = ingestion_stack
    # No beat, so no sweeper: the task must come back through the broker. acks_late leaves it
    # unacknowledged in Redis while it runs; 5 s after delivery Redis gives it to whichever
    # worker looks (kombu's visibility timeout). reject_on_worker_lost plays no part: it needs
    # a surviving parent process, and the whole process group is killed here.
    stack.env.update(CXHUB_TEST_VISIBILITY_TIMEOUT_S="5")
    stack.start_redis()
    stack.start_web()
    victim = stack.start_worker("victim", env={"CXHUB_TEST_SLOW_PARSE_S": "60"})
    stack.wait_ready()
    params = inbound_sms("Is my refund through?")

    post_sms(stack, params)
    stack.wait_for(lambda: STARTED in victim.output(), ARRIVAL_S, "the victim mid-task")
    victim.kill()

    event = InboundEvent.objects.get()
    assert event.status == EventStatus.PENDING
    assert not Message.objects.exists()
    received = re.search(r"drain_inbound_events\[([^\]]+)\] received", victim.output())
    assert received, "the victim's log names no received task"
    # The killed worker's database session ends with it, and its lock on the event with it.
    stack.wait_for(lambda: unlocked(event), 10, "the event's row lock released")

    rescuer = stack.start_worker("rescuer")
    stack.wait_ready()

    stack.wait_for(lambda: all_processed(1), ARRIVAL_S, "the event processed by the rescuer")
    assert messages_for([params]) == [params["MessageSid"]]
    # The very task the victim took, redelivered to the rescuer.
    assert f"drain_inbound_events[{received.group(1)}] received" in rescuer.output()


def unlocked(event: InboundEvent) -> bool:
    try:
        with transaction.atomic():
            rows = InboundEvent.objects.select_for_update(nowait=True).filter(pk=event.pk)
            return list(rows.values_list("pk", flat=True)) == [event.pk]
    except DatabaseError:
        return False


def test_the_same_event_delivered_three_times_at_once_is_one_message(ingestion_stack, sms_channel):
    stack = ingestion_stack
    stack.start_redis()
    stack.start_web()
    stack.start_worker()
    stack.wait_ready()
    # A few rounds, each one delivery fired three times at once from three connections.
    deliveries = [inbound_sms(f"Hello? ({round_})", f"+44770090030{round_}") for round_ in range(3)]

    for params in deliveries:
        deliver_at_once(stack, params, copies=3)

    stack.wait_for(lambda: all_processed(len(deliveries)), ARRIVAL_S, "every event processed")
    assert InboundEvent.objects.count() == len(deliveries)
    assert messages_for(deliveries) == sorted(p["MessageSid"] for p in deliveries)


def deliver_at_once(stack, params: dict, *, copies: int) -> None:
    start = threading.Barrier(copies, timeout=10)

    def deliver(_):
        start.wait()
        return post_sms(stack, params)

    with ThreadPoolExecutor(max_workers=copies) as pool:
        responses = list(pool.map(deliver, range(copies), timeout=30))
    assert [r.status_code for r in responses] == [200] * copies
