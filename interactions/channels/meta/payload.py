"""Small readers for Meta's JSON: tolerant of missing or mistyped fields."""

from __future__ import annotations

from datetime import UTC, datetime


def dicts(value) -> list[dict]:
    """The dict items of `value` if it is a list; nothing otherwise."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def from_millis(value) -> datetime | None:
    """Messenger and Instagram timestamps: milliseconds since the epoch."""
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def from_seconds(value) -> datetime | None:
    """Feed comments and WhatsApp: seconds since the epoch (WhatsApp sends them as strings)."""
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
