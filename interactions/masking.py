"""Masked contact details for roles that may not see them: pure functions, no ORM.

Enough stays visible to tell two addresses apart on the phone with a customer ("the one
ending 0123", "j… at example.com"), not enough to write to them. Only email addresses and
phone numbers are masked; social ids (Messenger PSIDs, X ids, handles) are left as they are.
"""

from __future__ import annotations

import re

import phonenumbers

MASKED_KINDS = frozenset({"email", "phone", "whatsapp"})
BULLET = "•"


def mask_email(value: str) -> str:
    """`jane.doe@example.com` → `j***@example.com`."""
    local, at, domain = value.strip().rpartition("@")
    if not at or not local or not domain:
        return "***"
    return f"{local[0]}***@{domain}"


def _country_code(value: str) -> str:
    try:
        return str(phonenumbers.parse(value, None).country_code)
    except phonenumbers.NumberParseException:
        return ""


def mask_phone(value: str) -> str:
    """`+447700900123` → `+44 •••• ••0123`: the country code and the last 2 to 4 digits."""
    digits = "".join(c for c in value if c.isdigit())
    if not digits:
        return BULLET * 4
    country = _country_code(value) if value.strip().startswith("+") else ""
    national = digits[len(country) :] if country and digits.startswith(country) else digits
    keep = 4 if len(national) >= 9 else 3 if len(national) >= 7 else 2
    keep = min(keep, max(len(national) - 2, 0))
    hidden = len(national) - keep
    groups = [BULLET * min(4, hidden - i) for i in range(0, hidden, 4)]
    masked = " ".join(groups) + national[hidden:]
    return f"+{country} {masked}" if country else masked


def mask_identity(kind: str, value: str) -> str:
    """The masked form of an identity's value; kinds other than email and phone pass through."""
    if kind == "email":
        return mask_email(value)
    if kind in ("phone", "whatsapp"):
        return mask_phone(value)
    return value


def identity_label(kind: str, value: str, display: str = "", *, masked: bool) -> str:
    """How an identity reads on a page: its display form, or its masked value.

    A masked email or phone shows only the masked value: the display form of a number
    (`+44 7700 900123`) would give it away.
    """
    if masked and kind in MASKED_KINDS:
        return mask_identity(kind, value)
    if kind == "email":
        return value  # the address itself: a display form is at most the sender's name
    return display or value


_SEPARATORS = r"[\s\-.()/]*"


def _phone_pattern(value: str) -> str | None:
    """A pattern for an E.164 number as people write it: with or without its country code
    (+44, 0044) or trunk 0, digits grouped by spaces, dashes, dots or brackets."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    national = phonenumbers.national_significant_number(number)
    if len(national) < 6:
        return None
    digits = _SEPARATORS.join(national)
    country = str(number.country_code)
    prefix = rf"(?:(?:\+|00){_SEPARATORS}{country}{_SEPARATORS}(?:\(0\){_SEPARATORS})?|0)?"
    return rf"(?<![\d+]){prefix}\(?{digits}(?!\d)"


def mask_in_text(text: str, identities) -> str:
    """`text` with the contact's own email addresses and phone numbers masked wherever they
    are written (a signature, a quoted "On …, Dana <dana@…> wrote:", a number typed in a
    note). Works on HTML as on plain text: masked forms hold no character HTML escapes.

    `identities` have .kind and .value (ContactIdentity rows, or types.Identity).
    """
    if not text:
        return text
    replacements: list[tuple[re.Pattern, str]] = []
    for identity in identities:
        kind, value = identity.kind, identity.value
        if kind == "email" and "@" in value:
            pattern = re.compile(re.escape(value), re.IGNORECASE)
            replacements.append((pattern, mask_email(value)))
        elif kind in ("phone", "whatsapp") and (pattern := _phone_pattern(value)):
            replacements.append((re.compile(pattern), mask_phone(value)))
    for pattern, masked in replacements:
        text = pattern.sub(masked, text)
    return text


def mask_previews(threads, identities) -> None:
    """Mask one contact's addresses in the previews of their `threads`, in place."""
    for thread in threads:
        thread.preview = mask_in_text(thread.preview, identities)
