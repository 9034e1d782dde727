"""Macros: one click applies a reply (a saved reply or the macro's own text) plus thread actions.

`actions` is a list of `{"type": ..., "value": ...}`, applied by interactions.services.macros:

    tag       value: a tag name (created if it does not exist yet)
    status    value: "open" / "pending" / "resolved"
    assign    value: "me" (whoever applies the macro), a user id, or null (unassign)
    team      value: a team id, or null (no team)
    priority  value: 0 (low) … 3 (urgent)

Tags may repeat (one per tag); the other types appear at most once.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import Q

from accounts.models import Team, User
from interactions.placeholders import PLACEHOLDERS, unknown_placeholders

from .messages import SavedReply
from .threads import Priority, ThreadStatus

MACRO_ACTION_TYPES = ("tag", "status", "assign", "team", "priority")
MACRO_STATUSES = (ThreadStatus.OPEN, ThreadStatus.PENDING, ThreadStatus.RESOLVED)
MAX_MACRO_ACTIONS = 10


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def macro_action_errors(actions) -> list[str]:
    """Why `actions` is malformed, in words a manager understands; [] when it is fine. No ORM."""
    if not isinstance(actions, list):
        return ["Actions must be a list."]
    if len(actions) > MAX_MACRO_ACTIONS:
        return [f"At most {MAX_MACRO_ACTIONS} actions."]
    errors: list[str] = []
    seen: set[str] = set()
    tags: set[str] = set()
    for number, action in enumerate(actions, start=1):
        if not isinstance(action, dict) or action.get("type") not in MACRO_ACTION_TYPES:
            kind = action.get("type") if isinstance(action, dict) else None
            errors.append(f"Action {number}: unknown action {kind!r}.")
            continue
        kind, value = action["type"], action.get("value")
        if kind == "tag":
            if not isinstance(value, str) or not value.strip() or len(value) > 50:
                errors.append(f"Action {number}: name the tag (up to 50 characters).")
            elif value.strip().lower() in tags:
                errors.append(f"Action {number}: the tag {value!r} is already added.")
            else:
                tags.add(value.strip().lower())
            continue
        if kind in seen:
            errors.append(f"Action {number}: only one {kind} action per macro.")
            continue
        seen.add(kind)
        if kind == "status" and value not in MACRO_STATUSES:
            errors.append(f"Action {number}: a status is open, pending or resolved.")
        elif kind == "assign" and not (value is None or value == "me" or _is_id(value)):
            errors.append(f"Action {number}: assign to “me”, an agent, or nobody.")
        elif kind == "team" and not (value is None or _is_id(value)):
            errors.append(f"Action {number}: pick a team, or none.")
        elif kind == "priority" and (
            isinstance(value, bool) or not isinstance(value, int) or value not in Priority.values
        ):
            errors.append(f"Action {number}: a priority is 0 (low) to 3 (urgent).")
    return errors


def describe_actions(actions, *, users: dict, teams: dict) -> list[str]:
    """Short phrases for a macro's actions ("tag vip", "resolve"), in the order they run."""
    out = []
    rows = [a for a in actions if isinstance(a, dict)] if isinstance(actions, list) else []
    for action in sorted(rows, key=lambda a: a.get("type") == "status"):
        kind, value = action.get("type"), action.get("value")
        if kind == "tag":
            out.append(f"tag {value}")
        elif kind == "status":
            out.append({"resolved": "resolve", "pending": "set pending"}.get(value, "reopen"))
        elif kind == "assign":
            if value == "me":
                out.append("assign to me")
            elif value is None:
                out.append("unassign")
            else:
                out.append(f"assign to {users.get(value, 'an agent')}")
        elif kind == "team":
            out.append(f"move to {teams.get(value, 'a team')}" if value else "clear the team")
        elif kind == "priority" and value in Priority.values:
            out.append(f"priority {Priority(value).label.lower()}")
    return out


class MacroQuerySet(models.QuerySet):
    def applicable(self, *, user: User, thread=None) -> MacroQuerySet:
        """Shared macros, the user's teams' macros, and (on a thread) the thread's team's."""
        teams = Q(team__isnull=True) | Q(team__memberships__user=user)
        if thread is not None and thread.team_id:
            teams |= Q(team_id=thread.team_id)
        # The membership join can repeat a macro; pk__in keeps one row each, in one query.
        return self.filter(pk__in=self.filter(teams).values("pk"))


class Macro(models.Model):
    """A reply plus actions, applied in one click from a thread (see the module docstring)."""

    name = models.CharField(max_length=100)
    saved_reply = models.ForeignKey(
        SavedReply,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="macros",
        help_text="Send this saved reply, or write the macro's own reply below.",
    )
    body = models.TextField(
        "Reply",
        blank=True,
        help_text="Sent to the customer on the thread's channel. Leave empty for actions only.",
    )
    actions = models.JSONField(default=list, blank=True)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="macros",
        help_text="Empty: shared with every team.",
    )
    # Lower comes first in the thread sidebar.
    position = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MacroQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def reply_text(self) -> str:
        """The reply before placeholders are filled: the saved reply's body, else our own."""
        if self.saved_reply_id and self.saved_reply is not None:
            return self.saved_reply.body
        return self.body

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list[str]] = {}
        if self.saved_reply_id and self.body.strip():
            errors["body"] = ["Pick a saved reply or write the reply here, not both."]
        unknown = unknown_placeholders(self.body)
        if unknown:
            known = ", ".join("{{ " + name + " }}" for name in PLACEHOLDERS)
            errors.setdefault("body", []).append(
                f"Unknown placeholder {', '.join(unknown)}: use {known}."
            )
        action_errors = macro_action_errors(self.actions) or self._reference_errors()
        if action_errors:
            errors["actions"] = action_errors
        if not errors and not self.actions and not self.saved_reply_id and not self.body.strip():
            errors[NON_FIELD_ERRORS] = ["A macro needs a reply, at least one action, or both."]
        if errors:
            raise ValidationError(errors)

    def _reference_errors(self) -> list[str]:
        users = {a["value"] for a in self.actions if a["type"] == "assign" and _is_id(a["value"])}
        teams = {a["value"] for a in self.actions if a["type"] == "team" and _is_id(a["value"])}
        errors = []
        if users and len(users) != User.objects.filter(pk__in=users, is_active=True).count():
            errors.append("Assign to an active user.")
        if teams and len(teams) != Team.objects.filter(pk__in=teams).count():
            errors.append("That team no longer exists.")
        return errors
