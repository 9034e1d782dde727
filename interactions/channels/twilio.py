"""Twilio: SMS and WhatsApp messages, their delivery receipts, and voice calls.

Requests are form-encoded and signed with `X-Twilio-Signature` (HMAC-SHA1 of the full URL and
the sorted parameters, keyed with the auth token); the SDK's RequestValidator checks it. The
signed URL is the one Twilio called, so it is rebuilt from PUBLIC_BASE_URL.
https://www.twilio.com/docs/usage/webhooks/webhooks-security
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from interactions.channels.base import (
    Adapter,
    EventData,
    ParseError,
    SendError,
    TransientSendError,
    WebhookError,
)
from interactions.types import (
    AttachmentData,
    CallUpdate,
    Identity,
    InboundMessage,
    OutboundRequest,
    StatusUpdate,
)

# Twilio's MessageStatus values → ours. `receiving`/`received`/`accepted` are not outbound states.
MESSAGE_STATUSES = {
    "queued": "queued",
    "sending": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "failed",
    "failed": "failed",
}
MAX_MEDIA = 10  # Twilio sends at most 10 media items per message


def public_url(request: HttpRequest) -> str:
    return settings.PUBLIC_BASE_URL + request.get_full_path()


def split_address(value: str) -> tuple[str, str]:
    """('whatsapp', '+1415…') for 'whatsapp:+1415…', ('sms', '+1415…') for a plain number."""
    if value.lower().startswith("whatsapp:"):
        return "whatsapp", value.split(":", 1)[1]
    return "sms", value


class TwilioWebhook(Adapter):
    """What every Twilio endpoint shares: the signature check and form parsing."""

    def verify(self, request: HttpRequest) -> None:
        token = settings.TWILIO_AUTH_TOKEN
        if not token:
            raise WebhookError("Twilio is not configured (TWILIO_AUTH_TOKEN).", status=403)
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature or not RequestValidator(token).validate(
            public_url(request), request.POST.dict(), signature
        ):
            raise WebhookError("Bad or missing X-Twilio-Signature.", status=403)

    @staticmethod
    def form(request: HttpRequest, *required: str) -> dict:
        data = request.POST.dict()
        missing = [name for name in required if not data.get(name)]
        if missing:
            raise WebhookError(f"Missing Twilio parameter(s): {', '.join(missing)}.", status=400)
        return data

    def acknowledge(self, request, events):
        # An empty TwiML response: no automatic reply from Twilio.
        return HttpResponse("<Response/>", content_type="text/xml")


class TwilioMessaging(TwilioWebhook):
    """`/webhooks/twilio/messaging/`: an inbound SMS or WhatsApp message, with media."""

    provider = "twilio"

    def events(self, request):
        data = self.form(request, "MessageSid", "From", "To")
        return [EventData(provider_event_id=data["MessageSid"], payload=data)]

    def parse(self, payload, raw):
        kind, sender = split_address(payload.get("From", ""))
        _, address = split_address(payload.get("To", ""))
        if not sender or not address:
            raise ParseError("Twilio message without From/To.")
        try:
            media_count = min(int(payload.get("NumMedia") or 0), MAX_MEDIA)
        except ValueError:
            media_count = 0
        attachments = tuple(
            AttachmentData(
                filename=f"media-{i}",
                content_type=payload.get(f"MediaContentType{i}", "application/octet-stream"),
                url=payload[f"MediaUrl{i}"],
            )
            for i in range(media_count)
            if payload.get(f"MediaUrl{i}")
        )
        identity_kind = "whatsapp" if kind == "whatsapp" else "phone"
        return [
            InboundMessage(
                channel_kind=kind,
                channel_address=address,
                provider_message_id=payload["MessageSid"],
                sender=Identity(identity_kind, sender, payload.get("ProfileName", "")),
                sender_name=payload.get("ProfileName", ""),
                text=payload.get("Body", ""),
                attachments=attachments,
                meta={"provider": "twilio", "num_segments": payload.get("NumSegments", "")},
            )
        ]

    # --- Sending (Messages API) and media ----------------------------------------------------

    def send(self, request: OutboundRequest) -> str:
        """POST /2010-04-01/Accounts/{sid}/Messages.json through the official SDK.

        SMS goes from the channel's number to the customer's E.164 number; WhatsApp prefixes
        both with "whatsapp:". A template send (WhatsApp outside the 24-hour window) uses a
        Content SID: the channel config's "templates" maps a template name to its "HX…" SID,
        and a name that is itself an "HX…" SID is used as is. Twilio takes no idempotency key,
        so the outbound service guards against double sends (see services/outbound.py).
        https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
        """
        client, http = _client()
        prefix = "whatsapp:" if request.channel_kind == "whatsapp" else ""
        params = {
            "to": f"{prefix}{request.to.value}",
            "from_": f"{prefix}{request.channel_address}",
            "status_callback": f"{settings.PUBLIC_BASE_URL}/webhooks/twilio/status/",
        }
        config = request.channel_config or {}
        if config.get("messaging_service_sid"):
            params["messaging_service_sid"] = config["messaging_service_sid"]
        if request.template:
            params["content_sid"] = _content_sid(request.template, config)
        else:
            params["body"] = request.text
        try:
            message = client.messages.create(**params)
        except (TwilioRestException, TwilioServiceException) as exc:
            raise _send_error(exc, http.last_headers) from exc
        except requests.ReadTimeout as exc:
            # The request went out; Twilio may have accepted it. Retrying could text twice.
            raise SendError(
                "Twilio did not answer in time; the message may or may not have been sent."
            ) from exc
        except requests.RequestException as exc:
            raise TransientSendError(f"Twilio unreachable: {exc}") from exc
        return message.sid

    def media_hosts(self) -> set[str]:
        # MediaUrl is on api.twilio.com and redirects to a signed URL on Twilio's media CDN.
        # https://www.twilio.com/docs/messaging/guides/how-to-use-your-free-trial-account#media
        return {"api.twilio.com", ".twilio.com", ".twiliocdn.com"}

    def media_headers(self, *, url: str = "", channel_config: dict | None = None) -> dict[str, str]:
        # Media URLs need the account's basic auth when "HTTP Basic Authentication for media
        # access" is on (Console > Messaging > Settings); harmless when it is off.
        sid, token = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
        if not sid or not token:
            return {}
        credentials = base64.b64encode(f"{sid}:{token}".encode()).decode()
        return {"Authorization": f"Basic {credentials}"}


class TwilioMessageStatus(TwilioWebhook):
    """`/webhooks/twilio/status/`: delivery receipts for the messages we sent."""

    provider = "twilio_status"

    def events(self, request):
        data = self.form(request, "MessageSid", "MessageStatus")
        # Each status is its own event: `sent` and `delivered` for one message are two deliveries.
        return [EventData(f"{data['MessageSid']}:{data['MessageStatus']}", payload=data)]

    def parse(self, payload, raw):
        status = MESSAGE_STATUSES.get(payload.get("MessageStatus", ""))
        if status is None:
            return []
        kind, address = split_address(payload.get("From", ""))
        error = ""
        if payload.get("ErrorCode"):
            error = f"Twilio error {payload['ErrorCode']}: {payload.get('ErrorMessage', '')}".strip(
                ": "
            )
        return [
            StatusUpdate(
                channel_kind=kind,
                provider_message_id=payload["MessageSid"],
                status=status,
                channel_address=address,
                error=error,
            )
        ]


class TwilioVoice(TwilioWebhook):
    """`/webhooks/twilio/voice/` and its status callback: a call becomes a thread entry.

    The incoming-call request answers with TwiML that greets the caller and records a voicemail
    with a transcript; the status, recording and transcription callbacks add duration, the
    recording link and the transcript to the same entry.
    """

    provider = "twilio_voice"

    def events(self, request):
        data = self.form(request, "CallSid")
        if data.get("TranscriptionSid"):
            key = f"{data['CallSid']}:transcription:{data['TranscriptionSid']}"
        elif data.get("RecordingSid"):
            key = f"{data['CallSid']}:recording:{data['RecordingSid']}"
        else:
            key = f"{data['CallSid']}:{data.get('CallStatus', 'ringing')}"
        return [EventData(key, payload=data)]

    def acknowledge(self, request, events):
        payload = events[0].payload if events else {}
        if payload.get("RecordingUrl"):
            # The <Record> action: the voicemail is in; thank the caller and hang up.
            response = VoiceResponse()
            response.say("Thank you. Goodbye.")
            response.hangup()
            return HttpResponse(str(response), content_type="text/xml")
        if payload.get("CallStatus") not in {None, "", "ringing", "in-progress"}:
            return HttpResponse("<Response/>", content_type="text/xml")
        callback = f"{settings.PUBLIC_BASE_URL}/webhooks/twilio/voice/status/"
        response = VoiceResponse()
        response.say(
            "Thanks for calling. Please leave a message after the tone and we will get back to you."
        )
        response.record(
            max_length=180,
            play_beep=True,
            transcribe=True,
            transcribe_callback=callback,
            recording_status_callback=callback,
            action=callback,
        )
        return HttpResponse(str(response), content_type="text/xml")

    def parse(self, payload, raw):
        direction = "outbound" if payload.get("Direction", "").startswith("outbound") else "inbound"
        customer, ours = (
            (payload.get("From", ""), payload.get("To", ""))
            if direction == "inbound"
            else (payload.get("To", ""), payload.get("From", ""))
        )
        call_sid = payload["CallSid"]
        if payload.get("TranscriptionText") or payload.get("TranscriptionSid"):
            return [
                CallUpdate(
                    channel_address=ours,
                    provider_message_id=call_sid,
                    meta={"transcription_status": payload.get("TranscriptionStatus", "")},
                    text=f"Voicemail transcript: {payload.get('TranscriptionText', '').strip()}",
                )
            ]
        if payload.get("RecordingUrl"):
            return [
                CallUpdate(
                    channel_address=ours,
                    provider_message_id=call_sid,
                    meta={
                        "recording_url": payload["RecordingUrl"],
                        "recording_duration_s": _int(payload.get("RecordingDuration")),
                        "voicemail": True,
                    },
                )
            ]
        status = payload.get("CallStatus", "ringing")
        if status in {"ringing", "in-progress", "queued", "initiated"}:
            return [
                InboundMessage(
                    channel_kind="voice",
                    channel_address=ours,
                    provider_message_id=call_sid,
                    sender=Identity("phone", customer),
                    sender_name=payload.get("CallerName", ""),
                    text="Incoming call" if direction == "inbound" else "Outgoing call",
                    kind="call",
                    conversation_key="",
                    meta={"call_direction": direction, "call_status": status},
                )
            ]
        return [
            CallUpdate(
                channel_address=ours,
                provider_message_id=call_sid,
                meta={"call_status": status, "duration_s": _int(payload.get("CallDuration"))},
            )
        ]


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- Sending helpers --------------------------------------------------------------------------

SEND_TIMEOUT_S = 15


class _HttpClient(TwilioHttpClient):
    """Remembers the last response's headers: Retry-After is not on the SDK's exceptions."""

    last_headers: dict = {}

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        self.last_headers = response.headers or {}
        return response


def _client() -> tuple[Client, _HttpClient]:
    sid, token = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
    if not sid or not token:
        raise SendError("Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN).")
    http = _HttpClient(timeout=SEND_TIMEOUT_S)
    # A non-empty `environment` keeps TWILIO_EDGE / TWILIO_REGION in os.environ from
    # rewriting the host, so TWILIO_API_BASE is the only thing that decides where requests go.
    client = Client(sid, token, http_client=http, environment={"TWILIO_ACCOUNT_SID": sid})
    # The Api domain's base URL (https://api.twilio.com by default); tests point it at loopback.
    client.api.base_url = settings.TWILIO_API_BASE.rstrip("/")
    return client, http


def _content_sid(template: str, config: dict) -> str:
    sid = (config.get("templates") or {}).get(template)
    if sid:
        return sid
    if template.startswith("HX"):
        return template
    raise SendError(
        f"No Twilio Content SID for template {template!r}: add it to the channel's "
        'config as "templates": {"name": "HX…"}.'
    )


def _send_error(exc, headers) -> Exception:
    status = exc.status or 0
    service_error = isinstance(exc, TwilioServiceException)
    detail = (exc.detail or exc.title) if service_error else exc.msg
    reason = f"Twilio error {exc.code} (HTTP {status}): {detail}"
    if status == 429 or status >= 500:
        return TransientSendError(reason, retry_after=_retry_after(headers.get("Retry-After")))
    return SendError(reason)


def _retry_after(value) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None
