"""Celery: nothing is lost when a worker dies, and without Redis tasks run in-process."""

import pytest

from cx_hub.celery import BaseTask, TransientError
from cx_hub.celery import app as celery_app
from cx_hub.health import HEARTBEAT_STALE_AFTER_S
from cx_hub.tasks import heartbeat

PRINT_CELERY_MODE = (
    "-c",
    "import django; django.setup()\n"
    "from cx_hub.celery import app\n"
    "print(app.conf.task_always_eager, app.conf.broker_url)\n",
)


def test_tasks_acknowledge_late_and_are_redelivered_when_a_worker_is_lost():
    assert celery_app.conf.task_acks_late is True
    assert celery_app.conf.task_reject_on_worker_lost is True
    # One task at a time per worker process, so a crash loses (and redelivers) at most one.
    assert celery_app.conf.worker_prefetch_multiplier == 1


def test_every_task_inherits_the_safe_defaults():
    assert isinstance(heartbeat, BaseTask)
    assert heartbeat.acks_late is True
    assert heartbeat.reject_on_worker_lost is True


def test_transient_failures_are_retried_with_backoff():
    assert TransientError in BaseTask.autoretry_for
    assert ConnectionError in BaseTask.autoretry_for
    assert BaseTask.retry_backoff
    assert BaseTask.retry_jitter is True
    assert BaseTask.max_retries >= 5


def test_the_heartbeat_task_is_registered_under_its_explicit_name():
    assert heartbeat.name == "cx_hub.heartbeat"
    assert isinstance(celery_app.tasks["cx_hub.heartbeat"], BaseTask)


def test_beat_sends_the_heartbeat_well_within_the_staleness_limit():
    entry = celery_app.conf.beat_schedule["heartbeat"]

    assert entry["task"] == "cx_hub.heartbeat"
    assert entry["schedule"] == 30.0
    # Workers are reported down only after two missed beats.
    assert entry["schedule"] * 2 < HEARTBEAT_STALE_AFTER_S


def test_without_redis_tasks_run_eagerly_in_process(run_child):
    result = run_child(list(PRINT_CELERY_MODE), DEBUG="true", REDIS_URL=None)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "memory://"]


def test_with_redis_tasks_go_to_the_broker(run_child):
    # The URL only has to be well formed: configuring Celery does not connect.
    result = run_child(list(PRINT_CELERY_MODE), DEBUG="true", REDIS_URL="redis://127.0.0.1:1/3")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "redis://127.0.0.1:1/3"]


def test_without_redis_a_delayed_task_has_run_when_delay_returns(run_child):
    script = (
        "import django; django.setup()\n"
        "from cx_hub.health import last_heartbeat\n"
        "from cx_hub.tasks import heartbeat\n"
        "assert last_heartbeat() is None\n"
        "heartbeat.delay()\n"
        "print(last_heartbeat() is not None)\n"
    )

    result = run_child(["-c", script], DEBUG="true", REDIS_URL=None)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


@pytest.mark.parametrize("setting", ["CELERY_TASK_ACKS_LATE", "CELERY_TASK_REJECT_ON_WORKER_LOST"])
def test_the_safety_settings_are_on(settings, setting):
    assert getattr(settings, setting) is True
