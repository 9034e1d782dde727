"""Shared reply drafts: what an agent is writing, visible to colleagues before it is sent."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .threads import Thread


class Draft(models.Model):
    """An agent's unsent reply on a thread, saved as they type so colleagues can see it."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="drafts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reply_drafts"
    )
    text = models.TextField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "author"], name="draft_one_per_author"),
        ]

    def __str__(self) -> str:
        return f"Draft by {self.author_id} on thread {self.thread_id}"
