"""Shared pieces for the routing tests: an SMS channel, Twilio settings, an inbound helper."""

import itertools

import pytest
from django.db import transaction

from interactions.models import ChannelKind
from interactions.services.messages import message_create_inbound
from interactions.types import Identity, InboundMessage
from tests.factories import ChannelFactory
from tests.webhooks import TWILIO_TOKEN

SMS_NUMBER = "+14155550100"
_ids = itertools.count(1)


@pytest.fixture
def twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32


@pytest.fixture
def sms_channel(team_a):
    return ChannelFactory(
        kind=ChannelKind.SMS, address=SMS_NUMBER, provider="twilio", default_team=team_a
    )


@pytest.fixture
def no_sending(monkeypatch):
    """Replies are stored but never handed to a provider (no network in these tests)."""
    sent = []
    monkeypatch.setattr("interactions.services.outbound.enqueue_send", sent.append)
    return sent


def receive(
    text="Hello",
    *,
    sender="+447700900123",
    automated=False,
    channel_address=SMS_NUMBER,
    sent_at=None,
    kind=ChannelKind.SMS,
):
    """Ingest one SMS the way the worker does (inside a transaction); returns the result."""
    with transaction.atomic():
        return message_create_inbound(
            inbound=InboundMessage(
                channel_kind=kind,
                channel_address=channel_address,
                provider_message_id=f"SM{next(_ids):032d}",
                sender=Identity(kind="phone", value=sender),
                text=text,
                is_automated=automated,
                sent_at=sent_at,
            )
        )
