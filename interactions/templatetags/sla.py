"""SLA badges and business durations for templates: {% load sla %}."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.html import format_html

from cx_hub.templatetags.cx import icon
from interactions.sla import SlaBook, sla_state

register = template.Library()

BADGES = {
    "breached": ("badge-bad", "SLA breached"),
    "approaching": ("badge-warn", "SLA due soon"),
}


@register.simple_tag(takes_context=True)
def sla_badge(context, thread) -> str:
    """A badge for an approaching or breached thread; nothing when it is on time.

    Lists set `thread.sla_state` once for the page (`interactions.sla.sla_annotate`); other
    threads are computed here, with the policies loaded once per template render.
    """
    state = getattr(thread, "sla_state", None)
    if state is None:
        if thread.first_response_due_at is None and thread.resolution_due_at is None:
            return ""
        cache = context.render_context
        if "sla_book" not in cache:
            cache["sla_book"] = (SlaBook.load(), timezone.now())
        book, now = cache["sla_book"]
        state = sla_state(thread, now, book=book)
    if state not in BADGES:
        return ""
    css, label = BADGES[state]
    due = [
        f"{name} due {timezone.localtime(when):%b %-d, %H:%M}"
        for name, when in (
            ("First reply", None if thread.first_response_at else thread.first_response_due_at),
            ("Resolution", thread.resolution_due_at),
        )
        if when is not None
    ]
    return format_html(
        '<span class="badge {} sla-badge" title="{}">{} {}</span>',
        css,
        " · ".join(due),
        icon("clock"),
        label,
    )


@register.filter
def business_duration(minutes) -> str:
    """480 → "8 h", 90 → "1 h 30 min", 45 → "45 min" (business time, so no days)."""
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"
