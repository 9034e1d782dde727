"""Settings for the Celery worker, beat and gunicorn that the integration tests start.

The real settings, plus the test process's cache key prefix (so the test reads the heartbeat the
worker writes) and a queue of the test's own (so parallel test runs sharing one Redis never
take each other's tasks).

The ingestion fault tests (test_ingestion_faults.py) tune a few more things through the
environment; unset, nothing changes:

- CXHUB_TEST_SWEEP_EVERY_S: beat sends the inbound-event sweeper this often (30 s otherwise).
  Its age threshold is the real setting INBOUND_SWEEP_AFTER_S, set in the environment.
- CXHUB_TEST_VISIBILITY_TIMEOUT_S: Redis hands an unacknowledged task (its worker was killed)
  to another worker after this many seconds, and the worker looks for such tasks every second.
- CXHUB_TEST_SLOW_PARSE_S: this process parses Twilio messages that slowly, holding the event's
  row lock (tests/integration/slow_adapter.py), so a test can kill the worker mid-task.
"""

import os

from cx_hub.settings import *  # noqa: F403
from cx_hub.settings import CACHES, CELERY_BEAT_SCHEDULE, CELERY_BROKER_TRANSPORT_OPTIONS

CACHES["default"]["KEY_PREFIX"] = os.environ["CXHUB_TEST_CACHE_PREFIX"]
CELERY_TASK_DEFAULT_QUEUE = os.environ["CXHUB_TEST_QUEUE"]

if os.environ.get("CXHUB_TEST_SWEEP_EVERY_S"):
    CELERY_BEAT_SCHEDULE = {
        **CELERY_BEAT_SCHEDULE,
        "sweep-inbound-events": {
            "task": "interactions.sweep_inbound_events",
            "schedule": float(os.environ["CXHUB_TEST_SWEEP_EVERY_S"]),
        },
    }

if os.environ.get("CXHUB_TEST_VISIBILITY_TIMEOUT_S"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "visibility_timeout": float(os.environ["CXHUB_TEST_VISIBILITY_TIMEOUT_S"]),
        # kombu looks for tasks past their visibility timeout every interval * throttle
        # seconds (10 * 10 by default): every second instead.
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }

if os.environ.get("CXHUB_TEST_SLOW_PARSE_S"):
    from tests.integration import slow_adapter

    slow_adapter.install(float(os.environ["CXHUB_TEST_SLOW_PARSE_S"]))
