"""Agents' replies: stored once, sent at most once, failures visible, schedules respected.

The provider is a recording fake adapter here; the Twilio and email tests send for real to
loopback servers.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from interactions.channels.base import Adapter, SendError, TransientSendError
from interactions.models import ChannelKind, DeliveryStatus, IdentityKind, Message
from interactions.services import outbound
from interactions.services.outbound import (
    RetrySend,
    message_create_outbound,
    message_retry_send,
    message_send,
    messages_send_due,
    reply_references,
    reply_subject,
    whatsapp_window_open,
)
from interactions.tasks import send_message
from tests.concurrency import run_at_once
from tests.factories import (
    ChannelFactory,
    ContactIdentityFactory,
    MessageFactory,
    ThreadFactory,
    UserFactory,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class FakeAdapter(Adapter):
    """Records requests; answers from a script of ids and exceptions (then "id-N")."""

    provider = "fake"

    def __init__(self, *script, assign: str = ""):
        self.script = list(script)
        self.requests = []
        self.assign = assign

    def assign_provider_id(self, request):
        return self.assign

    def send(self, request):
        self.requests.append(request)
        step = self.script.pop(0) if self.script else f"id-{len(self.requests)}"
        if isinstance(step, Exception):
            raise step
        return step


@pytest.fixture
def adapter(monkeypatch):
    fake = FakeAdapter()
    monkeypatch.setattr(outbound, "get_adapter", lambda key: fake)
    return fake


@pytest.fixture
def agent(db):
    return UserFactory(full_name="Alice Agent")


def sms_thread(phone="+447700900123", **kwargs):
    channel = ChannelFactory(kind=ChannelKind.SMS, provider="twilio")
    thread = ThreadFactory(channel=channel, **kwargs)
    ContactIdentityFactory(contact=thread.contact, kind=IdentityKind.PHONE, value=phone)
    MessageFactory(thread=thread, provider_message_id="SM-customer-1")
    return thread


def reply(thread, agent, text="On its way!", key="k1", **kwargs):
    return message_create_outbound(
        thread=thread, author=agent, text=text, idempotency_key=key, **kwargs
    )


# --- Pure rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last_inbound_at", "open_"),
    [
        (None, False),
        (NOW - timedelta(hours=23, minutes=59), True),
        (NOW - timedelta(hours=24), False),
        (NOW - timedelta(days=3), False),
    ],
)
def test_the_whatsapp_window_is_open_for_24_hours_after_the_customers_message(
    last_inbound_at, open_
):
    assert whatsapp_window_open(last_inbound_at, NOW) is open_


def test_a_reply_subject_has_one_re_prefix():
    assert reply_subject("Where is my order?") == "Re: Where is my order?"
    assert reply_subject("RE: Re: Fwd: Where is my order?") == "Re: Where is my order?"


def test_references_keep_the_chain_in_order_with_the_parent_last_and_no_duplicates():
    refs = reply_references(["<a@x>", "b@x"], ["<a@x>", "<b@x>", "<c@x>"])
    assert refs == ("<a@x>", "<b@x>", "<c@x>")


def test_a_long_reference_chain_keeps_the_first_and_the_latest_ids():
    refs = reply_references([f"<{i}@x>" for i in range(50)], ["<parent@x>"])
    assert len(refs) == outbound.MAX_REFERENCES
    assert refs[0] == "<0@x>" and refs[-1] == "<parent@x>"


def test_retry_after_is_honoured_and_otherwise_backoff_grows_with_a_ceiling():
    assert outbound.send_retry_countdown(0, 7) == 7
    assert outbound.send_retry_countdown(0, 10**6) == outbound.RETRY_AFTER_MAX_S
    assert 1 <= outbound.send_retry_countdown(0, None) <= 2
    assert 16 <= outbound.send_retry_countdown(4, None) <= 32
    assert outbound.send_retry_countdown(30, None) <= outbound.RETRY_BACKOFF_MAX_S


def test_email_channels_send_through_the_mailer_and_others_through_their_provider():
    assert outbound.sending_adapter_key(ChannelFactory.build(provider="imap")) == "email_out"
    sms = ChannelFactory.build(kind=ChannelKind.SMS, provider="twilio")
    assert outbound.sending_adapter_key(sms) == "twilio"


# --- Creating a reply -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reply_is_queued_and_sent_once_the_transaction_commits(
    agent, adapter, django_capture_on_commit_callbacks
):
    thread = sms_thread()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = reply(thread, agent)
        assert message.delivery_status == DeliveryStatus.QUEUED
        assert adapter.requests == []  # nothing leaves before the commit

    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT
    assert message.provider_message_id == "id-1"
    sent = adapter.requests[0]
    assert (sent.to.kind, sent.to.value) == ("phone", "+447700900123")
    assert sent.text == "On its way!"
    assert sent.reply_to_provider_id == "SM-customer-1"


@pytest.mark.django_db
def test_the_same_idempotency_key_returns_the_first_reply_and_sends_once(
    agent, adapter, django_capture_on_commit_callbacks
):
    thread = sms_thread()
    with django_capture_on_commit_callbacks(execute=True):
        first = reply(thread, agent, key="compose-42")
    with django_capture_on_commit_callbacks(execute=True) as again:
        second = reply(thread, agent, text="On its way! (double click)", key="compose-42")

    assert second.pk == first.pk
    assert again == []
    assert len(adapter.requests) == 1
    assert Message.objects.filter(thread=thread, direction="outbound").count() == 1


@pytest.mark.django_db
def test_a_reply_that_loses_a_race_on_its_idempotency_key_returns_the_winner(
    agent, adapter, monkeypatch, django_capture_on_commit_callbacks
):
    thread = sms_thread()
    winner = MessageFactory(thread=thread, outbound=True, idempotency_key="compose-7")
    # Both requests looked before either inserted: the unique constraint decides.
    monkeypatch.setattr(outbound, "_existing", lambda thread, key: None)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        loser = reply(thread, agent, key="compose-7")

    assert loser.pk == winner.pk
    assert callbacks == [] and adapter.requests == []


@pytest.mark.django_db
def test_the_first_reply_sets_first_response_at_and_later_ones_leave_it(agent, adapter):
    thread = sms_thread()
    first = reply(thread, agent, key="a")
    thread.refresh_from_db()
    assert thread.first_response_at == first.created_at
    assert thread.message_count == 1
    assert thread.preview == "On its way!"

    reply(thread, agent, text="Anything else?", key="b")
    thread.refresh_from_db()
    assert thread.first_response_at == first.created_at
    assert thread.message_count == 2


@pytest.mark.django_db
def test_an_empty_reply_is_refused(agent):
    with pytest.raises(ValidationError, match="Write a reply"):
        reply(sms_thread(), agent, text="   ")


@pytest.mark.django_db
def test_cc_and_bcc_are_refused_outside_email(agent):
    with pytest.raises(ValidationError, match="email replies only"):
        reply(sms_thread(), agent, cc=["boss@shop.example"])


@pytest.mark.django_db
def test_a_phone_channel_takes_no_typed_replies(agent):
    thread = ThreadFactory(channel=ChannelFactory(kind=ChannelKind.VOICE))
    with pytest.raises(ValidationError, match="cannot be sent"):
        reply(thread, agent)


# --- WhatsApp's 24-hour window --------------------------------------------------------------


def whatsapp_thread(last_inbound_at):
    channel = ChannelFactory(kind=ChannelKind.WHATSAPP, address="+14155238886", provider="twilio")
    thread = ThreadFactory(channel=channel, last_inbound_at=last_inbound_at)
    ContactIdentityFactory(
        contact=thread.contact, kind=IdentityKind.WHATSAPP, value="+5511987654321"
    )
    return thread


@pytest.mark.django_db
@pytest.mark.parametrize("hours_ago", [25, None])
def test_a_free_form_whatsapp_reply_outside_the_window_is_refused_with_the_reason(agent, hours_ago):
    last = timezone.now() - timedelta(hours=hours_ago) if hours_ago else None
    with pytest.raises(ValidationError) as refused:
        reply(whatsapp_thread(last), agent)
    assert "outside WhatsApp's 24-hour window: send an approved template" in str(refused.value)
    assert not Message.objects.filter(direction="outbound").exists()


@pytest.mark.django_db
def test_a_whatsapp_template_may_be_sent_outside_the_window(agent, adapter):
    thread = whatsapp_thread(timezone.now() - timedelta(days=3))
    message = reply(thread, agent, text="", template="order_update")

    assert message_send(message_id=message.pk) == "sent"
    assert adapter.requests[0].template == "order_update"
    assert adapter.requests[0].to.value == "+5511987654321"


@pytest.mark.django_db
def test_a_free_form_whatsapp_reply_inside_the_window_is_accepted(agent, adapter):
    message = reply(whatsapp_thread(timezone.now() - timedelta(hours=2)), agent)
    assert message.delivery_status == DeliveryStatus.QUEUED


@pytest.mark.django_db
def test_a_whatsapp_reply_whose_window_closed_before_sending_fails_instead_of_sending(
    agent, adapter
):
    thread = whatsapp_thread(timezone.now() - timedelta(hours=2))
    message = reply(thread, agent)
    type(thread).objects.filter(pk=thread.pk).update(
        last_inbound_at=timezone.now() - timedelta(hours=25)
    )

    assert message_send(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert "24-hour window" in message.delivery_error
    assert adapter.requests == []


# --- Sending --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_sent_reply_is_never_sent_again(agent, adapter):
    message = reply(sms_thread(), agent)
    assert message_send(message_id=message.pk) == "sent"
    assert message_send(message_id=message.pk) == "skipped"
    assert len(adapter.requests) == 1


@pytest.mark.django_db
def test_a_provider_refusal_fails_the_reply_with_the_providers_reason(agent, adapter):
    adapter.script = [SendError("Twilio error 21211: invalid 'To' number")]
    message = reply(sms_thread(), agent)

    assert message_send(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED
    assert message.delivery_error == "Twilio error 21211: invalid 'To' number"


@pytest.mark.django_db
def test_a_transient_failure_asks_for_a_retry_after_the_providers_retry_after(agent, adapter):
    adapter.script = [TransientSendError("429 Too Many Requests", retry_after=7)]
    message = reply(sms_thread(), agent)

    with pytest.raises(RetrySend) as retry:
        message_send(message_id=message.pk)
    assert retry.value.countdown == 7
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.QUEUED
    assert message.meta["send"]["last_error"] == "429 Too Many Requests"
    assert "claimed_at" not in message.meta["send"]  # the next attempt may go ahead

    assert message_send(message_id=message.pk) == "sent"
    assert len(adapter.requests) == 2


@pytest.mark.django_db
def test_the_last_attempt_fails_the_reply_with_the_reason(agent, adapter):
    adapter.script = [TransientSendError("503 Service Unavailable")]
    message = reply(sms_thread(), agent)

    assert message_send(message_id=message.pk, final_attempt=True) == "failed"
    message.refresh_from_db()
    assert message.delivery_error == "Gave up after 1 attempts: 503 Service Unavailable"


@pytest.mark.django_db
def test_the_task_retries_transient_failures_then_fails_the_reply_for_good(agent, adapter):
    adapter.script = [TransientSendError("503")] * 20
    message = reply(sms_thread(), agent)

    send_message.delay(message.pk)  # eager: Celery runs the retries in-process

    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED
    assert len(adapter.requests) == outbound.MAX_SEND_RETRIES + 1
    assert message.delivery_error.startswith(f"Gave up after {outbound.MAX_SEND_RETRIES + 1}")


@pytest.mark.django_db
def test_an_unexpected_adapter_error_fails_the_reply_visibly(agent, adapter):
    adapter.script = [KeyError("sid")]
    message = reply(sms_thread(), agent)

    assert message_send(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert "Unexpected error" in message.delivery_error


@pytest.mark.django_db
def test_a_contact_without_an_address_on_the_channel_fails_with_the_reason(agent, adapter):
    channel = ChannelFactory(kind=ChannelKind.SMS, provider="twilio")
    thread = ThreadFactory(channel=channel)
    message = reply(thread, agent)

    assert message_send(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert "no phone or whatsapp address" in message.delivery_error
    assert adapter.requests == []


@pytest.mark.django_db
def test_a_send_interrupted_after_the_claim_is_failed_not_sent_twice(agent, adapter):
    message = reply(sms_thread(), agent)
    stale = (timezone.now() - timedelta(minutes=30)).isoformat()
    message.meta = {"send": {"claimed_at": stale, "token": "dead-worker", "attempts": 1}}
    message.save()

    assert message_send(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert "may or may not have accepted" in message.delivery_error
    assert adapter.requests == []


@pytest.mark.django_db
def test_an_interrupted_send_with_our_own_id_is_resent_under_the_same_id(agent, monkeypatch):
    fake = FakeAdapter(assign="<new@shop.example>")
    monkeypatch.setattr(outbound, "get_adapter", lambda key: fake)
    message = reply(sms_thread(), agent)
    stale = (timezone.now() - timedelta(minutes=30)).isoformat()
    message.provider_message_id = "<first@shop.example>"
    message.meta = {"send": {"claimed_at": stale, "preassigned": True, "attempts": 1}}
    message.save()

    assert message_send(message_id=message.pk) == "sent"
    assert fake.requests[0].provider_message_id == "<first@shop.example>"


@pytest.mark.django_db
def test_a_send_claimed_moments_ago_belongs_to_another_worker(agent, adapter):
    message = reply(sms_thread(), agent)
    message.meta = {"send": {"claimed_at": timezone.now().isoformat(), "token": "other"}}
    message.save()

    assert message_send(message_id=message.pk) == "busy"
    assert adapter.requests == []


@pytest.mark.django_db
def test_a_failed_reply_can_be_queued_again(agent, adapter, django_capture_on_commit_callbacks):
    adapter.script = [SendError("carrier blocked")]
    message = reply(sms_thread(), agent)
    message_send(message_id=message.pk)

    with django_capture_on_commit_callbacks(execute=True):
        message_retry_send(message=message)

    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT
    assert message.delivery_error == ""
    assert len(adapter.requests) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_reply_send_it_once(agent, monkeypatch):
    class SlowAdapter(FakeAdapter):
        def send(self, request):
            time.sleep(0.3)
            return super().send(request)

    slow = SlowAdapter()
    monkeypatch.setattr(outbound, "get_adapter", lambda key: slow)
    monkeypatch.setattr(outbound, "_enqueue_send", None)  # the two workers below do the sending
    message = reply(sms_thread(), agent)
    outcomes = run_at_once(lambda: message_send(message_id=message.pk), copies=2)

    assert len(slow.requests) == 1
    assert sorted(outcomes) in (["busy", "sent"], ["sent", "skipped"])


# --- Scheduled replies ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reply_for_later_is_scheduled_and_not_sent_now(
    agent, adapter, django_capture_on_commit_callbacks
):
    thread = sms_thread()
    at = timezone.now() + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = reply(thread, agent, send_at=at)

    assert message.delivery_status == DeliveryStatus.SCHEDULED
    assert message.meta["send_at"] == at.isoformat()
    assert callbacks == [] and adapter.requests == []
    thread.refresh_from_db()
    assert thread.first_response_at is None  # nobody has been answered yet


@pytest.mark.django_db
def test_a_due_scheduled_reply_is_sent_by_the_beat(
    agent, adapter, django_capture_on_commit_callbacks
):
    thread = sms_thread(last_inbound_at=timezone.now() - timedelta(hours=1))
    message = reply(thread, agent, send_at=timezone.now() + timedelta(minutes=5))

    assert messages_send_due()["released"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        counts = messages_send_due(now=timezone.now() + timedelta(minutes=6))

    assert counts["released"] == 1
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT
    thread.refresh_from_db()
    assert thread.first_response_at == message.created_at


@pytest.mark.django_db
def test_a_scheduled_reply_is_cancelled_when_the_customer_wrote_again(agent, adapter):
    thread = sms_thread(last_inbound_at=timezone.now() - timedelta(hours=1))
    message = reply(thread, agent, send_at=timezone.now() + timedelta(minutes=5))
    type(thread).objects.filter(pk=thread.pk).update(last_inbound_at=timezone.now())

    counts = messages_send_due(now=timezone.now() + timedelta(minutes=6))

    assert counts["cancelled"] == 1
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED
    assert "customer wrote again" in message.delivery_error
    assert adapter.requests == []


@pytest.mark.django_db
def test_a_scheduled_reply_marked_send_anyway_goes_out_after_a_new_customer_message(
    agent, adapter, django_capture_on_commit_callbacks
):
    thread = sms_thread(last_inbound_at=timezone.now() - timedelta(hours=1))
    message = reply(thread, agent, send_at=timezone.now() + timedelta(minutes=5))
    message.meta = {**message.meta, "send_anyway": True}
    message.save()
    type(thread).objects.filter(pk=thread.pk).update(last_inbound_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        messages_send_due(now=timezone.now() + timedelta(minutes=6))

    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT


@pytest.mark.django_db
def test_a_queued_reply_whose_task_was_lost_is_enqueued_again(agent, adapter, monkeypatch):
    enqueued = []
    monkeypatch.setattr(outbound, "_enqueue_send", enqueued.append)
    message = reply(sms_thread(), agent)
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(hours=1))
    # A reply with a retry planned belongs to the task's countdown, not to the sweeper.
    waiting = reply(sms_thread(phone="+447700900999"), agent)
    Message.objects.filter(pk=waiting.pk).update(
        created_at=timezone.now() - timedelta(hours=1),
        meta={"send": {"retry_at": (timezone.now() + timedelta(minutes=5)).isoformat()}},
    )

    assert messages_send_due()["requeued"] == 1
    assert enqueued == [message.pk]
