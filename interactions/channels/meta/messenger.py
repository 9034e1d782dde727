"""Messenger Platform payloads (object `page` and `instagram`) → normalized items. Pure.

Direct messages arrive in `entry[].messaging[]` (message, echoes, deliveries, reads), comments on
the brand's posts in `entry[].changes[]`. Deliveries and reads that carry a `watermark` (a time in
ms: everything we sent that person up to then) become WatermarkUpdates, matched in the database.
Shapes followed, from Meta's documented examples:
- Messenger events (messages, message_echoes, message_deliveries, message_reads):
  https://developers.facebook.com/documentation/business-messaging/messenger-platform/webhooks/webhook-events
- Instagram messaging (same `messaging[]` shape; seen receipts name the `mid`) and comments
  (field `comments`, value `{id, from {id, username}, text, media {id}}`):
  https://developers.facebook.com/docs/instagram-platform/webhooks/examples/
- Facebook Page comments: field `feed`, value `{item: comment, verb: add, comment_id, post_id,
  parent_id, from {id, name}, message, created_time, post {...}}`:
  https://developers.facebook.com/docs/graph-api/webhooks/reference/page/
"""

from __future__ import annotations

import logging
import mimetypes
from urllib.parse import urlsplit

from interactions.channels.meta.payload import dicts, from_millis, from_seconds
from interactions.types import (
    AttachmentData,
    Identity,
    InboundMessage,
    ParsedItem,
    StatusUpdate,
    WatermarkUpdate,
)

log = logging.getLogger(__name__)

# Messenger/Instagram attachment types that are files to keep; others (fallback links, shares,
# story mentions, templates) are links, written into the text instead of fetched.
MEDIA_TYPES = {"image": "image/jpeg", "video": "video/mp4", "audio": "audio/mpeg", "file": ""}


def entry_items(kind: str, entry: dict) -> list[ParsedItem]:
    """Items from one `entry` of a `page` (kind messenger) or `instagram` delivery."""
    account = str(entry.get("id") or "")
    items: list[ParsedItem] = []
    for event in dicts(entry.get("messaging")):
        items += _messaging_event(kind, account, event)
    for change in dicts(entry.get("changes")):
        items += _comment_change(kind, account, change)
    return items


# --- Messenger and Instagram direct messages ---------------------------------------------


def _messaging_event(kind: str, account: str, event: dict) -> list[ParsedItem]:
    sender = str((event.get("sender") or {}).get("id") or "")
    at = from_millis(event.get("timestamp"))
    if isinstance(event.get("message"), dict):
        message = event["message"]
        # Echoes are our own sends (this app, another app, or the Page inbox), not customers.
        if message.get("is_echo") or sender == account or message.get("is_deleted"):
            return []
        if not sender or not message.get("mid"):
            log.warning("Skipping a %s message without sender or mid.", kind)
            return []
        return [_direct_message(kind, account, sender, at, message)]
    if isinstance(event.get("delivery"), dict):
        # `mids` names messages but may be absent (older clients); `watermark` is always there
        # and covers everything sent before it, including replies whose own receipt was lost.
        delivery = event["delivery"]
        items: list[ParsedItem] = [
            StatusUpdate(kind, str(mid), "delivered", channel_address=account, at=at)
            for mid in delivery.get("mids") or []
        ]
        return items + _watermark(kind, account, sender, "delivered", delivery)
    if isinstance(event.get("read"), dict):
        # Instagram's messaging_seen names the message (`mid`); Messenger's message_reads only
        # says "everything sent to this person at or before `watermark` was read".
        mid = event["read"].get("mid")
        if mid:
            return [StatusUpdate(kind, str(mid), "read", channel_address=account, at=at)]
        return _watermark(kind, account, sender, "read", event["read"])
    return []  # postbacks, reactions, referrals, opt-ins: not conversation messages


def _watermark(
    kind: str, account: str, sender: str, status: str, receipt: dict
) -> list[ParsedItem]:
    watermark = from_millis(receipt.get("watermark"))
    if watermark is None or not sender or sender == account:
        return []
    return [WatermarkUpdate(kind, account, sender, status, watermark)]


def _direct_message(kind: str, account: str, sender: str, at, message: dict) -> InboundMessage:
    attachments, links = [], []
    for attachment in dicts(message.get("attachments")):
        kind_of = attachment.get("type", "")
        url = (attachment.get("payload") or {}).get("url") or ""
        if kind_of in MEDIA_TYPES and url:
            attachments.append(_url_attachment(url, kind_of, len(attachments)))
        elif url:
            links.append(f"[{kind_of}] {url}")
        else:
            links.append(f"[{kind_of or 'attachment'}]")
    text = "\n".join(part for part in [message.get("text", ""), *links] if part)
    meta = {"provider": "meta"}
    if (message.get("reply_to") or {}).get("mid"):
        meta["reply_to"] = message["reply_to"]["mid"]
    if (message.get("quick_reply") or {}).get("payload"):
        meta["quick_reply"] = message["quick_reply"]["payload"]
    return InboundMessage(
        channel_kind=kind,
        channel_address=account,
        provider_message_id=str(message["mid"]),
        sender=Identity(kind, sender),
        text=text,
        sent_at=at,
        attachments=tuple(attachments),
        meta=meta,
    )


def _url_attachment(url: str, kind_of: str, index: int) -> AttachmentData:
    name = urlsplit(url).path.rsplit("/", 1)[-1] or f"{kind_of}-{index}"
    guessed = mimetypes.guess_type(name)[0]
    return AttachmentData(
        filename=name[:200],
        content_type=guessed or MEDIA_TYPES.get(kind_of) or "application/octet-stream",
        url=url,
    )


# --- Public comments on the brand's posts -------------------------------------------------


def _comment_change(kind: str, account: str, change: dict) -> list[ParsedItem]:
    field, value = change.get("field"), change.get("value")
    if not isinstance(value, dict):
        return []
    author = value.get("from") if isinstance(value.get("from"), dict) else {}
    if kind == "messenger" and field == "feed":
        if value.get("item") != "comment" or value.get("verb") != "add":
            return []  # posts, reactions, edits and removals are not customer messages
        comment_id, post_id = value.get("comment_id"), value.get("post_id")
        name, text = author.get("name", ""), value.get("message", "")
        at, photo = from_seconds(value.get("created_time")), value.get("photo")
    elif kind == "instagram" and field in {"comments", "live_comments"}:
        comment_id, post_id = value.get("id"), (value.get("media") or {}).get("id")
        name, text = author.get("username", ""), value.get("text", "")
        at, photo = None, None  # Instagram sends no comment time: the pipeline uses now
    else:
        return []
    author_id = str(author.get("id") or "")
    if author_id == account:
        return []  # the brand's own comments, including our replies
    if not (author_id and comment_id and post_id):
        # Meta omits `from` when the app may not see the commenter: nobody to thread it under.
        log.warning("Skipping a %s comment without author, id or post.", kind)
        return []
    meta = {"provider": "meta", "post_id": str(post_id)}
    if value.get("parent_id") and value["parent_id"] != post_id:
        meta["parent_id"] = str(value["parent_id"])
    if (value.get("post") or {}).get("permalink_url"):
        meta["permalink_url"] = value["post"]["permalink_url"]
    attachments = (_url_attachment(photo, "image", 0),) if isinstance(photo, str) and photo else ()
    return [
        InboundMessage(
            channel_kind=kind,
            channel_address=account,
            provider_message_id=str(comment_id),
            sender=Identity(kind, author_id, name),
            sender_name=name,
            text=text,
            sent_at=at,
            kind="comment",
            # One thread per post per person: the thread service keys chat threads on it.
            conversation_key=str(post_id),
            attachments=attachments,
            meta=meta,
        )
    ]
