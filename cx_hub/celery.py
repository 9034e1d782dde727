"""The Celery app: broker is REDIS_URL; unset, tasks run eagerly in-process.

Every task acknowledges late (a killed worker's task is redelivered) and, through `BaseTask`,
retries transient failures with exponential backoff and jitter.
"""

import os

from celery import Celery, Task


class TransientError(Exception):
    """A failure worth retrying later: a provider's 429/5xx, a timeout, a dropped connection."""


class BaseTask(Task):
    autoretry_for = (TransientError, ConnectionError, TimeoutError)
    retry_backoff = 2
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 8
    acks_late = True
    reject_on_worker_lost = True


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cx_hub.settings")

app = Celery("cx_hub", task_cls=BaseTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["cx_hub"])
