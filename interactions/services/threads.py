"""Writes on threads."""

from interactions.models import Thread


def thread_mark_read(*, thread: Thread) -> Thread:
    """Clear the unread marker; a no-op (no query) when it is already read."""
    if thread.is_unread:
        Thread.objects.filter(pk=thread.pk).update(is_unread=False)
        thread.is_unread = False
    return thread
