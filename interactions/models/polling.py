from django.db import models

from .channels import Channel


class PollCursor(models.Model):
    """How far a polled source has been read: an IMAP folder, or one YouTube video's comments.

    IMAP: `folder` is the mailbox folder ("INBOX"); `uidvalidity` and `last_uid` say which
    messages are already stored (RFC 3501 §2.3.1.1: UIDs only mean something together with the
    folder's UIDVALIDITY). YouTube: `folder` is "video:<video id>" and `last_seen_at` is the
    newest comment's publishedAt. Every poll records its time and, on failure, the error, so a
    broken mailbox is visible instead of silent.
    """

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="poll_cursors")
    folder = models.CharField(max_length=255)
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    # Failed polls in a row; 0 after a success.
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["channel", "folder"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "folder"], name="poll_cursor_unique"),
            models.CheckConstraint(
                condition=models.Q(last_uid__gte=0), name="poll_cursor_uid_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.folder}"
