"""The system-health readings: database, Redis, and whether workers and beat are alive."""

import time

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from cx_hub.health import (
    HEARTBEAT_KEY,
    HEARTBEAT_STALE_AFTER_S,
    check_database,
    check_redis,
    check_workers,
    components,
    last_heartbeat,
    record_heartbeat,
)
from cx_hub.tasks import heartbeat

BEAT_AT = 1_800_000_000.0


@pytest.fixture
def with_workers(settings):
    """A configured broker, so the worker check reads the heartbeat (the real Redis if set)."""
    settings.REDIS_URL = settings.REDIS_URL or "redis://broker.invalid:6379/0"


# --- Workers -------------------------------------------------------------------------------


def test_without_redis_workers_are_fine_because_tasks_run_in_process(settings):
    settings.REDIS_URL = ""

    component = check_workers()

    assert component.ok
    assert "in-process" in component.detail


def test_with_redis_and_no_heartbeat_yet_workers_are_down(with_workers):
    component = check_workers(now=BEAT_AT)

    assert not component.ok
    assert "no heartbeat" in component.detail


def test_a_fresh_heartbeat_means_workers_are_up(with_workers):
    record_heartbeat(now=BEAT_AT)

    component = check_workers(now=BEAT_AT + 30)

    assert component.ok
    assert component.detail == "last heartbeat 30 s ago"


def test_a_heartbeat_at_the_limit_is_still_fresh(with_workers):
    record_heartbeat(now=BEAT_AT)

    assert check_workers(now=BEAT_AT + HEARTBEAT_STALE_AFTER_S).ok


def test_a_heartbeat_older_than_two_missed_beats_means_workers_are_down(with_workers):
    record_heartbeat(now=BEAT_AT)

    component = check_workers(now=BEAT_AT + HEARTBEAT_STALE_AFTER_S + 1)

    assert not component.ok
    assert component.detail == f"last heartbeat {HEARTBEAT_STALE_AFTER_S + 1} s ago"


def test_a_new_heartbeat_brings_workers_back(with_workers):
    record_heartbeat(now=BEAT_AT)
    assert not check_workers(now=BEAT_AT + 600).ok

    record_heartbeat(now=BEAT_AT + 590)

    assert check_workers(now=BEAT_AT + 600).ok


def test_the_heartbeat_task_records_the_current_time():
    before = time.time()

    heartbeat()

    assert before <= last_heartbeat() <= time.time()


@pytest.mark.redis
def test_the_heartbeat_is_kept_in_redis_where_every_process_reads_it(settings):
    import redis

    assert isinstance(caches["default"], RedisCache)
    record_heartbeat(now=BEAT_AT)

    raw = redis.Redis.from_url(settings.REDIS_URL)
    key = cache.make_and_validate_key(HEARTBEAT_KEY)
    assert raw.exists(key)
    assert raw.ttl(key) == -1  # no expiry
    assert last_heartbeat() == BEAT_AT
    assert check_workers(now=BEAT_AT + 10).ok


@pytest.mark.redis
def test_every_cache_call_and_the_hot_paths_share_one_redis_client():
    from cx_hub.cache_client import redis_client

    cache.set("reuse-probe", 1)
    client = redis_client()

    assert cache._cache.get_client("reuse-probe") is client
    assert cache._cache.get_client("reuse-probe", write=True) is client
    # The shared client reads what the cache API wrote, under the cache's own key.
    assert client.get(cache.make_and_validate_key("reuse-probe")) == b"1"


# --- Database and Redis --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_database_check_reports_the_vendor():
    from django.db import connection

    component = check_database()

    assert component.ok
    assert component.detail == connection.vendor


def test_without_redis_the_redis_check_says_it_is_not_configured(settings):
    settings.REDIS_URL = ""

    component = check_redis()

    assert component.ok
    assert "not configured" in component.detail


def test_an_unreachable_redis_is_reported_down(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    component = check_redis()

    assert not component.ok
    assert component.detail


@pytest.mark.redis
def test_a_reachable_redis_is_reported_up():
    component = check_redis()

    assert component.ok
    assert component.detail == "reachable"


@pytest.mark.django_db
def test_the_health_page_reads_database_redis_and_workers():
    database, redis_, workers = components()

    assert (database.name, redis_.name, workers.name) == ("Database", "Redis", "Workers")
    assert database.ok
