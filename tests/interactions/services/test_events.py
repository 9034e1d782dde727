"""Processing stored events: exactly once, idempotent, failures kept with their reason."""

import pytest
from django.db import transaction

from interactions.channels import registry
from interactions.channels.base import Adapter
from interactions.models import ChannelKind, EventStatus, InboundEvent, Message
from interactions.services import events
from interactions.services.events import (
    UNKNOWN_RECEIPT_ATTEMPTS,
    RetryLater,
    inbound_event_process,
    inbound_event_store,
)
from interactions.types import Identity, InboundMessage, StatusUpdate
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db


class MixedDelivery(Adapter):
    """Like a Meta POST: two customer messages and a receipt for a message sent elsewhere."""

    provider = "test_mixed"

    def parse(self, payload, raw):
        return [
            InboundMessage(
                channel_kind="sms",
                channel_address="+14155550100",
                provider_message_id=f"m{i}",
                sender=Identity("phone", "+447700900123"),
                text=f"message {i}",
            )
            for i in (1, 2)
        ] + [
            StatusUpdate(channel_kind="sms", provider_message_id="sent-from-a-phone", status="read")
        ]


@pytest.fixture(autouse=True)
def mixed_adapter(monkeypatch):
    original = registry.get_adapter
    monkeypatch.setattr(
        events,
        "get_adapter",
        lambda key: MixedDelivery() if key == "test_mixed" else original(key),
    )


def store(provider="test_mixed", event_id="e1"):
    with transaction.atomic():
        return inbound_event_store(provider=provider, provider_event_id=event_id, payload={})[0]


def test_an_unknown_receipt_never_holds_back_the_messages_beside_it():
    ChannelFactory(kind=ChannelKind.SMS, address="+14155550100")
    event = store()

    for _ in range(UNKNOWN_RECEIPT_ATTEMPTS - 1):
        with pytest.raises(RetryLater):
            inbound_event_process(event_id=event.pk)
        assert Message.objects.count() == 2  # kept from the first attempt, never doubled
    assert inbound_event_process(event_id=event.pk) == "processed"

    event.refresh_from_db()
    assert event.status == EventStatus.PROCESSED
    assert "sent-from-a-phone" in event.error
    assert Message.objects.count() == 2


def test_a_processed_event_is_skipped():
    ChannelFactory(kind=ChannelKind.SMS, address="+14155550100")
    event = store()
    InboundEvent.objects.filter(pk=event.pk).update(status=EventStatus.PROCESSED)
    assert inbound_event_process(event_id=event.pk) == "skipped"
    assert not Message.objects.exists()


def test_an_unknown_provider_fails_with_the_reason():
    event = store(provider="nobody", event_id="x")
    assert inbound_event_process(event_id=event.pk) == "failed"
    event.refresh_from_db()
    assert event.status == EventStatus.FAILED and "nobody" in event.error


def test_storing_the_same_delivery_twice_keeps_one_row():
    first = store(event_id="same")
    second = store(event_id="same")
    assert first.pk == second.pk and InboundEvent.objects.count() == 1
