"""anymail's `inbound` signal → a stored InboundEvent, before anymail answers the ESP 200.

anymail has already verified the request (Mailgun's signature, the WEBHOOK_SECRET basic auth)
and parsed the ESP's format into a stdlib EmailMessage; we keep its bytes and the envelope
recipient. A database error raises, anymail answers 500, and the ESP retries later.
https://anymail.dev/en/stable/inbound/
"""

from __future__ import annotations

import base64
from email import policy

from anymail.signals import inbound
from django.db import transaction
from django.dispatch import receiver

from interactions.channels.email.ingest import email_event_store


def _encode_binary_parts(message) -> None:
    """Base64-encode attachments that have no transfer encoding.

    anymail builds attachments from an ESP's parsed fields (Mailgun's attachment-N files,
    Postmark's Attachments) as raw bytes with no Content-Transfer-Encoding; written out as is,
    their CR/LF bytes would be rewritten as line endings and the file corrupted.
    """
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() == "message":
            continue
        if part.get_content_maintype() == "text" and not part.is_attachment():
            continue  # a body: anymail gives those a transfer encoding
        if part.get("Content-Transfer-Encoding") is not None:
            continue
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            part.set_payload(base64.encodebytes(data).decode("ascii"))
            part["Content-Transfer-Encoding"] = "base64"


def message_bytes(message) -> bytes:
    """The message as bytes, as close to what the ESP received as the parser allows.

    compat32 writes parsed headers back verbatim (raw 8-bit included); the default policy
    handles messages anymail constructed from an ESP's parsed fields.
    """
    _encode_binary_parts(message)
    for serialize in (
        lambda: message.as_bytes(policy=policy.compat32),
        lambda: message.as_bytes(),
    ):
        try:
            return serialize()
        except Exception:
            continue
    return message.as_string().encode("utf-8", "surrogateescape")


@receiver(inbound, dispatch_uid="interactions.email.store_inbound_email")
def store_inbound_email(sender, event, esp_name: str, **kwargs) -> None:
    message = event.message
    source = esp_name.lower().replace(" ", "_")
    with transaction.atomic():
        email_event_store(
            data=message_bytes(message),
            source=source,
            recipient=getattr(message, "envelope_recipient", None) or "",
            esp_event_id=event.event_id or "",
            extra={"esp": esp_name},
        )
