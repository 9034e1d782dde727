"""Applying a macro to a thread: its reply, then its actions, all or nothing.

Order: the reply is stored first (through `message_create_outbound`, so the channel's rules
apply: WhatsApp's 24-hour window, channels without replies), then tags, assignment, team and
priority in the order the macro lists them, and the status last, so a "reply and resolve" macro
resolves a thread that already holds its reply. Everything runs in one transaction: when the
channel refuses the reply or an action fails (an agent deactivated since the macro was written),
the ValidationError propagates and nothing is applied; the reply is handed to the sender only
on commit, so a refused macro sends nothing either.

Idempotency: the composer's key is stored on the reply and on the MACRO event; applying with a
key already used on this thread (a double click) changes nothing and reports it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Team, User
from interactions.models import (
    Macro,
    Message,
    Priority,
    Tag,
    Thread,
    ThreadEvent,
    ThreadEventKind,
    ThreadStatus,
)
from interactions.models.macros import macro_action_errors
from interactions.placeholders import render_placeholders, unknown_placeholders
from interactions.services.outbound import message_create_outbound
from interactions.services.threads import (
    _log,
    thread_assign,
    thread_set_priority,
    thread_set_status,
    thread_set_tags,
    thread_set_team,
)

# The status runs last (see the module docstring); the others in the order written.
ACTION_ORDER = {"status": 1}


@dataclass(frozen=True)
class MacroResult:
    message: Message | None  # the reply, when the macro has one
    done: list[str] = field(default_factory=list)  # "replied", "tagged vip", "resolved"…
    already_applied: bool = False


def macro_reply_text(*, macro: Macro, thread: Thread, actor: User | None) -> str:
    """The macro's reply with placeholders filled ("" when it has none)."""
    return render_placeholders(
        macro.reply_text or "", contact=thread.contact, agent=actor, thread=thread
    ).strip()


def _step(action: dict, actor: User | None):
    """(label, callable(thread)) for one action; ValidationError for a stale reference."""
    kind, value = action["type"], action.get("value")
    if kind == "tag":
        name = str(value).strip()[:50]

        def run(thread):
            tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
            thread_set_tags(thread=thread, add=[tag], actor=actor)

        return f"tagged {name}", run
    if kind == "status":
        return (
            ThreadStatus(value).label.lower(),
            lambda thread: thread_set_status(thread=thread, status=value, actor=actor),
        )
    if kind == "priority":
        return (
            f"priority {Priority(value).label.lower()}",
            lambda thread: thread_set_priority(thread=thread, priority=value, actor=actor),
        )
    if kind == "assign":
        if value == "me":
            if actor is None:
                raise ValidationError("This macro assigns to whoever applies it.")
            assignee = actor
        elif value is None:
            assignee = None
        else:
            assignee = User.objects.filter(pk=value).first()
            if assignee is None:
                raise ValidationError("This macro assigns to a user who no longer exists.")
        label = f"assigned to {assignee.display_name}" if assignee else "unassigned"
        return label, lambda thread: thread_assign(thread=thread, assignee=assignee, actor=actor)
    if kind == "team":
        team = Team.objects.filter(pk=value).first() if value is not None else None
        if value is not None and team is None:
            raise ValidationError("This macro moves threads to a team that no longer exists.")
        label = f"moved to {team.name}" if team else "team cleared"
        return label, lambda thread: thread_set_team(thread=thread, team=team, actor=actor)
    raise ValidationError(f"Unknown macro action {kind!r}.")


def macro_apply(
    *, macro: Macro, thread: Thread, actor: User | None, idempotency_key: str
) -> MacroResult:
    """Send the macro's reply and apply its actions to `thread`, all or nothing.

    Raises ValidationError (nothing applied) when the channel refuses the reply, the reply
    still holds an unknown placeholder, or an action cannot be done. Permission checks (may
    this user see the thread, use this macro) belong to the views.
    """
    key = (idempotency_key or "").strip()[:64] or uuid.uuid4().hex
    with transaction.atomic():
        # Serializes a double click: the second request waits here, then sees the event.
        thread = (
            Thread.objects.select_for_update(of=("self",))
            .select_related("channel", "contact")
            .get(pk=thread.pk)
        )
        if ThreadEvent.objects.filter(
            thread=thread, kind=ThreadEventKind.MACRO, data__key=key
        ).exists():
            reply = Message.objects.filter(thread=thread, idempotency_key=key).first()
            return MacroResult(message=reply, already_applied=True)
        if thread.merged_into_id:
            raise ValidationError(
                f"This conversation was merged into #{thread.merged_into_id}: apply it there."
            )
        problems = macro_action_errors(macro.actions)
        if problems:
            raise ValidationError(
                f"This macro cannot run ({' '.join(problems)}): edit it in Settings."
            )
        steps = [
            _step(action, actor)
            for action in sorted(macro.actions, key=lambda a: ACTION_ORDER.get(a.get("type"), 0))
        ]
        text = macro_reply_text(macro=macro, thread=thread, actor=actor)
        unknown = unknown_placeholders(text)
        if unknown:
            raise ValidationError(
                f"The reply still contains {', '.join(unknown)}: fix the macro or its saved "
                "reply in Settings."
            )
        # Logged first, so the thread reads "applied macro X" followed by what it did.
        event = _log(
            thread, ThreadEventKind.MACRO, actor, macro=macro.name, macro_id=macro.pk, key=key
        )
        done: list[str] = []
        reply = None
        if text:
            reply = message_create_outbound(
                thread=thread, author=actor, text=text, idempotency_key=key
            )
            done.append("reply queued")
        for label, run in steps:
            run(thread)
            done.append(label)
        event.data = {**event.data, "reply": reply.pk if reply else None, "done": done}
        event.save(update_fields=["data"])
    return MacroResult(message=reply, done=done)
