"""X (Twitter): Account Activity webhooks for mentions and DMs; replies through the X API v2.

Webhooks: X proves it owns the URL with a CRC (GET `crc_token`, answered with
`sha256=<base64 HMAC-SHA256(crc_token)>` keyed with the app's consumer secret) and signs every
POST with `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(raw body)>`, same key.
https://docs.x.com/x-api/webhooks/quickstart
https://developer.x.com/en/docs/x-api/enterprise/account-activity-api/guides/securing-webhooks

Payloads are v1.1-shaped, one object per delivery, keyed by event type, with `for_user_id` naming
the subscribed account (our Channel.address):
https://developer.x.com/en/docs/x-api/enterprise/account-activity-api/guides/account-activity-data-objects

Threading. v1.1 tweets carry no conversation id, and a reply points only at its direct parent
(often our own reply), so the root of a public conversation cannot be known from one payload.
Public mentions therefore share one thread per customer, key MENTIONS_KEY; DMs use DM_KEY. Both
keys are non-empty so a private DM never joins a public mention thread (and a reply to a DM is
never tweeted), whatever the thread finder does with unkeyed messages.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import mimetypes
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import PurePosixPath
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings
from django.http import HttpRequest, JsonResponse

from interactions.channels.base import (
    Adapter,
    EventData,
    ParseError,
    SendError,
    TransientSendError,
    WebhookError,
    body_digest,
    config_secret,
)
from interactions.types import AttachmentData, Identity, InboundMessage, OutboundRequest

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
MENTIONS_KEY = "mentions"
DM_KEY = "dm"
TIMEOUT = (5, 20)  # connect, read (seconds)


def signature(secret: str, message: bytes) -> str:
    """X's `sha256=<base64 HMAC-SHA256>`: the CRC response token and the POST signature."""
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


class XAdapter(Adapter):
    """`/webhooks/x/`: the CRC handshake, signed account activity, and replies out."""

    provider = "x"

    def handshake(self, request: HttpRequest):
        secret = _consumer_secret()
        token = request.GET.get("crc_token", "")
        if not token:
            raise WebhookError("Missing crc_token.", status=400)
        return JsonResponse({"response_token": signature(secret, token.encode())})

    def verify(self, request: HttpRequest) -> None:
        secret = _consumer_secret()
        given = request.headers.get(SIGNATURE_HEADER, "")
        expected = signature(secret, request.body)
        if not given or not hmac.compare_digest(given.encode(), expected.encode()):
            raise WebhookError(f"Bad or missing {SIGNATURE_HEADER}.", status=403)

    def events(self, request: HttpRequest) -> list[EventData]:
        try:
            payload = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise WebhookError("X webhook body is not JSON.", status=400) from None
        if not isinstance(payload, dict):
            raise WebhookError("X webhook body is not a JSON object.", status=400)
        # Deliveries carry no id of their own; a re-delivery is byte-identical.
        return [
            EventData(
                provider_event_id=body_digest(request.body),
                payload=payload,
                channel_address=str(payload.get("for_user_id", "")),
            )
        ]

    def parse(self, payload: dict, raw: str) -> list[InboundMessage]:
        """Mentions and DMs from other people; every other event type is ignored."""
        tweets = payload.get("tweet_create_events") or []
        dms = payload.get("direct_message_events") or []
        if not tweets and not dms:
            return []  # likes, follows, typing, read receipts, revokes…
        ours = str(payload.get("for_user_id") or "")
        if not ours:
            raise ParseError("X event without for_user_id.")
        if payload.get("user_has_blocked") in (True, "true"):
            tweets = []  # a mention by someone our account has blocked
        items = [m for t in tweets if (m := _mention(t, ours)) is not None]
        users = payload.get("users") or {}
        items += [m for e in dms if (m := _direct_message(e, ours, users)) is not None]
        return items

    def media_hosts(self) -> set[str]:
        # Tweet media on pbs/video.twimg.com; DM media on ton.twitter.com (older: ton.twimg.com).
        return {".twimg.com", "ton.twitter.com"}

    def media_headers(self, *, url: str = "", channel_config: dict | None = None) -> dict[str, str]:
        # Public tweet media needs none. DM media needs the account's OAuth 1.0a user signature
        # (developer.x.com/en/docs/direct-messages/message-attachments/guides/retrieving-media),
        # which a plain header cannot carry; the bearer is what we have here.
        token = settings.X_BEARER_TOKEN
        return {"Authorization": f"Bearer {token}"} if token else {}

    def send(self, request: OutboundRequest) -> str:
        """Reply as a DM, or as a public reply tweet when the thread is a public mention.

        Rule: a thread keyed for DMs (DM_KEY, or no key at all) answers by DM to the contact's
        X user id; any other key is a public conversation and answers with a tweet in reply to
        `reply_to_provider_id` (the customer's tweet). A public reply without that id is refused
        rather than posted as a stand-alone tweet to all followers.

        DMs need a user-context token (app-only bearer tokens cannot send them), so the
        channel's own OAuth 2.0 user token (in the environment variable `access_token_env`
        names, or `access_token`) is preferred over X_BEARER_TOKEN for both calls.
        """
        if request.attachments:
            raise SendError("Sending attachments on X is not supported yet.")
        token = config_secret(request.channel_config, "access_token") or settings.X_BEARER_TOKEN
        if not token:
            raise SendError(
                "X is not configured (X_BEARER_TOKEN, or the channel's access_token_env)."
            )
        base = settings.X_API_BASE.rstrip("/")
        if request.conversation_key in ("", DM_KEY):
            participant = quote(request.to.value, safe="")
            url = f"{base}/2/dm_conversations/with/{participant}/messages"
            body = _post(url, token, {"text": request.text})
            return _required(body, "dm_event_id")
        if not request.reply_to_provider_id:
            raise SendError("A public reply on X needs the tweet it answers.")
        body = _post(
            f"{base}/2/tweets",
            token,
            {"text": request.text, "reply": {"in_reply_to_tweet_id": request.reply_to_provider_id}},
        )
        return _required(body, "id")


def _consumer_secret() -> str:
    secret = settings.X_CONSUMER_SECRET
    if not secret:
        raise WebhookError("X is not configured (X_CONSUMER_SECRET).", status=403)
    return secret


# --- Inbound ---------------------------------------------------------------------------------


def _mention(tweet: dict, ours: str) -> InboundMessage | None:
    user = tweet.get("user") or {}
    author = str(user.get("id_str") or user.get("id") or "")
    tweet_id = str(tweet.get("id_str") or tweet.get("id") or "")
    if not tweet_id or not author:
        raise ParseError("X tweet without id or author.")
    if author == ours or "retweeted_status" in tweet:
        return None  # our own tweets and replies; retweets say nothing new
    extended = tweet.get("extended_tweet") or {}
    # A tweet over 140 characters arrives truncated, with its full text in extended_tweet.
    # https://developer.x.com/en/docs/x-api/v1/data-dictionary/object-model/tweet
    text = extended.get("full_text") or tweet.get("full_text") or tweet.get("text") or ""
    media = (extended.get("extended_entities") or tweet.get("extended_entities") or {}).get("media")
    screen_name = user.get("screen_name", "")
    return InboundMessage(
        channel_kind="x",
        channel_address=ours,
        provider_message_id=tweet_id,
        sender=Identity("x", author, f"@{screen_name}" if screen_name else ""),
        sender_name=user.get("name", ""),
        text=text,
        sent_at=_ms(tweet.get("timestamp_ms")) or _created_at(tweet.get("created_at")),
        kind="comment",
        in_reply_to=str(tweet.get("in_reply_to_status_id_str") or ""),
        conversation_key=MENTIONS_KEY,
        attachments=tuple(_attachment(m) for m in media or [] if isinstance(m, dict)),
        meta={
            "provider": "x",
            "url": f"https://x.com/{screen_name or 'i'}/status/{tweet_id}",
            "in_reply_to_status_id": str(tweet.get("in_reply_to_status_id_str") or ""),
            "is_quote": bool(tweet.get("is_quote_status")),
        },
    )


def _direct_message(event: dict, ours: str, users: dict) -> InboundMessage | None:
    if event.get("type") != "message_create":
        return None
    create = event.get("message_create") or {}
    sender = str(create.get("sender_id") or "")
    event_id = str(event.get("id") or "")
    if not sender or not event_id:
        raise ParseError("X direct message without id or sender.")
    if sender == ours:
        return None  # our own DMs (sent from here or from the X app) come back as events too
    data = create.get("message_data") or {}
    user = users.get(sender) or {}
    screen_name = user.get("screen_name", "")
    attachment = data.get("attachment") or {}
    media = attachment.get("media") if attachment.get("type") == "media" else None
    return InboundMessage(
        channel_kind="x",
        channel_address=ours,
        provider_message_id=event_id,
        sender=Identity("x", sender, f"@{screen_name}" if screen_name else ""),
        sender_name=user.get("name", ""),
        text=data.get("text", ""),
        sent_at=_ms(event.get("created_timestamp")),
        conversation_key=DM_KEY,
        attachments=(_attachment(media),) if isinstance(media, dict) else (),
        meta={"provider": "x", "source_app_id": str(create.get("source_app_id") or "")},
    )


def _attachment(media: dict) -> AttachmentData:
    url = media.get("media_url_https") or media.get("media_url") or ""
    if media.get("type") in {"video", "animated_gif"}:
        # media_url_https is the poster frame; the file itself is the best mp4 variant.
        variants = [
            v
            for v in (media.get("video_info") or {}).get("variants") or []
            if v.get("content_type") == "video/mp4" and v.get("url")
        ]
        if variants:
            url = max(variants, key=lambda v: v.get("bitrate") or 0)["url"]
    filename = PurePosixPath(urlsplit(url).path).name or f"x-media-{media.get('id_str', '')}"
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return AttachmentData(filename=filename, content_type=content_type, url=url)


def _ms(value) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _created_at(value) -> datetime | None:
    # "Sat Nov 28 05:30:03 +0000 2020": not RFC 2822, so reorder the year before parsing.
    try:
        day, month, date, clock, offset, year = str(value).split()
        return parsedate_to_datetime(f"{day}, {date} {month} {year} {clock} {offset}")
    except (TypeError, ValueError):
        return None


# --- Outbound --------------------------------------------------------------------------------


def _post(url: str, token: str, payload: dict) -> dict:
    try:
        response = requests.post(
            url,
            json=payload,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "CX Hub"},
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:  # timeouts, refused connections, resets
        raise TransientSendError(f"X API unreachable: {exc}") from exc
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if response.status_code == 429:
        raise TransientSendError(
            f"X rate limit: {_error_detail(body) or 'Too Many Requests'}",
            retry_after=_retry_after(response),
        )
    if response.status_code >= 500:
        raise TransientSendError(f"X API error {response.status_code}: {_error_detail(body)}")
    if response.status_code >= 400:
        raise SendError(f"X refused the reply ({response.status_code}): {_error_detail(body)}")
    return body


def _required(body: dict, field: str) -> str:
    data = body.get("data") if isinstance(body.get("data"), dict) else body
    value = data.get(field)
    if not value:
        raise SendError(f"X answered without {field}: {_error_detail(body) or body}")
    return str(value)


def _error_detail(body: dict) -> str:
    """X v2 errors are problem details (`title`, `detail`); some endpoints use `errors`."""
    if body.get("detail") or body.get("title"):
        return str(body.get("detail") or body.get("title"))
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        return str(first.get("detail") or first.get("message") or first.get("title") or first)
    return ""


def _retry_after(response: requests.Response) -> float | None:
    """Seconds to wait: Retry-After if given, else until `x-rate-limit-reset` (epoch seconds)."""
    try:
        return max(float(response.headers["Retry-After"]), 1.0)
    except (KeyError, ValueError):
        pass
    try:
        return max(float(response.headers["x-rate-limit-reset"]) - time.time(), 1.0)
    except (KeyError, ValueError):
        return None
