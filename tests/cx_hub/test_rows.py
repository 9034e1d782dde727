"""cx_hub.rows: one-row writes without the ORM's compiling, with the values save() would write."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cx_hub import rows
from interactions.models import Direction, EventStatus, InboundEvent, Message, Thread
from tests.factories import ThreadFactory

pytestmark = pytest.mark.django_db


def test_insert_writes_the_row_save_would_and_sets_its_key():
    before = timezone.now()
    event = InboundEvent(provider="twilio", provider_event_id="SM1", payload={"Body": "Hi ✓"})

    assert rows.insert(event) is True

    stored = InboundEvent.objects.get(pk=event.pk)
    assert stored.payload == {"Body": "Hi ✓"}  # JSON adapted
    assert stored.headers == {}  # the Python default
    assert stored.status == EventStatus.PENDING
    assert stored.received_at >= before  # auto_now_add
    assert event._state.adding is False


def test_insert_skips_a_duplicate_of_the_named_unique_columns():
    first = InboundEvent(provider="twilio", provider_event_id="SM1")
    twin = InboundEvent(provider="twilio", provider_event_id="SM1", raw="again")
    rows.insert(first, skip_duplicate_of=("provider", "provider_event_id"))

    assert rows.insert(twin, skip_duplicate_of=("provider", "provider_event_id")) is False
    assert twin.pk is None
    assert InboundEvent.objects.get().raw == ""


def test_an_inserted_message_reads_back_as_one_the_orm_created():
    thread = ThreadFactory()
    fields = {
        "thread": thread,
        "channel": thread.channel,
        "direction": Direction.INBOUND,
        "text": "Hello",
        "meta": {"segments": 1},
        "created_at": timezone.now(),
    }
    written, created = Message(**fields), Message.objects.create(**fields)

    rows.insert(written)

    def columns(message):
        stored = Message.objects.filter(pk=message.pk).values().get()
        return {k: v for k, v in stored.items() if k != "id"}

    assert columns(written) == columns(created)


def test_update_writes_only_the_named_columns_of_one_row():
    thread, other = ThreadFactory(message_count=1), ThreadFactory(message_count=1)
    later = timezone.now() + timedelta(minutes=5)

    assert rows.update(Thread, thread.pk, message_count=2, last_activity_at=later) == 1

    thread.refresh_from_db()
    other.refresh_from_db()
    assert (thread.message_count, thread.last_activity_at) == (2, later)
    assert other.message_count == 1


def test_update_of_a_missing_row_updates_nothing():
    assert rows.update(Thread, 999_999, message_count=2) == 0
