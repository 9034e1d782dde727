"""Merging two threads that are one conversation, and splitting a message out into its own.

Nothing is deleted. A merge moves the source's messages (with their attachments, timestamps and
channels) and its activity log into the target, then resolves the source and points it at the
target (`Thread.merged_into`), so old links still lead somewhere. Both threads log a MERGED
event; a merge is not undone, but every moved id is in the events' data.

A merged thread can hold messages from two channels (an email thread and a WhatsApp thread of
the same customer). Each message keeps its own channel; replies go out on the *target* thread's
channel, as every reply does (`message_create_outbound` uses `thread.channel`), and a customer
writing again on the source's chat channel lands in the target (`thread_for_inbound` follows
`merged_into`).

Splitting moves exactly one inbound message (not the ones after it: replies that followed may
answer the old topic, and the agent can split those one at a time) into a new open thread on
that message's channel, with the same contact and team. Both threads log a SPLIT event.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from interactions.models import (
    DeliveryStatus,
    Direction,
    Message,
    Sentiment,
    Thread,
    ThreadEvent,
    ThreadEventKind,
    ThreadStatus,
)
from interactions.normalize import preview_of
from interactions.services.sla import sla_apply
from interactions.services.threads import (
    _log,
    thread_assign,
    thread_set_priority,
    thread_set_status,
    thread_set_team,
)

# Moved message ids kept in the MERGED event's data (the count is always kept).
LOGGED_IDS = 500


def merge_refusal(*, source: Thread, target: Thread) -> None:
    """Raise ValidationError (keyed "target") when `source` may not be merged into `target`."""
    if source.pk == target.pk:
        raise ValidationError({"target": "A conversation cannot be merged into itself."})
    if source.merged_into_id:
        raise ValidationError(
            {"target": f"This conversation was already merged into #{source.merged_into_id}."}
        )
    if source.contact_id != target.contact_id:
        raise ValidationError(
            {
                "target": f"#{target.pk} is a conversation with another contact. Only the same "
                "customer's conversations can be merged (merge the contacts first)."
            }
        )
    if target.merged_into_id:
        raise ValidationError(
            {
                "target": f"#{target.pk} was itself merged into #{target.merged_into_id}: "
                "merge into that one."
            }
        )


def _counted(thread: Thread):
    """The messages a thread counts and previews: notes are internal, scheduled ones not yet."""
    return Message.objects.filter(thread=thread).exclude(direction=Direction.NOTE)


def _latest(thread: Thread) -> Message | None:
    return (
        _counted(thread)
        .exclude(delivery_status=DeliveryStatus.SCHEDULED)
        .order_by("-created_at", "-id")
        .first()
    )


def _preview(message: Message | None) -> str:
    if message is None:
        return ""
    template = (message.meta or {}).get("template", "")
    return preview_of(message.text or (f"Template: {template}" if template else ""))


def _earliest(*values):
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _latest_of(*values):
    present = [v for v in values if v is not None]
    return max(present) if present else None


@transaction.atomic
def thread_merge(*, source: Thread, target: Thread, actor: User | None) -> Thread:
    """Move everything of `source` into `target` and resolve `source`; returns the target.

    The target keeps its assignee, team and status; it takes the source's assignee or team
    only when it has none, the higher of the two priorities, and the source's status when the
    target was resolved and the source was not (the customer's open question must stay in the
    inbox). The source is resolved without `thread_resolved` (no survey for a merge).
    Raises ValidationError (see merge_refusal). Views check who may see both threads.
    """
    if source.pk == target.pk:
        merge_refusal(source=source, target=target)
    # Both rows locked, lower id first, so two opposite merges cannot deadlock.
    locked = {
        t.pk: t
        for t in Thread.objects.select_for_update()
        .filter(pk__in=[source.pk, target.pk])
        .order_by("pk")
    }
    source, target = locked[source.pk], locked[target.pk]
    merge_refusal(source=source, target=target)
    now = timezone.now()

    # The composer's idempotency keys are unique per thread: a (vanishingly rare) clash with
    # a target message loses the moved message's key rather than failing the merge.
    target_keys = (
        Message.objects.filter(thread=target).exclude(idempotency_key="").values("idempotency_key")
    )
    Message.objects.filter(thread=source, idempotency_key__in=target_keys).update(
        idempotency_key=""
    )
    moved_ids = list(
        Message.objects.filter(thread=source)
        .order_by("pk")
        .values_list("pk", flat=True)[:LOGGED_IDS]
    )
    moved = Message.objects.filter(thread=source).update(thread=target)
    moved_events = ThreadEvent.objects.filter(thread=source).update(thread=target)

    target_tags = set(target.tags.values_list("pk", flat=True))
    new_tags = [tag for tag in source.tags.all() if tag.pk not in target_tags]
    target.tags.add(*new_tags)

    if target.assignee_id is None and source.assignee_id and source.assignee.is_active:
        thread_assign(thread=target, assignee=source.assignee, actor=actor)
    if target.team_id is None and source.team_id is not None:
        thread_set_team(thread=target, team=source.team, actor=actor)
    if source.priority > target.priority:
        thread_set_priority(thread=target, priority=source.priority, actor=actor)
    if target.status == ThreadStatus.RESOLVED and source.status != ThreadStatus.RESOLVED:
        status, until = source.status, source.snoozed_until
        if status == ThreadStatus.SNOOZED and (until is None or until <= now):
            status, until = ThreadStatus.OPEN, None
        thread_set_status(thread=target, status=status, snoozed_until=until, actor=actor)

    latest = _latest(target)
    Thread.objects.filter(pk=target.pk).update(
        message_count=_counted(target).count(),
        preview=_preview(latest) if latest is not None else target.preview,
        created_at=min(source.created_at, target.created_at),
        last_activity_at=max(source.last_activity_at, target.last_activity_at),
        last_inbound_at=_latest_of(source.last_inbound_at, target.last_inbound_at),
        first_response_at=_earliest(source.first_response_at, target.first_response_at),
        is_unread=source.is_unread or target.is_unread,
    )
    Thread.objects.filter(pk=source.pk).update(
        merged_into=target,
        status=ThreadStatus.RESOLVED,
        resolved_at=source.resolved_at if source.status == ThreadStatus.RESOLVED else now,
        snoozed_until=None,
        message_count=0,
        preview=f"Merged into #{target.pk}",
        is_unread=False,
        # Its work continues on the target: no SLA clock runs on an empty thread.
        first_response_due_at=None,
        resolution_due_at=None,
    )
    target.refresh_from_db()
    sla_apply(thread=target)
    _log(
        target,
        ThreadEventKind.MERGED,
        actor,
        source=source.pk,
        source_subject=str(source)[:120],
        messages=moved,
        events=moved_events,
        tags=[tag.name for tag in new_tags],
        message_ids=moved_ids,
    )
    _log(source, ThreadEventKind.MERGED, actor, into=target.pk, messages=moved)
    return target


@transaction.atomic
def thread_split(*, message: Message, actor: User | None) -> Thread:
    """Move one inbound `message` into a new open thread; returns the new thread.

    Raises ValidationError (keyed "message") for an outbound message or note, a thread's only
    message, or a message already moved by someone else a moment ago.
    """
    thread = Thread.objects.select_for_update().get(pk=message.thread_id)
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.thread_id != thread.pk:
        raise ValidationError({"message": "That message was just moved to another conversation."})
    if message.direction != Direction.INBOUND:
        raise ValidationError(
            {"message": "Only a customer's message can start a new conversation."}
        )
    if not _counted(thread).exclude(pk=message.pk).exists():
        raise ValidationError(
            {"message": "This is the conversation's only message: there is nothing to split."}
        )

    at = message.created_at
    new = Thread.objects.create(
        channel_id=message.channel_id,
        contact_id=thread.contact_id,
        team_id=thread.team_id,
        subject=(str((message.meta or {}).get("subject") or "") or thread.subject)[:255],
        conversation_key=thread.conversation_key,
        status=ThreadStatus.OPEN,
        sentiment=message.sentiment if message.sentiment in Sentiment.values else "",
        preview=_preview(message),
        message_count=1,
        created_at=at,
        last_activity_at=at,
        last_inbound_at=at,
    )
    Message.objects.filter(pk=message.pk).update(thread=new)

    latest = _latest(thread)
    last_inbound = (
        Message.objects.filter(thread=thread, direction=Direction.INBOUND)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    Thread.objects.filter(pk=thread.pk).update(
        message_count=_counted(thread).count(),
        preview=_preview(latest),
        last_activity_at=latest.created_at if latest is not None else thread.created_at,
        last_inbound_at=last_inbound,
    )
    sla_apply(thread=new)
    _log(thread, ThreadEventKind.SPLIT, actor, message=message.pk, into=new.pk)
    _log(new, ThreadEventKind.SPLIT, actor, message=message.pk, source=thread.pk)
    return new
