"""Merging a customer's two threads into one, and splitting a message out into its own thread."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from interactions.models import (
    Attachment,
    ChannelKind,
    Direction,
    Priority,
    Thread,
    ThreadEvent,
    ThreadEventKind,
    ThreadStatus,
)
from interactions.services.merge import thread_merge, thread_split
from interactions.services.outbound import message_create_outbound
from interactions.services.threads import thread_for_inbound, thread_set_tags
from interactions.signals import thread_resolved
from interactions.types import Identity, InboundMessage
from tests.factories import (
    ChannelFactory,
    ContactFactory,
    MessageFactory,
    TagFactory,
    ThreadFactory,
    UserFactory,
)

T0 = timezone.now() - timedelta(days=3)


def at(hours: float):
    return T0 + timedelta(hours=hours)


@pytest.fixture
def pair(team_a):
    """An email thread and a WhatsApp thread of one customer, with history on both."""
    contact = ContactFactory(name="Ana Lima")
    email = ChannelFactory(kind=ChannelKind.EMAIL)
    whatsapp = ChannelFactory(kind=ChannelKind.WHATSAPP, address="+15550001111")
    target = ThreadFactory(
        channel=email,
        contact=contact,
        team=team_a,
        subject="Refund for order 1042",
        created_at=at(1),
        last_activity_at=at(3),
        last_inbound_at=at(1),
        first_response_at=at(3),
        tags=[TagFactory(name="refund")],
    )
    MessageFactory(thread=target, text="Where is my refund?", created_at=at(1))
    MessageFactory(thread=target, outbound=True, text="Checking now.", created_at=at(3))
    source = ThreadFactory(
        channel=whatsapp,
        contact=contact,
        team=team_a,
        priority=Priority.HIGH,
        created_at=at(0),
        last_activity_at=at(5),
        last_inbound_at=at(5),
        tags=[TagFactory(name="refund"), TagFactory(name="whatsapp")],
    )
    first = MessageFactory(thread=source, text="Hello?", created_at=at(0))
    Attachment.objects.create(message=first, filename="receipt.pdf", size=10)
    MessageFactory(thread=source, note=True, text="Same customer as the email.", created_at=at(4))
    MessageFactory(thread=source, text="Any news on the refund??", created_at=at(5))
    ThreadEvent.objects.create(thread=source, kind=ThreadEventKind.PRIORITY, data={"new": "High"})
    return source, target


# --- The service ----------------------------------------------------------------------------


def test_it_moves_every_message_and_event_and_keeps_history(pair, agent_a):
    source, target = pair
    source_message_ids = set(source.messages.values_list("pk", flat=True))
    created = dict(source.messages.values_list("pk", "created_at"))
    channels = dict(source.messages.values_list("pk", "channel_id"))

    thread_merge(source=source, target=target, actor=agent_a)

    target.refresh_from_db()
    moved = target.messages.filter(pk__in=source_message_ids)
    assert moved.count() == 3  # two customer messages and the note
    assert not source.messages.exists()
    # Messages keep their time and their own channel: the target now spans two channels.
    assert dict(moved.values_list("pk", "created_at")) == created
    assert dict(moved.values_list("pk", "channel_id")) == channels
    assert set(target.messages.values_list("channel__kind", flat=True)) == {"email", "whatsapp"}
    assert Attachment.objects.get(filename="receipt.pdf").message.thread_id == target.pk
    # The source's activity log moved too; nothing was deleted.
    assert target.events.filter(kind=ThreadEventKind.PRIORITY, data__new="High").exists()
    assert Thread.objects.filter(pk=source.pk).exists()


def test_it_recomputes_the_targets_counters(pair, agent_a):
    source, target = pair

    thread_merge(source=source, target=target, actor=agent_a)

    target.refresh_from_db()
    assert target.message_count == 4  # notes are not counted, as elsewhere
    assert target.preview == "Any news on the refund??"
    assert target.last_activity_at == at(5)
    assert target.last_inbound_at == at(5)
    assert target.first_response_at == at(3)
    assert target.created_at == at(0)  # the conversation began with the source's first message


def test_it_unions_the_tags_and_keeps_the_targets_assignment(pair, agent_a, agent_b):
    source, target = pair
    Thread.objects.filter(pk=source.pk).update(assignee=agent_b)
    Thread.objects.filter(pk=target.pk).update(assignee=agent_a)
    source.refresh_from_db()
    target.refresh_from_db()

    thread_merge(source=source, target=target, actor=agent_a)

    target.refresh_from_db()
    assert sorted(target.tags.values_list("name", flat=True)) == ["refund", "whatsapp"]
    assert target.assignee == agent_a
    assert target.team_id == source.team_id
    assert target.priority == Priority.HIGH  # the higher of the two
    source.refresh_from_db()
    assert sorted(source.tags.values_list("name", flat=True)) == ["refund", "whatsapp"]


def test_an_unassigned_target_takes_the_sources_assignee_and_team(agent_a, team_b):
    contact = ContactFactory()
    source = ThreadFactory(contact=contact, assignee=agent_a, team=team_b)
    target = ThreadFactory(contact=contact)
    MessageFactory(thread=source)

    thread_merge(source=source, target=target, actor=agent_a)

    target.refresh_from_db()
    assert (target.assignee, target.team) == (agent_a, team_b)
    assert target.events.filter(kind=ThreadEventKind.ASSIGNED).exists()


def test_it_resolves_the_source_with_a_pointer_and_logs_both(pair, agent_a):
    source, target = pair
    resolved = []

    def receiver(sender, thread, **kwargs):
        resolved.append(thread.pk)

    thread_resolved.connect(receiver)
    try:
        thread_merge(source=source, target=target, actor=agent_a)
    finally:
        thread_resolved.disconnect(receiver)

    source.refresh_from_db()
    assert source.merged_into == target
    assert source.status == ThreadStatus.RESOLVED and source.resolved_at is not None
    assert source.message_count == 0
    assert resolved == []  # a merge is not a resolution: no survey goes out
    on_source = source.events.get(kind=ThreadEventKind.MERGED)
    assert on_source.data["into"] == target.pk and on_source.actor == agent_a
    on_target = target.events.get(kind=ThreadEventKind.MERGED)
    assert on_target.data["source"] == source.pk
    assert on_target.data["messages"] == 3
    assert on_target.data["tags"] == ["whatsapp"]
    assert sorted(on_target.data["message_ids"]) == sorted(
        target.messages.filter(channel__kind="whatsapp").values_list("pk", flat=True)
    )


def test_a_resolved_target_reopens_for_an_open_source(agent_a):
    contact = ContactFactory()
    target = ThreadFactory(contact=contact, resolved=True)
    source = ThreadFactory(contact=contact)
    MessageFactory(thread=source)

    thread_merge(source=source, target=target, actor=agent_a)

    target.refresh_from_db()
    assert target.status == ThreadStatus.OPEN and target.resolved_at is None


def test_it_refuses_merging_a_thread_into_itself(pair, agent_a):
    source, _ = pair
    with pytest.raises(ValidationError) as error:
        thread_merge(source=source, target=source, actor=agent_a)
    assert "target" in error.value.message_dict


def test_it_refuses_another_contacts_thread_as_a_field_error(pair, agent_a):
    source, _ = pair
    stranger = ThreadFactory(team=source.team)

    with pytest.raises(ValidationError) as error:
        thread_merge(source=source, target=stranger, actor=agent_a)

    assert "another contact" in error.value.message_dict["target"][0]
    assert source.messages.count() == 3


def test_it_refuses_a_thread_already_merged_either_way(pair, agent_a):
    source, target = pair
    third = ThreadFactory(contact=source.contact)
    thread_merge(source=source, target=target, actor=agent_a)

    with pytest.raises(ValidationError):
        thread_merge(source=source, target=third, actor=agent_a)
    with pytest.raises(ValidationError, match="merge into that one"):
        thread_merge(source=third, target=Thread.objects.get(pk=source.pk), actor=agent_a)


def test_a_merged_thread_takes_no_replies(pair, agent_a):
    source, target = pair
    thread_merge(source=source, target=target, actor=agent_a)
    source.refresh_from_db()

    with pytest.raises(ValidationError, match=f"merged into #{target.pk}"):
        message_create_outbound(thread=source, author=agent_a, text="Hi", idempotency_key="k1")


def test_the_customer_writing_again_on_the_sources_channel_lands_in_the_target(pair, agent_a):
    source, target = pair
    thread_merge(source=source, target=target, actor=agent_a)

    thread, created = thread_for_inbound(
        channel=source.channel,
        contact=source.contact,
        message=InboundMessage(
            channel_kind=ChannelKind.WHATSAPP,
            channel_address=source.channel.address,
            provider_message_id="wamid.again",
            sender=Identity(kind="whatsapp", value="+447700900999"),
            text="Still waiting",
        ),
    )

    assert (thread.pk, created) == (target.pk, False)


# --- Merging from the thread page ------------------------------------------------------------


def test_the_sidebar_offers_the_contacts_other_threads(pair, agent_a_client):
    source, target = pair
    page = agent_a_client.get(reverse("thread_detail", args=[source.pk])).content.decode()

    assert reverse("thread_merge", args=[source.pk]) in page
    assert f'<option value="{target.pk}">#{target.pk}' in page
    assert reverse("thread_split", args=[source.pk]) in page


def test_an_agent_reviews_then_merges_and_lands_on_the_target(pair, agent_a_client):
    source, target = pair
    url = reverse("thread_merge", args=[source.pk])

    review = agent_a_client.get(url, {"into": f"#{target.pk}"})
    assert review.status_code == 200
    assert f"Merge into #{target.pk}" in review.content.decode()
    assert source.messages.count() == 3  # reviewing changes nothing

    response = agent_a_client.post(url, {"into": str(target.pk), "confirm": "1"})

    assert response.status_code == 302
    assert response["Location"] == reverse("thread_detail", args=[target.pk])
    assert target.messages.count() == 5


def test_the_merged_source_page_links_to_the_target(pair, agent_a, agent_a_client):
    source, target = pair
    thread_merge(source=source, target=target, actor=agent_a)

    page = agent_a_client.get(reverse("thread_detail", args=[source.pk])).content.decode()

    assert f'Merged into <a href="{reverse("thread_detail", args=[target.pk])}">#{target.pk}' in (
        page
    )
    assert "merged this conversation into" in page  # the activity-log line


def test_merging_into_another_contacts_thread_shows_a_field_error(pair, agent_a_client):
    source, _ = pair
    stranger = ThreadFactory(team=source.team)

    response = agent_a_client.post(
        reverse("thread_merge", args=[source.pk]), {"into": stranger.pk, "confirm": "1"}
    )

    assert response.status_code == 400
    assert "field-error" in response.content.decode()
    assert "another contact" in response.content.decode()
    assert source.messages.count() == 3


def test_merging_into_a_thread_the_agent_cannot_see_is_a_404(pair, agent_a_client, team_b):
    source, _ = pair
    hidden = ThreadFactory(contact=source.contact, team=team_b)

    response = agent_a_client.post(
        reverse("thread_merge", args=[source.pk]), {"into": hidden.pk, "confirm": "1"}
    )

    assert response.status_code == 404
    assert source.messages.count() == 3 and not hidden.messages.exists()


def test_merging_a_thread_the_agent_cannot_see_is_a_404(agent_a_client, team_b):
    hidden = ThreadFactory(team=team_b)
    response = agent_a_client.get(reverse("thread_merge", args=[hidden.pk]))
    assert response.status_code == 404


def test_nonsense_as_a_thread_number_is_a_field_error(pair, agent_a_client):
    source, _ = pair
    response = agent_a_client.get(reverse("thread_merge", args=[source.pk]), {"into": "abc"})
    assert response.status_code == 200
    assert "Enter a conversation number" in response.content.decode()


def test_merging_needs_a_signed_in_user(pair, client):
    source, target = pair
    response = client.post(
        reverse("thread_merge", args=[source.pk]), {"into": target.pk, "confirm": "1"}
    )
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert source.messages.count() == 3


# --- Splitting -------------------------------------------------------------------------------


@pytest.fixture
def mixed(team_a):
    thread = ThreadFactory(team=team_a, subject="Order 1042", created_at=at(0))
    MessageFactory(thread=thread, text="Where is order 1042?", created_at=at(0))
    MessageFactory(thread=thread, outbound=True, text="On its way.", created_at=at(1))
    new_topic = MessageFactory(
        thread=thread, text="Also: can I change my address?", created_at=at(2)
    )
    Thread.objects.filter(pk=thread.pk).update(
        message_count=3, last_activity_at=at(2), last_inbound_at=at(2), preview="Also: can I…"
    )
    thread.refresh_from_db()
    thread_set_tags(thread=thread, add=[TagFactory(name="shipping")], actor=None)
    return thread, new_topic


def test_split_moves_the_message_into_a_new_open_thread(mixed, agent_a):
    thread, message = mixed

    new = thread_split(message=message, actor=agent_a)

    message.refresh_from_db()
    assert message.thread_id == new.pk
    assert (new.channel_id, new.contact_id, new.team_id) == (
        thread.channel_id,
        thread.contact_id,
        thread.team_id,
    )
    assert new.status == ThreadStatus.OPEN
    assert (new.message_count, new.preview) == (1, "Also: can I change my address?")
    assert new.created_at == new.last_activity_at == at(2)
    thread.refresh_from_db()
    assert thread.message_count == 2
    assert thread.preview == "On its way."
    assert thread.last_activity_at == at(1)
    assert thread.last_inbound_at == at(0)


def test_split_logs_on_both_threads(mixed, agent_a):
    thread, message = mixed

    new = thread_split(message=message, actor=agent_a)

    old_event = thread.events.get(kind=ThreadEventKind.SPLIT)
    new_event = new.events.get(kind=ThreadEventKind.SPLIT)
    assert old_event.data == {"message": message.pk, "into": new.pk}
    assert new_event.data == {"message": message.pk, "source": thread.pk}
    assert old_event.actor == new_event.actor == agent_a


def test_split_refuses_replies_notes_and_a_threads_only_message(mixed, agent_a):
    thread, _ = mixed
    reply = thread.messages.get(direction=Direction.OUTBOUND)
    with pytest.raises(ValidationError, match="customer's message"):
        thread_split(message=reply, actor=agent_a)

    lonely = MessageFactory(thread=ThreadFactory())
    with pytest.raises(ValidationError, match="only message"):
        thread_split(message=lonely, actor=agent_a)
    assert Thread.objects.count() == 2


def test_the_split_page_lists_messages_and_splits_the_chosen_one(mixed, agent_a_client):
    thread, message = mixed
    url = reverse("thread_split", args=[thread.pk])

    page = agent_a_client.get(url).content.decode()
    assert "Also: can I change my address?" in page
    assert page.count('type="radio"') == 3 and page.count("disabled") >= 1

    response = agent_a_client.post(url, {"message": message.pk})

    new = Thread.objects.exclude(pk=thread.pk).get()
    assert response["Location"] == reverse("thread_detail", args=[new.pk])
    assert new.messages.get() == message


def test_the_split_page_refuses_another_threads_message(mixed, agent_a_client):
    thread, _ = mixed
    elsewhere = MessageFactory(thread=ThreadFactory(team=thread.team))

    response = agent_a_client.post(
        reverse("thread_split", args=[thread.pk]), {"message": elsewhere.pk}
    )

    assert response.status_code == 400
    assert Thread.objects.count() == 2


def test_the_split_page_of_a_hidden_thread_is_a_404(agent_a_client, agent_b):
    hidden = ThreadFactory(team=agent_b.team_memberships.get().team)
    assert agent_a_client.get(reverse("thread_split", args=[hidden.pk])).status_code == 404


def test_a_user_whose_role_may_not_assign_gets_a_403(client_for, pair, monkeypatch):
    from accounts import permissions

    source, target = pair
    nobody = UserFactory(role="agent", teams=[source.team])
    monkeypatch.setitem(permissions.ROLE_PERMISSIONS, "agent", frozenset())

    response = client_for(nobody).post(
        reverse("thread_merge", args=[source.pk]), {"into": target.pk, "confirm": "1"}
    )

    assert response.status_code == 403
