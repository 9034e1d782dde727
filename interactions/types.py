"""What channel adapters hand to the ingestion pipeline: plain values, no ORM.

An adapter turns one stored provider delivery into a list of these; the shared pipeline does
the rest (contact, thread, message, status), so every provider is tested from its payloads alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Identity:
    """A way to reach a person: `kind` is an IdentityKind value; `value` is normalized."""

    kind: str
    value: str
    display: str = ""


@dataclass(frozen=True)
class AttachmentData:
    """A file that came with a message: its bytes, or a provider URL to fetch them from."""

    filename: str
    content_type: str = "application/octet-stream"
    content: bytes | None = None
    url: str = ""
    content_id: str = ""
    is_inline: bool = False


@dataclass(frozen=True)
class InboundMessage:
    """One customer message (or call, or public comment) in normalized form."""

    channel_kind: str  # ChannelKind value
    channel_address: str  # which of our channels received it: mailbox, E.164 number, page id
    provider_message_id: str  # the dedupe key, unique per channel (email: the Message-ID)
    sender: Identity
    sender_name: str = ""
    text: str = ""
    html: str = ""
    subject: str = ""
    sent_at: datetime | None = None
    kind: str = "message"  # MessageKind value
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    # Provider conversation key: a post id for comments, a call SID, an X conversation id.
    conversation_key: str = ""
    attachments: tuple[AttachmentData, ...] = ()
    meta: dict = field(default_factory=dict)
    # Auto-replies, bounces, out-of-office: stored, never answered automatically.
    is_automated: bool = False
    extra_identities: tuple[Identity, ...] = ()


@dataclass(frozen=True)
class StatusUpdate:
    """A delivery receipt for one of our outbound messages."""

    channel_kind: str
    provider_message_id: str
    status: str  # DeliveryStatus value
    channel_address: str = ""
    error: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class WatermarkUpdate:
    """A receipt that names a time, not a message: every reply we sent `customer` on the channel
    at or before `watermark` reached `status` (Messenger's deliveries and reads)."""

    channel_kind: str
    channel_address: str
    customer: str  # the person's id on the channel (a PSID): an Identity value of channel_kind
    status: str  # DeliveryStatus value: delivered or read
    watermark: datetime


@dataclass(frozen=True)
class CallUpdate:
    """Later facts about a call already on a thread: duration, recording, transcript."""

    channel_address: str
    provider_message_id: str  # the call SID
    meta: dict = field(default_factory=dict)
    text: str = ""


ParsedItem = InboundMessage | StatusUpdate | WatermarkUpdate | CallUpdate


@dataclass(frozen=True)
class OutboundRequest:
    """What an adapter needs to send one reply; built by the outbound service from the rows."""

    message_id: int
    channel_kind: str
    channel_address: str
    channel_config: dict
    to: Identity
    text: str
    html: str = ""
    subject: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    reply_to_provider_id: str = ""  # the customer message or comment this answers
    conversation_key: str = ""
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    sender_name: str = ""
    template: str = ""  # an approved template name (WhatsApp outside the 24-hour window)
    attachments: tuple[AttachmentData, ...] = ()
    # An id we chose and stored before sending (email's Message-ID), so a resend is recognisable.
    provider_message_id: str = ""
