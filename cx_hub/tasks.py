"""Platform-level tasks: the beat heartbeat that the system status page reads."""

from celery import shared_task

from cx_hub import health


@shared_task(name="cx_hub.heartbeat", ignore_result=True)
def heartbeat() -> None:
    health.record_heartbeat()
