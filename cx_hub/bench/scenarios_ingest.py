"""Scenarios against real processes: gunicorn taking Twilio webhooks, Celery workers ingesting.

Both start their processes against the bench database and the configured Redis, each in a
process group of its own that is stopped (and SIGKILLed if need be) however the scenario ends,
and that dies with the bench if the bench is killed. Both need REDIS_URL: without it tasks run
in-process, there is no queue to measure, and they report themselves skipped.

What they leave behind is removed afterwards: the bench SMS channel stays (created once), its
threads, the bench senders' contacts, the events and the queue of the run's own that the drain
requests went to are deleted, so a rerun starts from the same data. Redis should be one the
bench may use (a database of its own, e.g. redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team
from interactions import live
from interactions.models import (
    Channel,
    ChannelKind,
    Contact,
    ContactIdentity,
    EventStatus,
    InboundEvent,
    Thread,
)
from interactions.services import events as event_services
from interactions.services.events import inbound_event_store

from . import corpus
from .report import Goal, percentile
from .scenarios import BenchContext, Prepared, ScenarioError, scenario

BENCH_SMS_NUMBER = "+15550199999"  # beside the generated channels' +1555010000x
# Signs the bench's webhooks and is the only token the bench's gunicorn accepts.
BENCH_TWILIO_TOKEN = "cxhub-bench-twilio-auth-token"
BENCH_ACCOUNT_SID = "AC" + "b" * 32
# Bench senders are +15559xxxxxx: generated contacts' numbers are +1555 and a 7-digit contact id,
# so these would be contacts 9,000,000 and up, which no scale makes.
SENDER_PREFIX = "+15559"
SID_PREFIX = "SMbench"

WEBHOOK_REQUESTS = 2000
WEBHOOK_WARMUP = 200
# In flight at once. Little's law ties the two goals together: 500 req/s at a 20 ms p95 leaves
# room for about eight concurrent requests, so more clients would only queue.
WEBHOOK_CLIENTS = 8
GUNICORN_WORKERS, GUNICORN_THREADS = 2, 8

INGEST_EVENTS = 2000  # the backlog drained for messages/s
INGEST_WARMUP = 40
INGEST_LAG_EVENTS = 1500  # arriving at INGEST_LAG_RATE for the webhook-to-thread lag
INGEST_LAG_RATE = 300.0  # per second: the throughput goal, so the lag is the lag at that load
STEADY_S = 10  # seconds of arrivals at half the measured rate
STORE_THREADS = 4  # feeding the paced arrivals
MESSAGES_PER_SENDER = 5  # a sender's later messages continue the thread the first one opened
WORKER_CONCURRENCY, WORKER_PREFETCH = 2, 4

START_TIMEOUT_S = 120  # Django start-up on a busy 2-core machine
STOP_TIMEOUT_S = 20
NEEDS_REDIS = "needs REDIS_URL (without it tasks run in-process: no queue, no workers)"

WEBHOOK_GOALS = (
    Goal("p95_ms", "<=", 20, "issue: webhook p95 <= 20 ms"),
    Goal("requests_per_s", ">=", 500, "issue: >= 500 webhooks/s"),
    Goal("errors", "==", 0, "every webhook answered 200 and stored"),
)
INGEST_GOALS = (
    Goal("messages_per_s", ">=", 300, "issue: >= 300 messages/s"),
    Goal("lag_p95_ms", "<=", 2000, "issue: webhook-to-thread lag p95 <= 2 s"),
    Goal("failed", "==", 0, "every event processed"),
)


# --- Processes -------------------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int) -> Callable[[], None] | None:
    """Run in the child before exec: SIGKILL it if the bench dies, even by SIGKILL."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)

    def arm() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent_pid:  # the bench died before prctl took effect
            os._exit(1)

    return arm


class Child:
    """A process in a session (so a process group) of its own, its output in a log file."""

    def __init__(
        self, name: str, args: list[str], env: dict[str, str], logs: Path, pass_fds=()
    ) -> None:
        self.name = name
        self.log = logs / f"{name}.log"
        self._log_file = self.log.open("wb")
        self.popen = subprocess.Popen(
            args,
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            pass_fds=pass_fds,
            preexec_fn=_die_with_parent(os.getpid()),
        )
        self.pid = self.popen.pid

    def exited(self) -> bool:
        # WNOWAIT: the leader is not reaped, so its pid (the group id) cannot be reused before
        # `stop` signals the group.
        info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        return info is not None

    def tail(self, chars: int = 4000) -> str:
        if not self._log_file.closed:
            self._log_file.flush()
        return self.log.read_text(errors="replace")[-chars:]

    def check_alive(self) -> None:
        if self.exited():
            raise ScenarioError(f"{self.name} exited early. Its log ends:\n{self.tail()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT_S) -> None:
        """Ask the leader to stop (it stops its own children), then SIGKILL what is left."""
        if not self.exited():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)
            deadline = time.monotonic() + timeout
            while not self.exited() and time.monotonic() < deadline:
                time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)
        self._log_file.close()


def _database_url() -> str:
    """The bench database as a DATABASE_URL for the processes started here (PostgreSQL over
    TCP, or a SQLite file)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = quote(db.get("USER") or "", safe="")
    password = quote(str(db.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(db['NAME'], safe='')}"


def _child_env(**extra: str) -> dict[str, str]:
    """The processes run as deployed: DEBUG off (it keeps every SQL statement in memory and
    checks more on every request), with what production settings require; plain HTTP on
    loopback, as behind a TLS-terminating proxy."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cx_hub.settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


def _needs() -> str:
    """Why the process scenarios cannot run here, or ''."""
    if not settings.REDIS_URL:
        return NEEDS_REDIS
    for module in ("gunicorn", "celery", "redis", "requests", "twilio"):
        if find_spec(module) is None:
            return f"needs the {module} package"
    return ""


# --- CPU accounting --------------------------------------------------------------------------
# On a shared 2-core machine wall-clock figures swing with the neighbours' load; the CPU time
# each side spends per request does not, and says what an idle machine could sustain.

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_cpu_ms(pid: int) -> float:
    """User + system CPU of one process so far (0 when it is gone or unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000 / _TICKS


def _tree_pids(root: int) -> list[int]:
    """`root` and its descendants (gunicorn's workers, Celery's pool processes)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += parents.get(pid, [])
    return found


class CpuMeter:
    """CPU used between `start` and `stop` by a process tree, the database's other backends
    (PostgreSQL only: the server processes serving them) and this process itself.

    A backend that ends before `stop` takes its CPU time with it: when the measured processes
    open a connection per task (Celery's Django fix-up closes it after each one), the database
    side is reported as the sessions opened instead.
    """

    def __init__(self, root: int) -> None:
        self.root = root
        self.available = Path("/proc/self/stat").exists()
        self.postgres = connection.vendor == "postgresql"

    def _backends(self) -> tuple[dict[int, float], int]:
        if not self.postgres:
            return {}, 0
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            cpu = {pid: _proc_cpu_ms(pid) for (pid,) in cursor.fetchall()}
            cursor.execute(
                "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
            )
            return cpu, cursor.fetchone()[0]

    def _snapshot(self) -> tuple[dict[int, float], dict[int, float], float, int]:
        tree = {pid: _proc_cpu_ms(pid) for pid in _tree_pids(self.root)}
        backends, sessions = self._backends()
        return tree, backends, time.process_time() * 1000, sessions

    def start(self) -> None:
        self.before = self._snapshot() if self.available else None

    def stop(self, per: int, unit: str) -> dict:
        if not self.available or self.before is None or per <= 0:
            return {}
        after = self._snapshot()

        def delta(i: int) -> float:
            return sum(ms - self.before[i].get(pid, 0.0) for pid, ms in after[i].items())

        server, db, own = delta(0), delta(1), after[2] - self.before[2]
        figures = {
            f"server_cpu_ms_per_{unit}": round(server / per, 2),
            f"client_cpu_ms_per_{unit}": round(own / per, 2),
        }
        if self.postgres:
            sessions = (after[3] - self.before[3]) / per
            figures[f"db_sessions_per_{unit}"] = round(sessions, 2)
            if sessions > 0.1:
                figures[f"db_cpu_ms_per_{unit}"] = None  # went with the short-lived backends
                db = 0.0
                figures["cpu_bound_estimate_excludes_db"] = True
            else:
                figures[f"db_cpu_ms_per_{unit}"] = round(db / per, 2)
        if server + db > 0:
            # What the machine's cores could sustain doing nothing else (client excluded).
            cores = os.cpu_count() or 1
            figures["cpu_bound_estimate_per_s"] = round(cores * per * 1000 / (server + db), 1)
        return figures


# --- Bench data ------------------------------------------------------------------------------


def bench_sms_channel() -> Channel:
    """The SMS channel the bench's webhooks go to; created once, kept between runs."""
    team = Team.objects.filter(name="Customer Care").first()
    channel, _ = Channel.objects.get_or_create(
        kind=ChannelKind.SMS,
        address=BENCH_SMS_NUMBER,
        defaults={"name": "Bench SMS", "provider": "twilio", "default_team": team},
    )
    if not channel.is_active:
        raise ScenarioError(f"The bench channel {channel} is inactive.")
    return channel


def twilio_payload(sid: str, sender: str, text: str) -> dict[str, str]:
    """A Twilio inbound-SMS webhook's parameters, as Twilio sends them.

    https://www.twilio.com/docs/messaging/guides/webhook-request
    """
    return {
        "ToCountry": "US",
        "ToState": "CA",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "CA",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": text,
        "FromCountry": "US",
        "To": BENCH_SMS_NUMBER,
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": BENCH_ACCOUNT_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }


def payloads(run_id: str, tag: str, count: int) -> list[dict[str, str]]:
    """`count` messages from count / MESSAGES_PER_SENDER senders, taking turns."""
    senders = max(1, count // MESSAGES_PER_SENDER)
    return [
        twilio_payload(
            f"{SID_PREFIX}{run_id}{tag}{i:06d}",
            f"{SENDER_PREFIX}{i % senders:06d}",
            corpus.INBOUND[i % len(corpus.INBOUND)].format(n=10000 + i),
        )
        for i in range(count)
    ]


def _bench_events():
    return InboundEvent.objects.filter(provider="twilio", provider_event_id__startswith=SID_PREFIX)


def remove_bench_rows(channel: Channel) -> dict[str, int]:
    """Delete what the bench's webhooks made: threads on its channel, its senders, its events."""
    thread_ids = list(Thread.objects.filter(channel=channel).values_list("pk", flat=True))
    # The live-update versions the processing bumped (cache keys without expiry).
    cache.delete_many([live._thread_key(pk) for pk in thread_ids])
    with transaction.atomic():
        threads = Thread.objects.filter(channel=channel).delete()[0]
        senders = ContactIdentity.objects.filter(value__startswith=SENDER_PREFIX)
        contacts = Contact.objects.filter(pk__in=senders.values("contact_id")).delete()[0]
        events = _bench_events().delete()[0]
    return {"threads_rows": threads, "contacts_rows": contacts, "events": events}


def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


def _delete_queue(queue: str) -> None:
    """A run's own queue, its kombu bindings and its drain-request key."""
    with contextlib.suppress(Exception):
        _redis().delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    cache.delete(f"{event_services.KICK_KEY}:{queue}")


# --- webhook_accept ----------------------------------------------------------------------------


def _signed(url: str, params: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(BENCH_TWILIO_TOKEN).compute_signature(url, params)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
        "User-Agent": "TwilioProxy/1.1",
    }
    return urlencode(params).encode(), headers


def post_all(
    url: str, requests_: list[tuple[bytes, dict]], clients: int
) -> tuple[list[float], list[int], float]:
    """POST every request from `clients` threads (a keep-alive connection each).

    Returns each request's latency in ms, its status (-1: no answer) and the wall time in s from
    the first request to the last answer. The clients are plain `http.client` connections: the
    load runs on the server's own cores, and `requests` would take three times the CPU.
    """
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    count = len(requests_)
    latencies, statuses = [0.0] * count, [0] * count
    next_index, lock = iter(range(count)), threading.Lock()
    start = threading.Barrier(clients + 1)

    def client() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        start.wait()
        try:
            while True:
                with lock:
                    i = next(next_index, None)
                if i is None:
                    return
                body, headers = requests_[i]
                began = time.perf_counter()
                try:
                    conn.request("POST", path, body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    statuses[i] = response.status
                except (OSError, http.client.HTTPException):
                    statuses[i] = -1
                    conn.close()  # reconnects on the next request
                latencies[i] = (time.perf_counter() - began) * 1000
        finally:
            conn.close()

    pool = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in pool:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in pool:
        thread.join()
    return latencies, statuses, time.perf_counter() - began


def _wait_http(url: str, process: Child) -> None:
    import requests

    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        process.check_alive()
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.25)
    raise ScenarioError(f"gunicorn did not answer within {START_TIMEOUT_S} s:\n{process.tail()}")


def _ms_figures(latencies: list[float]) -> dict:
    return {
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "mean_ms": round(sum(latencies) / len(latencies), 2),
        "max_ms": round(max(latencies), 2),
    }


def webhook_accept_measure(
    requests_total: int = WEBHOOK_REQUESTS, clients: int = WEBHOOK_CLIENTS
) -> dict:
    """Start gunicorn, post signed Twilio webhooks at it, stop it; latency and throughput."""
    channel = bench_sms_channel()
    run_id = uuid.uuid4().hex[:10]
    listener = socket.create_server(("127.0.0.1", 0))
    # gunicorn takes the bound socket (fd://), so the port the webhooks are signed for cannot be
    # taken between choosing it and serving it.
    port = listener.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    url = base + reverse("webhook_twilio_messaging")
    logs = Path(tempfile.mkdtemp(prefix="cxhub-bench-web-"))
    args = [sys.executable, "-m", "gunicorn", "cx_hub.wsgi", "-b", f"fd://{listener.fileno()}"]
    args += ["-w", str(GUNICORN_WORKERS), "--worker-class", "gthread"]
    args += ["--threads", str(GUNICORN_THREADS), "--no-control-socket", "--graceful-timeout", "5"]
    # The drains the webhooks request go to a queue of the run's own, removed afterwards.
    queue = f"cxhub-bench-web-{run_id}"
    env = _child_env(TWILIO_AUTH_TOKEN=BENCH_TWILIO_TOKEN, PUBLIC_BASE_URL=base, INGEST_QUEUE=queue)
    web = None
    ok = False
    try:
        web = Child("gunicorn", args, env, logs, pass_fds=(listener.fileno(),))
        listener.close()
        _wait_http(url, web)
        warm = [_signed(url, p) for p in payloads(run_id, "w", WEBHOOK_WARMUP)]
        post_all(url, warm, clients)
        timed = [_signed(url, p) for p in payloads(run_id, "t", requests_total)]
        load_before = round(os.getloadavg()[0], 2)
        meter = CpuMeter(web.pid)
        meter.start()
        latencies, statuses, wall = post_all(url, timed, clients)
        cpu = meter.stop(requests_total, "request")
        web.check_alive()
        stored = _bench_events().filter(provider_event_id__startswith=f"{SID_PREFIX}{run_id}t")
        stored_count = stored.count()
        errors = sum(1 for s in statuses if s != 200) + max(0, requests_total - stored_count)
        ok = True
        return {
            "requests": requests_total,
            "clients": clients,
            "requests_per_s": round(requests_total / wall, 1),
            **_ms_figures(latencies),
            "errors": errors,
            "statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))},
            "stored": stored_count,
            "warmup": WEBHOOK_WARMUP,
            "wall_s": round(wall, 2),
            **cpu,
            "load_avg_1m_before": load_before,
            "server": f"gunicorn -w {GUNICORN_WORKERS} gthread --threads {GUNICORN_THREADS}, "
            "DEBUG=false",
        }
    finally:
        with contextlib.suppress(OSError):
            listener.close()
        if web is not None:
            web.stop()
            if not ok:
                sys.stderr.write(f"gunicorn log ({web.log}) ends:\n{web.tail()}\n")
        _delete_queue(queue)
        remove_bench_rows(channel)
        if ok:
            shutil.rmtree(logs, ignore_errors=True)


@scenario("webhook_accept")
def webhook_accept(ctx: BenchContext) -> Prepared:
    """Signed Twilio SMS webhooks against gunicorn: answered (stored, enqueued) how fast."""
    target = (
        f"POST {reverse('webhook_twilio_messaging')} x{WEBHOOK_REQUESTS} signed, "
        f"{WEBHOOK_CLIENTS} keep-alive clients, gunicorn {GUNICORN_WORKERS}x{GUNICORN_THREADS} "
        "gthread"
    )
    if why := _needs():
        return Prepared(skip=why, target=target, goals=WEBHOOK_GOALS)
    return Prepared(measure=webhook_accept_measure, target=target, goals=WEBHOOK_GOALS)


# --- ingest_throughput -------------------------------------------------------------------------


def _store(params: list[dict[str, str]]) -> list[int]:
    """Store events as the webhook does (`inbound_event_store`, enqueued once committed)."""
    ids = []
    for data in params:
        event, _ = inbound_event_store(
            provider="twilio", provider_event_id=data["MessageSid"], payload=data
        )
        ids.append(event.pk)
    return ids


def _paced_lag(params: list[dict[str, str]], rate: float, worker: Child) -> dict:
    """Store `params` at `rate` per second from a few threads (one store is a commit and a
    publish, slower than 1/300 s on a busy machine), then the received-to-processed lags."""
    ids: list[int] = []
    lock = threading.Lock()
    began = time.perf_counter() + 0.05

    def feed(offset: int) -> None:
        try:
            for i in range(offset, len(params), STORE_THREADS):
                delay = began + i / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                stored = _store([params[i]])
                with lock:
                    ids.extend(stored)
        finally:
            connection.close()  # this thread's own connection

    feeders = [threading.Thread(target=feed, args=(k,)) for k in range(STORE_THREADS)]
    for feeder in feeders:
        feeder.start()
    for feeder in feeders:
        feeder.join()
    offered_s = max(time.perf_counter() - began, 1e-3)
    _wait_done(ids, worker, max(120.0, len(ids) / 10))
    done, failed, pending = _outcome(ids)
    lags = _lags_ms(done)
    return {
        "offered_per_s": round(len(ids) / offered_s, 1),
        "p50_ms": round(percentile(lags, 50), 1) if lags else None,
        "p95_ms": round(percentile(lags, 95), 1) if lags else None,
        "max_ms": round(max(lags), 1) if lags else None,
        "failed": failed,
        "unprocessed": pending + len(params) - len(ids),
    }


def _wait_done(ids: list[int], worker: Child, timeout: float) -> bool:
    """Wait until no event of `ids` is pending; False on timeout."""
    deadline = time.monotonic() + timeout
    pending = InboundEvent.objects.filter(pk__in=ids, status=EventStatus.PENDING)
    while time.monotonic() < deadline:
        if not pending.exists():
            return True
        worker.check_alive()
        time.sleep(0.2)
    return False


def _outcome(ids: list[int]) -> tuple[list[tuple[datetime, datetime]], int, int]:
    """(received_at, processed_at) of the processed events, how many failed, how many pend."""
    rows = InboundEvent.objects.filter(pk__in=ids).values_list(
        "status", "received_at", "processed_at"
    )
    done, failed, pending = [], 0, 0
    for status, received, processed in rows:
        if status == EventStatus.PROCESSED:
            done.append((received, processed))
        elif status == EventStatus.FAILED:
            failed += 1
        else:
            pending += 1
    return done, failed, pending


def _lags_ms(done: list[tuple[datetime, datetime]]) -> list[float]:
    return [(processed - received).total_seconds() * 1000 for received, processed in done]


def ingest_measure(
    backlog: int = INGEST_EVENTS, paced: int = INGEST_LAG_EVENTS, rate: float = INGEST_LAG_RATE
) -> dict:
    """Celery workers processing stored events: a backlog's drain rate, then the lag at `rate`."""
    from interactions.tasks import request_drain

    channel = bench_sms_channel()
    remove_bench_rows(channel)  # an interrupted run's leftovers
    run_id = uuid.uuid4().hex[:10]
    queue = f"cxhub-bench-{run_id}"
    logs = Path(tempfile.mkdtemp(prefix="cxhub-bench-worker-"))
    args = [sys.executable, "-m", "celery", "-A", "cx_hub", "worker", "-l", "warning"]
    args += ["-c", str(WORKER_CONCURRENCY), "--prefetch-multiplier", str(WORKER_PREFETCH)]
    # A queue of the run's own: no other worker on this Redis takes the bench's tasks.
    args += ["-Q", queue, "-n", f"bench-{run_id}@%h"]
    original = event_services._enqueue
    event_services.set_enqueuer(lambda event_id: request_drain(queue=queue))
    worker = None
    ok = False
    try:
        worker = Child("celery", args, _child_env(), logs)
        warm_ids = _store(payloads(run_id, "w", INGEST_WARMUP))
        if not _wait_done(warm_ids, worker, START_TIMEOUT_S):
            raise ScenarioError(
                f"The worker processed nothing within {START_TIMEOUT_S} s:\n{worker.tail()}"
            )

        # 1. Throughput: `backlog` events committed at once, drained by the running workers.
        batch = payloads(run_id, "b", backlog)
        load_before = round(os.getloadavg()[0], 2)
        with transaction.atomic():
            backlog_ids = _store(batch)
            meter = CpuMeter(worker.pid)
            meter.start()
            committed = timezone.now()  # the tasks are published right after this commit
        _wait_done(backlog_ids, worker, max(120.0, backlog / 20))
        done, failed, pending = _outcome(backlog_ids)
        cpu = meter.stop(len(done), "message")
        last = max((p for _, p in done), default=committed)
        drain_s = max((last - committed).total_seconds(), 1e-3)
        backlog_lags = _lags_ms(done)

        # 2. Lag: events arriving one by one at `rate` (the goal's throughput), as webhooks
        # would; then at half the rate the workers just sustained, for the lag of a pipeline
        # that keeps up.
        at_rate = _paced_lag(payloads(run_id, "p", paced), rate, worker)
        steady_rate = max(1.0, min(rate, len(done) / drain_s / 2))
        steady_count = int(min(paced, steady_rate * STEADY_S))
        steady = _paced_lag(payloads(run_id, "s", steady_count), steady_rate, worker)
        worker.check_alive()
        ok = True
        return {
            "events": backlog,
            "messages_per_s": round(len(done) / drain_s, 1),
            "drain_s": round(drain_s, 2),
            "backlog_lag_p95_ms": round(percentile(backlog_lags or [0.0], 95), 1),
            "lag_events": paced,
            "offered_per_s": at_rate["offered_per_s"],
            "lag_p50_ms": at_rate["p50_ms"],
            "lag_p95_ms": at_rate["p95_ms"],
            "lag_max_ms": at_rate["max_ms"],
            "steady_offered_per_s": steady["offered_per_s"],
            "steady_lag_p50_ms": steady["p50_ms"],
            "steady_lag_p95_ms": steady["p95_ms"],
            "failed": failed + at_rate["failed"] + steady["failed"],
            "unprocessed": pending + at_rate["unprocessed"] + steady["unprocessed"],
            **cpu,
            "load_avg_1m_before": load_before,
            "worker": f"celery worker -c {WORKER_CONCURRENCY} --prefetch-multiplier "
            f"{WORKER_PREFETCH} (prefork), DEBUG=false",
        }
    finally:
        event_services.set_enqueuer(original)
        if worker is not None:
            worker.stop()
            if not ok:
                sys.stderr.write(f"worker log ({worker.log}) ends:\n{worker.tail()}\n")
        _delete_queue(queue)
        remove_bench_rows(channel)
        if ok:
            shutil.rmtree(logs, ignore_errors=True)


@scenario("ingest_throughput")
def ingest_throughput(ctx: BenchContext) -> Prepared:
    """Stored Twilio SMS events processed by real Celery workers: messages/s and lag."""
    target = (
        f"{INGEST_EVENTS} stored events drained by celery -c {WORKER_CONCURRENCY}, then "
        f"{INGEST_LAG_EVENTS} arriving at {INGEST_LAG_RATE:.0f}/s for the lag"
    )
    if why := _needs():
        return Prepared(skip=why, target=target, goals=INGEST_GOALS)
    return Prepared(measure=ingest_measure, target=target, goals=INGEST_GOALS)
