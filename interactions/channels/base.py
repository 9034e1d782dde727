"""The contract every channel adapter keeps.

An adapter verifies a provider's request, splits it into events worth storing, parses a stored
event into normalized items (`interactions.types`), and sends replies. It never touches the
database: the webhook view stores, the ingest service applies, the outbound service records.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse

from interactions.types import OutboundRequest, ParsedItem


class WebhookError(Exception):
    """A request the endpoint refuses, carrying the HTTP status it answers with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


class ParseError(Exception):
    """A stored event that can never be understood: the event is marked failed with the reason."""


class SendError(Exception):
    """A send the provider refused for good (bad number, blocked, outside a window)."""


class TransientSendError(Exception):
    """A send worth retrying: 429, 5xx, a timeout."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class EventData:
    """One provider delivery as it will be stored (before anything is parsed)."""

    provider_event_id: str
    payload: dict = field(default_factory=dict)
    raw: str = ""
    channel_address: str = ""


def config_secret(config: dict | None, name: str) -> str:
    """A channel's secret: from the environment variable its config names in `<name>_env`
    (so the token never sits in the database or the admin), else `config[name]` itself."""
    config = config or {}
    env = config.get(f"{name}_env") or ""
    if env:
        return os.environ.get(env, "")
    return config.get(name) or ""


def body_digest(body: bytes) -> str:
    """A stable event id for providers whose deliveries carry none (Meta, X)."""
    return "sha256:" + hashlib.sha256(body).hexdigest()


class Adapter:
    """Base class: override what the provider needs."""

    #: the registry key and the InboundEvent.provider value
    provider: str = ""
    #: the largest request body accepted; larger gets 413 before anything is read into memory
    max_body_bytes: int = 1024 * 1024

    def handshake(self, request: HttpRequest) -> HttpResponse:
        """Answer a GET (Meta's hub.challenge, X's CRC); most providers only POST."""
        raise WebhookError("This endpoint only accepts POST.", status=405)

    def verify(self, request: HttpRequest) -> None:
        """Raise WebhookError(403) unless the request carries the provider's valid signature."""
        raise NotImplementedError

    def events(self, request: HttpRequest) -> list[EventData]:
        """The events to store; raise WebhookError(400) for a malformed body."""
        raise NotImplementedError

    def acknowledge(self, request: HttpRequest, events: list[EventData]) -> HttpResponse:
        return HttpResponse("", status=200)

    def parse(self, payload: dict, raw: str) -> list[ParsedItem]:
        """Normalized items from one stored event; raise ParseError if it can never parse."""
        raise NotImplementedError

    def media_hosts(self) -> set[str]:
        """Hosts this provider serves customer media from (a leading dot matches subdomains).

        Media on any other host is never fetched: a payload cannot make us request an
        arbitrary URL (SSRF). The provider's configured API base host is always allowed.
        """
        return set()

    def media_headers(self, *, url: str = "", channel_config: dict | None = None) -> dict[str, str]:
        """Credentials to send with a download of `url` from the provider's own hosts.

        `channel_config` carries per-channel tokens (a Meta page token); give credentials only
        to hosts that need them.
        """
        return {}

    def media_resolve(self, url: str, *, channel_config: dict | None = None) -> str:
        """The URL to download a media reference from (Meta's media ids take a lookup first).

        May raise TransientSendError / SendError like a send.
        """
        return url

    def send(self, request: OutboundRequest) -> str:
        """Send a reply; return the provider's message id. SendError / TransientSendError."""
        raise SendError(f"{self.provider} cannot send replies.")

    def assign_provider_id(self, request: OutboundRequest) -> str:
        """An id we choose before sending (email's Message-ID), or "" when the provider picks.

        The outbound service stores it before the send, so a send interrupted after the
        provider accepted it is resent under the same id, which recipients recognise.
        """
        return ""
