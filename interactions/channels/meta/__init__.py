"""Meta: Messenger, Instagram DMs, WhatsApp Cloud API, and comments on the brand's posts.

One endpoint, `/webhooks/meta/`, for every Meta product the app subscribes to:
- GET answers the subscription handshake (`hub.mode`, `hub.verify_token`, `hub.challenge`).
- POST carries `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body, keyed with the app
  secret>`; it is checked over the exact bytes received, before anything is parsed.
  https://developers.facebook.com/docs/graph-api/webhooks/getting-started
A delivery has no id of its own, so the stored event id is a digest of its body: a re-delivery
of the same bytes is a no-op, and the (channel, message id) constraint catches the rest.

Channels (provider "meta"; config `{"access_token_env": "<variable holding the page or
system-user token>"}`, or the token itself in `access_token`):
- messenger: address = the Facebook Page id (DMs and comments on the Page's posts)
- instagram: address = the Instagram professional account id (DMs and comments on its media)
- whatsapp: address = the WhatsApp Cloud API phone_number_id (not the display number);
  optional config `template_language` (default en_US) for template sends
"""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from interactions.channels.base import (
    Adapter,
    EventData,
    ParseError,
    WebhookError,
    body_digest,
    config_secret,
)
from interactions.channels.meta import graph, messenger, whatsapp
from interactions.types import OutboundRequest, ParsedItem

# Meta's CDN and lookaside hosts: Messenger/Instagram attachments (signed CDN URLs) and
# WhatsApp media downloads (lookaside.fbsbx.com, which needs the token).
MEDIA_HOSTS = {".fbcdn.net", ".fbsbx.com", ".cdninstagram.com"}


class MetaAdapter(Adapter):
    provider = "meta"

    def handshake(self, request: HttpRequest) -> HttpResponse:
        expected = settings.META_VERIFY_TOKEN
        if not expected:
            raise WebhookError("Meta is not configured (META_VERIFY_TOKEN).", status=403)
        given = request.GET.get("hub.verify_token", "")
        if request.GET.get("hub.mode") != "subscribe" or not hmac.compare_digest(
            given.encode(), expected.encode()
        ):
            raise WebhookError("Wrong hub.mode or hub.verify_token.", status=403)
        return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")

    def verify(self, request: HttpRequest) -> None:
        secret = settings.META_APP_SECRET
        if not secret:
            raise WebhookError("Meta is not configured (META_APP_SECRET).", status=403)
        scheme, _, given = request.headers.get("X-Hub-Signature-256", "").partition("=")
        expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        if scheme != "sha256" or not hmac.compare_digest(
            given.strip().lower().encode(), expected.encode()
        ):
            raise WebhookError("Bad or missing X-Hub-Signature-256.", status=403)

    def events(self, request: HttpRequest) -> list[EventData]:
        try:
            payload = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise WebhookError("The body is not JSON.", status=400) from None
        if (
            not isinstance(payload, dict)
            or not isinstance(payload.get("object"), str)
            or not isinstance(payload.get("entry"), list)
        ):
            raise WebhookError("A Meta delivery needs an `object` and an `entry` list.", status=400)
        return [EventData(provider_event_id=body_digest(request.body), payload=payload)]

    def parse(self, payload, raw) -> list[ParsedItem]:
        """Every item of every event in every entry of one delivery, in delivery order."""
        obj = payload.get("object") if isinstance(payload, dict) else None
        entries = payload.get("entry") if isinstance(payload, dict) else None
        if not isinstance(obj, str) or not isinstance(entries, list):
            raise ParseError("A Meta delivery needs an `object` and an `entry` list.")
        items: list[ParsedItem] = []
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            if obj == "page":
                items += messenger.entry_items("messenger", entry)
            elif obj == "instagram":
                items += messenger.entry_items("instagram", entry)
            elif obj == "whatsapp_business_account":
                items += whatsapp.entry_items(entry, graph_base=settings.META_GRAPH_API_BASE)
            # other objects (user, permissions…) carry nothing for the inbox
        return items

    def send(self, request: OutboundRequest) -> str:
        return graph.send(request)

    def media_hosts(self) -> set[str]:
        return MEDIA_HOSTS | {graph.graph_host()}

    def media_headers(self, *, url: str = "", channel_config: dict | None = None) -> dict[str, str]:
        """The channel's token as a bearer header, for Meta's own hosts only."""
        token = config_secret(channel_config, "access_token")
        if not token:
            return {}
        host = urlsplit(url).hostname or ""
        if url and host != graph.graph_host() and not host.endswith(".fbsbx.com"):
            return {}  # signed CDN links need no token: never hand it to another host
        return {"Authorization": f"Bearer {token}"}

    def media_resolve(self, url: str, *, channel_config: dict | None = None) -> str:
        """Where to download `url` from: WhatsApp media ids resolve to a lookaside URL."""
        return graph.media_resolve(url, channel_config)
