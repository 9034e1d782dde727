"""What the reply composer needs to know about a thread: reads only, no writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from interactions import brand_voice
from interactions.models import BrandVoice, ChannelKind, Direction, SavedReply, Thread
from interactions.placeholders import render_placeholders
from interactions.services.outbound import reply_subject, whatsapp_window_open

NO_REPLY_KINDS = {ChannelKind.VOICE, ChannelKind.API}


@dataclass(frozen=True)
class SavedReplyOption:
    id: int
    title: str
    shortcut: str
    text: str  # placeholders already filled for this thread and agent


@dataclass(frozen=True)
class Composer:
    can_reply: bool
    channel_kind: str
    is_email: bool
    is_sms: bool
    whatsapp_window_open: bool
    templates: list[str]
    default_subject: str
    saved_replies: list[SavedReplyOption] = field(default_factory=list)
    why_not: str = ""


def brand_rules() -> brand_voice.Rules:
    voice = BrandVoice.current()
    return brand_voice.rules_from_text(
        voice.banned_phrases, voice.required_phrases, voice.warn_negative_tone
    )


def saved_reply_options(*, thread: Thread, user) -> list[SavedReplyOption]:
    """Saved replies shared with everyone or with the user's teams, filled in for this thread."""
    teams = user.team_memberships.values("team_id")
    replies = SavedReply.objects.filter(Q(team__isnull=True) | Q(team_id__in=teams)).order_by(
        "title"
    )
    return [
        SavedReplyOption(
            id=reply.pk,
            title=reply.title,
            shortcut=reply.shortcut,
            text=render_placeholders(reply.body, contact=thread.contact, agent=user, thread=thread),
        )
        for reply in replies
    ]


def composer_for(*, thread: Thread, user, now: datetime | None = None) -> Composer:
    now = now or timezone.now()
    kind = thread.channel.kind
    templates = sorted((thread.channel.config or {}).get("templates", {}) or [])
    if kind in NO_REPLY_KINDS:
        return Composer(
            can_reply=False,
            channel_kind=kind,
            is_email=False,
            is_sms=False,
            whatsapp_window_open=False,
            templates=[],
            default_subject="",
            why_not=(
                "Calls are answered by phone: log what was said as a note."
                if kind == ChannelKind.VOICE
                else "This source takes no replies: add a note, or answer on another channel."
            ),
        )
    return Composer(
        can_reply=True,
        channel_kind=kind,
        is_email=kind == ChannelKind.EMAIL,
        is_sms=kind == ChannelKind.SMS,
        whatsapp_window_open=kind != ChannelKind.WHATSAPP
        or whatsapp_window_open(thread.last_inbound_at, now),
        templates=templates,
        default_subject=reply_subject(thread.subject) if kind == ChannelKind.EMAIL else "",
        saved_replies=saved_reply_options(thread=thread, user=user),
    )


def quoted_history(thread: Thread) -> str:
    """The customer's latest message, quoted the way mail clients quote."""
    latest = (
        thread.messages.filter(direction=Direction.INBOUND).order_by("-created_at", "-id").first()
    )
    if latest is None or not latest.text:
        return ""
    when = timezone.localtime(latest.created_at).strftime("%a, %d %b %Y at %H:%M")
    quoted = "\n".join(f"> {line}" for line in latest.text.splitlines())
    return f"On {when}, {thread.contact} wrote:\n{quoted}"
