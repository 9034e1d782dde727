"""What interactions announces; nps and campaigns listen (they are never imported from here).

Receivers only enqueue work. `message_received` is sent on commit of the ingest transaction.
"""

from django.dispatch import Signal

# sender=Message class; kwargs: message, thread, created_thread (bool), attachments (int:
# how many came with the message)
message_received = Signal()
# sender=Thread class; kwargs: thread, actor (None for automatic)
thread_resolved = Signal()
