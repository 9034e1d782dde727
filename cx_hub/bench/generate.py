"""The bench data set: teams, agents, channels, contacts with identities, threads, messages, tags.

Shaped like a year of a mid-size shop's inbox: most threads resolved, some thousands open and
recent, activity spread over twelve months, five messages per thread on average, a few vocal
contacts with many threads. Seeded: the same scale always yields the same rows, with times
relative to the moment of generation.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Team, TeamMembership, User
from accounts.permissions import Role
from interactions.models import (
    Channel,
    ChannelKind,
    Contact,
    ContactIdentity,
    IdentityKind,
    Message,
    Tag,
    Thread,
)

from . import corpus
from .database import read_marker, write_marker
from .load import write_rows
from .threads import MESSAGE_COLUMNS, TAG_COLUMNS, THREAD_COLUMNS, ThreadFactory

# Bump when the generated data changes shape, so existing bench data sets are regenerated.
VERSION = 1
CHUNK = 5_000
Log = Callable[[str], None]


@dataclass(frozen=True)
class Scale:
    name: str
    contacts: int
    threads: int  # messages follow at five per thread on average


SCALES = {
    "small": Scale("small", contacts=2_000, threads=5_000),
    "full": Scale("full", contacts=100_000, threads=200_000),
}

TEAMS = {"Customer Care": 4, "Sales": 3, "Social Media": 3}  # team: agents

# kind, name, address, provider, default team, share of threads
CHANNELS = (
    (ChannelKind.EMAIL, "Support mailbox", "support@acme.example", "mailgun", "Customer Care", 30),
    (ChannelKind.EMAIL, "Sales mailbox", "sales@acme.example", "mailgun", "Sales", 10),
    (ChannelKind.SMS, "Support SMS", "+15550100001", "twilio", "Customer Care", 8),
    (ChannelKind.WHATSAPP, "WhatsApp", "+15550100002", "twilio", "Customer Care", 15),
    (ChannelKind.VOICE, "Support line", "+15550100003", "twilio", "Customer Care", 7),
    (ChannelKind.MESSENGER, "Facebook page", "100200300400", "meta", "Social Media", 10),
    (ChannelKind.INSTAGRAM, "Instagram", "17841400000000", "meta", "Social Media", 8),
    (ChannelKind.X, "X account", "1500000000", "x", "Social Media", 6),
    (ChannelKind.YOUTUBE, "YouTube channel", "UCacmeBench", "youtube", "Social Media", 3),
    (ChannelKind.API, "Web chat", "webchat", "api", "Sales", 3),
)

# Share of contacts holding each identity besides email (everyone has an email address).
IDENTITY_SHARES = (
    (IdentityKind.PHONE, 0.5),
    (IdentityKind.MESSENGER, 0.2),
    (IdentityKind.INSTAGRAM, 0.15),
    (IdentityKind.X, 0.1),
    (IdentityKind.YOUTUBE, 0.05),
)

CONTACT_COLUMNS = (
    "id", "name", "company", "linkedin_url", "locale", "attributes", "consent",
    "merged_into_id", "created_at", "last_seen_at",
)
IDENTITY_COLUMNS = ("id", "contact_id", "kind", "value", "display", "created_at")


def ensure_dataset(scale: Scale, *, regenerate: bool, log: Log) -> dict:
    """The bench database's data set at `scale`: reused when already there, else generated."""
    marker = read_marker()
    if marker and not regenerate and (marker["scale"], marker["version"]) == (scale.name, VERSION):
        log(f"Reusing the {scale.name} data set generated {marker['generated_at']} "
            "(--regenerate to rebuild it).")
        return {**marker, "reused": True}
    write_marker(None)
    log("Emptying the bench database…")
    call_command("flush", interactive=False, verbosity=0)
    started = time.perf_counter()
    counts = Generator(scale, log).run()
    seconds = round(time.perf_counter() - started, 1)
    marker = {
        "scale": scale.name,
        "version": VERSION,
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "seconds": seconds,
        "counts": counts,
    }
    write_marker(marker)
    total = sum(v for k, v in counts.items() if not k.startswith("threads_"))
    log(f"Generated {total:,} rows in {seconds:.0f} s ({total / seconds:,.0f} rows/s).")
    return {**marker, "reused": False}


class Progress:
    """Prints rows written and the rate, at most every two seconds."""

    def __init__(self, log: Log, label: str, total: int) -> None:
        self.log, self.label, self.total = log, label, total
        self.started = self.last = time.perf_counter()
        self.done = self.rows = 0

    def advance(self, done: int, rows: int) -> None:
        self.done += done
        self.rows += rows
        now = time.perf_counter()
        if now - self.last >= 2 or self.done >= self.total:
            self.last = now
            rate = self.rows / max(now - self.started, 1e-9)
            self.log(f"  {self.label}: {self.done:,}/{self.total:,} "
                     f"({self.rows:,} rows, {rate:,.0f} rows/s)")


class Generator:
    def __init__(self, scale: Scale, log: Log) -> None:
        self.scale, self.log = scale, log
        self.rng = random.Random(f"cx-hub-bench-{scale.name}")
        self.now = timezone.now().replace(microsecond=0)
        self.counts: dict[str, int] = {}

    def run(self) -> dict[str, int]:
        """Generate everything; return row counts per table (and threads per status)."""
        teams, agents_by_team = self._people()
        channels = self._channels(teams)
        tags = [Tag.objects.create(name=name, color=color) for name, color in corpus.TAGS]
        self.counts["tags"] = len(tags)
        contacts_by_kind, names = self._contacts()
        factory = ThreadFactory(
            rng=self.rng, now=self.now, channels=channels, agents_by_team=agents_by_team,
            tag_ids=[t.pk for t in tags], contacts_by_kind=contacts_by_kind, contact_names=names,
        )
        self._threads(factory)
        self._finish()
        return self.counts

    def _people(self) -> tuple[dict[str, Team], dict[int, list[int]]]:
        teams = {name: Team.objects.create(name=name) for name in TEAMS}
        agents_by_team: dict[int, list[int]] = {t.pk: [] for t in teams.values()}
        number = 0
        for name, size in TEAMS.items():
            for _ in range(size):
                number += 1
                agent = User.objects.create_user(
                    f"agent{number:02d}@bench.example", full_name=self._person_name(),
                    role=Role.AGENT,
                )
                agents_by_team[teams[name].pk].append(agent.pk)
        # One agent also covers Sales: memberships are many-to-many in real teams too.
        agents_by_team[teams["Sales"].pk].append(agents_by_team[teams["Customer Care"].pk][0])
        TeamMembership.objects.bulk_create(
            TeamMembership(team_id=team_id, user_id=user_id)
            for team_id, user_ids in agents_by_team.items()
            for user_id in user_ids
        )
        User.objects.create_user("manager@bench.example", full_name="Morgan Manager",
                                 role=Role.MANAGER)
        User.objects.create_user("marketer@bench.example", full_name="Mira Marketer",
                                 role=Role.MARKETER)
        self.counts.update(teams=len(teams), users=number + 2)
        return teams, agents_by_team

    def _channels(self, teams: dict[str, Team]) -> list[tuple[Channel, int]]:
        channels = [
            (Channel.objects.create(kind=kind, name=name, address=address, provider=provider,
                                    default_team=teams[team]), weight)
            for kind, name, address, provider, team, weight in CHANNELS
        ]
        self.counts["channels"] = len(channels)
        return channels

    def _person_name(self) -> str:
        return f"{self.rng.choice(corpus.FIRST_NAMES)} {self.rng.choice(corpus.LAST_NAMES)}"

    def _contacts(self) -> tuple[dict[str, list[int]], list[str]]:
        rng, year = self.rng, 365 * 86400
        by_kind: dict[str, list[int]] = {kind: [] for kind in IdentityKind.values}
        names = [""]  # index = contact id
        identity_id = 0
        progress = Progress(self.log, "contacts", self.scale.contacts)
        for start in range(1, self.scale.contacts + 1, CHUNK * 2):
            contacts, identities = [], []
            for cid in range(start, min(start + CHUNK * 2, self.scale.contacts + 1)):
                name = self._person_name()
                names.append(name)
                created = self.now - timedelta(seconds=rng.random() * 2 * year)
                seen = None if rng.random() < 0.1 else self.now - timedelta(
                    seconds=rng.random() * year)
                company = rng.choice(corpus.COMPANIES) if rng.random() < 0.4 else ""
                contacts.append((
                    cid, name, company, "", rng.choice(corpus.LOCALES),
                    '{"plan": "pro"}' if rng.random() < 0.2 else "{}",
                    '{"email": true, "sms": false}' if rng.random() < 0.5 else "{}",
                    None, created, seen,
                ))
                values = {IdentityKind.EMAIL: f"{name.replace(' ', '.')}.{cid}@example.com".lower()}
                for kind, share in IDENTITY_SHARES:
                    if rng.random() < share:
                        values[kind] = _identity_value(kind, cid)
                if IdentityKind.PHONE in values and rng.random() < 0.6:
                    values[IdentityKind.WHATSAPP] = values[IdentityKind.PHONE]
                for kind, value in values.items():
                    identity_id += 1
                    by_kind[kind].append(cid)
                    identities.append((identity_id, cid, kind, value, name, created))
            with transaction.atomic():
                write_rows(Contact, CONTACT_COLUMNS, contacts)
                write_rows(ContactIdentity, IDENTITY_COLUMNS, identities)
            progress.advance(len(contacts), len(contacts) + len(identities))
        self.counts.update(contacts=self.scale.contacts, identities=identity_id)
        return by_kind, names

    def _threads(self, factory: ThreadFactory) -> None:
        progress = Progress(self.log, "threads", self.scale.threads)
        for start in range(1, self.scale.threads + 1, CHUNK):
            batch = factory.batch(range(start, min(start + CHUNK, self.scale.threads + 1)))
            with transaction.atomic():
                write_rows(Thread, THREAD_COLUMNS, batch.threads)
                write_rows(Thread.tags.through, TAG_COLUMNS, batch.tags)
                write_rows(Message, MESSAGE_COLUMNS, batch.messages)
            progress.advance(len(batch.threads), batch.row_count)
        self.counts.update(factory.counts)

    def _finish(self) -> None:
        started = time.perf_counter()
        statements = connection.ops.sequence_reset_sql(
            no_style(), [Contact, ContactIdentity, Thread, Message]
        )
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
            # Autovacuum would get there on a live system; the bench should not time the
            # minutes before it does (no planner statistics, no visibility map).
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        self.log(f"  statistics: {time.perf_counter() - started:.1f} s")


def _identity_value(kind: str, contact_id: int) -> str:
    if kind == IdentityKind.PHONE:
        return f"+1555{contact_id:07d}"
    if kind == IdentityKind.YOUTUBE:
        return f"UCbench{contact_id:010d}"
    return str(10**15 + contact_id)
