"""The database itself refuses bad inbox data, whatever code path writes it."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from interactions.models import (
    ChannelKind,
    DeliveryStatus,
    Direction,
    IdentityKind,
    InboundEvent,
    SavedReply,
    Thread,
    ThreadStatus,
)
from tests.factories import (
    ChannelFactory,
    ContactIdentityFactory,
    InboundEventFactory,
    MessageFactory,
    SavedReplyFactory,
    TagFactory,
    ThreadFactory,
)

pytestmark = pytest.mark.django_db


@contextmanager
def refused():
    """Expect the database to refuse the write; the savepoint keeps the test's transaction."""
    with pytest.raises(IntegrityError), transaction.atomic():
        yield


# --- Factories -----------------------------------------------------------------------------


def test_the_factories_make_valid_rows():
    message = MessageFactory(outbound=True, thread__tags=[TagFactory()])
    ContactIdentityFactory(phone=True)
    ContactIdentityFactory(whatsapp=True)
    ThreadFactory(resolved=True)
    ThreadFactory(snoozed=True)
    MessageFactory(note=True, thread=message.thread)
    SavedReplyFactory()
    InboundEventFactory()

    assert message.thread.tags.count() == 1


# --- Channels ------------------------------------------------------------------------------


def test_a_channel_address_is_unique_per_kind():
    ChannelFactory(kind=ChannelKind.SMS, address="+15550001111")
    ChannelFactory(kind=ChannelKind.WHATSAPP, address="+15550001111")

    with refused():
        ChannelFactory(kind=ChannelKind.SMS, address="+15550001111")


def test_a_channel_needs_an_address():
    with refused():
        ChannelFactory(address="")


def test_a_channel_kind_must_be_known():
    with refused():
        ChannelFactory(kind="pager", address="pager-1")


# --- Contact identities --------------------------------------------------------------------


def test_an_identity_belongs_to_one_contact_only():
    ContactIdentityFactory(kind=IdentityKind.EMAIL, value="ann@mail.example")

    with refused():
        ContactIdentityFactory(kind=IdentityKind.EMAIL, value="ann@mail.example")


def test_the_same_value_may_be_two_kinds_of_identity():
    first = ContactIdentityFactory(kind=IdentityKind.PHONE, value="+447700900123")

    second = ContactIdentityFactory(kind=IdentityKind.WHATSAPP, value="+447700900123")

    assert first.contact != second.contact


def test_an_email_identity_must_be_lowercase():
    with refused():
        ContactIdentityFactory(kind=IdentityKind.EMAIL, value="Ann@Mail.example")


def test_other_identities_keep_their_case():
    identity = ContactIdentityFactory(kind=IdentityKind.X, value="CamelCaseHandle")

    identity.refresh_from_db()
    assert identity.value == "CamelCaseHandle"


@pytest.mark.parametrize("kind", [IdentityKind.PHONE, IdentityKind.WHATSAPP])
@pytest.mark.parametrize(
    "value",
    [
        "07700 900123",  # national format
        "447700900123",  # no plus
        "+0447700900123",  # country code cannot start with 0
        "+44 7700 900123",  # spaces
        "+12345",  # too short
        "+1234567890123456",  # too long
    ],
)
def test_a_phone_identity_must_be_e164(kind, value):
    with refused():
        ContactIdentityFactory(kind=kind, value=value)


@pytest.mark.parametrize("value", ["+447700900123", "+15005550006", "+4915112345678"])
def test_a_phone_identity_in_e164_is_accepted(value):
    identity = ContactIdentityFactory(kind=IdentityKind.PHONE, value=value)

    assert identity.pk


def test_an_identity_needs_a_value():
    with refused():
        ContactIdentityFactory(kind=IdentityKind.MESSENGER, value="")


def test_an_identity_kind_must_be_known():
    with refused():
        ContactIdentityFactory(kind="fax", value="+15550001111")


# --- Threads -------------------------------------------------------------------------------


def test_a_thread_status_must_be_known():
    with refused():
        ThreadFactory(status="archived")


@pytest.mark.parametrize("priority", [-1, 4])
def test_a_thread_priority_must_be_low_to_urgent(priority):
    with refused():
        ThreadFactory(priority=priority)


def test_a_snoozed_thread_needs_a_wake_up_time():
    with refused():
        ThreadFactory(status=ThreadStatus.SNOOZED, snoozed_until=None)


def test_a_resolved_thread_needs_a_resolution_time():
    with refused():
        ThreadFactory(status=ThreadStatus.RESOLVED, resolved_at=None)


def test_an_open_thread_may_keep_an_old_resolution_time():
    # A reopened thread keeps when it was last resolved.
    thread = ThreadFactory(status=ThreadStatus.OPEN, resolved_at=timezone.now() - timedelta(days=1))

    assert thread.pk


def test_a_thread_sentiment_may_be_empty_or_known():
    ThreadFactory(sentiment="")
    ThreadFactory(sentiment="negative")

    assert Thread.objects.count() == 2


def test_a_thread_sentiment_must_be_known():
    with refused():
        ThreadFactory(sentiment="furious")


def test_a_thread_needs_its_timestamps():
    with refused():
        ThreadFactory(last_activity_at=None, last_inbound_at=None)


def test_a_tag_colour_must_be_a_hex_colour():
    with refused():
        TagFactory(color="blue")


def test_a_tag_name_is_unique():
    TagFactory(name="refund")

    with refused():
        TagFactory._meta.model.objects.create(name="refund")


# --- Messages ------------------------------------------------------------------------------


def test_a_provider_message_id_is_stored_once_per_channel():
    thread = ThreadFactory()
    MessageFactory(thread=thread, provider_message_id="SM123")

    with refused():
        MessageFactory(thread=ThreadFactory(channel=thread.channel), provider_message_id="SM123")


def test_the_same_provider_message_id_on_two_channels_is_fine():
    first = MessageFactory(provider_message_id="SM123")
    second = MessageFactory(provider_message_id="SM123")

    assert first.channel != second.channel


def test_messages_without_a_provider_id_repeat_freely():
    thread = ThreadFactory()

    MessageFactory(thread=thread, provider_message_id="")
    MessageFactory(thread=thread, provider_message_id="")

    assert thread.messages.count() == 2


def test_an_idempotency_key_is_used_once_per_thread():
    thread = ThreadFactory()
    MessageFactory(outbound=True, thread=thread, idempotency_key="compose-1")

    with refused():
        MessageFactory(outbound=True, thread=thread, idempotency_key="compose-1")


def test_the_same_idempotency_key_on_two_threads_is_fine():
    first = MessageFactory(outbound=True, idempotency_key="compose-1")
    second = MessageFactory(outbound=True, idempotency_key="compose-1")

    assert first.thread != second.thread


def test_messages_without_an_idempotency_key_repeat_freely():
    thread = ThreadFactory()

    MessageFactory(outbound=True, thread=thread, idempotency_key="")
    MessageFactory(outbound=True, thread=thread, idempotency_key="")

    assert thread.messages.count() == 2


@pytest.mark.parametrize("direction", [Direction.INBOUND, Direction.NOTE])
def test_only_outbound_messages_carry_a_delivery_status(direction):
    with refused():
        MessageFactory(direction=direction, delivery_status=DeliveryStatus.DELIVERED)


@pytest.mark.parametrize("status", DeliveryStatus.values)
def test_an_outbound_message_may_have_any_delivery_status(status):
    message = MessageFactory(outbound=True, delivery_status=status)

    assert message.pk


def test_a_delivery_status_must_be_known():
    with refused():
        MessageFactory(outbound=True, delivery_status="bounced-ish")


def test_a_message_direction_must_be_known():
    with refused():
        MessageFactory(direction="sideways")


def test_saved_replies_without_a_shortcut_repeat_freely():
    SavedReplyFactory(shortcut="")
    SavedReplyFactory(shortcut="")

    assert SavedReply.objects.filter(shortcut="").count() == 2


def test_a_saved_reply_shortcut_is_unique():
    SavedReplyFactory(shortcut="refund")

    with refused():
        SavedReplyFactory(shortcut="refund")


# --- Inbound events ------------------------------------------------------------------------


def test_a_provider_event_is_stored_once():
    InboundEventFactory(provider="twilio", provider_event_id="SM1")

    with refused():
        InboundEventFactory(provider="twilio", provider_event_id="SM1")


def test_the_same_event_id_from_two_providers_is_two_events():
    InboundEventFactory(provider="twilio", provider_event_id="1")
    InboundEventFactory(provider="meta", provider_event_id="1")

    assert InboundEvent.objects.filter(provider_event_id="1").count() == 2


def test_an_inbound_event_status_must_be_known():
    with refused():
        InboundEventFactory(status="lost")
