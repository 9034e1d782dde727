"""Custom sources posting through the REST API (`POST /api/v1/inbound/`): a web form, an app."""

from interactions.channels.base import Adapter, ParseError
from interactions.types import Identity, InboundMessage


class ApiAdapter(Adapter):
    provider = "api"

    def parse(self, payload, raw):
        try:
            return [
                InboundMessage(
                    channel_kind="api",
                    channel_address=payload["channel"],
                    provider_message_id=payload["external_id"],
                    sender=Identity(payload.get("sender_kind", "email"), payload["sender"]),
                    sender_name=payload.get("sender_name", ""),
                    subject=payload.get("subject", ""),
                    text=payload["text"],
                    meta={"source": "api"},
                )
            ]
        except KeyError as exc:
            raise ParseError(f"API message without {exc.args[0]!r}.") from None
