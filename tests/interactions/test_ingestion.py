"""The ingestion health page, replaying failures, and the sweeper for lost tasks."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from interactions.models import EventStatus, InboundEvent
from interactions.selectors import ingestion_health
from interactions.services.events import inbound_events_stalled
from tests.factories import InboundEventFactory

pytestmark = pytest.mark.django_db


def test_the_page_shows_backlog_failures_and_reasons(admin_client):
    InboundEventFactory.create_batch(3)
    InboundEventFactory(
        provider="meta", status=EventStatus.FAILED, error="No active messenger channel"
    )

    page = admin_client.get(reverse("ingestion")).content.decode()

    assert "No active messenger channel" in page
    health = ingestion_health()
    assert (health.backlog, health.failed, health.last_hour) == (3, 1, 4)
    assert sum(health.per_minute) == 4


def test_the_page_shows_deliveries_retrying_with_their_error_and_next_attempt(admin_client):
    InboundEventFactory()  # waiting its first turn: not retrying
    retrying = InboundEventFactory(
        provider="twilio",
        attempts=2,
        error="Database: server closed the connection unexpectedly",
        not_before=timezone.now() + timedelta(seconds=30),
    )

    page = admin_client.get(reverse("ingestion")).content.decode()

    assert "Retrying" in page and "server closed the connection unexpectedly" in page
    assert [e.pk for e in ingestion_health().retrying] == [retrying.pk]


def test_only_admins_see_ingestion_health(manager_client, agent_a_client):
    assert manager_client.get(reverse("ingestion")).status_code == 403
    assert agent_a_client.get(reverse("ingestion")).status_code == 403


def test_replaying_a_failed_event_sends_it_through_the_pipeline_again(
    admin_client, django_capture_on_commit_callbacks
):
    event = InboundEventFactory(status=EventStatus.FAILED, error="boom")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("ingestion_replay", args=[event.pk]))

    assert response.status_code == 302
    event.refresh_from_db()
    # Eager tasks ran it again at once: it failed again (no such channel), with a fresh reason.
    assert event.status == EventStatus.FAILED
    assert event.error != "boom"
    assert event.attempts >= 1


def test_only_failed_events_can_be_replayed(admin_client):
    event = InboundEventFactory(status=EventStatus.PROCESSED)
    assert admin_client.post(reverse("ingestion_replay", args=[event.pk])).status_code == 404


def test_the_sweeper_finds_events_nobody_picked_up():
    old = InboundEventFactory()
    InboundEvent.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(minutes=5))
    InboundEventFactory()  # just arrived: its task may still be on its way
    InboundEventFactory(status=EventStatus.PROCESSED)

    assert inbound_events_stalled(older_than_s=60) == [old.pk]
