"""Scenarios for what agents and marketers read: a long thread, a search, the threads API."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import F, Func, IntegerField, Value
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, User
from accounts.permissions import Role
from accounts.tokens import api_token_create
from interactions.models import DeliveryStatus, Direction, Message, MessageKind, Thread

from . import corpus
from .database import META_TABLE, read_marker
from .report import Goal
from .scenarios import (
    PAGE_GOALS,
    BenchContext,
    Prepared,
    ScenarioError,
    expect_ok,
    scenario,
)

# A long conversation, as an agent opens it: the issue asks for about fifty messages.
THREAD_MESSAGES = 50
THREAD_META_KEY = "thread_view"
# From the generator's corpus: "blender" is in one customer sentence of fifteen, so it matches
# about 4% of messages (37k of 1M at full scale, in 17% of threads): a word people search for.
SEARCH_WORD = "blender"
SEARCH_GOALS = (Goal("p95_ms", "<=", 150, "issue: search p95 <= 150 ms at full scale"),)
# A search this slow (seconds per page) would hold the bench for an hour at 55 runs.
SEARCH_BUDGET_S = 90


def _meta_read(key: str) -> dict | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {META_TABLE} WHERE key = %s", [key])
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def _meta_write(key: str, value: dict) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {META_TABLE} WHERE key = %s", [key])
        cursor.execute(
            f"INSERT INTO {META_TABLE} (key, value) VALUES (%s, %s)", [key, json.dumps(value)]
        )


def _dataset_id() -> str:
    marker = read_marker()
    if marker is None:
        raise ScenarioError("The bench database holds no complete data set.")
    return marker["generated_at"]


def long_thread(ctx: BenchContext) -> tuple[Thread, dict]:
    """The agent's team thread with about THREAD_MESSAGES messages, the same on every run.

    The generator averages five messages a thread with a long tail (up to 60), so the full data
    set has a few long threads and the small one may not: the thread whose message count is
    closest to THREAD_MESSAGES is picked, and topped up to THREAD_MESSAGES once if it is short.
    The choice (and any messages added) is recorded in the bench meta table, tied to the data set.
    """
    dataset = _dataset_id()
    known = _meta_read(THREAD_META_KEY)
    if known and known.get("dataset") == dataset and known.get("team_id") == ctx.team.pk:
        thread = Thread.objects.filter(pk=known["thread_id"]).first()
        if thread is not None:
            return thread, known
    distance = Func(
        F("message_count") - Value(THREAD_MESSAGES), function="ABS", output_field=IntegerField()
    )
    thread = (
        Thread.objects.filter(team=ctx.team, merged_into__isnull=True)
        .annotate(distance=distance)
        .order_by("distance", "pk")
        .first()
    )
    if thread is None:
        raise ScenarioError(f"Team {ctx.team} has no threads.")
    added = _top_up(thread) if thread.messages.count() < THREAD_MESSAGES - 5 else 0
    record = {
        "dataset": dataset,
        "team_id": ctx.team.pk,
        "thread_id": thread.pk,
        "messages": thread.messages.count(),
        "added": added,
    }
    _meta_write(THREAD_META_KEY, record)
    return thread, record


@transaction.atomic
def _top_up(thread: Thread) -> int:
    """Add customer/agent turns to `thread` until it holds THREAD_MESSAGES messages."""
    have = thread.messages.count()
    missing = THREAD_MESSAGES - have
    agent = User.objects.filter(role=Role.AGENT, team_memberships__team=thread.team_id).first()
    first = thread.created_at
    span = max((thread.last_activity_at - first).total_seconds(), 60.0)
    rows = []
    for i in range(missing):
        inbound = i % 2 == 0
        texts = corpus.INBOUND if inbound else corpus.OUTBOUND
        rows.append(
            Message(
                thread=thread,
                channel_id=thread.channel_id,
                direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
                kind=MessageKind.MESSAGE,
                author=None if inbound else agent,
                text=texts[i % len(texts)].format(n=10000 + thread.pk % 90000),
                provider_message_id=f"bench-thread-view-{thread.pk}-{i}",
                delivery_status="" if inbound else DeliveryStatus.DELIVERED,
                # Inside the thread's lifetime, so its last activity and preview stay as they were.
                created_at=first + timedelta(seconds=span * (i + 1) / (missing + 1)),
            )
        )
    Message.objects.bulk_create(rows)
    Thread.objects.filter(pk=thread.pk).update(message_count=have + missing)
    return missing


@scenario("thread_view")
def thread_view(ctx: BenchContext) -> Prepared:
    """A ~50-message thread page, as an agent of its team opens it."""
    thread, record = long_thread(ctx)
    path = reverse("thread_detail", args=[thread.pk])
    client = ctx.client_for(ctx.agent)
    what = f"GET {path}"
    response = ctx.get(client, path)
    expect_ok(response, what)
    content = response.content.decode()
    ids = list(thread.messages.values_list("pk", flat=True))
    missing = [pk for pk in ids if f'id="m{pk}"' not in content]
    if missing:
        raise ScenarioError(
            f"{what} shows {len(ids) - len(missing)} of the thread's {len(ids)} messages "
            f"(missing e.g. #{missing[0]})."
        )

    def run_view() -> None:
        expect_ok(ctx.get(client, path), what)

    added = f", {record['added']} added by the bench" if record["added"] else ""
    return Prepared(
        run=run_view,
        target=f"{what} ({len(ids)} messages{added}) as {ctx.agent.email}",
        goals=PAGE_GOALS,
    )


def _marketer() -> User:
    marketer = User.objects.filter(role=Role.MARKETER, is_active=True).order_by("pk").first()
    if marketer is None:
        raise ScenarioError("The bench database has no active marketer.")
    return marketer


def rare_word() -> str:
    """An order number that occurs in the generated messages (a handful of threads)."""
    for text in Message.objects.order_by("pk").values_list("text", flat=True)[:200]:
        found = re.search(r"\b\d{5}\b", text)
        if found:
            return found.group()
    raise ScenarioError("No order number in the first messages of the data set.")


def _search(ctx: BenchContext, word: str, label: str) -> Prepared:
    marketer = _marketer()
    client = ctx.client_for(marketer)
    path = reverse("inbox")
    data = {"q": word, "status": "all"}
    what = f"GET {path}?q={word}&status=all"
    response = ctx.get(client, path, data)
    expect_ok(response, what)
    content = response.content.decode()
    hits = content.count('class="thread-item"')
    if not hits or "<mark>" not in content:
        raise ScenarioError(f"{what} lists no matching thread ({hits} rows, no <mark>).")

    def run_view() -> None:
        expect_ok(ctx.get(client, path, data), what)

    return Prepared(
        run=run_view,
        target=f"{what} ({label}; {hits} on the page) as {marketer.email}",
        goals=SEARCH_GOALS,
        budget_s=SEARCH_BUDGET_S,
    )


@scenario("search")
def search(ctx: BenchContext) -> Prepared:
    """The inbox searched across every status for a word many messages contain."""
    return _search(ctx, SEARCH_WORD, "mid-frequency corpus word")


@scenario("search_rare")
def search_rare(ctx: BenchContext) -> Prepared:
    """The inbox searched across every status for an order number (a few threads match)."""
    return _search(ctx, rare_word(), "rare: one order number")


@scenario("api_threads_list")
def api_threads_list(ctx: BenchContext) -> Prepared:
    """`GET /api/v1/threads/?team=&status=open` with a Bearer token, as the team's agent."""
    # Only the hash is stored, so each run makes a token (and drops the previous run's).
    ApiToken.objects.filter(user=ctx.agent, name="bench").delete()
    _token, raw = api_token_create(user=ctx.agent, name="bench")
    path = reverse("api-thread-list")
    data = {"team": ctx.team.pk, "status": "open"}
    what = f"GET {path}?team={ctx.team.pk}&status=open"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}", **ctx.extra}
    client = Client()  # no session: the token is the only credential

    def get():
        return client.get(path, data, secure=ctx.secure, **headers)

    response = get()
    expect_ok(response, what)
    body = response.json()
    results = body.get("results") if isinstance(body, dict) else body
    if not results:
        raise ScenarioError(f"{what} returned no threads.")
    if any(row.get("status") not in (None, "open") for row in results):
        raise ScenarioError(f"{what} returned threads that are not open.")

    def run_api() -> None:
        expect_ok(get(), what)

    return Prepared(
        run=run_api,
        target=f"{what} ({len(results)} threads a page) with a token of {ctx.agent.email}",
        goals=PAGE_GOALS,
    )


# No issue sets a time for the reports page: the scenario says what it costs at this scale.
REPORT_GOALS = (
    Goal("queries_constant", "==", True, "DESIGN.md: a constant number of queries per page"),
)
REPORT_DAYS = 30
REPORT_BUDGET_S = 60


@scenario("reports")
def reports(ctx: BenchContext) -> Prepared:
    """The Reports page for the last 30 days, every team and channel, as a manager."""
    manager = User.objects.filter(role=Role.MANAGER, is_active=True).order_by("pk").first()
    if manager is None:
        raise ScenarioError("The bench database has no active manager.")
    client = ctx.client_for(manager)
    path = reverse("reports")
    data = {"period": REPORT_DAYS}
    what = f"GET {path}?period={REPORT_DAYS}"
    response = ctx.get(client, path, data)
    expect_ok(response, what)
    if b"Median first response" not in response.content:
        raise ScenarioError(f"{what} shows no report.")

    def run_view() -> None:
        expect_ok(ctx.get(client, path, data), what)

    return Prepared(
        run=run_view,
        target=f"{what} as {manager.email}",
        goals=REPORT_GOALS,
        budget_s=REPORT_BUDGET_S,
    )
