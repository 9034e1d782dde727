"""Real processes for integration tests: a private Redis, gunicorn, a Celery worker and beat.

`ingestion_stack` gives a test a `Stack` that starts them on demand against the pytest-django
test database, each in a process group of its own with its output in a log file. When the test
ends every process is asked to stop and what is left of its group is SIGKILLed, nothing may
still listen on the ports the test used, and a failed test's report shows every log. Waits are
bounded; ports are picked at run time; the children die with the test process if it is killed.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings

from tests.webhooks import TWILIO_TOKEN

PROJECT_ROOT = Path(settings.BASE_DIR)
# Django set-up on a busy 2-core machine (the whole suite may run beside us under xdist).
START_S = 60
STOP_S = 10
LOG_TAIL_CHARS = 20_000


# --- Processes -------------------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _die_with(parent_pid: int) -> Callable[[], None] | None:
    """Run in the child before exec: SIGKILL it should the test process die, even by SIGKILL
    (a CI timeout), so no server outlives the run that started it."""
    if _libc is None:
        return None

    def arm() -> None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent_pid:  # the test process died before prctl took effect
            os._exit(1)

    return arm


class Process:
    """A child process in its own session (so a process group of its own), logging to a file.

    The leader is reaped only at the very end (`stop`): until then its pid, which is also the
    group's id, cannot be reused, so signalling the group can only reach our own processes.
    """

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path, **popen):
        self.name, self.log = name, log
        self.ended = False  # stopped or killed on purpose
        self.stop_signal = signal.SIGTERM
        self._terminated = False
        self.ready: Callable[[], bool] = lambda: True
        self._log_file = log.open("w")
        self.popen = subprocess.Popen(
            args,
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with(os.getpid()),
            **popen,
        )
        self.pid = self.popen.pid

    def exited(self) -> bool:
        """Whether the leader has exited, without reaping it."""
        if self.popen.returncode is not None:
            return True
        return os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def _signal_group(self, sig: int) -> None:
        if self.popen.returncode is None:  # not reaped: the group id is still ours
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, sig)

    def _wait_exited(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.exited():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def kill(self) -> None:
        """SIGKILL the whole group at once, as the OOM killer or a lost machine would."""
        self.ended = True
        self._signal_group(signal.SIGKILL)
        assert self._wait_exited(STOP_S), f"{self.name} survived SIGKILL"

    def terminate(self) -> None:
        """Ask the leader to shut down cleanly, once; it stops its own children (gunicorn's
        workers). Signalling the whole group instead sometimes leaves a gunicorn worker hung,
        interrupted by a second signal while it exits."""
        if not self._terminated and not self.exited():
            self._terminated = True
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, self.stop_signal)  # not Popen.send_signal: it would reap

    def stop(self) -> None:
        """Shut down cleanly, then SIGKILL whatever is left of the group (anything the leader
        left behind too), then reap the leader."""
        self.ended = True
        self.terminate()
        self._wait_exited(STOP_S)
        self._signal_group(signal.SIGKILL)
        self.popen.wait(timeout=STOP_S)
        self._log_file.close()


def private_port() -> int:
    """A free loopback port below the ephemeral range, so no outgoing connection takes it
    while a test has stopped the server that uses it (Redis is restarted on the same port)."""
    for _ in range(100):
        port = random.randrange(20_000, 32_000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("No free port between 20000 and 32000.")


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Stack:
    """The processes of one test. Start what the test needs; `close()` stops them all."""

    def __init__(self, tmp: Path, database_url: str):
        self.tmp = tmp
        self.processes: list[Process] = []
        self.waits: list[str] = []  # how long each wait took, for the failure report
        self.ports: set[int] = set()
        self.redis: Process | None = None
        self._redis_known = False  # once other processes use its port, it may not change
        # The listening socket is bound here and handed to gunicorn (fd://), so the port the
        # webhooks are signed for cannot be taken between choosing it and serving it.
        self._web_socket = socket.create_server(("127.0.0.1", 0))
        self.web_port = self._web_socket.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.web_port}"
        self.ports.add(self.web_port)
        self.queue = f"cxhub-test-{uuid.uuid4().hex[:12]}"
        self.env = {
            **os.environ,
            "DEBUG": "true",
            "DJANGO_SETTINGS_MODULE": "tests.integration.worker_settings",
            "DATABASE_URL": database_url,
            "CXHUB_TEST_CACHE_PREFIX": f"cxhub-{self.queue}",
            "CXHUB_TEST_QUEUE": self.queue,
            "PUBLIC_BASE_URL": self.base_url,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "MEDIA_FETCH_ON_RECEIPT": "false",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        self._set_redis_port(private_port())

    def _set_redis_port(self, port: int) -> None:
        self.redis_port = port
        self.ports.add(port)
        self.env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"

    # --- Starting: launch what the test needs, then `wait_ready()` for all of it at once ------

    def _start(self, name: str, args: list[str], ready=None, env=None, **popen) -> Process:
        log = self.tmp / f"{name}-{len(self.processes)}.log"
        process = Process(name, args, {**self.env, **(env or {})}, log, **popen)
        process.ready = ready or process.ready
        self.processes.append(process)
        return process

    def start_redis(self) -> Process:
        """A private redis-server (never the shared one), answering before this returns.

        Its port is chosen before anything uses it; should another process take it first, the
        first start moves to another port. A restart (after `stop_redis`) keeps the port the
        other processes know.
        """
        assert self.redis is None or self.redis.exited(), "Redis is already running"
        for _ in range(3):
            args = ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1"]
            args += ["--save", "", "--appendonly", "no", "--dir", str(self.tmp)]
            self.redis = self._start("redis", args)
            deadline = time.monotonic() + START_S
            while not self.redis.exited() and time.monotonic() < deadline:
                if _redis_pid(self.redis_port) == self.redis.pid:  # ours, not a squatter
                    self._redis_known = True
                    return self.redis
                time.sleep(0.1)
            if self._redis_known or "Address already in use" not in self.redis.output():
                break
            self.redis.stop()
            self.ports.discard(self.redis_port)
            self._set_redis_port(private_port())
        pytest.fail("Redis did not start (its log is below).")

    def stop_redis(self) -> None:
        """Redis crashes: SIGKILL, and what it held (queued tasks) is gone with it."""
        assert self.redis is not None
        self.redis.kill()
        assert not listening(self.redis_port), "Redis still listening after SIGKILL"

    def start_web(self) -> Process:
        """gunicorn, as in production: two gthread workers of four threads."""
        fd = self._web_socket.fileno()
        args = [sys.executable, "-m", "gunicorn", "cx_hub.wsgi", "-b", f"fd://{fd}", "-w", "2"]
        args += ["--worker-class", "gthread", "--threads", "4", "--access-logfile", "-"]
        # No control socket: its default path (~/.gunicorn/gunicorn.ctl) is one per machine.
        args += ["--no-control-socket", "--graceful-timeout", "3"]
        url = f"{self.base_url}/webhooks/twilio/messaging/"

        def answers() -> bool:
            try:
                requests.get(url, timeout=2)
            except requests.RequestException:
                return False
            return True

        web = self._start("gunicorn", args, answers, pass_fds=(fd,))
        web.stop_signal = signal.SIGINT  # quick shutdown
        self._web_socket.close()  # gunicorn holds it now: the port closes when gunicorn stops
        return web

    def start_worker(self, name: str = "worker", env: dict[str, str] | None = None) -> Process:
        """A solo-pool worker on the stack's queue: one process, so killing it kills the task."""
        args = [sys.executable, "-m", "celery", "-A", "cx_hub", "worker", "--pool=solo"]
        args += ["--loglevel=info", f"--queues={self.queue}", f"--hostname={name}-{self.queue}@%h"]
        args += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        worker = self._start(name, args, lambda: " ready." in worker.output(), env)
        return worker

    def start_beat(self) -> Process:
        args = [sys.executable, "-m", "celery", "-A", "cx_hub", "beat", "--loglevel=info"]
        args += [f"--schedule={self.tmp / 'beat-schedule'}"]
        beat = self._start("beat", args, lambda: "beat: Starting" in beat.output())
        return beat

    def wait_ready(self) -> None:
        """Wait until every process started and not yet stopped is ready (they start in
        parallel: Django's set-up is most of their start-up)."""
        for process in self.processes:
            if not process.ended:
                self.wait_for(process.ready, START_S, f"{process.name} ready")

    # --- Waiting and reporting ----------------------------------------------------------------

    def wait_for(self, condition: Callable[[], bool], timeout: float, what: str) -> float:
        """Poll `condition` until it holds (returns the seconds it took); fail if a process
        dies first or time runs out (the failed test's report then shows every log)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if condition():
                took = time.monotonic() - started
                self.waits.append(f"{what}: {took:.1f} s")
                return took
            for process in self.processes:
                if not process.ended and process.exited():
                    pytest.fail(f"{process.name} exited before {what} (its log is below).")
            time.sleep(0.2)
        pytest.fail(f"No {what} within {timeout} s (the processes' logs are below).")

    def logs(self) -> str:
        parts = [f"----- waits: {'; '.join(self.waits) or 'none'}"]
        for p in self.processes:
            text = p.output()
            if len(text) > LOG_TAIL_CHARS:
                text = "[…]" + text[-LOG_TAIL_CHARS:]
            state = "exited" if p.exited() else "running"
            parts.append(f"----- {p.name} (pid {p.pid}, {state}) -----\n{text}")
        return "\n".join(parts)

    def close(self) -> None:
        """Stop everything: web and Celery together, then Redis; nothing may still listen."""
        with contextlib.suppress(OSError):
            self._web_socket.close()
        others = [p for p in self.processes if p is not self.redis]
        for process in others:
            process.terminate()
        for process in [*others, *([self.redis] if self.redis else [])]:
            process.stop()
        still = sorted(port for port in self.ports if listening(port))
        assert not still, f"Still listening after the test: port(s) {still}"


def _redis_pid(port: int) -> int | None:
    """The pid of the Redis answering on `port`, if one does."""
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1, socket_timeout=1)
    try:
        return int(client.info("server")["process_id"])
    except redis.RedisError:
        return None
    finally:
        client.close()


# --- Fixtures and reporting ------------------------------------------------------------------


@pytest.fixture
def ingestion_stack(transactional_db, child_database_url, tmp_path):
    """A `Stack` on the test database, whose rows the test commits (transactional_db).

    Requesting transactional_db first means the processes stop before pytest-django empties
    the tables, so no child holds a lock the flush waits for.
    """
    stack = Stack(tmp_path, child_database_url)
    try:
        yield stack
    finally:
        stack.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report carries the log of every process its stack started."""
    report = yield
    stack = getattr(item, "funcargs", {}).get("ingestion_stack")
    if report.failed and isinstance(stack, Stack):
        report.sections.append(("child process logs", stack.logs()))
    return report
