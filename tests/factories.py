"""factory-boy factories that satisfy every database constraint out of the box.

Defaults are the common case (an open, unassigned email thread; an inbound message); traits
give the other valid shapes, so a test only names what it is about:

    ThreadFactory(resolved=True, team=team_a)
    MessageFactory(outbound=True, thread=thread)
    ContactIdentityFactory(phone=True)
    UserFactory(role=Role.MANAGER, teams=[team_a])
"""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import Team, TeamMembership, User
from accounts.permissions import Role
from interactions.models import (
    Channel,
    ChannelKind,
    Contact,
    ContactIdentity,
    DeliveryStatus,
    Direction,
    EventStatus,
    IdentityKind,
    InboundEvent,
    Message,
    SavedReply,
    Tag,
    Thread,
    ThreadStatus,
)

# Every factory-made user signs in with this password.
PASSWORD = "correct-horse-battery-staple"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A user with a role (agent by default); `teams=[...]` makes memberships."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Sequence(lambda n: f"User {n}")
    role = Role.AGENT
    password = factory.django.Password(PASSWORD)
    is_active = True

    class Params:
        admin = factory.Trait(role=Role.ADMIN, is_staff=True, is_superuser=True)
        manager = factory.Trait(role=Role.MANAGER)
        marketer = factory.Trait(role=Role.MARKETER)
        inactive = factory.Trait(is_active=False)

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        if create and extracted:
            TeamMembership.objects.bulk_create(
                TeamMembership(team=team, user=self) for team in extracted
            )


class TeamMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)


PHONE_CHANNELS = {ChannelKind.SMS, ChannelKind.WHATSAPP, ChannelKind.VOICE}
CHANNEL_PROVIDERS = {
    ChannelKind.EMAIL: "imap",
    ChannelKind.SMS: "twilio",
    ChannelKind.WHATSAPP: "twilio",
    ChannelKind.VOICE: "twilio",
    ChannelKind.MESSENGER: "meta",
    ChannelKind.INSTAGRAM: "meta",
    ChannelKind.X: "x",
    ChannelKind.YOUTUBE: "youtube",
}


def _channel_address(kind: str, n: int) -> str:
    if kind == ChannelKind.EMAIL:
        return f"support{n}@shop.example"
    if kind in PHONE_CHANNELS:
        return f"+1555{n:07d}"
    return f"{kind}-account-{n}"


def _identity_value(kind: str, n: int) -> str:
    if kind == IdentityKind.EMAIL:
        return f"customer{n}@mail.example"  # stored lowercase
    if kind in {IdentityKind.PHONE, IdentityKind.WHATSAPP}:
        return f"+4420{n:08d}"  # E.164
    return f"{kind}-{n}"


class ChannelFactory(factory.django.DjangoModelFactory):
    """An email mailbox by default; pass `kind=` and a matching `address=` for the others."""

    class Meta:
        model = Channel

    kind = ChannelKind.EMAIL
    name = factory.Sequence(lambda n: f"Channel {n}")
    address = factory.LazyAttributeSequence(lambda o, n: _channel_address(o.kind, n))
    provider = factory.LazyAttribute(lambda o: CHANNEL_PROVIDERS.get(o.kind, "api"))


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    name = factory.Sequence(lambda n: f"Customer {n}")
    last_seen_at = factory.LazyFunction(timezone.now)


class ContactIdentityFactory(factory.django.DjangoModelFactory):
    """A lowercase email by default; `phone=True` / `whatsapp=True` give an E.164 number."""

    class Meta:
        model = ContactIdentity

    contact = factory.SubFactory(ContactFactory)
    kind = IdentityKind.EMAIL
    value = factory.LazyAttributeSequence(lambda o, n: _identity_value(o.kind, n))

    class Params:
        phone = factory.Trait(kind=IdentityKind.PHONE)
        whatsapp = factory.Trait(kind=IdentityKind.WHATSAPP)


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tag-{n}")
    color = "#2563eb"


class ThreadFactory(factory.django.DjangoModelFactory):
    """An open, unassigned thread; traits: resolved, snoozed, pending. `tags=[...]` adds tags."""

    class Meta:
        model = Thread
        skip_postgeneration_save = True

    channel = factory.SubFactory(ChannelFactory)
    contact = factory.SubFactory(ContactFactory)
    subject = factory.Sequence(lambda n: f"Question {n}")
    preview = "Hello, I have a question about my order."
    status = ThreadStatus.OPEN
    created_at = factory.LazyFunction(timezone.now)
    last_activity_at = factory.LazyAttribute(lambda o: o.created_at)
    last_inbound_at = factory.LazyAttribute(lambda o: o.last_activity_at)

    class Params:
        resolved = factory.Trait(
            status=ThreadStatus.RESOLVED,
            resolved_at=factory.LazyAttribute(lambda o: o.last_activity_at),
        )
        snoozed = factory.Trait(
            status=ThreadStatus.SNOOZED,
            snoozed_until=factory.LazyFunction(lambda: timezone.now() + timedelta(days=1)),
        )
        pending = factory.Trait(status=ThreadStatus.PENDING)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)


class MessageFactory(factory.django.DjangoModelFactory):
    """An inbound message on its thread's channel; `outbound=True` or `note=True` for the others."""

    class Meta:
        model = Message

    thread = factory.SubFactory(ThreadFactory)
    channel = factory.LazyAttribute(lambda o: o.thread.channel)
    direction = Direction.INBOUND
    text = "Hello, I have a question about my order."
    provider_message_id = factory.Sequence(lambda n: f"provider-msg-{n}")
    created_at = factory.LazyFunction(timezone.now)
    # The database allows a delivery status on outbound messages only.
    delivery_status = factory.LazyAttribute(
        lambda o: DeliveryStatus.SENT if o.direction == Direction.OUTBOUND else DeliveryStatus.NONE
    )

    class Params:
        outbound = factory.Trait(
            direction=Direction.OUTBOUND, author=factory.SubFactory(UserFactory)
        )
        note = factory.Trait(
            direction=Direction.NOTE, provider_message_id="", author=factory.SubFactory(UserFactory)
        )


class SavedReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SavedReply

    title = factory.Sequence(lambda n: f"Saved reply {n}")
    shortcut = factory.Sequence(lambda n: f"reply-{n}")
    body = "Hi {{ contact.first_name }}, thanks for reaching out!"


class InboundEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InboundEvent

    provider = "twilio"
    provider_event_id = factory.Sequence(lambda n: f"SM{n:032d}")
    channel = None
    payload = factory.LazyAttribute(lambda o: {"MessageSid": o.provider_event_id, "Body": "Hi"})
    status = EventStatus.PENDING
