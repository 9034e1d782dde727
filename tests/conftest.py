"""Shared fixtures: service gating, personas, logged-in clients, an isolated cache.

Personas (healthchecks' alice/bob): `admin_user`, `manager`, `marketer`, `agent_a` (team A),
`agent_b` (team B); each has a logged-in client (`admin_client`, `manager_client`, …), and
`client_for(user)` logs in anyone else. Tests marked `postgres` or `redis` need those services:
without them they are skipped with the reason, except under CI (`CI` set), where they fail.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.test.utils import override_settings

from accounts.permissions import Role
from tests.factories import TeamFactory, UserFactory

# --- Service gating ------------------------------------------------------------------------

SERVICE_REQUIREMENTS = {
    "postgres": "needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/name",
    "redis": "needs Redis: set REDIS_URL=redis://host:6379/15",
}


def _service_available(name: str) -> bool:
    if name == "postgres":
        from django.db import connection

        return connection.vendor == "postgresql"
    return bool(django_settings.REDIS_URL)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # tryfirst: decide before any fixture (a database, a worker process) is set up.
    for name, reason in SERVICE_REQUIREMENTS.items():
        if item.get_closest_marker(name) and not _service_available(name):
            if os.environ.get("CI", "").lower() not in {"", "0", "false", "no"}:
                # CI must run every service test: a silent skip would hide a broken setup.
                pytest.fail(f"{reason} (CI is set, so service tests may not skip)", pytrace=False)
            pytest.skip(reason)


# --- Speed and isolation -------------------------------------------------------------------

# One cache key prefix per test process: xdist workers (and a second test run on the same
# Redis database) never see, or clear, each other's keys.
CACHE_KEY_PREFIX = f"cxhub-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"


def _isolated_caches() -> dict:
    caches = {alias: dict(config) for alias, config in django_settings.CACHES.items()}
    for config in caches.values():
        config["KEY_PREFIX"] = CACHE_KEY_PREFIX
    return caches


@functools.cache
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url)


def clear_cache() -> None:
    """Empty this test process's cache; on Redis only its own keys (never FLUSHDB)."""
    from django.core.cache import cache

    from interactions import choices

    choices.local_clear()  # the process-local copies of configuration rows

    if not django_settings.REDIS_URL:
        cache.clear()
        return
    client = _redis(django_settings.REDIS_URL)
    keys = list(client.scan_iter(match=f"{CACHE_KEY_PREFIX}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(scope="session", autouse=True)
def _test_settings():
    """Fast password hashing, a per-process cache prefix and database sessions for the whole
    session.

    Inbound media is not downloaded on receipt, so no test reaches the internet by accident;
    media tests call the fetch service or turn MEDIA_FETCH_ON_RECEIPT back on.
    """
    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        CACHES=_isolated_caches(),
        MEDIA_FETCH_ON_RECEIPT=False,
        # Sessions in the database, with or without Redis, so query counts are the same in
        # every configuration (tests/interactions/test_views.py times the Redis one's saving).
        SESSION_ENGINE="django.contrib.sessions.backends.db",
    ):
        yield
        clear_cache()


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with an empty cache (rate-limit counters, heartbeats…)."""
    clear_cache()
    yield


@pytest.fixture(autouse=True)
def _tasks_run_in_process(request, monkeypatch):
    """Tasks run eagerly in every test, with or without REDIS_URL, so a test sees their effect.

    Without this, a REDIS_URL run would queue tasks in Redis where no worker takes them (and
    they would pile up there). Integration tests start a real worker and keep the real broker.
    """
    if request.node.get_closest_marker("integration"):
        return
    from cx_hub.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


# --- Child processes ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def child_database_url(django_db_setup) -> str:
    """A DATABASE_URL that points a child process (worker, manage.py) at the test database.

    PostgreSQL only (the SQLite test database lives in memory). Mark the test `django_db` so
    pytest-django creates the test database.
    """
    from urllib.parse import quote

    from django.db import connection

    params = connection.settings_dict
    assert connection.vendor == "postgresql", "child processes need the PostgreSQL test database"
    return "postgres://{}:{}@{}:{}/{}".format(
        quote(params["USER"] or "", safe=""),
        quote(params["PASSWORD"] or "", safe=""),
        params["HOST"] or "127.0.0.1",
        params["PORT"] or 5432,
        params["NAME"],
    )


# --- Personas ------------------------------------------------------------------------------


@pytest.fixture
def team_a(db):
    return TeamFactory(name="Team A")


@pytest.fixture
def team_b(db):
    return TeamFactory(name="Team B")


@pytest.fixture
def admin_user(db):
    """Overrides pytest-django's: an admin by CX Hub role (and a Django superuser)."""
    return UserFactory(email="admin@example.com", full_name="Ada Admin", admin=True)


@pytest.fixture
def manager(db):
    return UserFactory(email="manager@example.com", full_name="Max Manager", role=Role.MANAGER)


@pytest.fixture
def marketer(db):
    return UserFactory(email="marketer@example.com", full_name="Mia Marketer", role=Role.MARKETER)


@pytest.fixture
def agent_a(team_a):
    return UserFactory(
        email="agent.a@example.com", full_name="Alice Agent", role=Role.AGENT, teams=[team_a]
    )


@pytest.fixture
def agent_b(team_b):
    return UserFactory(
        email="agent.b@example.com", full_name="Bob Agent", role=Role.AGENT, teams=[team_b]
    )


# --- Logged-in clients ---------------------------------------------------------------------


@pytest.fixture
def client_for(db) -> Callable[..., Client]:
    """`client_for(user)` is a new test client signed in as `user`."""

    def make(user, **defaults) -> Client:
        client = Client(**defaults)
        client.force_login(user)
        return client

    return make


@pytest.fixture
def admin_client(client_for, admin_user):
    return client_for(admin_user)


@pytest.fixture
def manager_client(client_for, manager):
    return client_for(manager)


@pytest.fixture
def marketer_client(client_for, marketer):
    return client_for(marketer)


@pytest.fixture
def agent_a_client(client_for, agent_a):
    return client_for(agent_a)


@pytest.fixture
def agent_b_client(client_for, agent_b):
    return client_for(agent_b)
