"""Helpers that sign webhook requests exactly the way each provider signs them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

from django.conf import settings
from twilio.request_validator import RequestValidator

TWILIO_TOKEN = "test-twilio-auth-token-0123456789"
META_SECRET = "test-meta-app-secret"
X_SECRET = "test-x-consumer-secret"


def twilio_post(client, path: str, params: dict, *, token: str = TWILIO_TOKEN, signature=None):
    """POST form params to `path` with the X-Twilio-Signature Twilio would compute."""
    url = settings.PUBLIC_BASE_URL + path
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, params)
    return client.post(path, params, headers={"X-Twilio-Signature": signature})


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def meta_post(client, path: str, payload, *, secret: str = META_SECRET, signature=None):
    """POST a Meta webhook payload (dict, or raw bytes) with the X-Hub-Signature-256 Meta sends:
    `sha256=<hex HMAC-SHA256 of the raw body, keyed with the app secret>`."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    if signature is None:
        signature = "sha256=" + hmac_sha256_hex(secret, body)
    headers = {"X-Hub-Signature-256": signature} if signature else {}
    return client.post(path, body, content_type="application/json", headers=headers)


def x_signature(body: bytes, secret: str = X_SECRET) -> str:
    """`sha256=<base64 HMAC-SHA256>` keyed with the consumer secret, as X computes it."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def x_post(client, path: str, payload, *, secret: str = X_SECRET, signature=None):
    """POST an Account Activity payload (dict, or raw bytes) signed the way X signs it."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    if signature is None:
        signature = x_signature(body, secret)
    return client.post(
        path,
        body,
        content_type="application/json",
        headers={"x-twitter-webhooks-signature": signature},
    )


def x_crc(crc_token: str, *, secret: str = X_SECRET) -> dict:
    """The JSON X expects back from a CRC GET for `crc_token`."""
    return {"response_token": x_signature(crc_token.encode(), secret)}


# --- Email through anymail (https://anymail.dev/en/stable/inbound/) -------------------------

MAILGUN_SIGNING_KEY = "test-mailgun-webhook-signing-key"
ANYMAIL_BASIC_AUTH = "cxhub:test-webhook-secret"


def mailgun_sign(params: dict, *, key: str = MAILGUN_SIGNING_KEY, timestamp=None, token=None):
    """`params` plus the timestamp, token and signature Mailgun adds to a forwarded message:
    hex HMAC-SHA256 of timestamp + token, keyed with the webhook signing key."""
    timestamp = str(timestamp or int(time.time()))
    token = token or secrets.token_hex(25)  # Mailgun's tokens: 50 random characters
    signature = hmac_sha256_hex(key, f"{timestamp}{token}".encode())
    return {**params, "timestamp": timestamp, "token": token, "signature": signature}


def basic_auth(credentials: str = ANYMAIL_BASIC_AUTH) -> dict:
    """The Authorization header an ESP sends for a webhook URL https://user:pass@host/…"""
    return {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}


def sns_post(client, path: str, sns_message: dict, *, auth: str | None = ANYMAIL_BASIC_AUTH):
    """POST an Amazon SNS notification the way SNS does: JSON as text/plain, with the
    x-amz-sns-message-type and -id headers anymail checks against the body."""
    headers = {
        "x-amz-sns-message-type": sns_message.get("Type", ""),
        "x-amz-sns-message-id": sns_message.get("MessageId", ""),
        **(basic_auth(auth) if auth else {}),
    }
    return client.post(
        path, json.dumps(sns_message), content_type="text/plain; charset=UTF-8", headers=headers
    )


def twilio_sms_params(
    *,
    sid: str,
    body: str = "Where is my order #1042?",
    sender: str = "+447700900123",
    to: str = "+14155550100",
    **extra,
) -> dict:
    """The parameters Twilio documents for an incoming message webhook."""
    return {
        "ToCountry": "US",
        "ToState": "CA",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "SAN FRANCISCO",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": "GB",
        "To": to,
        "ToZip": "94105",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "ApiVersion": "2010-04-01",
        **extra,
    }
