"""How one demo conversation unfolds: its steps, when each happened, and the message rows."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from accounts.models import User
from interactions.models import (
    Channel,
    DeliveryStatus,
    Direction,
    Message,
    MessageKind,
    ThreadStatus,
)
from interactions.models import ChannelKind as K

from . import texts
from .content import BRAND_DOMAIN
from .topics import NO_OUTBOUND, Topic

IN, OUT, NOTE = Direction.INBOUND, Direction.OUTBOUND, Direction.NOTE
Step = tuple[str, str]  # (direction, part of the topic's lines)
# Channels where people type short messages and answers come within minutes.
CHAT_KINDS = (K.SMS, K.WHATSAPP, K.MESSENGER, K.INSTAGRAM, K.X, K.YOUTUBE)
# Private messaging apps, where people often say hello before they say why.
TYPING_KINDS = (K.SMS, K.WHATSAPP, K.MESSENGER, K.INSTAGRAM)


@dataclass(frozen=True)
class Conversation:
    """What the script needs to know about one thread."""

    channel: Channel
    topic: Topic
    lang: str
    variant: int  # which of the topic's aligned lines (question, answer, fix) this thread uses
    ctx: dict  # placeholder values: first, agent, team, order, product, amount, code, days…
    agent: User  # writes the replies and notes
    email_domain: str  # the customer's mail domain, for Message-IDs

    @property
    def kind(self) -> str:
        return self.channel.kind


def script(rng: random.Random, status: str, topic: Topic, kind: str) -> list[Step]:
    """The thread's messages as (direction, part) steps; the status decides how it ends."""
    S = ThreadStatus
    steps = [(IN, "hello")] if kind in TYPING_KINDS and rng.random() < 0.4 else []
    steps.append((IN, "ask"))
    if kind in NO_OUTBOUND:  # phone and web form: agents answer off-channel and leave notes
        if status == S.OPEN:
            return steps + [(IN, "nudge")] * (rng.random() < 0.3)
        steps.append((NOTE, "note"))
        if rng.random() < 0.3:
            steps.append((IN, "nudge"))
        return [*steps, (NOTE, "offline")]
    if "probe" not in texts.en.TOPICS[topic.key]:  # a compliment needs no questions back
        if status != S.OPEN:
            steps.append((OUT, "fix"))
            steps += [(IN, "cheers")] * (rng.random() < 0.5)
        return steps
    if status == S.OPEN:
        if rng.random() < 0.4:
            return steps + [(IN, "nudge")] * (rng.random() < 0.35)
        return steps + [(OUT, "probe"), (IN, "info")] + [(IN, "nudge")] * (rng.random() < 0.3)
    if rng.random() < 0.2:
        steps.append((IN, "nudge"))
    steps.append((OUT, "probe"))
    if status == S.PENDING and rng.random() < 0.4:
        return steps  # waiting for the customer's answer
    steps.append((IN, "info"))
    if status in (S.PENDING, S.SNOOZED):
        if status == S.SNOOZED or rng.random() < 0.5:
            steps.append((NOTE, "note"))
        return [*steps, (OUT, "wait")]
    if rng.random() < 0.5:  # it took a while: the agent checked, the customer chased
        steps += [(OUT, "wait"), (IN, "nudge")]
    if rng.random() < 0.35:
        steps.append((NOTE, "note"))
    return [*steps, (OUT, "fix"), *_closing(rng, topic, kind)]


def _closing(rng: random.Random, topic: Topic, kind: str) -> list[Step]:
    if rng.random() < 0.25:
        return []
    if topic.mood == "angry" and rng.random() < 0.5:
        return [(IN, "grumble")]
    welcome = kind != K.EMAIL and rng.random() < 0.5
    return [(IN, "thanks")] + [(OUT, "welcome")] * welcome


def timeline(
    rng: random.Random, now: datetime, age_days: float, steps: list[Step], kind: str
) -> list[datetime]:
    """When each step happened: the first `age_days` ago, then realistic gaps, all before now."""
    chat = kind in CHAT_KINDS
    gaps = [0.0]
    for (before, _), (direction, _) in pairwise(steps):
        if direction == NOTE:
            low, high = 3, 60
        elif direction == OUT:
            low, high = (2, 240) if chat else (15, 1440)
        elif before == OUT:
            low, high = (1, 180) if chat else (30, 1800)
        else:
            low, high = (5, 300) if chat else (240, 2880)
        gaps.append(low * (high / low) ** rng.random())  # log-uniform: mostly quick, some slow
    room = age_days * 1440 - 1
    scale = 1.0
    if sum(gaps) > room:  # a recent thread: squeeze it, ending at a random point before now
        scale = room * rng.uniform(0.4, 1.0) / sum(gaps)
    start, elapsed, times = now - timedelta(days=age_days), 0.0, []
    for gap in gaps:
        elapsed += gap * scale
        times.append(start + timedelta(minutes=elapsed))
    return times


def messages(
    rng: random.Random, conv: Conversation, steps: list[Step], times: list[datetime]
) -> list[Message]:
    """The message rows of `steps`, unsaved and without their thread."""
    kind = conv.kind
    mention = kind == K.X and rng.random() < 0.4  # a public @mention that moves to DMs
    first_out = next((i for i, (direction, _) in enumerate(steps) if direction == OUT), -1)
    rows, message_id = [], ""
    for index, ((direction, part), at) in enumerate(zip(steps, times, strict=True)):
        message = Message(
            channel=conv.channel,
            direction=direction,
            text=_render(rng, conv, part, direction, greet=index == first_out),
            created_at=at,
            author=conv.agent if direction != IN else None,
        )
        if kind == K.VOICE and direction == IN:
            message.kind = MessageKind.CALL
            message.meta = {"duration_s": rng.randint(35, 900), "call_direction": "inbound"}
        elif kind == K.YOUTUBE and direction != NOTE:
            message.kind = MessageKind.COMMENT
        elif mention and index == 0:
            message.kind = MessageKind.COMMENT
            message.text = f"@{conv.channel.config['screen_name']} {message.text}"
        if direction == OUT:
            message.delivery_status = _delivery_status(rng, kind)
        if direction != NOTE:
            message_id = _stamp(rng, message, kind, conv.email_domain, message_id)
        rows.append(message)
    return rows


def subject(conv: Conversation) -> str:
    """The thread's subject line, matching its opening message."""
    return texts.topic_line(conv.lang, conv.topic.key, "subject", conv.variant).format(**conv.ctx)


def _render(rng: random.Random, conv: Conversation, part: str, direction: str, greet: bool) -> str:
    if texts.is_common(part):
        line = texts.common_line(rng, conv.lang, part)
    else:
        line = texts.topic_line(conv.lang, conv.topic.key, part, conv.variant)
    body = line.format(**conv.ctx)
    if direction == NOTE:
        return body
    words = texts.LANGUAGES[conv.lang].LINES
    if conv.kind == K.EMAIL and direction == IN:
        greeting = rng.choice(words["greet_in"]) + "\n\n" if rng.random() < 0.7 else ""
        return f"{greeting}{body}\n\n{rng.choice(words['sign_in'])}\n{conv.ctx['first']}"
    if conv.kind == K.EMAIL:
        hello, bye = words["greet_out"].format(**conv.ctx), words["sign_out"].format(**conv.ctx)
        return f"{hello}\n\n{body}\n\n{bye}"
    if greet and "{first}" not in line and rng.random() < 0.6:
        return words["chat_hi"].format(**conv.ctx) + body
    return body


def _delivery_status(rng: random.Random, kind: str) -> str:
    if kind == K.EMAIL:  # most mail clients never send read receipts
        return DeliveryStatus.READ if rng.random() < 0.1 else DeliveryStatus.DELIVERED
    return DeliveryStatus.READ if rng.random() < 0.7 else DeliveryStatus.DELIVERED


def _stamp(rng: random.Random, message: Message, kind: str, domain: str, previous: str) -> str:
    """Give `message` its provider id (and email headers); return the thread's last Message-ID."""
    token = f"{rng.getrandbits(128):032x}"
    if kind == K.EMAIL:
        host = domain if message.direction == IN else f"mail.{BRAND_DOMAIN}"
        message_id = f"<{token[:24]}@{host}>"
        message.meta = {"message_id": message_id}
        if previous:
            message.meta["in_reply_to"] = previous
        message.provider_message_id = message_id
        return message_id
    match kind:
        case K.SMS | K.WHATSAPP:  # Twilio message SIDs
            message.provider_message_id = "SM" + token
        case K.VOICE:  # Twilio call SIDs
            message.provider_message_id = "CA" + token
        case K.MESSENGER | K.INSTAGRAM:
            message.provider_message_id = "m_" + token
        case K.X:
            message.provider_message_id = str(10**18 + int(token[:15], 16))
        case K.YOUTUBE:
            message.provider_message_id = f"Ugx{token[:20]}4AaABAg"
        case _:
            message.provider_message_id = "form-" + token[:20]
    return previous
