"""Mentions, the bell and drafts in templates: {% load notifications %}.

`{% mention_text message.text %}` escapes a note and highlights whom it mentions;
`{% notification_bell as bell %}` reads the bell's state from the cache only (never the
database: see interactions/bell.py). Ages (`{{ draft.age|ago }}`) come from {% load cx %}.
"""

from __future__ import annotations

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from interactions import bell
from interactions.services.notifications import mention_index

register = template.Library()


@register.simple_tag(takes_context=True)
def mention_text(context, text: str) -> SafeString:
    """The text escaped, each resolved mention wrapped in a highlight (the viewer's own
    mentions stand out). The users are looked up once per render, and only for text with
    an "@" in it."""
    text = text or ""
    if "@" not in text:
        return escape(text)
    memo = context.render_context
    if "mention_index" not in memo:
        memo["mention_index"] = mention_index()
    request = context.get("request")
    viewer_id = getattr(getattr(request, "user", None), "pk", None)
    index = memo["mention_index"]
    parts, position = [], 0
    for span in index.spans(text):
        parts.append(escape(text[position : span.start]))
        parts.append(
            format_html(
                '<span class="mention{}" title="{}">{}</span>',
                " mention-me" if span.user_id == viewer_id else "",
                index.names.get(span.user_id, ""),
                text[span.start : span.end],
            )
        )
        position = span.end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))


@register.simple_tag(takes_context=True)
def notification_bell(context) -> bell.BellState:
    """The signed-in user's bell from the cache; `unread` is None when it must be fetched."""
    if "bell" in context:  # the bell's own poll passes the state it just computed
        return context["bell"]
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return bell.BellState(version=None, unread=0)
    return bell.cached(user.pk)
