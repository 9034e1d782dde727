"""Replies over Twilio: the official SDK's request to a loopback stand-in for api.twilio.com.

The fake server records the request exactly as Twilio would receive it (path, form fields,
basic auth) and answers with Twilio's documented shapes, including 429s and error payloads.
https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
"""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.utils import timezone

from interactions.channels.base import SendError, TransientSendError
from interactions.channels.twilio import TwilioMessaging
from interactions.models import ChannelKind, DeliveryStatus, IdentityKind
from interactions.services.outbound import RetrySend, message_create_outbound, message_send
from interactions.types import Identity, OutboundRequest
from tests.factories import ChannelFactory, ContactIdentityFactory, ThreadFactory, UserFactory
from tests.fakes.provider_server import ProviderServer

SID = "AC" + "1" * 32
TOKEN = "test-twilio-auth-token-0123456789"
MESSAGES_PATH = f"/2010-04-01/Accounts/{SID}/Messages.json"
SMS_NUMBER = "+14155550100"
WHATSAPP_NUMBER = "+14155238886"
CUSTOMER = "+447700900123"


def created(sid="SM" + "f" * 32, status="queued"):
    # The Message resource as Twilio returns it from a create (trimmed to what matters).
    return {
        "sid": sid,
        "account_sid": SID,
        "status": status,
        "direction": "outbound-api",
        "api_version": "2010-04-01",
        "num_segments": "1",
        "uri": f"/2010-04-01/Accounts/{SID}/Messages/{sid}.json",
    }


@pytest.fixture
def api(settings):
    with ProviderServer() as server:
        settings.TWILIO_ACCOUNT_SID = SID
        settings.TWILIO_AUTH_TOKEN = TOKEN
        settings.TWILIO_API_BASE = server.url
        settings.PUBLIC_BASE_URL = "https://cx.shop.example"
        yield server


def request_for(kind="sms", text="Your parcel ships today.", template="", config=None):
    return OutboundRequest(
        message_id=1,
        channel_kind=kind,
        channel_address=WHATSAPP_NUMBER if kind == "whatsapp" else SMS_NUMBER,
        channel_config=config or {},
        to=Identity("whatsapp" if kind == "whatsapp" else "phone", CUSTOMER),
        text=text,
        template=template,
    )


def test_an_sms_is_posted_to_the_messages_resource_with_basic_auth(api):
    api.respond(201, created())

    sid = TwilioMessaging().send(request_for())

    assert sid == "SM" + "f" * 32
    sent = api.requests[-1]
    assert (sent.method, sent.path) == ("POST", MESSAGES_PATH)
    assert sent.form == {
        "To": CUSTOMER,
        "From": SMS_NUMBER,
        "Body": "Your parcel ships today.",
        "StatusCallback": "https://cx.shop.example/webhooks/twilio/status/",
    }
    expected = base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert sent.headers["authorization"] == f"Basic {expected}"
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"


def test_whatsapp_prefixes_both_numbers(api):
    api.respond(201, created())

    TwilioMessaging().send(request_for(kind="whatsapp"))

    form = api.requests[-1].form
    assert form["To"] == f"whatsapp:{CUSTOMER}"
    assert form["From"] == f"whatsapp:{WHATSAPP_NUMBER}"


def test_a_template_is_sent_as_its_content_sid_without_a_body(api):
    api.respond(201, created())
    config = {"templates": {"order_update": "HX" + "a" * 32}}

    TwilioMessaging().send(
        request_for(kind="whatsapp", text="", template="order_update", config=config)
    )

    form = api.requests[-1].form
    assert form["ContentSid"] == "HX" + "a" * 32
    assert "Body" not in form


def test_a_template_name_without_a_content_sid_is_refused_before_calling_twilio(api):
    with pytest.raises(SendError, match="No Twilio Content SID"):
        TwilioMessaging().send(request_for(kind="whatsapp", template="order_update"))
    assert api.requests == []


def test_a_messaging_service_from_the_channel_config_is_passed_along(api):
    api.respond(201, created())

    TwilioMessaging().send(request_for(config={"messaging_service_sid": "MG" + "b" * 32}))

    assert api.requests[-1].form["MessagingServiceSid"] == "MG" + "b" * 32


def test_twilios_refusal_is_permanent_and_names_the_twilio_code(api):
    # Twilio's documented error body for an invalid 'To' number.
    api.respond(
        400,
        {
            "code": 21211,
            "message": f"The 'To' number {CUSTOMER}x is not a valid phone number.",
            "more_info": "https://www.twilio.com/docs/errors/21211",
            "status": 400,
        },
    )

    with pytest.raises(SendError) as refused:
        TwilioMessaging().send(request_for())

    assert "21211" in str(refused.value)
    assert "is not a valid phone number" in str(refused.value)


def test_a_429_is_transient_and_carries_retry_after(api):
    api.respond(
        429,
        {"code": 20429, "message": "Too Many Requests", "status": 429},
        headers={"Retry-After": "7"},
    )

    with pytest.raises(TransientSendError) as slow_down:
        TwilioMessaging().send(request_for())

    assert slow_down.value.retry_after == 7
    assert "20429" in str(slow_down.value)


def test_a_5xx_is_transient(api):
    api.respond(503, {"code": 20500, "message": "Service unavailable", "status": 503})
    with pytest.raises(TransientSendError):
        TwilioMessaging().send(request_for())


def test_without_credentials_nothing_is_sent(api, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    with pytest.raises(SendError, match="not configured"):
        TwilioMessaging().send(request_for())
    assert api.requests == []


def test_media_comes_only_from_twilio_hosts_with_the_accounts_basic_auth(settings):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = SID, TOKEN
    adapter = TwilioMessaging()
    assert adapter.media_hosts() == {"api.twilio.com", ".twilio.com", ".twiliocdn.com"}
    expected = base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert adapter.media_headers() == {"Authorization": f"Basic {expected}"}


# --- Through the outbound service and the send task ----------------------------------------


@pytest.fixture
def sms_thread(db):
    channel = ChannelFactory(kind=ChannelKind.SMS, address=SMS_NUMBER, provider="twilio")
    thread = ThreadFactory(channel=channel, last_inbound_at=timezone.now() - timedelta(hours=1))
    ContactIdentityFactory(contact=thread.contact, kind=IdentityKind.PHONE, value=CUSTOMER)
    return thread


@pytest.mark.django_db
def test_a_reply_throttled_with_429_is_retried_by_the_task_and_sent_once(
    api, sms_thread, django_capture_on_commit_callbacks
):
    api.respond(429, {"code": 20429, "message": "Too Many Requests"}, headers={"Retry-After": "1"})
    api.respond(201, created(sid="SM" + "e" * 32))

    with django_capture_on_commit_callbacks(execute=True):
        message = message_create_outbound(
            thread=sms_thread,
            author=UserFactory(),
            text="Your parcel ships today.",
            idempotency_key="compose-1",
        )

    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT
    assert message.provider_message_id == "SM" + "e" * 32
    assert [r.path for r in api.requests] == [MESSAGES_PATH, MESSAGES_PATH]
    assert api.requests[0].form == api.requests[1].form  # the same text, retried as is
    assert message.meta["send"]["attempts"] == 2


@pytest.mark.django_db
def test_retry_after_becomes_the_retry_countdown(api, sms_thread):
    api.respond(429, {"code": 20429, "message": "Too Many Requests"}, headers={"Retry-After": "7"})
    message = message_create_outbound(
        thread=sms_thread, author=None, text="Hello", idempotency_key="k"
    )

    with pytest.raises(RetrySend) as retry:
        message_send(message_id=message.pk)

    assert retry.value.countdown == 7
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.QUEUED
    assert message.provider_message_id == ""


@pytest.mark.django_db
def test_a_refused_reply_is_failed_with_twilios_reason(api, sms_thread):
    api.respond(400, {"code": 21610, "message": "Attempt to send to unsubscribed recipient"})
    message = message_create_outbound(
        thread=sms_thread, author=None, text="Hello", idempotency_key="k"
    )

    assert message_send(message_id=message.pk) == "failed"

    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED
    assert "21610" in message.delivery_error and "unsubscribed" in message.delivery_error
