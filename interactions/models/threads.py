from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Team

from .channels import Channel
from .contacts import Contact


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)
    color = models.CharField(max_length=7, default="#64748b", help_text="Hex colour, e.g. #2563eb.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(color__regex=r"^#[0-9a-fA-F]{6}$"), name="tag_color_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ThreadStatus(models.TextChoices):
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    SNOOZED = "snoozed", "Snoozed"
    RESOLVED = "resolved", "Resolved"


class Priority(models.IntegerChoices):
    LOW = 0, "Low"
    NORMAL = 1, "Normal"
    HIGH = 2, "High"
    URGENT = 3, "Urgent"


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", "Negative"
    NEUTRAL = "neutral", "Neutral"
    POSITIVE = "positive", "Positive"


class Thread(models.Model):
    """One conversation with one contact on one channel."""

    # No single-column indexes on the foreign keys: each leads a composite index below, which
    # serves the same lookups. Every message rewrites its thread's row in every index (the
    # activity time moves, so the update cannot be HOT): an index too many costs on each one.
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="threads", db_index=False
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="threads", db_index=False
    )
    subject = models.CharField(max_length=255, blank=True)
    # The first line of the latest message, so the inbox list never reads the messages table.
    preview = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=16, choices=ThreadStatus.choices, default=ThreadStatus.OPEN
    )
    priority = models.SmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_threads",
        db_index=False,
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="threads",
        db_index=False,
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="threads")
    sentiment = models.CharField(max_length=16, choices=Sentiment.choices, blank=True)
    # The provider's conversation: a post id for comments, a call SID. Empty for most threads.
    conversation_key = models.CharField(max_length=255, blank=True, default="", db_default="")
    is_unread = models.BooleanField(default=True)
    message_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    last_activity_at = models.DateTimeField()
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # SLA due times, computed from the policy when the thread opens or its priority changes.
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    # The resolution clock stops while the thread is pending (waiting on the customer): since
    # when, and the business minutes it stood still before (they push resolution_due_at on).
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    sla_paused_minutes = models.PositiveIntegerField(default=0)
    # Set when this thread was merged into another (interactions.services.merge); the row
    # stays, resolved, so links and the activity log keep working.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ThreadStatus.values), name="thread_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(priority__gte=0, priority__lte=3), name="thread_priority_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(sentiment__in=[*Sentiment.values, ""]),
                name="thread_sentiment_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="snoozed") | models.Q(snoozed_until__isnull=False),
                name="thread_snoozed_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="resolved") | models.Q(resolved_at__isnull=False),
                name="thread_resolved_has_time",
            ),
        ]
        indexes = [
            # The inbox: one team's threads in a status, newest activity first (keyset order).
            models.Index(
                "team",
                "status",
                models.F("last_activity_at").desc(),
                models.F("id").desc(),
                name="thread_team_inbox_idx",
            ),
            models.Index(
                "assignee",
                "status",
                models.F("last_activity_at").desc(),
                models.F("id").desc(),
                name="thread_assignee_inbox_idx",
            ),
            models.Index(
                "status",
                models.F("last_activity_at").desc(),
                models.F("id").desc(),
                name="thread_status_inbox_idx",
            ),
            # Every status at once (the "All" tab, and where a search starts looking: see
            # interactions.search.newest_matching_ids).
            models.Index(
                models.F("last_activity_at").desc(),
                models.F("id").desc(),
                name="thread_activity_idx",
            ),
            models.Index(fields=["contact", "-last_activity_at"], name="thread_contact_idx"),
            models.Index(
                fields=["channel", "contact", "-last_activity_at"],
                name="thread_channel_contact_idx",
            ),
            # Only snoozed threads: the others never write to it.
            models.Index(
                fields=["snoozed_until"],
                name="thread_snooze_idx",
                condition=models.Q(status="snoozed"),
            ),
            # Reports read threads by when they opened and when they were resolved.
            models.Index(fields=["created_at"], name="thread_created_idx"),
            models.Index(
                fields=["resolved_at"],
                condition=models.Q(resolved_at__isnull=False),
                name="thread_resolved_idx",
            ),
            # The SLA sweep looks at unresolved threads with a due time.
            models.Index(
                fields=["first_response_due_at"],
                condition=models.Q(
                    first_response_due_at__isnull=False, first_response_at__isnull=True
                ),
                name="thread_frt_due_idx",
            ),
            models.Index(
                fields=["resolution_due_at"],
                condition=~models.Q(status="resolved") & models.Q(resolution_due_at__isnull=False),
                name="thread_resolution_due_idx",
            ),
            models.Index(
                fields=["channel", "conversation_key"],
                condition=~models.Q(conversation_key=""),
                name="thread_conversation_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.subject or self.preview[:60] or f"Thread #{self.pk}"


class ThreadEventKind(models.TextChoices):
    ASSIGNED = "assigned", "Assigned"
    TEAM = "team", "Team changed"
    STATUS = "status", "Status changed"
    PRIORITY = "priority", "Priority changed"
    TAGS = "tags", "Tags changed"
    MERGED = "merged", "Merged"
    SPLIT = "split", "Split"
    MACRO = "macro", "Macro applied"
    RULE = "rule", "Rule applied"
    SLA = "sla", "SLA"


class ThreadEvent(models.Model):
    """The thread's activity log: who changed what, shown between its messages."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=ThreadEventKind.choices)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["thread", "at"], name="thread_event_thread_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on thread {self.thread_id}"
