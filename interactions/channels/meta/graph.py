"""Graph API calls: sending replies and resolving WhatsApp media ids. No database.

Errors follow Graph's envelope `{"error": {"message", "code", "error_subcode", ...}}`
(https://developers.facebook.com/docs/graph-api/guides/error-handling). Throttling comes back
as HTTP 400 with a rate-limit code as often as a 429, so the code decides, not only the status.
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils import timezone

from interactions.channels.base import SendError, TransientSendError, config_secret
from interactions.types import OutboundRequest

# (connect, read) seconds: a reply task must not hang on a slow Graph API.
TIMEOUT = (5, 20)

# Codes worth retrying: Graph throttling (4 app, 17 user, 32 page, 613 rate, 80001-80014
# business-use-case), temporary outages (1, 2), and WhatsApp's rate and capacity limits
# (80007, 130429 throughput, 131048 spam rate, 131056 pair rate, 131000/131016/133004 service).
RETRYABLE_CODES = {1, 2, 4, 17, 32, 613, 80007, 130429, 131000, 131016, 131048, 131056, 133004}
RETRYABLE_CODES |= set(range(80001, 80015))


def graph_url(path: str) -> str:
    return settings.META_GRAPH_API_BASE.rstrip("/") + path


def graph_host() -> str:
    return urlsplit(settings.META_GRAPH_API_BASE).hostname or ""


def token_of(config: dict | None) -> str:
    token = config_secret(config, "access_token")
    if not token:
        raise SendError(
            "This Meta channel has no access token: set the environment variable its config "
            "names in `access_token_env` (or put the token in `access_token`)."
        )
    return token


def send(request: OutboundRequest) -> str:
    """Send one reply through the Graph API; return Meta's id for it."""
    token = token_of(request.channel_config)
    if not request.text and not request.template:
        raise SendError("Nothing to send: the reply has no text.")
    if request.attachments:
        # Refused rather than dropped, so the agent sees the files did not go.
        raise SendError("Sending files through Meta is not supported yet; send the text alone.")
    if request.channel_kind == "whatsapp":
        data = _post(f"/{request.channel_address}/messages", _whatsapp_body(request), token)
        messages = [m for m in data.get("messages") or [] if isinstance(m, dict)]
        sent = messages[0].get("id") if messages else None
    elif request.channel_kind in {"messenger", "instagram"} and request.conversation_key:
        # A thread with a conversation key is a post's comments: answer in public, under the
        # customer's comment (or on the post when we have no comment id).
        target = request.reply_to_provider_id or request.conversation_key
        edge = (
            "replies"
            if request.channel_kind == "instagram" and request.reply_to_provider_id
            else "comments"
        )
        sent = _post(f"/{target}/{edge}", {"message": request.text}, token).get("id")
    elif request.channel_kind in {"messenger", "instagram"}:
        # /me resolves to the Page the token belongs to; Instagram DMs go through the Page too.
        # RESPONSE is allowed inside the 24-hour window; outside it Meta answers an error.
        body = {
            "recipient": {"id": request.to.value},
            "messaging_type": "RESPONSE",
            "message": {"text": request.text},
        }
        sent = _post("/me/messages", body, token).get("message_id")
    else:
        raise SendError(f"Meta cannot send on a {request.channel_kind} channel.")
    if not sent:
        raise SendError("Meta accepted the request but returned no message id.")
    return str(sent)


def _whatsapp_body(request: OutboundRequest) -> dict:
    # https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/text-messages
    body = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": request.to.value.lstrip("+"),
    }
    if request.template:
        # Outside the 24-hour customer service window only an approved template may be sent.
        language = (request.channel_config or {}).get("template_language") or "en_US"
        return {
            **body,
            "type": "template",
            "template": {"name": request.template, "language": {"code": language}},
        }
    return {**body, "type": "text", "text": {"preview_url": False, "body": request.text}}


def media_resolve(url: str, config: dict | None) -> str:
    """The download URL for a WhatsApp media URL (`{graph}/{media-id}`); other URLs unchanged.

    Step one of Meta's two-step media fetch: GET the media id with the token answers JSON with
    a short-lived `url` on lookaside.fbsbx.com, which is then fetched with the same token.
    Raises TransientSendError / SendError like a send.
    """
    if urlsplit(url).hostname != graph_host():
        return url
    data = _call("get", url, None, token_of(config))
    if not data.get("url"):
        raise SendError("Meta answered no download URL for this media id.")
    return data["url"]


def _post(path: str, body: dict, token: str) -> dict:
    return _call("post", graph_url(path), body, token)


def _call(method: str, url: str, body: dict | None, token: str) -> dict:
    # The token travels in a header, never in the URL, so it stays out of access logs.
    try:
        response = requests.request(
            method, url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
        )
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise TransientSendError(f"Meta Graph API unreachable: {exc}") from exc
    except requests.RequestException as exc:
        raise SendError(f"Meta Graph API request failed: {exc}") from exc
    try:
        data = response.json()
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    if response.ok and "error" not in data:
        return data
    error = data.get("error") if isinstance(data.get("error"), dict) else {}
    code = error.get("code")
    message = error.get("message") or f"HTTP {response.status_code}"
    details = (
        (error.get("error_data") or {}).get("details")
        if isinstance(error.get("error_data"), dict)
        else ""
    )
    reason = f"Meta error {code}: {message}" if code is not None else f"Meta: {message}"
    if details and details not in reason:
        reason = f"{reason} — {details}"
    if (
        response.status_code == 429
        or response.status_code >= 500
        or code in RETRYABLE_CODES
        or error.get("is_transient") is True
    ):
        raise TransientSendError(
            reason, retry_after=_retry_after(response.headers.get("Retry-After"))
        )
    raise SendError(reason)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max((parsedate_to_datetime(value) - timezone.now()).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return None
