"""Template helpers shared by every page: icons, avatars, channel and status badges."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts.privacy import contact_details_masked
from interactions.masking import identity_label

register = template.Library()

ICON_DIR = Path(settings.BASE_DIR) / "static" / "vendor" / "icons"

CHANNEL_ICONS = {
    "email": "mail",
    "sms": "smartphone",
    "whatsapp": "message-circle",
    "messenger": "messages-square",
    "instagram": "camera",
    "x": "at-sign",
    "youtube": "circle-play",
    "voice": "phone",
    "api": "webhook",
}

AVATAR_COLORS = 8  # .av-0 … .av-7 in app.css


@cache
def _svg(name: str) -> str:
    path = ICON_DIR / f"{name}.svg"
    try:
        return path.read_text()
    except FileNotFoundError:
        # Missing icons are an install problem (run `make install`), not a reason to 500.
        return ""


# The tags below are pure functions of their arguments, and a list renders them once per row:
# each is built once per process (per distinct arguments) and then read back.


@register.simple_tag
@cache
def icon(name: str, css: str = "") -> str:
    """Inline an SVG icon copied from lucide-static by `npm run vendor`."""
    return format_html(
        '<span class="icon {}" aria-hidden="true">{}</span>', css, mark_safe(_svg(name))
    )


@register.simple_tag
@cache
def channel_icon(kind: str, label: str = "") -> str:
    return format_html(
        '<span class="channel-icon ch-{}" title="{}">{}</span>',
        kind,
        label or kind,
        icon(CHANNEL_ICONS.get(kind, "inbox")),
    )


def avatar_class(seed: object) -> str:
    digest = hashlib.blake2s(str(seed).encode(), digest_size=2).digest()
    return f"av-{int.from_bytes(digest) % AVATAR_COLORS}"


@register.simple_tag
@lru_cache(maxsize=4096)
def avatar(name: str, initials: str, size: str = "") -> str:
    return format_html(
        '<span class="avatar {} {}" title="{}">{}</span>',
        f"avatar-{size}" if size else "",
        avatar_class(name),
        name,
        initials,
    )


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters changed (empty value: removed)."""
    params = context["request"].GET.copy()
    params.pop("cursor", None)
    for key, value in changes.items():
        if value in ("", None):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def ago(value, now: datetime | None = None) -> str:
    """`{{ message.created_at|ago }}`: "just now", "42 s ago", "5 min ago", "3 h ago",
    "yesterday", "4 days ago"; after a week the date ("12 Oct", "12 Oct 2025" in another
    year). Ahead: "in 5 min", "in 3 h", "tomorrow", "in 4 days". An age (a timedelta, such as
    `draft.age`) reads the same. Nothing for no time.

    Compact, as an inbox shows it beside each row, with exact_time for the tooltip; and cheap:
    humanize's naturaltime cost some 80 µs a row.
    """
    now = now or timezone.now()
    if isinstance(value, timedelta):
        value = now - value
    if not isinstance(value, datetime):
        return ""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    seconds = (now - value).total_seconds()
    future, seconds = seconds < 0, abs(seconds)
    if seconds < 10:
        return "just now"
    if seconds < 7 * 86400:
        if seconds < 60:
            amount = f"{int(seconds)} s"
        elif seconds < 3600:
            amount = f"{int(seconds // 60)} min"
        elif seconds < 86400:
            amount = f"{int(seconds // 3600)} h"
        elif seconds < 2 * 86400:
            return "tomorrow" if future else "yesterday"
        else:
            amount = f"{int(seconds // 86400)} days"
        return f"in {amount}" if future else f"{amount} ago"
    local = timezone.localtime(value)
    same_year = local.year == timezone.localtime(now).year
    return local.strftime("%-d %b" if same_year else "%-d %b %Y")


@register.filter
def exact_time(value) -> str:
    """`title="{{ message.created_at|exact_time }}"`: "Sun 22 Nov 2026, 14:05" in local time,
    the tooltip beside a relative time. Plain strftime: lists show one per row, and rendering
    a datetime through the default DATETIME_FORMAT costs some 60 µs each."""
    if not isinstance(value, datetime):
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%a %-d %b %Y, %H:%M")


@register.filter
def lookup(mapping, key):
    """`{{ page.snippets|lookup:thread.pk }}`: a dict value by a variable key."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def masked(identity, user) -> str:
    """`{{ identity|masked:request.user }}`: an address as this user may see it (accounts.privacy).

    Agents see `j***@example.com` while an admin masks contact details; everyone else, and
    every other kind of identity, reads as before (the display form, else the value).
    """
    return identity_label(
        identity.kind, identity.value, identity.display, masked=contact_details_masked(user)
    )


@register.filter
def hides_contact_details(user) -> bool:
    """`{% if request.user|hides_contact_details %}`: this user sees addresses masked."""
    return contact_details_masked(user)
