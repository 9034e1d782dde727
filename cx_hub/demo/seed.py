"""Write the demo organization to the database, and take it away again."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import AuditAction, AuditEvent, Team, TeamMembership, User
from accounts.permissions import Role
from accounts.services import audit_record, team_create, user_create
from interactions.models import Channel, Contact, ContactIdentity, Message, SavedReply, Tag, Thread

from .contacts import PlannedContact, plan_contacts
from .content import (
    ADMIN_EMAIL,
    CHANNELS,
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    HISTORY_DAYS,
    SAVED_REPLIES,
    SEED,
    TAGS,
    TEAMS,
    USERS,
)
from .threads import Org, PlannedThread, plan_threads

BATCH = 1000


def is_seeded() -> bool:
    """True when the demo admin exists, i.e. the demo has been seeded already."""
    return User.objects.filter(email__iexact=ADMIN_EMAIL).exists()


@transaction.atomic
def seed_demo() -> dict[str, int]:
    """Create the demo organization and return row counts.

    The rows are the same on every run (one seeded `random.Random`, every time an offset from
    one `now`), so only the timestamps move with the clock.
    """
    rng = random.Random(SEED)
    now = timezone.now()
    setup_day = now - timedelta(days=HISTORY_DAYS + 30)
    teams = {name: team_create(name=name, description=text) for name, text in TEAMS.items()}
    Team.objects.filter(pk__in=[t.pk for t in teams.values()]).update(created_at=setup_day)
    users = _create_users(teams, setup_day)
    channels = _create_channels(teams, users[ADMIN_EMAIL], setup_day)
    tags = {name: Tag(name=name, color=color) for name, color in TAGS.items()}
    Tag.objects.bulk_create(tags.values())
    marketer = next(u for u in users.values() if u.role == Role.MARKETER)
    _create_saved_replies(teams, marketer, setup_day)

    org = Org(
        channels=channels,
        agents={
            name: [u for u in users.values() if u.role == Role.AGENT and _team_of(u) == name]
            for name in TEAMS
        },
        speakers={(d.team, lang): users[d.email] for d in USERS if d.team for lang in d.speaks},
        manager=next(u for u in users.values() if u.role == Role.MANAGER),
        tags=tags,
    )
    contacts = plan_contacts(rng)
    threads = plan_threads(rng, now, org, contacts)
    _save(rng, contacts, threads)

    statuses = Counter(p.thread.status for p in threads)
    return {
        "users": len(users),
        "teams": len(teams),
        "channels": len(channels),
        "tags": len(tags),
        "saved replies": len(SAVED_REPLIES),
        "contacts": len(contacts),
        "identities": sum(len(c.identities) for c in contacts),
        "threads": len(threads),
        **{
            f"  {status}": statuses[status] for status in ("open", "pending", "snoozed", "resolved")
        },
        "messages": sum(len(p.messages) for p in threads),
    }


@transaction.atomic
def reset_demo() -> None:
    """Delete the demo rows, recognised by their demo addresses and names; nothing else."""
    users = User.objects.filter(email__iendswith=f"@{DEMO_DOMAIN}")
    demo_channels = Q(pk__in=[])
    for c in CHANNELS:
        demo_channels |= Q(kind=c.kind, address=c.address)
    channels = Channel.objects.filter(demo_channels)
    threads = Thread.objects.filter(channel__in=channels)
    contact_ids = list(threads.values_list("contact_id", flat=True).distinct())
    user_ids = [str(pk) for pk in users.values_list("pk", flat=True)]
    channel_ids = [str(pk) for pk in channels.values_list("pk", flat=True)]

    threads.delete()  # and their messages
    # Contact.threads is PROTECT: a contact who also wrote on a real channel stays.
    Contact.objects.filter(pk__in=contact_ids, threads__isnull=True).delete()
    AuditEvent.objects.filter(
        Q(actor__in=users)
        | Q(actor_label__iendswith=f"@{DEMO_DOMAIN}")
        | Q(target_type="accounts.user", target_id__in=user_ids)
        | Q(target_type="interactions.channel", target_id__in=channel_ids)
    ).delete()
    channels.delete()
    Tag.objects.filter(name__in=TAGS).delete()
    SavedReply.objects.filter(
        shortcut__in=[shortcut for _, shortcut, _, _ in SAVED_REPLIES]
    ).delete()
    users.delete()
    Team.objects.filter(name__in=TEAMS).delete()


def _team_of(user: User) -> str | None:
    return next((d.team for d in USERS if d.email == user.email), None)


def _create_users(teams: dict[str, Team], joined: datetime) -> dict[str, User]:
    users = {
        d.email: user_create(
            email=d.email,
            full_name=d.full_name,
            role=d.role,
            teams=[teams[d.team]] if d.team else [],
        )
        for d in USERS
    }
    # One hash for everyone: PBKDF2 spends half a second per call by design.
    User.objects.filter(email__in=users).update(
        password=make_password(DEMO_PASSWORD), date_joined=joined
    )
    User.objects.filter(email=ADMIN_EMAIL).update(is_staff=True, is_superuser=True)
    TeamMembership.objects.filter(user__email__in=users).update(joined_at=joined)
    return users


def _create_channels(teams: dict[str, Team], admin: User, created: datetime) -> dict[str, Channel]:
    channels = {
        c.key: Channel(
            kind=c.kind,
            name=c.name,
            address=c.address,
            provider=c.provider,
            default_team=teams[c.team],
            config=dict(c.config),
        )
        for c in CHANNELS
    }
    Channel.objects.bulk_create(channels.values())
    Channel.objects.filter(pk__in=[c.pk for c in channels.values()]).update(created_at=created)
    for channel in channels.values():
        audit_record(
            action=AuditAction.CHANNEL_CONFIGURED, actor=admin, target=channel, kind=channel.kind
        )
    return channels


def _create_saved_replies(teams: dict[str, Team], author: User, created: datetime) -> None:
    replies = SavedReply.objects.bulk_create(
        SavedReply(
            title=title,
            shortcut=shortcut,
            body=body,
            team=teams[team] if team else None,
            created_by=author,
        )
        for title, shortcut, team, body in SAVED_REPLIES
    )
    SavedReply.objects.filter(pk__in=[r.pk for r in replies]).update(
        created_at=created, updated_at=created
    )


def _save(rng: random.Random, contacts: list[PlannedContact], threads: list[PlannedThread]) -> None:
    """Insert the planned rows in bulk, then backdate what `auto_now_add` stamped with now."""
    for planned in threads:
        contact, seen = planned.thread.contact, planned.thread.last_activity_at
        contact.last_seen_at = max(contact.last_seen_at or seen, seen)
    people = [c.contact for c in contacts]
    Contact.objects.bulk_create(people, batch_size=BATCH)
    since: dict[int, datetime] = {}
    for planned in threads:  # oldest first, so the first hit is the contact's first thread
        contact = planned.thread.contact
        if contact.pk not in since:
            since[contact.pk] = planned.thread.created_at - timedelta(days=rng.uniform(1, 700))
            contact.created_at = since[contact.pk]
    # bulk_update writes values as given, where save() and bulk_create apply auto_now_add.
    Contact.objects.bulk_update(people, ["created_at"], batch_size=BATCH)
    identities = []
    for c in contacts:
        for identity in c.identities:
            identity.contact = c.contact
            identities.append(identity)
    ContactIdentity.objects.bulk_create(identities, batch_size=BATCH)
    for identity in identities:
        identity.created_at = identity.contact.created_at
    ContactIdentity.objects.bulk_update(identities, ["created_at"], batch_size=BATCH)

    Thread.objects.bulk_create([p.thread for p in threads], batch_size=BATCH)
    Message.objects.bulk_create([m for p in threads for m in p.messages], batch_size=BATCH)
    Thread.tags.through.objects.bulk_create(
        [Thread.tags.through(thread=p.thread, tag=tag) for p in threads for tag in p.tags],
        batch_size=BATCH,
    )
