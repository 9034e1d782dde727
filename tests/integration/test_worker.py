"""A real Celery worker and beat, on the real Redis, keep the system-health heartbeat alive.

Run alone with `pytest -m integration`. Needs DATABASE_URL (PostgreSQL) and REDIS_URL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from cx_hub.celery import app as celery_app
from cx_hub.health import HEARTBEAT_KEY, check_workers, last_heartbeat
from cx_hub.tasks import heartbeat

pytestmark = [
    pytest.mark.integration,
    pytest.mark.redis,
    pytest.mark.postgres,
    # The worker connects to the test database, so pytest-django must create it.
    pytest.mark.django_db,
]

PROJECT_ROOT = Path(settings.BASE_DIR)
# Beat's first heartbeat is due one interval (30 s) after it starts; allow for start-up too.
BEAT_WAIT_S = 75
WORKER_WAIT_S = 30
# Django set-up and system checks on a busy machine.
WORKER_START_S = 90


class Process:
    """A child process whose output goes to a log file, shown when a test fails."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path):
        self.name, self.log = name, log
        self.stopped = False
        self._log_file = log.open("w")
        self.popen = subprocess.Popen(
            args, cwd=PROJECT_ROOT, env=env, stdout=self._log_file, stderr=subprocess.STDOUT
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        self.stopped = True
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)
        self._log_file.close()


class Celery:
    """The worker (and beat, once started) that one test module runs."""

    def __init__(self, tmp: Path, env: dict[str, str]):
        self.tmp, self.env = tmp, env
        self.queue = env["CXHUB_TEST_QUEUE"]
        self.processes: list[Process] = []

    def start(self, name: str, *args: str) -> Process:
        process = Process(
            name,
            [sys.executable, "-m", "celery", "-A", "cx_hub", *args],
            self.env,
            self.tmp / f"{name}.log",
        )
        self.processes.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(
            f"----- {p.name} (exit code {p.popen.poll()}) -----\n{p.output()}"
            for p in self.processes
        )

    def wait_for(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        """Poll `condition` until it holds; fail with every process's log if it does not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            for process in self.processes:
                if not process.stopped and process.popen.poll() is not None:
                    pytest.fail(f"{process.name} exited before {what}.\n{self.logs()}")
            time.sleep(0.25)
        pytest.fail(f"No {what} within {timeout} s.\n{self.logs()}")

    def stop(self, process: Process | None = None) -> None:
        for p in [process] if process else list(reversed(self.processes)):
            p.stop()


@pytest.fixture(scope="module")
def celery_processes(child_database_url, tmp_path_factory):
    """Start a real worker on a queue of this test module's own; stop it afterwards."""
    tmp = tmp_path_factory.mktemp("celery")
    env = {
        **os.environ,
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "tests.integration.worker_settings",
        "DATABASE_URL": child_database_url,
        "REDIS_URL": settings.REDIS_URL,
        "CXHUB_TEST_CACHE_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "CXHUB_TEST_QUEUE": f"cxhub-test-{uuid.uuid4().hex[:12]}",
    }
    celery = Celery(tmp, env)
    worker = celery.start(
        "worker",
        "worker",
        "--pool=solo",
        "--loglevel=info",
        f"--queues={celery.queue}",
        f"--hostname=test-{celery.queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    )
    try:
        celery.wait_for(lambda: " ready." in worker.output(), WORKER_START_S, "worker ready")
        yield celery
    finally:
        celery.stop()
        _forget_queue(celery.queue)


def _forget_queue(queue: str) -> None:
    """Remove the test queue and kombu's bookkeeping for it from the shared Redis."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


@pytest.fixture
def to_test_queue(celery_processes, monkeypatch):
    """`.delay()` from this process goes to the test worker's queue."""
    monkeypatch.setitem(celery_app.conf, "task_default_queue", celery_processes.queue)


def test_a_delayed_heartbeat_is_processed_by_the_worker(celery_processes, to_test_queue):
    assert last_heartbeat() is None
    sent_at = time.time()

    heartbeat.delay()

    celery_processes.wait_for(
        lambda: last_heartbeat() is not None, WORKER_WAIT_S, "heartbeat from the worker"
    )
    assert sent_at <= last_heartbeat() <= time.time()
    assert check_workers().ok, celery_processes.logs()


def test_beat_keeps_the_worker_heartbeat_fresh(celery_processes):
    cache.delete(HEARTBEAT_KEY)
    assert not check_workers().ok

    beat = celery_processes.start(
        "beat",
        "beat",
        "--loglevel=info",
        f"--schedule={celery_processes.tmp / 'beat-schedule'}",
    )
    try:
        celery_processes.wait_for(
            lambda: last_heartbeat() is not None, BEAT_WAIT_S, "heartbeat sent by beat"
        )
    finally:
        celery_processes.stop(beat)

    assert check_workers().ok, celery_processes.logs()
    assert "Sending due task heartbeat (cx_hub.heartbeat)" in beat.output()
