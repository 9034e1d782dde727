"""One doorway for raw mail into the pipeline: ESP webhooks, IMAP polling, `ingest_email`.

`email_event_store` keeps the message's exact bytes in an `InboundEvent` (provider "email"),
keyed so that the same message delivered twice is stored once, and picks which of our
mailboxes it belongs to. The "email" adapter parses it later, in the worker.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from interactions.channels.base import body_digest
from interactions.channels.email.parse import (
    header,
    message_ids,
    parse_headers,
    raw_for_storage,
    recipient_candidates,
    synthetic_message_id,
)
from interactions.models import Channel, ChannelKind, InboundEvent, Message
from interactions.services.events import inbound_event_store

PROVIDER = "email"
_PLUS_TAG = re.compile(r"\+[^@]*@")


def _without_plus_tag(address: str) -> str:
    return _PLUS_TAG.sub("@", address, count=1)


def recipient_for(candidates: list[str]) -> str:
    """The first candidate (or its untagged form, support+x@ → support@) that is one of our
    active email channels; "" when none is."""
    variants = []
    for address in candidates:
        variants += [address, _without_plus_tag(address)]
    known = set(
        Channel.objects.filter(
            kind=ChannelKind.EMAIL, is_active=True, address__in=set(variants)
        ).values_list("address", flat=True)
    )
    for variant in variants:
        if variant in known:
            return variant
    return ""


def event_id_for(
    data: bytes, *, recipient: str, message_id: str, esp_event_id: str = "", source: str = ""
) -> str:
    """The dedupe key: the ESP's own event id, else recipient + Message-ID, else a hash.

    `recipient` is the delivering path's (the envelope recipient, `--to`), never the one
    matched against our channels: the key must not change when a channel is added later,
    or a replay would store the message a second time. One message delivered to two of our
    mailboxes is two deliveries, so the recipient is part of the key.
    """
    if esp_event_id:
        key = f"{source}:{esp_event_id}"
    elif message_id:
        key = f"msgid:{recipient}:{message_id}" if recipient else f"msgid:{message_id}"
    else:
        return body_digest(data)
    if len(key) > 255:
        key = "msgid-sha256:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
    return key


@dataclass(frozen=True)
class Delivery:
    """One raw message ready to store: where it goes, its Message-ID and its dedupe key."""

    data: bytes
    recipient: str  # our mailbox, as well as can be told before parsing ("" if unknown)
    message_id: str  # as the adapter will key the message (synthetic when missing)
    event_id: str

    def already_stored(self) -> bool:
        """Whether this message is already in the inbox (delivered earlier by another path)."""
        return (
            bool(self.recipient)
            and Message.objects.filter(
                channel__kind=ChannelKind.EMAIL,
                channel__address=self.recipient,
                provider_message_id=self.message_id,
            ).exists()
        )


def email_delivery(
    *, data: bytes, source: str, recipient: str = "", esp_event_id: str = ""
) -> Delivery:
    """Route and key one raw message.

    `recipient` is what the delivering path knows (the ESP's envelope recipient, the IMAP
    mailbox, `ingest_email --to`); the message's own X-Original-To/Delivered-To/To/Cc are
    tried too, and the first that is one of our channels wins. With no match the hint (or
    nothing) is kept, and processing fails with "no such channel" — visible and replayable.
    """
    hint = recipient.strip().lower()
    try:
        headers = parse_headers(data)
        candidates, ids = recipient_candidates(headers), message_ids(header(headers, "Message-ID"))
    except Exception:  # unreadable headers: store it anyway; parsing will say what is wrong
        candidates, ids = [], []
    return Delivery(
        data=data,
        recipient=recipient_for(([hint] if hint else []) + candidates) or hint,
        message_id=ids[0] if ids else synthetic_message_id(data),
        event_id=event_id_for(
            data,
            recipient=hint,
            message_id=ids[0] if ids else "",
            esp_event_id=esp_event_id,
            source=source,
        ),
    )


def email_event_store(
    *,
    data: bytes | None = None,
    source: str,
    recipient: str = "",
    esp_event_id: str = "",
    extra: dict | None = None,
    delivery: Delivery | None = None,
) -> tuple[InboundEvent, bool]:
    """Store one raw message for processing; returns (event, created). Re-delivery is a no-op.

    Pass the raw `data` (routed and keyed by `email_delivery`), or a `delivery` already made.
    """
    if delivery is None:
        delivery = email_delivery(
            data=data, source=source, recipient=recipient, esp_event_id=esp_event_id
        )
    raw, encoding = raw_for_storage(delivery.data)
    payload = {
        "source": source,
        "recipient": delivery.recipient,
        "message_id": delivery.message_id,
        **encoding,
        **(extra or {}),
    }
    return inbound_event_store(
        provider=PROVIDER, provider_event_id=delivery.event_id, payload=payload, raw=raw
    )
