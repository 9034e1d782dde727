from django.db import models

from .channels import Channel


class EventStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Failed"


class InboundEvent(models.Model):
    """A provider delivery stored before it is acknowledged: nothing lost, nothing doubled."""

    provider = models.CharField(max_length=32)
    provider_event_id = models.CharField(max_length=255)
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_events"
    )
    payload = models.JSONField(default=dict, blank=True)
    # The raw body when it is not JSON (RFC 822 mail, form-encoded webhooks).
    raw = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=EventStatus.choices, default=EventStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # No worker takes the event before this: it waits out the backoff of a failed attempt.
    not_before = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_event_id"], name="inbound_event_provider_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=EventStatus.values), name="inbound_event_status_valid"
            ),
        ]
        indexes = [
            # The sweeper and the health page look for events not yet processed.
            models.Index(
                fields=["status", "received_at"],
                condition=~models.Q(status="processed"),
                name="inbound_event_backlog_idx",
            ),
            # Workers take pending events oldest first (events.inbound_event_process_next).
            models.Index(
                fields=["id"],
                condition=models.Q(status="pending"),
                name="inbound_event_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.provider_event_id} ({self.status})"
