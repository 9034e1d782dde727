"""The "email" adapter: a stored raw RFC 822 message → one InboundMessage.

Stored events come from `ingest.email_event_store` (anymail's ESP webhooks, IMAP, the
`ingest_email` command): `raw` is the whole message, `payload` says where it came from and,
when the delivering path knew it, the `recipient` mailbox. Which channel gets the message:
`payload["recipient"]` when set (the envelope recipient, the IMAP mailbox, `--to`, or a header
address the ingest side matched against our channels), else the first of X-Original-To,
Delivered-To, To, Cc. No database here: an unknown mailbox fails in the ingest service.
"""

from __future__ import annotations

import binascii
import dataclasses

from interactions.channels.base import Adapter, ParseError, WebhookError
from interactions.channels.email.parse import parse_email, raw_from_event


class EmailAdapter(Adapter):
    provider = "email"

    def verify(self, request):
        # Email webhooks are anymail's (/webhooks/email/<esp>/inbound/), not the generic view.
        raise WebhookError("Email arrives through /webhooks/email/<esp>/inbound/.", status=404)

    def events(self, request):
        raise WebhookError("Email arrives through /webhooks/email/<esp>/inbound/.", status=404)

    def parse(self, payload, raw):
        try:
            data = raw_from_event(payload, raw)
        except (binascii.Error, ValueError) as exc:
            raise ParseError(f"Stored message is not valid base64: {exc}") from exc
        try:
            message = parse_email(data, recipient=payload.get("recipient") or "")
        except ParseError:
            raise
        except Exception as exc:  # parsing is deterministic: retrying cannot help, so fail it
            raise ParseError(f"Unreadable email ({exc.__class__.__name__}: {exc})") from exc
        source = payload.get("esp") or payload.get("source") or ""
        if source:
            message = dataclasses.replace(message, meta={**message.meta, "source": source})
        return [message]
