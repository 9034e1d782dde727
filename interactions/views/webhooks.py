"""Provider webhooks: verify, store, enqueue on commit, answer. Nothing else happens here."""

import contextlib
import logging

from django.db import transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from interactions.channels.base import WebhookError
from interactions.channels.registry import get_adapter
from interactions.services.events import inbound_event_store

log = logging.getLogger(__name__)

# Headers worth keeping with the stored event (for debugging a provider's delivery).
KEPT_HEADERS = (
    "content-type",
    "user-agent",
    "x-twilio-signature",
    "x-hub-signature-256",
    "x-twitter-webhooks-signature",
)


def _too_large(request, limit: int) -> bool:
    try:
        return int(request.headers.get("Content-Length") or 0) > limit
    except ValueError:
        return True


@csrf_exempt
def provider_webhook(request, *, provider: str):
    adapter = get_adapter(provider)
    if adapter is None:
        return HttpResponse("Unknown provider.", status=404)
    try:
        if request.method == "GET":
            return adapter.handshake(request)
        if request.method != "POST":
            raise WebhookError("Use POST.", status=405)
        if _too_large(request, adapter.max_body_bytes):
            raise WebhookError("Request body too large.", status=413)
        adapter.verify(request)
        events = adapter.events(request)
    except WebhookError as exc:
        if exc.status == 403:
            log.warning(
                "Refused %s webhook from %s: %s", provider, request.META.get("REMOTE_ADDR"), exc
            )
        return HttpResponse(str(exc), status=exc.status, content_type="text/plain")
    headers = {k: v for k, v in request.headers.items() if k.lower() in KEPT_HEADERS}
    # One delivery is one INSERT, atomic by itself: a transaction around it would only add two
    # round trips (BEGIN, COMMIT). A batch is stored whole or not at all.
    with transaction.atomic() if len(events) > 1 else contextlib.nullcontext():
        for event in events:
            inbound_event_store(
                provider=provider,
                provider_event_id=event.provider_event_id,
                payload=event.payload,
                raw=event.raw,
                headers=headers,
            )
    return adapter.acknowledge(request, events)
