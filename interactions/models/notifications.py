"""Notifications for one user: an @mention in a note (later: other kinds)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .messages import Message
from .threads import Thread


class NotificationKind(models.TextChoices):
    MENTION = "mention", "Mentioned you"


class Notification(models.Model):
    """Something a user should look at; unread until they open it (or mark all read)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="notifications")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
            # A note naming someone twice (or saved twice) notifies them once.
            models.UniqueConstraint(
                fields=["recipient", "message", "kind"], name="notification_once_per_message"
            ),
        ]
        indexes = [
            # The notifications page: one user's, newest first.
            models.Index(
                "recipient",
                models.F("created_at").desc(),
                models.F("id").desc(),
                name="notification_recipient_idx",
            ),
            # The bell's count and "opening the thread marks it read": unread rows only.
            models.Index(
                fields=["recipient", "thread"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_id} on thread {self.thread_id}"
