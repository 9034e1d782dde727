"""Normalizing identities and subjects: pure functions, tested without a database."""

from __future__ import annotations

import re

import phonenumbers

from interactions.types import Identity

_SUBJECT_PREFIX = re.compile(
    r"^\s*((re|fw|fwd|aw|wg|sv|vs|tr|rv|enc|r)\s*(\[\d+\])?\s*:\s*)+", re.I
)


class InvalidIdentity(ValueError):
    """An address that cannot identify anyone (empty, or not a phone number)."""


def normalize_email(value: str) -> str:
    value = value.strip().strip("<>").strip()
    if "@" not in value or value.startswith("@") or value.endswith("@"):
        raise InvalidIdentity(f"{value!r} is not an email address.")
    return value.lower()


def normalize_phone(value: str, default_region: str = "US") -> str:
    """E.164 (`+14155550100`); `whatsapp:+1…` prefixes are dropped."""
    raw = value.strip()
    for prefix in ("whatsapp:", "tel:", "sms:"):
        if raw.lower().startswith(prefix):
            raw = raw[len(prefix) :]
    try:
        number = phonenumbers.parse(raw, None if raw.startswith("+") else default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidIdentity(f"{value!r} is not a phone number: {exc}") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidIdentity(f"{value!r} is not a possible phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_identity(identity: Identity) -> Identity:
    if identity.kind == "email":
        return Identity("email", normalize_email(identity.value), identity.display)
    if identity.kind in {"phone", "whatsapp"}:
        return Identity(identity.kind, normalize_phone(identity.value), identity.display)
    value = identity.value.strip()
    if not value:
        raise InvalidIdentity(f"An empty {identity.kind} id identifies nobody.")
    return Identity(identity.kind, value, identity.display)


def base_subject(subject: str) -> str:
    """The subject without Re:/Fwd: prefixes (in several languages), for threading fallbacks."""
    return _SUBJECT_PREFIX.sub("", subject or "").strip()


def preview_of(text: str, limit: int = 200) -> str:
    """The first words of a message, on one line, for the inbox list."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
