"""Threads with their messages and tags, as rows ready for `load.write_rows`."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from interactions.models import (
    Channel,
    ChannelKind,
    DeliveryStatus,
    Direction,
    IdentityKind,
    MessageKind,
    Priority,
    Sentiment,
    ThreadStatus,
)

from . import corpus

THREAD_COLUMNS = (
    "id", "channel_id", "contact_id", "subject", "preview", "status", "priority", "assignee_id",
    "team_id", "sentiment", "is_unread", "message_count", "created_at", "last_activity_at",
    "last_inbound_at", "snoozed_until", "first_response_at", "resolved_at",
    "first_response_due_at", "resolution_due_at",
)
TAG_COLUMNS = ("thread_id", "tag_id")
MESSAGE_COLUMNS = (
    "id", "thread_id", "channel_id", "direction", "kind", "author_id", "text", "html", "meta",
    "provider_message_id", "delivery_status", "delivery_error", "idempotency_key", "created_at",
)

HOUR, DAY = 3600, 86400
STATUSES = (ThreadStatus.RESOLVED, ThreadStatus.OPEN, ThreadStatus.PENDING, ThreadStatus.SNOOZED)
STATUS_WEIGHTS = (85, 6, 5, 4)
PRIORITIES = (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT)
PRIORITY_WEIGHTS = (10, 70, 15, 5)
SENTIMENTS = ("", Sentiment.NEGATIVE, Sentiment.NEUTRAL, Sentiment.POSITIVE)
SENTIMENT_WEIGHTS = (20, 20, 40, 20)
DELIVERIES = (DeliveryStatus.DELIVERED, DeliveryStatus.READ, DeliveryStatus.SENT,
              DeliveryStatus.FAILED)
DELIVERY_WEIGHTS = (70, 20, 8, 2)
# Which identity a channel reaches a contact by; the API channel takes anyone (all have email).
CONTACT_KIND = {
    ChannelKind.EMAIL: IdentityKind.EMAIL,
    ChannelKind.SMS: IdentityKind.PHONE,
    ChannelKind.VOICE: IdentityKind.PHONE,
    ChannelKind.WHATSAPP: IdentityKind.WHATSAPP,
    ChannelKind.MESSENGER: IdentityKind.MESSENGER,
    ChannelKind.INSTAGRAM: IdentityKind.INSTAGRAM,
    ChannelKind.X: IdentityKind.X,
    ChannelKind.YOUTUBE: IdentityKind.YOUTUBE,
    ChannelKind.API: IdentityKind.EMAIL,
}
MESSAGE_KIND = {ChannelKind.VOICE: MessageKind.CALL, ChannelKind.YOUTUBE: MessageKind.COMMENT}


@dataclass
class ThreadBatch:
    threads: list[tuple] = field(default_factory=list)
    tags: list[tuple] = field(default_factory=list)
    messages: list[tuple] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return len(self.threads) + len(self.tags) + len(self.messages)


class ThreadFactory:
    """Makes threads in id order; message ids continue across batches."""

    def __init__(
        self, *, rng: random.Random, now: datetime, channels: list[tuple[Channel, int]],
        agents_by_team: dict[int, list[int]], tag_ids: list[int],
        contacts_by_kind: dict[str, list[int]], contact_names: list[str],
    ) -> None:
        self.rng, self.now = rng, now
        self.channels = [channel for channel, _ in channels]
        self.weights = [weight for _, weight in channels]
        self.agents_by_team = agents_by_team
        self.all_agents = sorted({a for agents in agents_by_team.values() for a in agents})
        self.tag_ids = tag_ids
        self.contacts_by_kind = contacts_by_kind
        self.contact_names = contact_names
        self.message_id = 0
        self.counts = {"threads": 0, **{f"threads_{s}": 0 for s in STATUSES},
                       "thread_tags": 0, "messages": 0}

    def batch(self, ids: range) -> ThreadBatch:
        """Threads `ids` with all their rows."""
        batch = ThreadBatch()
        for thread_id in ids:
            self._thread(thread_id, batch)
        self.counts["threads"] += len(batch.threads)
        self.counts["thread_tags"] += len(batch.tags)
        self.counts["messages"] += len(batch.messages)
        return batch

    def _thread(self, thread_id: int, batch: ThreadBatch) -> None:
        rng = self.rng
        channel = rng.choices(self.channels, self.weights)[0]
        team_id = channel.default_team_id if rng.random() > 0.02 else None
        agents = self.agents_by_team.get(team_id) or self.all_agents
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        self.counts[f"threads_{status}"] += 1
        contacts = self.contacts_by_kind[CONTACT_KIND[channel.kind]]
        # Squaring skews toward the first contacts: a vocal few write far more than most.
        contact_id = contacts[int(len(contacts) * rng.random() ** 2)]
        if status == ThreadStatus.RESOLVED:
            age = rng.random() * 365 * DAY
        else:
            age = min(rng.expovariate(1 / (3 * DAY)), 60 * DAY)
        last = self.now - timedelta(seconds=age)
        # 1 + floor(exponential with mean 4.5) averages five messages, with a long tail.
        count = 1 + min(int(rng.expovariate(1 / 4.5)), 59)
        span = 0.0 if count == 1 else min(rng.expovariate(1 / (8 * HOUR)), 20 * DAY)
        created = last - timedelta(seconds=span)
        inner = sorted(created + timedelta(seconds=span * rng.random()) for _ in range(count - 2))
        times = [created, *inner, last][:count]
        assigned = {ThreadStatus.RESOLVED: 0.95, ThreadStatus.OPEN: 0.5}.get(status, 0.9)
        assignee_id = rng.choice(agents) if rng.random() < assigned else None
        order = rng.randint(10000, 99999)
        first_response, last_inbound, preview = self._messages(
            thread_id, channel, status, contact_id, assignee_id or rng.choice(agents), order,
            times, batch,
        )
        priority = rng.choices(PRIORITIES, PRIORITY_WEIGHTS)[0]
        urgent = priority == Priority.URGENT
        is_email = channel.kind == ChannelKind.EMAIL
        subject = rng.choice(corpus.SUBJECTS).format(n=order) if is_email else ""
        batch.threads.append((
            thread_id, channel.pk, contact_id, subject, preview, status, priority, assignee_id,
            team_id, rng.choices(SENTIMENTS, SENTIMENT_WEIGHTS)[0],
            status == ThreadStatus.OPEN and last_inbound == last and rng.random() < 0.7,
            count, created, last, last_inbound,
            self.now + timedelta(seconds=rng.uniform(HOUR, 7 * DAY))
            if status == ThreadStatus.SNOOZED else None,
            first_response,
            last if status == ThreadStatus.RESOLVED else None,
            created + timedelta(hours=1 if urgent else 4),
            created + timedelta(hours=8 if urgent else 24),
        ))
        if rng.random() < 0.35:
            for tag_id in rng.sample(self.tag_ids, rng.choice((1, 1, 1, 2, 2, 3))):
                batch.tags.append((thread_id, tag_id))

    def _messages(
        self, thread_id: int, channel: Channel, status: str, contact_id: int, agent_id: int,
        order: int, times: list[datetime], batch: ThreadBatch,
    ) -> tuple[datetime | None, datetime | None, str]:
        """Append the thread's messages; return first response, last inbound time, preview."""
        rng, count = self.rng, len(times)
        is_email = channel.kind == ChannelKind.EMAIL
        kind = MESSAGE_KIND.get(channel.kind, MessageKind.MESSAGE)
        first_response = last_inbound = None
        preview = ""
        for i, at in enumerate(times):
            self.message_id += 1
            message_id = self.message_id
            # Open threads wait on the team, so their last message is the customer's.
            inbound = (count - 1 - i) % 2 == 0 if status == ThreadStatus.OPEN else i % 2 == 0
            meta, delivery, error, author = "{}", "", "", agent_id
            provider_id = f"bench-{message_id}"
            if inbound:
                direction, author, last_inbound = Direction.INBOUND, None, at
                text = rng.choice(corpus.INBOUND).format(n=order)
                if is_email:
                    signoff = corpus.EMAIL_SIGNOFF.format(name=self.contact_names[contact_id])
                    text = corpus.EMAIL_GREETING + text + signoff
                    meta = json.dumps({"message_id": f"<{provider_id}@mail.example.com>"})
                elif kind == MessageKind.CALL:
                    meta = json.dumps({"duration": rng.randint(20, 900)})
            elif rng.random() < 0.08:
                direction, text, provider_id = Direction.NOTE, rng.choice(corpus.NOTES), ""
            else:
                direction = Direction.OUTBOUND
                text = rng.choice(corpus.OUTBOUND).format(n=order)
                first_response = first_response or at
                delivery = rng.choices(DELIVERIES, DELIVERY_WEIGHTS)[0]
                if delivery == DeliveryStatus.FAILED:
                    error = "Provider rejected the message: recipient unreachable."
            if direction != Direction.NOTE:
                preview = " ".join(text.split())[:200]
            batch.messages.append((
                message_id, thread_id, channel.pk, direction,
                MessageKind.MESSAGE if direction == Direction.NOTE else kind, author, text, "",
                meta, provider_id, delivery, error, "", at,
            ))
        return first_response, last_inbound, preview
