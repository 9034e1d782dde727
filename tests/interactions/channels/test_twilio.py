"""Twilio messaging, receipts and voice: signed the SDK's way, shaped like Twilio's payloads."""

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from interactions.models import (
    ChannelKind,
    DeliveryStatus,
    Direction,
    EventStatus,
    FetchStatus,
    InboundEvent,
    Message,
    Thread,
    ThreadStatus,
)
from interactions.services.events import inbound_event_process, inbound_event_store
from tests.factories import ChannelFactory, MessageFactory, ThreadFactory
from tests.webhooks import TWILIO_TOKEN, twilio_post, twilio_sms_params

pytestmark = pytest.mark.django_db(transaction=True)

SMS_NUMBER = "+14155550100"
WHATSAPP_NUMBER = "+14155238886"


@pytest.fixture(autouse=True)
def twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32


@pytest.fixture
def sms_channel(team_a):
    return ChannelFactory(
        kind=ChannelKind.SMS, address=SMS_NUMBER, provider="twilio", default_team=team_a
    )


@pytest.fixture
def whatsapp_channel(team_a):
    return ChannelFactory(
        kind=ChannelKind.WHATSAPP, address=WHATSAPP_NUMBER, provider="twilio", default_team=team_a
    )


def inbound_sms(
    sid="SM" + "a" * 32, body="Where is my order #1042?", sender="+447700900123", **extra
):
    return twilio_sms_params(sid=sid, body=body, sender=sender, to=SMS_NUMBER, **extra)


def test_a_signed_sms_opens_a_thread_for_the_sender(client, sms_channel, team_a):
    response = twilio_post(client, "/webhooks/twilio/messaging/", inbound_sms())

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    message = Message.objects.get()
    assert message.text == "Where is my order #1042?"
    assert message.direction == Direction.INBOUND
    thread = message.thread
    assert thread.channel == sms_channel and thread.team == team_a
    assert thread.status == ThreadStatus.OPEN and thread.is_unread
    assert thread.contact.identities.get().value == "+447700900123"
    assert InboundEvent.objects.get().status == EventStatus.PROCESSED


def test_a_bad_signature_is_refused_and_nothing_is_stored(client, sms_channel):
    response = twilio_post(
        client, "/webhooks/twilio/messaging/", inbound_sms(), token="wrong-token"
    )

    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


def test_a_missing_signature_is_refused(client, sms_channel):
    response = client.post("/webhooks/twilio/messaging/", inbound_sms())
    assert response.status_code == 403


def test_without_an_auth_token_twilio_traffic_is_refused(client, sms_channel, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    response = twilio_post(client, "/webhooks/twilio/messaging/", inbound_sms())
    assert response.status_code == 403


def test_a_malformed_payload_is_a_400(client, sms_channel):
    response = twilio_post(client, "/webhooks/twilio/messaging/", {"Body": "no sid, no from"})
    assert response.status_code == 400
    assert not InboundEvent.objects.exists()


def test_an_oversized_body_is_a_413(client, sms_channel):
    response = twilio_post(client, "/webhooks/twilio/messaging/", inbound_sms(body="x" * 1_100_000))
    assert response.status_code == 413


def test_a_redelivery_answers_200_and_changes_nothing(client, sms_channel):
    for _ in range(3):
        assert twilio_post(client, "/webhooks/twilio/messaging/", inbound_sms()).status_code == 200

    assert InboundEvent.objects.count() == 1
    assert Message.objects.count() == 1
    assert Thread.objects.get().message_count == 1


def test_the_next_sms_from_the_same_person_joins_their_open_thread(client, sms_channel):
    twilio_post(client, "/webhooks/twilio/messaging/", inbound_sms(sid="SM" + "1" * 32))
    twilio_post(
        client, "/webhooks/twilio/messaging/", inbound_sms(sid="SM" + "2" * 32, body="Hello?")
    )

    thread = Thread.objects.get()
    assert thread.message_count == 2
    assert thread.preview == "Hello?"


def test_a_message_after_resolution_reopens_the_thread(client, sms_channel):
    twilio_post(client, "/webhooks/twilio/messaging/", inbound_sms(sid="SM" + "1" * 32))
    thread = Thread.objects.get()
    Thread.objects.filter(pk=thread.pk).update(
        status=ThreadStatus.RESOLVED, resolved_at=timezone.now()
    )

    twilio_post(
        client, "/webhooks/twilio/messaging/", inbound_sms(sid="SM" + "2" * 32, body="Actually…")
    )

    thread.refresh_from_db()
    assert thread.status == ThreadStatus.OPEN and thread.resolved_at is None
    assert Thread.objects.count() == 1


def test_whatsapp_media_is_kept_as_an_attachment_to_fetch(client, whatsapp_channel):
    params = inbound_sms(
        sid="MM" + "b" * 32,
        body="Here is the damaged box",
        sender="whatsapp:+5511987654321",
        To=f"whatsapp:{WHATSAPP_NUMBER}",
        NumMedia="1",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1",
        MediaContentType0="image/jpeg",
        ProfileName="Ana Souza",
        WaId="5511987654321",
    )
    twilio_post(client, "/webhooks/twilio/messaging/", params)

    message = Message.objects.get()
    assert message.channel == whatsapp_channel
    assert message.thread.contact.name == "Ana Souza"
    identity = message.thread.contact.identities.get()
    assert (identity.kind, identity.value) == ("whatsapp", "+5511987654321")
    attachment = message.attachments.get()
    assert attachment.fetch_status == FetchStatus.PENDING
    assert attachment.content_type == "image/jpeg"


def test_a_message_to_a_number_we_do_not_have_fails_with_the_reason(client, sms_channel):
    twilio_post(client, "/webhooks/twilio/messaging/", inbound_sms(To="+19995550000"))

    event = InboundEvent.objects.get()
    assert event.status == EventStatus.FAILED
    assert "+19995550000" in event.error


def status_callback(sid, status, **extra):
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "AccountSid": "AC" + "0" * 32,
        "From": SMS_NUMBER,
        "To": "+447700900123",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def test_receipts_move_the_status_forward_only(client, sms_channel):
    thread = ThreadFactory(channel=sms_channel)
    reply = MessageFactory(
        thread=thread,
        outbound=True,
        provider_message_id="SM" + "c" * 32,
        delivery_status=DeliveryStatus.QUEUED,
    )
    for status in ["sent", "delivered", "sent", "queued"]:  # late and out of order
        twilio_post(
            client, "/webhooks/twilio/status/", status_callback(reply.provider_message_id, status)
        )

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.DELIVERED


def test_an_undelivered_receipt_marks_the_message_failed_with_twilios_reason(client, sms_channel):
    reply = MessageFactory(
        thread=ThreadFactory(channel=sms_channel),
        outbound=True,
        provider_message_id="SM" + "d" * 32,
        delivery_status=DeliveryStatus.SENT,
    )
    twilio_post(
        client,
        "/webhooks/twilio/status/",
        status_callback(
            reply.provider_message_id,
            "undelivered",
            ErrorCode="30006",
            ErrorMessage="Landline or unreachable carrier",
        ),
    )

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert "30006" in reply.delivery_error


@pytest.fixture
def voice_channel(team_a):
    return ChannelFactory(
        kind=ChannelKind.VOICE, address=SMS_NUMBER, provider="twilio", default_team=team_a
    )


def call(status, **extra):
    return {
        "CallSid": "CA" + "e" * 32,
        "AccountSid": "AC" + "0" * 32,
        "From": "+447700900123",
        "To": SMS_NUMBER,
        "CallStatus": status,
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def test_a_call_becomes_a_thread_entry_with_duration_voicemail_and_transcript(
    client, voice_channel
):
    answer = twilio_post(client, "/webhooks/twilio/voice/", call("ringing"))
    assert answer.status_code == 200
    assert b"<Record" in answer.content and b"<Say>" in answer.content

    done = twilio_post(
        client,
        "/webhooks/twilio/voice/status/",
        call(
            "in-progress",
            RecordingUrl="https://api.twilio.com/recordings/RE1",
            RecordingSid="RE" + "1" * 32,
            RecordingDuration="14",
        ),
    )
    assert b"<Hangup" in done.content
    twilio_post(client, "/webhooks/twilio/voice/status/", call("completed", CallDuration="42"))
    twilio_post(
        client,
        "/webhooks/twilio/voice/status/",
        call(
            "completed",
            TranscriptionSid="TR" + "1" * 32,
            TranscriptionStatus="completed",
            TranscriptionText="Hi, my parcel arrived damaged, please call me back.",
        ),
    )

    entry = Message.objects.get()
    assert entry.kind == "call"
    assert entry.meta["duration_s"] == 42
    assert entry.meta["recording_url"].endswith("RE1")
    assert "parcel arrived damaged" in entry.text


@pytest.mark.postgres
def test_the_same_message_delivered_concurrently_is_stored_once(sms_channel):
    """Three workers process three stored copies of one SMS at once: one message."""
    ids = []
    for i in range(3):
        with transaction.atomic():
            event, _ = inbound_event_store(
                provider="twilio", provider_event_id=f"copy-{i}", payload=inbound_sms()
            )
        ids.append(event.pk)

    barrier = threading.Barrier(3)

    def work(event_id):
        barrier.wait()
        try:
            inbound_event_process(event_id=event_id)
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(i,)) for i in ids]
    for w in workers:
        w.start()
    for w in workers:
        w.join()

    assert Message.objects.count() == 1
    assert Thread.objects.count() == 1
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {EventStatus.PROCESSED}
