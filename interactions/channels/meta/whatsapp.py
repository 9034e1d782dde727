"""WhatsApp Cloud API payloads (object `whatsapp_business_account`) → normalized items. Pure.

`entry[].changes[]` with field `messages`: `value.metadata.phone_number_id` names our number,
`value.contacts[]` the senders' profile names, `value.messages[]` what they sent and
`value.statuses[]` what became of our sends. Shapes followed:
https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages
https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/status/
"""

from __future__ import annotations

from interactions.channels.meta.payload import dicts, from_seconds
from interactions.types import AttachmentData, Identity, InboundMessage, ParsedItem, StatusUpdate

MEDIA = ("image", "video", "audio", "document", "sticker")
STATUSES = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed"}


def entry_items(entry: dict, *, graph_base: str) -> list[ParsedItem]:
    """Items from one `entry` of a WhatsApp delivery (every change, message and status)."""
    items: list[ParsedItem] = []
    for change in dicts(entry.get("changes")):
        if change.get("field") == "messages" and isinstance(change.get("value"), dict):
            items += _value_items(change["value"], graph_base=graph_base)
    return items


def _value_items(value: dict, *, graph_base: str) -> list[ParsedItem]:
    address = str((value.get("metadata") or {}).get("phone_number_id") or "")
    names = {
        str(c.get("wa_id")): (c.get("profile") or {}).get("name", "")
        for c in dicts(value.get("contacts"))
    }
    items: list[ParsedItem] = []
    for message in dicts(value.get("messages")):
        item = _message(address, names, message, graph_base)
        if item is not None:
            items.append(item)
    for status in dicts(value.get("statuses")):
        ours = STATUSES.get(status.get("status", ""))
        if ours is None or not status.get("id"):
            continue
        items.append(
            StatusUpdate(
                "whatsapp",
                str(status["id"]),
                ours,
                channel_address=address,
                error=_error(status.get("errors")) if ours == "failed" else "",
                at=from_seconds(status.get("timestamp")),
            )
        )
    return items


def _message(address: str, names: dict, message: dict, graph_base: str) -> InboundMessage | None:
    sender, kind_of = str(message.get("from") or ""), message.get("type", "")
    if (
        not sender.lstrip("+").isdigit()
        or not message.get("id")
        or kind_of in {"reaction", "system"}
    ):
        return None
    body = message.get(kind_of) if isinstance(message.get(kind_of), dict) else {}
    attachments: tuple[AttachmentData, ...] = ()
    if kind_of == "text":
        text = body.get("body", "")
    elif kind_of in MEDIA and body.get("id"):
        # The media id is not a download link: GET {graph}/{id} (with the token) answers a
        # short-lived lookaside URL to fetch, again with the token. See MetaAdapter.media_resolve.
        text = body.get("caption", "")
        attachments = (
            AttachmentData(
                filename=(body.get("filename") or f"{kind_of}-{body['id']}")[:200],
                content_type=body.get("mime_type") or "application/octet-stream",
                url=f"{graph_base.rstrip('/')}/{body['id']}",
            ),
        )
    else:
        text = _other_text(kind_of, message)
    meta = {"provider": "meta", "whatsapp_type": kind_of}
    if (message.get("context") or {}).get("id"):
        meta["reply_to"] = message["context"]["id"]
    if isinstance(message.get("referral"), dict):  # Click-to-WhatsApp ads: for campaign attribution
        meta["referral"] = {
            k: message["referral"].get(k, "")
            for k in ("source_id", "source_type", "source_url", "headline")
        }
    name = names.get(sender.lstrip("+"), "")
    return InboundMessage(
        channel_kind="whatsapp",
        channel_address=address,
        provider_message_id=str(message["id"]),
        sender=Identity("whatsapp", "+" + sender.lstrip("+"), name),
        sender_name=name,
        text=text,
        sent_at=from_seconds(message.get("timestamp")),
        attachments=attachments,
        meta=meta,
    )


def _other_text(kind_of: str, message: dict) -> str:
    if kind_of == "button":
        return (message.get("button") or {}).get("text", "")
    if kind_of == "interactive":
        reply = message.get("interactive") or {}
        chosen = reply.get("button_reply") or reply.get("list_reply") or {}
        return chosen.get("title", "")
    if kind_of == "location":
        loc = message.get("location") or {}
        where = [str(loc[k]) for k in ("name", "address") if loc.get(k)]
        where.append(f"({loc.get('latitude')}, {loc.get('longitude')})")
        return "Location: " + " ".join(where)
    if kind_of == "contacts":
        shared = [
            (c.get("name") or {}).get("formatted_name", "") for c in dicts(message.get("contacts"))
        ]
        return "Shared contact: " + ", ".join(n for n in shared if n)
    if kind_of == "order":
        order = message.get("order") or {}
        count = len(order.get("product_items") or [])
        return f"Order of {count} item(s). {order.get('text', '')}".strip()
    title = _error(message.get("errors")) or kind_of
    return f"[Unsupported WhatsApp message: {title}]"


def _error(errors) -> str:
    for error in dicts(errors):
        detail = (error.get("error_data") or {}).get("details") or error.get("message") or ""
        title = error.get("title", "")
        text = f"Meta error {error.get('code')}: {title}" if error.get("code") else title
        return f"{text} — {detail}" if detail and detail != title else text
    return ""
