"""Plan the demo threads in memory (nothing is saved here); `script` writes their messages."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from accounts.models import User
from interactions.models import Channel, Direction, Message, Priority, Sentiment, Tag, Thread
from interactions.models import ChannelKind as K
from interactions.models import ThreadStatus as S

from . import script, texts
from .contacts import PlannedContact
from .content import HISTORY_DAYS, PRODUCTS, PROMO_CODE, SPRING_SALE_DAYS_AGO
from .people import money
from .topics import TOPICS, Topic

PRICES = (29.95, 49.0, 59.95, 89.0, 119.0, 149.95, 189.0, 229.0, 289.0, 349.0)
SENTIMENT = {"angry": Sentiment.NEGATIVE, "neutral": Sentiment.NEUTRAL, "happy": Sentiment.POSITIVE}
PRIORITY = {
    "angry": {Priority.NORMAL: 45, Priority.HIGH: 40, Priority.URGENT: 15},
    "neutral": {Priority.LOW: 15, Priority.NORMAL: 75, Priority.HIGH: 10},
    "happy": {Priority.LOW: 60, Priority.NORMAL: 40},
}


@dataclass
class Org:
    """The saved rows the planner hands out."""

    channels: dict[str, Channel]  # by content.DemoChannel.key
    agents: dict[str, list[User]]  # team name -> its agents, in content.USERS order
    speakers: dict[tuple[str, str], User]  # (team name, language) -> the agent who speaks it
    manager: User
    tags: dict[str, Tag]


@dataclass
class PlannedThread:
    thread: Thread
    messages: list[Message]
    tags: list[Tag]


def plan_threads(
    rng: random.Random, now: datetime, org: Org, contacts: list[PlannedContact], total: int = 500
) -> list[PlannedThread]:
    """`total` threads over the last 90 days, oldest first.

    Every contact has a thread on their first channel, and one on their second if they use two.
    """
    planned = [_plan_thread(rng, now, org, pc, pc.kinds[0]) for pc in contacts]
    planned += [_plan_thread(rng, now, org, pc, pc.kinds[1]) for pc in contacts if pc.kinds[1:]]
    weights = [c.activity for c in contacts]
    for pc in rng.choices(contacts, weights, k=total - len(planned)):
        kind = rng.choices(pc.kinds, weights=[2] + [1] * (len(pc.kinds) - 1))[0]
        planned.append(_plan_thread(rng, now, org, pc, kind))
    planned.sort(key=lambda p: p.thread.created_at)
    return planned


def _plan_thread(
    rng: random.Random, now: datetime, org: Org, pc: PlannedContact, kind: str
) -> PlannedThread:
    age_days = _age_days(rng)
    topic = _topic(rng, pc, kind, age_days)
    lang = pc.lang
    if lang == "en" or not texts.has_topic(lang, topic.key) or rng.random() < 0.2:
        lang = "en"
    if kind == K.EMAIL:
        channel = org.channels["email-sales" if topic.team == "Sales" else "email-support"]
    else:
        channel = org.channels[kind]
    team_name = channel.default_team.name
    status = _status(rng, age_days, topic)
    steps = script.script(rng, status, topic, kind)

    agent = org.speakers.get((team_name, lang)) if rng.random() < 0.85 else None
    agent = agent or rng.choice(org.agents[team_name])
    odds = PRIORITY[topic.mood]
    priority = rng.choices(list(odds), list(odds.values()))[0]
    if pc.vip and priority < Priority.HIGH:
        priority += 1
    if priority == Priority.URGENT and rng.random() < 0.3:
        agent = org.manager  # escalations land on the manager's desk
    answered = any(direction != Direction.INBOUND for direction, _ in steps)
    keep = 0.9 if answered or status != S.OPEN else 0.45
    assignee = agent if rng.random() < keep else None

    conv = script.Conversation(
        channel=channel,
        topic=topic,
        lang=lang,
        variant=rng.randrange(6),
        ctx={
            "first": pc.first_name,
            "agent": agent.first_name,
            "team": team_name,
            "order": f"NP-{rng.randint(10000, 99999)}",
            "product": rng.choice(PRODUCTS),
            "amount": money(pc.country, rng.choice(PRICES)),
            "code": PROMO_CODE,
            "days": rng.randint(4, 12),
            "company": pc.contact.company,
        },
        agent=agent,
        email_domain=pc.email_domain,
    )
    times = script.timeline(rng, now, age_days, steps, kind)
    messages = script.messages(rng, conv, steps, times)
    thread = _thread(rng, now, conv, pc, messages, status, priority, assignee)
    tags = [org.tags[name] for name in topic.tags]
    if topic.mood == "angry" and rng.random() < 0.5:
        tags.append(org.tags["complaint"])
    if pc.vip:
        tags.append(org.tags["vip"])
    return PlannedThread(thread, messages, tags)


def _thread(
    rng: random.Random,
    now: datetime,
    conv: script.Conversation,
    pc: PlannedContact,
    messages: list[Message],
    status: str,
    priority: int,
    assignee: User | None,
) -> Thread:
    """The thread row, its summary columns derived from its messages."""
    visible = [m for m in messages if m.direction != Direction.NOTE]
    thread = Thread(
        channel=conv.channel,
        contact=pc.contact,
        subject=script.subject(conv) if conv.kind in (K.EMAIL, K.API) else "",
        preview=" ".join(visible[-1].text.split())[:200],
        status=status,
        priority=priority,
        assignee=assignee,
        team=conv.channel.default_team,
        sentiment=SENTIMENT[conv.topic.mood],
        message_count=len(messages),
        created_at=messages[0].created_at,
        last_activity_at=messages[-1].created_at,
        last_inbound_at=max(m.created_at for m in messages if m.direction == Direction.INBOUND),
        first_response_at=next(
            (m.created_at for m in messages if m.direction == Direction.OUTBOUND), None
        ),
    )
    waiting = status == S.OPEN and visible[-1].direction == Direction.INBOUND
    thread.is_unread = waiting and rng.random() < 0.75
    if status == S.SNOOZED:
        thread.snoozed_until = now + timedelta(hours=rng.randint(4, 120))
    if status == S.RESOLVED:
        resolved = messages[-1].created_at + timedelta(minutes=rng.randint(2, 90))
        thread.resolved_at = min(resolved, now - timedelta(seconds=30))
    for message in messages:
        message.thread = thread
    return thread


def _age_days(rng: random.Random) -> float:
    """How long ago a thread opened: spread over 90 days, busier this week and in the sale."""
    r = rng.random()
    if r < 0.2:
        days = rng.uniform(SPRING_SALE_DAYS_AGO[1], SPRING_SALE_DAYS_AGO[0])
    elif r < 0.42:
        days = rng.uniform(0, 7)
    else:
        days = rng.uniform(0, HISTORY_DAYS)
    return max(days, 0.01)


def _topic(rng: random.Random, pc: PlannedContact, kind: str, age_days: float) -> Topic:
    in_sale = SPRING_SALE_DAYS_AGO[1] <= age_days <= SPRING_SALE_DAYS_AGO[0]
    # Campaign talk starts with the sale and fades out over the following ten days.
    near_sale = SPRING_SALE_DAYS_AGO[1] - 10 <= age_days <= SPRING_SALE_DAYS_AGO[0]
    options = [
        t
        for t in TOPICS
        if kind in t.kinds
        and (pc.contact.company or not t.needs_company)
        and (near_sale or not t.campaign)
    ]
    weights = [t.weight * (4 if t.campaign and in_sale else 1) for t in options]
    return rng.choices(options, weights)[0]


def _status(rng: random.Random, age_days: float, topic: Topic) -> str:
    if age_days >= 14:
        odds = {S.RESOLVED: 88, S.OPEN: 5, S.PENDING: 5, S.SNOOZED: 2}
    elif age_days >= 3:
        odds = {S.RESOLVED: 55, S.OPEN: 18, S.PENDING: 17, S.SNOOZED: 10}
    else:
        odds = {S.OPEN: 50, S.PENDING: 18, S.SNOOZED: 7, S.RESOLVED: 25}
    status = rng.choices(list(odds), list(odds.values()))[0]
    if status in (S.PENDING, S.SNOOZED) and "probe" not in texts.en.TOPICS[topic.key]:
        status = S.RESOLVED  # nothing to wait for after a compliment
    return status
