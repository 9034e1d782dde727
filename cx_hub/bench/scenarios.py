"""Named scenarios: each prepares what it needs and returns the callable the harness times.

A scenario is a small function registered by name; later work adds its own the same way:

    @scenario("thread_page")
    def thread_page(ctx: BenchContext) -> Prepared:
        client = ctx.client_for(ctx.agent)
        ...
        return Prepared(run=lambda: ctx.get(client, path), target=f"GET {path}")

Scenarios must fail loudly (`ScenarioError`) rather than time an error page.

A scenario that measures itself (a load test against real gunicorn or Celery processes) returns
`Prepared(measure=...)` instead of `run`; one that cannot run under the current configuration
returns `Prepared(skip="why")`. `goals` are what the figures should be; the report checks them.
More scenarios live in `scenarios_inbox` and `scenarios_ingest`, registered on import below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import HttpResponse
from django.http.request import validate_host
from django.template import Template
from django.test import Client
from django.test.utils import instrumented_test_render
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape

from accounts.models import Team, User
from accounts.permissions import Role
from interactions.models import Thread, ThreadStatus
from interactions.selectors import InboxFilters, InboxPage, inbox_threads

from .report import Goal


class ScenarioError(Exception):
    """A scenario could not be prepared or a run did not get the page it should."""


@dataclass
class Prepared:
    run: Callable[[], object] | None = None  # timed by the harness, `--iterations` times
    target: str = ""  # what is timed, as shown in the report
    goals: tuple[Goal, ...] = ()
    # A scenario that times itself: called once, returns the figures for the report.
    measure: Callable[[], dict] | None = None
    skip: str = ""  # why the scenario cannot run here (the report says so instead of failing)
    budget_s: float | None = None  # stop timing a pathologically slow `run` after this long


# DESIGN.md: "pages answering in tens of milliseconds and a constant number of SQL queries per
# page whatever the data size"; the inbox issue puts the list, the thread page and the API list
# at a p95 of 50 ms at full scale, and the list at 10 queries at most.
PAGE_GOALS = (
    Goal("p95_ms", "<=", 50, "issue: p95 <= 50 ms at full scale"),
    Goal("queries_constant", "==", True, "DESIGN.md: a constant number of queries per page"),
)
INBOX_GOALS = (*PAGE_GOALS, Goal("queries", "<=", 10, "issue: inbox_list <= 10 SQL queries"))


SCENARIOS: dict[str, Callable[[BenchContext], Prepared]] = {}


def scenario(name: str) -> Callable:
    """Register the decorated function as the scenario `name`."""

    def register(func: Callable[[BenchContext], Prepared]) -> Callable[[BenchContext], Prepared]:
        if name in SCENARIOS:
            raise ValueError(f"Scenario {name!r} is registered twice.")
        SCENARIOS[name] = func
        return func

    return register


class BenchContext:
    """What scenarios share: the team with the most open threads, one of its agents, and
    test clients that reach the app the way a browser would under the current settings."""

    def __init__(self) -> None:
        busiest = (
            Thread.objects.filter(status=ThreadStatus.OPEN, team__isnull=False)
            .values("team").annotate(n=Count("id")).order_by("-n", "team").first()
        )
        if busiest is None:
            raise ScenarioError("The bench database holds no open team threads.")
        self.team = Team.objects.get(pk=busiest["team"])
        self.agent = (
            User.objects.filter(role=Role.AGENT, is_active=True, team_memberships__team=self.team)
            .order_by("pk").first()
        )
        if self.agent is None:
            raise ScenarioError(f"Team {self.team} has no agent.")
        # With DEBUG off, SECURE_SSL_REDIRECT would answer plain http with a redirect.
        self.secure = bool(settings.SECURE_SSL_REDIRECT)
        self.extra = {"HTTP_HOST": _allowed_host()}
        if self.secure and settings.SECURE_PROXY_SSL_HEADER:
            header, value = settings.SECURE_PROXY_SSL_HEADER
            self.extra[header] = value

    def client_for(self, user: User) -> Client:
        """A test client signed in as `user`."""
        client = Client()
        client.force_login(user)
        return client

    def get(self, client: Client, path: str, data: dict | None = None) -> HttpResponse:
        """GET `path` with the host and scheme the settings accept."""
        return client.get(path, data, secure=self.secure, **self.extra)

    def get_with_context(self, client: Client, path: str, data: dict | None = None):
        """Like `get`, with `response.context` filled in (as in tests); for checks, not timing."""
        original = Template._render
        Template._render = instrumented_test_render
        try:
            return self.get(client, path, data)
        finally:
            Template._render = original


def _allowed_host() -> str:
    if validate_host("testserver", settings.ALLOWED_HOSTS):
        return "testserver"
    for pattern in settings.ALLOWED_HOSTS:
        host = pattern.lstrip(".")
        if host and host != "*" and validate_host(host, settings.ALLOWED_HOSTS):
            return host
    # Nothing concrete is allowed: do what Django's test runner does.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    return "testserver"


def expect_ok(response: HttpResponse, what: str) -> None:
    """Fail unless `response` is a 200."""
    if response.status_code != 200:
        where = f" to {response['Location']}" if response.has_header("Location") else ""
        raise ScenarioError(f"{what} answered {response.status_code}{where}, not 200.")


def listed_threads(response: HttpResponse) -> list[Thread] | None:
    """The threads a page's template context lists, or None when none can be found."""
    if response.context is None:
        return None
    contexts = response.context if isinstance(response.context, list) else [response.context]
    for context in contexts:
        for value in context.flatten().values():
            if isinstance(value, InboxPage):
                return value.threads
            if isinstance(value, list | tuple | QuerySet) and value:
                items = list(value)
                if all(isinstance(item, Thread) for item in items):
                    return items
    return None


@scenario("inbox_list")
def inbox_list(ctx: BenchContext) -> Prepared:
    """First page of one team's open threads, newest activity first, as its agent gets it."""
    filters = InboxFilters(status=ThreadStatus.OPEN, team_id=ctx.team.pk)
    expected = inbox_threads(user=ctx.agent, filters=filters).threads
    if not expected:
        raise ScenarioError(f"No open threads visible to {ctx.agent} in {ctx.team}.")
    try:
        path = reverse("inbox")
    except NoReverseMatch:
        # Until the inbox view exists, time the selector it will call.
        def run_selector() -> None:
            if not inbox_threads(user=ctx.agent, filters=filters).threads:
                raise ScenarioError("inbox_threads returned an empty page.")

        return Prepared(run=run_selector, target="selector inbox_threads (no 'inbox' URL yet)")

    client = ctx.client_for(ctx.agent)
    data = {"team": ctx.team.pk, "status": ThreadStatus.OPEN.value}
    what = f"GET {path}?team={ctx.team.pk}&status=open"
    response = ctx.get_with_context(client, path, data)
    expect_ok(response, what)
    listed = listed_threads(response)
    if listed is None:
        if escape(str(expected[0].contact)) not in response.content.decode():
            raise ScenarioError(f"{what} does not show the newest open thread #{expected[0].pk}.")
    elif not listed or listed[0].pk != expected[0].pk:
        first = f"#{listed[0].pk}" if listed else "nothing"
        raise ScenarioError(f"{what} lists {first} first, the selector #{expected[0].pk}.")

    def run_view() -> None:
        expect_ok(ctx.get(client, path, data), what)

    return Prepared(run=run_view, target=f"{what} as {ctx.agent.email}", goals=INBOX_GOALS)


# Registered after inbox_list, in the order the report lists them; they import from this module.
from . import scenarios_inbox, scenarios_ingest  # noqa: E402, F401
