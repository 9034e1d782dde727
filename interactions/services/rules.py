"""Running the rules marketing writes, and saving them.

`rules_run` is called inside the ingest transaction (and from the SLA sweep, and when a thread
changes). Each rule runs in its own savepoint and each action in a nested one: a broken rule or
a failing action is rolled back, logged, noted on the rule for the rules page, and the next rule
still runs; ingestion never fails because of a rule. Changes a rule makes go through the normal
thread services (so they are logged like an agent's), and do not trigger rules again.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Team, User
from interactions import choices
from interactions import rules as logic
from interactions.business_hours import is_open
from interactions.models import (
    BusinessHours,
    Direction,
    Message,
    Rule,
    RuleTrigger,
    Tag,
    Thread,
    ThreadEvent,
    ThreadEventKind,
)
from interactions.services.threads import (
    thread_assign,
    thread_set_priority,
    thread_set_tags,
    thread_set_team,
)

try:  # The outbound service is written alongside; without it auto-replies are skipped, logged.
    from interactions.services.outbound import NO_OUTBOUND, message_create_outbound
except ImportError:  # pragma: no cover
    NO_OUTBOUND, message_create_outbound = frozenset(), None

log = logging.getLogger(__name__)

# True while rules are being applied: the changes they make must not fire "thread changed" rules.
_applying: ContextVar[bool] = ContextVar("rules_applying", default=False)

# Older messages (an imported mailbox, a backlog after an outage) get no automatic reply.
AUTO_REPLY_MAX_AGE = timedelta(days=1)

# Thread changes that fire the "a thread changes" trigger (the kinds the thread services log).
CHANGE_KINDS = {
    ThreadEventKind.ASSIGNED,
    ThreadEventKind.TEAM,
    ThreadEventKind.STATUS,
    ThreadEventKind.PRIORITY,
    ThreadEventKind.TAGS,
}


# --- Facts --------------------------------------------------------------------------------


def _contact_facts(thread: Thread) -> dict:
    contact = thread.contact
    facts = {"name": contact.name, "company": contact.company, "locale": contact.locale}
    attributes = contact.attributes if isinstance(contact.attributes, dict) else {}
    # Custom attributes win over the built-in fields of the same name.
    facts.update({str(k): v for k, v in attributes.items() if not isinstance(v, dict | list)})
    return facts


def _text(thread: Thread, message: Message | None) -> str:
    if message is None:
        message = (
            thread.messages.filter(direction=Direction.INBOUND)
            .order_by("-created_at", "-id")
            .only("text")
            .first()
        )
    body = message.text if message is not None else thread.preview
    return f"{thread.subject}\n{body}".strip()


def _hours_used(rules: list[Rule]) -> set[int]:
    ids = set()
    for rule in rules:
        for condition in rule.conditions if isinstance(rule.conditions, list) else ():
            if isinstance(condition, dict) and condition.get("type") == "business_hours":
                value = logic._int(condition.get("value"))
                if value:
                    ids.add(value)
    return ids


def rule_facts(
    *, thread: Thread, message: Message | None = None, now: datetime, hours_ids=()
) -> dict:
    """The plain facts `interactions.rules.matches` reads, for one thread (and its message)."""
    open_hours = set()
    # "Inside business hours" is about when the customer wrote, not when a worker got to it.
    at = message.created_at if message is not None else now
    if hours_ids:
        for hours in BusinessHours.objects.filter(pk__in=hours_ids):
            try:
                if is_open(at, hours.schedule()):
                    open_hours.add(hours.pk)
            except ValueError:
                log.warning("Business hours %s are invalid; treated as closed.", hours.pk)
    return {
        "channel_kind": thread.channel.kind,
        "text": _text(thread, message),
        "contact": _contact_facts(thread),
        "sentiment": (message.sentiment if message is not None else "") or thread.sentiment,
        "tags": set(thread.tags.values_list("name", flat=True)),
        "open_hours": open_hours,
        "priority": thread.priority,
    }


# --- Running ------------------------------------------------------------------------------


def _active_rules_by_trigger() -> dict[str, list[Rule]]:
    by_trigger: dict[str, list[Rule]] = {}
    for rule in Rule.objects.filter(is_active=True).order_by("position", "id"):
        by_trigger.setdefault(rule.trigger, []).append(rule)
    return by_trigger


def active_rules() -> dict[str, list[Rule]]:
    """The active rules by trigger, in order: read for every message, so kept per process
    (`choices.local`) until a rule is saved."""
    return choices.local("rules", _active_rules_by_trigger)


def rules_run(
    *,
    trigger: str,
    thread: Thread,
    message: Message | None = None,
    automated: bool = False,
    now: datetime | None = None,
) -> list[dict]:
    """Apply the active rules of `trigger` to `thread`, in order; returns what was applied.

    Each application that changed something (or failed, or notified) is logged as
    ThreadEvent(kind=RULE, data={rule, rule_id, trigger, actions}); a rule matching every
    message of a thread does not repeat "applied" lines for tags it already added. `automated`
    (an out-of-office, a bounce) suppresses auto-replies, so two auto-responders never talk to
    each other forever; so does a message older than AUTO_REPLY_MAX_AGE (an import of history).
    """
    if _applying.get():
        return []
    rules = active_rules().get(trigger)
    if not rules:
        return []
    now = now or timezone.now()
    token = _applying.set(True)
    applied: list[dict] = []
    try:
        facts = rule_facts(thread=thread, message=message, now=now, hours_ids=_hours_used(rules))
        for rule in rules:
            try:
                with transaction.atomic():
                    if not logic.matches(rule.conditions, facts):
                        continue
                    results = [
                        _apply(
                            action,
                            rule=rule,
                            thread=thread,
                            message=message,
                            facts=facts,
                            trigger=trigger,
                            automated=automated,
                            now=now,
                        )
                        for action in logic.plan(rule.actions)
                    ]
                    data = {
                        "rule": rule.name,
                        "rule_id": rule.pk,
                        "trigger": trigger,
                        "actions": results,
                    }
                    if any(not r.get("unchanged") for r in results):
                        ThreadEvent.objects.create(
                            thread=thread, kind=ThreadEventKind.RULE, data=data
                        )
            except Exception as exc:  # a broken rule must never break ingestion
                log.exception("Rule %s failed on thread %s", rule.pk, thread.pk)
                _note_error(rule, f"{exc.__class__.__name__}: {exc}")
                continue
            failures = [r["error"] for r in results if "error" in r]
            if failures:
                _note_error(rule, "; ".join(failures))
            applied.append(data)
            if rule.stop_processing:
                break
    except Exception:  # building the facts failed: no rule runs, ingestion goes on
        log.exception("Rules could not run on thread %s", thread.pk)
    finally:
        _applying.reset(token)
    return applied


def _note_error(rule: Rule, error: str) -> None:
    # Written after the surrounding transaction commits, in its own short statement, so a rule
    # failing on every message never holds a lock on its row across concurrent ingestions.
    def write():
        Rule.objects.filter(pk=rule.pk).update(
            last_error=error[:2000], last_error_at=timezone.now()
        )

    transaction.on_commit(write)


def _apply(action: logic.Action, *, rule, thread, message, facts, trigger, automated, now) -> dict:
    result = action.describe()
    try:
        with transaction.atomic():
            result.update(
                _do(
                    action,
                    rule=rule,
                    thread=thread,
                    message=message,
                    facts=facts,
                    trigger=trigger,
                    automated=automated,
                    now=now,
                )
            )
    except (ValidationError, ObjectDoesNotExist, ValueError) as exc:
        messages = getattr(exc, "messages", None) or [str(exc) or exc.__class__.__name__]
        result["error"] = " ".join(str(m) for m in messages)
    except Exception as exc:  # one failing action must not undo the others
        log.exception("Rule %s: action %s failed on thread %s", rule.pk, action.kind, thread.pk)
        result["error"] = f"{exc.__class__.__name__}: {exc}"
    thread.refresh_from_db(
        fields=["team", "assignee", "priority", "first_response_due_at", "resolution_due_at"]
    )
    return result


def _do(action: logic.Action, *, rule, thread, message, facts, trigger, automated, now) -> dict:
    """Carry out one action; the result says what was done ("unchanged": already so)."""
    kind, value = action.kind, action.value
    if kind == "assign_team":
        team = Team.objects.get(pk=value)
        if thread.team_id == team.pk:
            return {"team": team.name, "unchanged": True}
        thread_set_team(thread=thread, team=team, actor=None)
        return {"team": team.name}
    if kind == "assign_agent":
        agent = User.objects.get(pk=value)
        if thread.assignee_id == agent.pk:
            return {"agent": agent.display_name, "unchanged": True}
        thread_assign(thread=thread, assignee=agent, actor=None)
        return {"agent": agent.display_name}
    if kind == "tag":
        tag = Tag.objects.filter(name__iexact=value).first() or Tag.objects.create(name=value)
        if tag.name.casefold() in {t.casefold() for t in facts["tags"]}:
            return {"value": tag.name, "unchanged": True}
        thread_set_tags(thread=thread, add=[tag], actor=None)
        facts["tags"] = {*facts["tags"], tag.name}
        return {"value": tag.name}
    if kind == "set_priority":
        if thread.priority == value:
            return {"unchanged": True}
        thread_set_priority(thread=thread, priority=value, actor=None)
        facts["priority"] = value
        return {}
    if kind == "auto_reply":
        return _auto_reply(
            action,
            rule=rule,
            thread=thread,
            message=message,
            trigger=trigger,
            automated=automated,
            now=now,
        )
    if kind == "notify":
        # No notification inbox yet: the note is recorded on the thread's activity log (the
        # RULE event carries it) so the team sees it there.
        return {"to": _notify_target(value)}
    raise ValueError(f"Unknown action {kind!r}.")


def _auto_reply(action, *, rule, thread, message, trigger, automated, now) -> dict:
    if automated:
        return {"skipped": "The message was itself an automatic reply.", "unchanged": True}
    if message is not None and now - message.created_at > AUTO_REPLY_MAX_AGE:
        return {"skipped": "The message is too old for an automatic reply.", "unchanged": True}
    if message_create_outbound is None:  # pragma: no cover
        return {"error": "Sending replies is not available in this installation."}
    if thread.channel.kind in NO_OUTBOUND:
        # Calls and API sources cannot be answered in writing: not a failure of the rule.
        return {"skipped": "This channel takes no replies.", "unchanged": True}
    suffix = f"m{message.pk}" if message is not None else trigger
    key = f"rule-{rule.pk}-{thread.pk}-{suffix}"
    if Message.objects.filter(thread=thread, idempotency_key=key).exists():
        return {"unchanged": True}
    before = Thread.objects.filter(pk=thread.pk).values_list("first_response_at", flat=True).get()
    reply = message_create_outbound(
        thread=thread,
        author=None,
        text=action.text,
        idempotency_key=key,
    )
    if before is None:
        # An automatic acknowledgement is not the team's first response: the SLA keeps running.
        Thread.objects.filter(pk=thread.pk, first_response_at=reply.created_at).update(
            first_response_at=None
        )
    return {"message_id": reply.pk}


def _notify_target(value: str) -> str:
    if not value:
        return "the thread's team"
    kind, _, pk = value.partition(":")
    if kind == "team":
        return Team.objects.get(pk=int(pk)).name
    return User.objects.get(pk=int(pk)).display_name


def on_thread_event(sender, instance: ThreadEvent, created: bool, raw: bool = False, **kwargs):
    """post_save receiver: a logged change (assignment, team, status, priority, tags) runs the
    "a thread changes" rules, unless rules themselves made the change."""
    if raw or not created or instance.kind not in CHANGE_KINDS or _applying.get():
        return
    try:
        rules_run(trigger=RuleTrigger.THREAD_CHANGED, thread=instance.thread)
    except Exception:  # an agent's change must never fail because of a rule
        log.exception("Thread-changed rules failed on thread %s", instance.thread_id)


# --- Saving -------------------------------------------------------------------------------


def rule_save(*, rule: Rule, actor: User | None = None) -> Rule:
    """Validate and store a rule (new rules go last in their trigger); clears its last error."""
    rule.full_clean()
    with transaction.atomic():
        if rule.pk is None:
            last = Rule.objects.filter(trigger=rule.trigger).aggregate(m=Max("position"))["m"]
            rule.position = 0 if last is None else last + 1
            rule.created_by = actor
        rule.last_error, rule.last_error_at = "", None
        rule.save()
    return rule


def rule_set_active(*, rule: Rule, active: bool) -> Rule:
    Rule.objects.filter(pk=rule.pk).update(is_active=active, updated_at=timezone.now())
    rule.is_active = active
    return rule


def rule_delete(*, rule: Rule) -> None:
    rule.delete()


@transaction.atomic
def rule_move(*, rule: Rule, direction: str) -> Rule:
    """Swap the rule with its neighbour ("up" runs it earlier) among its trigger's rules."""
    if direction not in {"up", "down"}:
        raise ValidationError("Move a rule up or down.")
    siblings = list(
        Rule.objects.select_for_update().filter(trigger=rule.trigger).order_by("position", "id")
    )
    ids = [r.pk for r in siblings]
    if rule.pk not in ids:
        return rule
    i = ids.index(rule.pk)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(siblings):
        siblings[i], siblings[j] = siblings[j], siblings[i]
    for position, sibling in enumerate(siblings):
        if sibling.position != position:
            Rule.objects.filter(pk=sibling.pk).update(position=position)
    rule.position = [r.pk for r in siblings].index(rule.pk)
    return rule
