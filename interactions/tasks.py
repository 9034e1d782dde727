"""Celery doorways into the interactions services: ids in, one service call, retry policy."""

from celery import current_app as app
from celery import shared_task
from django.conf import settings

from interactions.channels import imap, youtube
from interactions.services import events, media, outbound, threads
from interactions.services import routing as routing_services


@shared_task(
    name="interactions.process_inbound_event",
    autoretry_for=(events.RetryLater,),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=events.MAX_ATTEMPTS,
    ignore_result=True,
)
def process_inbound_event(event_id: int) -> str:
    """One event, at once: how stored events are processed when tasks run in-process (the
    embedded default has no broker and no workers to drain them)."""
    return events.inbound_event_process(event_id=event_id)


@shared_task(
    name="interactions.drain_inbound_events",
    autoretry_for=(events.RetryLater,),  # the database is out of reach
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=None,
    ignore_result=True,
)
def drain_inbound_events() -> dict:
    """Process pending events, oldest first, until none is left (services.events)."""
    delivery = drain_inbound_events.request.delivery_info or {}
    queue = delivery.get("routing_key") or _ingest_queue()
    events.drain_started(queue=queue)
    counts = events.inbound_events_drain()
    if counts.pop("budget_spent", 0):
        # More to do: carry on in a fresh task, after whatever else is queued.
        request_drain(queue=queue)
    elif counts.get("retry") and (due := events.next_retry_in()) is not None:
        # Events backing off: come back when the first is due, traffic or not.
        drain_inbound_events.apply_async(queue=queue, countdown=due)
    return dict(counts)


def _ingest_queue() -> str:
    return settings.INGEST_QUEUE or app.conf.task_default_queue


def request_drain(queue: str | None = None) -> bool:
    """Ask for a drain on `queue` (INGEST_QUEUE by default), unless one already waits there;
    True if one was published."""
    queue = queue or _ingest_queue()
    return events.drain_request(lambda: drain_inbound_events.apply_async(queue=queue), queue=queue)


def enqueue_event(event_id: int) -> None:
    """How a stored event reaches the workers: a drain request, or with tasks run in-process
    (no broker), processing right away."""
    if app.conf.task_always_eager:
        process_inbound_event.delay(event_id)
    else:
        request_drain()


@shared_task(name="interactions.sweep_inbound_events", ignore_result=True)
def sweep_inbound_events() -> int:
    """Request a drain for events left pending (a broker outage, a lost task, a backoff)."""
    stalled = events.inbound_events_stalled(older_than_s=settings.INBOUND_SWEEP_AFTER_S)
    if app.conf.task_always_eager:
        for event_id in stalled:
            events.enqueue_processing(event_id)
    elif stalled:
        request_drain()  # a request lost with its task has expired by now (KICK_TTL_S)
    return len(stalled)


events.set_enqueuer(enqueue_event)


@shared_task(name="interactions.wake_snoozed_threads", ignore_result=True)
def wake_snoozed_threads() -> int:
    return threads.threads_wake_snoozed()


@shared_task(
    name="interactions.send_message",
    bind=True,
    max_retries=outbound.MAX_SEND_RETRIES,
    ignore_result=True,
)
def send_message(self, message_id: int) -> str:
    """Send one queued reply; a 429/5xx retries after Retry-After, else with backoff."""
    final = self.request.retries >= self.max_retries
    try:
        return outbound.message_send(message_id=message_id, final_attempt=final)
    except outbound.RetrySend as exc:
        raise self.retry(exc=exc, countdown=exc.countdown) from exc


@shared_task(name="interactions.send_scheduled_messages", ignore_result=True)
def send_scheduled_messages() -> dict:
    """Release scheduled replies that are due (or cancel them) and re-enqueue lost sends."""
    return outbound.messages_send_due()


@shared_task(
    name="interactions.fetch_attachment",
    bind=True,
    autoretry_for=(media.FetchRetry,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=media.MAX_FETCH_RETRIES,
    ignore_result=True,
)
def fetch_attachment(self, attachment_id: int) -> str:
    final = self.request.retries >= self.max_retries
    return media.attachment_fetch(attachment_id=attachment_id, final_attempt=final)


outbound.set_send_enqueuer(lambda message_id: send_message.delay(message_id))
media.set_fetch_enqueuer(lambda attachment_id: fetch_attachment.delay(attachment_id))


# --- Polled channels: IMAP mailboxes and YouTube comments (beat fans out, one task each) ------


@shared_task(name="interactions.poll_imap_mailboxes", ignore_result=True)
def poll_imap_mailboxes() -> int:
    """One poll task per IMAP mailbox, so a slow or broken server never holds up the others."""
    channel_ids = imap.imap_channel_ids_to_poll()
    for channel_id in channel_ids:
        # A poll still queued when the next beat fires is redundant: let it expire.
        poll_imap_mailbox.apply_async((channel_id,), expires=imap.POLL_TASK_EXPIRES_S)
    return len(channel_ids)


@shared_task(name="interactions.poll_imap_mailbox", ignore_result=True)
def poll_imap_mailbox(channel_id: int) -> int:
    """Store the mailbox's new messages; failures are recorded on its PollCursor, not raised."""
    return imap.imap_mailbox_poll_by_id(channel_id=channel_id)


@shared_task(name="interactions.poll_youtube", ignore_result=True)
def poll_youtube() -> int:
    """One poll task per YouTube channel; nothing while YOUTUBE_API_KEY is unset."""
    channel_ids = youtube.youtube_channel_ids_to_poll()
    for channel_id in channel_ids:
        poll_youtube_channel.apply_async((channel_id,), expires=youtube.POLL_TASK_EXPIRES_S)
    return len(channel_ids)


@shared_task(name="interactions.poll_youtube_channel", ignore_result=True)
def poll_youtube_channel(channel_id: int) -> int:
    """Store new comments on the channel's videos; failures are recorded, not raised."""
    return youtube.youtube_channel_poll_by_id(channel_id=channel_id)


@shared_task(name="interactions.sla_sweep", ignore_result=True)
def sla_sweep() -> dict:
    """Log SLA approaching/breached events once per thread and fire the sla_warning rules."""
    return routing_services.sla_sweep()
