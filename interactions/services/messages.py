"""Inserting messages exactly once and moving delivery statuses forward only."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from cx_hub import rows
from interactions import choices, live, message_html
from interactions.models import (
    Attachment,
    Channel,
    DeliveryStatus,
    Direction,
    FetchStatus,
    Message,
    MessageKind,
    Thread,
    ThreadStatus,
)
from interactions.normalize import preview_of
from interactions.sentiment import sentiment_of
from interactions.services.contacts import contact_resolve, contact_touch
from interactions.services.notifications import notify_mentions
from interactions.services.routing import routing_after_inbound
from interactions.services.sla import sla_resume
from interactions.services.threads import thread_for_inbound
from interactions.signals import message_received
from interactions.types import CallUpdate, InboundMessage, StatusUpdate, WatermarkUpdate

log = logging.getLogger(__name__)

# An attachment larger than this is refused (kept as a note on the message, not stored).
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024

# Forward-only order of outbound statuses; `failed` is accepted only before delivery.
STATUS_RANK = {
    DeliveryStatus.SCHEDULED: 0,
    DeliveryStatus.QUEUED: 1,
    DeliveryStatus.SENT: 2,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.READ: 4,
}


class UnknownChannel(Exception):
    """No active channel of ours has the address a provider delivered to."""


class MessageNotYetKnown(Exception):
    """A receipt for a message whose provider id is not stored yet (the send is in flight)."""


@dataclass(frozen=True)
class InboundResult:
    message: Message | None  # None: a duplicate, already stored
    thread: Thread
    created_thread: bool


def _active_channels() -> dict[tuple[str, str], Channel]:
    active = Channel.objects.filter(is_active=True).select_related("default_team")
    return {(channel.kind, channel.address): channel for channel in active}


def channel_for(*, kind: str, address: str) -> Channel:
    """The active channel at `address`: from the process's copy of the channel list, or from
    the database when the copy does not know it yet (a channel added a moment ago)."""
    channel = choices.local("channels", _active_channels).get((kind, address))
    if channel is not None:
        return channel
    try:
        return Channel.objects.select_related("default_team").get(
            kind=kind, address=address, is_active=True
        )
    except Channel.DoesNotExist:
        raise UnknownChannel(f"No active {kind} channel with address {address!r}.") from None


def message_create_inbound(*, inbound: InboundMessage, received_at=None) -> InboundResult:
    """Store one customer message exactly once and update its thread. Call inside a transaction.

    The (channel, provider_message_id) unique constraint is the exactly-once guarantee: a
    re-delivered or re-processed message finds its twin and changes nothing. A message whose
    provider gives no time is dated when its delivery reached us (`received_at`), not when a
    worker got to it, so a backlog drained after an outage keeps the customers' order and times.
    """
    channel = channel_for(kind=inbound.channel_kind, address=inbound.channel_address)
    twin = _stored_twin(channel, inbound.provider_message_id)
    if twin is not None:
        return twin

    contact = contact_resolve(
        identities=[inbound.sender, *inbound.extra_identities], name=inbound.sender_name
    )
    at = inbound.sent_at or received_at or timezone.now()
    thread, created_thread = thread_for_inbound(
        channel=channel, contact=contact, message=inbound, at=at
    )
    sentiment = sentiment_of(inbound.text)
    # No savepoint: a concurrent twin can only come from the same person on the same channel,
    # and thread_for_inbound serializes those; should one slip through anyway (a contact merged
    # meanwhile), the IntegrityError fails the transaction and the event's retry finds the twin.
    message = Message(
        thread=thread,
        channel=channel,
        direction=Direction.INBOUND,
        kind=inbound.kind,
        text=inbound.text,
        html=message_html.sanitize(inbound.html),
        sentiment=sentiment,
        meta=inbound.meta,
        provider_message_id=inbound.provider_message_id,
        created_at=at,
    )
    rows.insert(message)  # Message.objects.create, without compiling the INSERT each time
    for data in inbound.attachments:
        _attachment_store(message, data)
    _thread_after_inbound(thread, message, sentiment, automated=inbound.is_automated)
    live.changed(thread.pk)
    routing_after_inbound(
        thread=thread,
        message=message,
        created_thread=created_thread,
        automated=inbound.is_automated,
    )
    contact_touch(contact=contact, at=at)
    attachments = len(inbound.attachments)
    transaction.on_commit(
        lambda: message_received.send(
            sender=Message,
            message=message,
            thread=thread,
            created_thread=created_thread,
            attachments=attachments,
        )
    )
    return InboundResult(message=message, thread=thread, created_thread=created_thread)


# A re-delivery's twin, by the (channel, provider_message_id) unique constraint. Written out:
# it runs once per inbound message (see _known_identities in services.contacts).
_TWIN_SQL = (
    f"SELECT thread_id FROM {Message._meta.db_table} "
    "WHERE channel_id = %s AND provider_message_id = %s LIMIT 1"
)


def _stored_twin(channel: Channel, provider_message_id: str) -> InboundResult | None:
    """The result for a message stored before (a re-delivery), or None for a new one."""
    with connection.cursor() as cursor:
        cursor.execute(_TWIN_SQL, [channel.pk, provider_message_id])
        row = cursor.fetchone()
    if row is None:
        return None
    thread = Thread.objects.get(pk=row[0])
    return InboundResult(message=None, thread=thread, created_thread=False)


def _attachment_store(message: Message, data) -> None:
    attachment = Attachment(
        message=message,
        filename=(data.filename or "attachment")[:255],
        content_type=(data.content_type or "application/octet-stream")[:255],
        content_id=data.content_id[:255],
        is_inline=data.is_inline,
    )
    if data.content is not None:
        if len(data.content) > MAX_ATTACHMENT_BYTES:
            attachment.fetch_status = FetchStatus.FAILED
            attachment.fetch_error = f"Larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB"
            attachment.size = len(data.content)
            attachment.save()
            return
        attachment.size = len(data.content)
        attachment.file.save(attachment.filename, ContentFile(data.content), save=False)
        attachment.save()
    else:
        attachment.source_url = data.url[:1000]
        attachment.fetch_status = FetchStatus.PENDING
        attachment.save()


def _thread_after_inbound(thread: Thread, message: Message, sentiment: str, *, automated: bool):
    """Move the thread on for a new customer message. `thread` is locked by this transaction
    (thread_for_inbound), so its fields in hand are current and are written as they are."""
    changes = {
        "last_activity_at": max(thread.last_activity_at, message.created_at),
        # Deliveries arrive out of order: neither time moves back for an older message.
        "last_inbound_at": max(thread.last_inbound_at or message.created_at, message.created_at),
        "message_count": thread.message_count + 1,
        "is_unread": True,
        "preview": preview_of(message.text),
    }
    if sentiment:
        changes["sentiment"] = sentiment
    # A customer writing again reopens a resolved thread and wakes a snoozed one; an
    # auto-reply (out of office) does neither.
    if not automated and thread.status in {ThreadStatus.RESOLVED, ThreadStatus.SNOOZED}:
        changes.update(status=ThreadStatus.OPEN, resolved_at=None, snoozed_until=None)
    elif not automated and thread.status == ThreadStatus.PENDING:
        changes["status"] = ThreadStatus.OPEN
    rows.update(Thread, thread.pk, **changes)
    for field, value in changes.items():
        setattr(thread, field, value)
    if thread.sla_paused_at is not None and thread.status != ThreadStatus.PENDING:
        # The customer answered: the resolution clock runs again from their message.
        sla_resume(thread=thread, at=max(message.created_at, thread.sla_paused_at))


def message_apply_status(*, update: StatusUpdate) -> bool:
    """Move an outbound message's status forward; False when the receipt changes nothing.

    Receipts arrive late and out of order: `delivered` after `read` is ignored, and `failed`
    only counts before delivery. Lock the row so two receipts never race.
    """
    messages = Message.objects.select_for_update().filter(
        provider_message_id=update.provider_message_id,
        direction=Direction.OUTBOUND,
        channel__kind=update.channel_kind,
    )
    if update.channel_address:
        messages = messages.filter(channel__address=update.channel_address)
    message = messages.first()
    if message is None:
        raise MessageNotYetKnown(update.provider_message_id)
    current = message.delivery_status
    if update.status == DeliveryStatus.FAILED:
        if (
            current == DeliveryStatus.FAILED
            or STATUS_RANK.get(current, 0) >= STATUS_RANK["delivered"]
        ):
            return False
        message.delivery_status = DeliveryStatus.FAILED
        message.delivery_error = update.error[:2000]
    else:
        if current == DeliveryStatus.FAILED:
            return False
        if STATUS_RANK.get(update.status, -1) <= STATUS_RANK.get(current, -1):
            return False
        message.delivery_status = update.status
        message.delivery_error = ""
    message.save(update_fields=["delivery_status", "delivery_error"])
    live.changed(message.thread_id)
    return True


def messages_apply_watermark(*, update: WatermarkUpdate) -> int:
    """Move our replies to one person on one channel, sent at or before the watermark, forward
    to `update.status` in one UPDATE; returns how many moved.

    Only sent (and, for a read, delivered) replies move: a queued one is still its sender's to
    settle, a failed one stays failed, and none goes back. Nothing to move is not an error: the
    person may have read only what the Page inbox sent them, or nothing of ours at all.
    """
    target = STATUS_RANK.get(update.status)
    if target is None or target <= STATUS_RANK[DeliveryStatus.SENT]:
        return 0
    movable = [
        status
        for status, rank in STATUS_RANK.items()
        if STATUS_RANK[DeliveryStatus.SENT] <= rank < target
    ]
    replies = Message.objects.filter(
        direction=Direction.OUTBOUND,
        created_at__lte=update.watermark,
        delivery_status__in=movable,
    )
    thread_ids = list(
        replies.filter(
            channel__kind=update.channel_kind,
            channel__address=update.channel_address,
            # A post's comment threads are answered in public: a DM receipt says nothing of them.
            thread__conversation_key="",
            thread__contact__identities__kind=update.channel_kind,
            thread__contact__identities__value=update.customer,
        )
        .order_by()
        .values_list("thread_id", flat=True)
        .distinct()
    )
    if not thread_ids:
        return 0
    # Only the message's own columns in the WHERE: a reply failed or read meanwhile by another
    # receipt is re-checked under its row lock and left alone.
    moved = replies.filter(thread_id__in=thread_ids).update(
        delivery_status=update.status, delivery_error=""
    )
    for thread_id in thread_ids:
        live.changed(thread_id)
    return moved


def call_apply_update(*, update: CallUpdate, channel_kind: str = "voice") -> bool:
    """Merge later call facts (duration, recording, transcript) into the call's message."""
    message = (
        Message.objects.select_for_update()
        .filter(
            channel__kind=channel_kind,
            channel__address=update.channel_address,
            provider_message_id=update.provider_message_id,
            kind=MessageKind.CALL,
        )
        .first()
    )
    if message is None:
        raise MessageNotYetKnown(update.provider_message_id)
    message.meta = {**message.meta, **update.meta}
    fields = ["meta"]
    if update.text and update.text not in message.text:
        message.text = f"{message.text}\n\n{update.text}".strip()
        fields.append("text")
    message.save(update_fields=fields)
    return True


def message_create_note(*, thread: Thread, author, text: str) -> Message:
    """An internal note on a thread: seen by the team, never sent to the customer."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": "A note needs some text."})
    live.changed(thread.pk)
    note = Message.objects.create(
        thread=thread,
        channel_id=thread.channel_id,
        direction=Direction.NOTE,
        author=author,
        text=text,
        created_at=timezone.now(),
    )
    notify_mentions(note)
    return note
