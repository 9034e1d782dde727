from django.conf import settings
from django.db import models

from .channels import Channel
from .threads import Thread


class Direction(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"
    NOTE = "note", "Internal note"


class DeliveryStatus(models.TextChoices):
    """Outbound progress; it only moves forward (a late 'sent' never undoes 'delivered')."""

    NONE = "", "—"
    SCHEDULED = "scheduled", "Scheduled"
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    READ = "read", "Read"
    FAILED = "failed", "Failed"


class MessageKind(models.TextChoices):
    MESSAGE = "message", "Message"
    CALL = "call", "Phone call"
    COMMENT = "comment", "Public comment"
    AUTO_REPLY = "auto_reply", "Auto-reply"
    BOUNCE = "bounce", "Bounce"


class Message(models.Model):
    # Indexed by message_thread_time_idx, which it leads.
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    # Denormalized from the thread so (channel, provider_message_id) can be unique.
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="messages")
    direction = models.CharField(max_length=16, choices=Direction.choices)
    kind = models.CharField(max_length=16, choices=MessageKind.choices, default=MessageKind.MESSAGE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_messages",
    )
    text = models.TextField(blank=True)
    # Sanitized with nh3 at ingestion; never raw provider HTML.
    html = models.TextField(blank=True)
    sentiment = models.CharField(max_length=16, blank=True, default="", db_default="")
    # Provider headers worth keeping: Message-ID, In-Reply-To, References, call duration…
    meta = models.JSONField(default=dict, blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True)
    delivery_status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.NONE, blank=True
    )
    delivery_error = models.TextField(blank=True)
    # Set by the composer; a reply submitted twice with the same key is stored once.
    idempotency_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "provider_message_id"],
                condition=~models.Q(provider_message_id=""),
                name="message_provider_id_unique",
            ),
            models.UniqueConstraint(
                fields=["thread", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="message_idempotency_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(direction__in=Direction.values), name="message_direction_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=MessageKind.values), name="message_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(delivery_status__in=DeliveryStatus.values),
                name="message_delivery_status_valid",
            ),
            # Only outbound messages have a delivery status.
            models.CheckConstraint(
                condition=models.Q(direction="outbound") | models.Q(delivery_status=""),
                name="message_status_only_outbound",
            ),
        ]
        indexes = [
            models.Index(fields=["thread", "created_at", "id"], name="message_thread_time_idx"),
            # Reports count customer messages over a period. With the thread id inside
            # (PostgreSQL), they count them by thread from the index alone, never reading the
            # messages themselves.
            models.Index(
                fields=["created_at"],
                include=["thread"],
                condition=models.Q(direction="inbound"),
                name="message_inbound_time_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} #{self.pk}: {self.text[:50]}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"attachments/{instance.message.created_at:%Y/%m}/{instance.message_id}/{filename}"


class FetchStatus(models.TextChoices):
    STORED = "stored", "Stored"
    PENDING = "pending", "Waiting to be fetched"
    FAILED = "failed", "Could not be fetched"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=500, blank=True)
    # Providers send media as URLs on their own hosts; a task fetches them (see channels).
    source_url = models.URLField(max_length=1000, blank=True, default="", db_default="")
    fetch_status = models.CharField(
        max_length=16,
        choices=FetchStatus.choices,
        default=FetchStatus.STORED,
        db_default=FetchStatus.STORED,
    )
    fetch_error = models.CharField(max_length=255, blank=True, default="", db_default="")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255, default="application/octet-stream")
    size = models.PositiveBigIntegerField(default=0)
    # Inline images are referenced from the HTML by Content-ID.
    content_id = models.CharField(max_length=255, blank=True)
    is_inline = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class SavedReply(models.Model):
    """A reply in the brand voice that marketing maintains; placeholders like {{ contact.name }}."""

    title = models.CharField(max_length=120)
    shortcut = models.SlugField(
        max_length=40, blank=True, help_text="Type /shortcut in the composer."
    )
    body = models.TextField()
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="saved_replies",
        help_text="Empty: shared with every team.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "saved replies"
        constraints = [
            models.UniqueConstraint(
                fields=["shortcut"],
                condition=~models.Q(shortcut=""),
                name="saved_reply_shortcut_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.title
