"""Routing configuration: business hours, SLA policies, rules and team auto-assignment."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from accounts.models import Team, User
from interactions import rules as rules_logic
from interactions.business_hours import Schedule

from .threads import Priority

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def validate_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError(f"{name!r} is not a known time zone (e.g. Europe/Berlin).") from None


def _parse_time(raw) -> time:
    hours, _, minutes = str(raw).partition(":")
    return time(int(hours), int(minutes or 0))


class BusinessHours(models.Model):
    """When a team works: a time zone, one opening window per weekday, and holidays.

    `week` is seven entries, Monday first: null (closed) or ["HH:MM", "HH:MM"]; a window closing
    at "00:00" runs to midnight, so ["00:00", "00:00"] is open all day. `holidays` is a list of
    "YYYY-MM-DD" dates on which the team is closed.
    """

    name = models.CharField(max_length=100, unique=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    week = models.JSONField(default=list)
    holidays = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "business hours"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        try:
            windows = self.windows()
        except ValueError as exc:
            errors["week"] = str(exc)
        else:
            if all(w is None for w in windows):
                errors["week"] = "Open on at least one weekday."
        try:
            self.holiday_dates()
        except ValueError as exc:
            errors["holidays"] = str(exc)
        if errors:
            raise ValidationError(errors)

    def windows(self) -> list[tuple[time, time] | None]:
        """Monday-first opening windows; raises ValueError naming the day that is wrong."""
        if not isinstance(self.week, list) or len(self.week) != 7:
            raise ValueError("Give opening hours for all seven weekdays.")
        out = []
        for day, entry in zip(WEEKDAYS, self.week, strict=True):
            if entry in (None, [], ""):
                out.append(None)
                continue
            try:
                opens, closes = (_parse_time(v) for v in entry)
            except (ValueError, TypeError):
                raise ValueError(f"{day}: times look like 09:00.") from None
            close_at = closes.hour * 60 + closes.minute or 24 * 60  # 00:00 closes at midnight
            if close_at <= opens.hour * 60 + opens.minute:
                raise ValueError(f"{day}: closes before it opens.")
            out.append((opens, closes))
        return out

    def summary(self) -> str:
        """'Mon-Fri 09:00-17:00, Sat 10:00-14:00' (consecutive days with equal hours grouped)."""
        try:
            windows = self.windows()
        except ValueError:
            return "Invalid hours"
        parts, i = [], 0
        while i < 7:
            j = i
            while j + 1 < 7 and windows[j + 1] == windows[i]:
                j += 1
            if windows[i] is not None:
                days = WEEKDAYS[i][:3] if i == j else f"{WEEKDAYS[i][:3]}-{WEEKDAYS[j][:3]}"
                opens, closes = windows[i]
                hours = "all day" if opens == closes == time(0) else f"{opens:%H:%M}-{closes:%H:%M}"
                parts.append(f"{days} {hours}")
            i = j + 1
        return ", ".join(parts) or "Always closed"

    def holiday_dates(self) -> frozenset[date]:
        if not isinstance(self.holidays, list):
            raise ValueError("Holidays must be a list of dates.")
        try:
            return frozenset(date.fromisoformat(str(d)) for d in self.holidays)
        except ValueError:
            raise ValueError("Holidays are dates like 2026-12-25.") from None

    def schedule(self) -> Schedule:
        """The pure schedule `interactions.business_hours` computes with (ValueError if invalid)."""
        windows = self.windows()
        if all(w is None for w in windows):
            raise ValueError("Open on at least one weekday.")
        return Schedule(
            tz=ZoneInfo(self.timezone), week=tuple(windows), holidays=self.holiday_dates()
        )


class SlaPolicy(models.Model):
    """Response and resolution targets, in business minutes, for threads of one priority."""

    name = models.CharField(max_length=100)
    priority = models.SmallIntegerField(choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(
        help_text="Business minutes until the first reply is due."
    )
    resolution_minutes = models.PositiveIntegerField(
        help_text="Business minutes until the thread should be resolved."
    )
    business_hours = models.ForeignKey(
        BusinessHours,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sla_policies",
        help_text="Leave empty to count around the clock.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-priority", "name"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(
                fields=["priority"],
                condition=models.Q(is_active=True),
                name="sla_policy_one_active_per_priority",
                violation_error_message="Another active policy already covers this priority.",
            ),
            models.CheckConstraint(
                condition=models.Q(first_response_minutes__gte=1, resolution_minutes__gte=1),
                name="sla_policy_targets_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(priority__gte=0, priority__lte=3), name="sla_policy_priority"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.first_response_minutes is not None and self.first_response_minutes < 1:
            errors["first_response_minutes"] = "At least one minute."
        if self.resolution_minutes is not None and self.resolution_minutes < 1:
            errors["resolution_minutes"] = "At least one minute."
        if (
            self.first_response_minutes
            and self.resolution_minutes
            and self.resolution_minutes < self.first_response_minutes
        ):
            errors["resolution_minutes"] = "Resolution cannot be due before the first reply."
        if errors:
            raise ValidationError(errors)


class RuleTrigger(models.TextChoices):
    MESSAGE_RECEIVED = "message_received", "A message arrives"
    THREAD_CHANGED = "thread_changed", "A thread changes"
    SLA_WARNING = "sla_warning", "An SLA nears breach"


class Rule(models.Model):
    """When `trigger` fires and every condition holds, do the actions (see interactions.rules)."""

    name = models.CharField(max_length=100)
    trigger = models.CharField(max_length=32, choices=RuleTrigger.choices)
    conditions = models.JSONField(default=list, blank=True)
    actions = models.JSONField(default=list)
    # Lower runs first; rules of one trigger run in (position, id) order.
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    stop_processing = models.BooleanField(
        default=False, help_text="When this rule applies, skip the rules after it."
    )
    # The last failure while running (shown on the rules page); cleared when the rule is saved.
    last_error = models.TextField(blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["trigger", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(trigger__in=RuleTrigger.values), name="rule_trigger_valid"
            ),
        ]
        indexes = [models.Index(fields=["trigger", "is_active", "position"], name="rule_run_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        found = rules_logic.errors(self.conditions, self.actions) or self._reference_errors()
        if found:
            raise ValidationError(found)

    def _reference_errors(self) -> dict[str, list[str]]:
        """Teams, agents and schedules the rule names must exist (agents must be active)."""
        found: dict[str, list[str]] = {}
        for i, condition in enumerate(self.conditions, start=1):
            if (
                condition["type"] == "business_hours"
                and not BusinessHours.objects.filter(pk=int(condition["value"])).exists()
            ):
                found.setdefault("conditions", []).append(
                    f"Condition {i}: that business-hours schedule no longer exists."
                )
        for i, action in enumerate(self.actions, start=1):
            kind, value = action["type"], str(action.get("value") or "")
            if kind == "notify" and value:
                kind, _, value = value.partition(":")
                kind = {"team": "assign_team", "user": "assign_agent"}[kind]
            if kind == "assign_team" and not Team.objects.filter(pk=int(value)).exists():
                found.setdefault("actions", []).append(f"Action {i}: that team no longer exists.")
            if (
                kind == "assign_agent"
                and not User.objects.filter(pk=int(value), is_active=True).exists()
            ):
                found.setdefault("actions", []).append(
                    f"Action {i}: that agent no longer exists or is deactivated."
                )
        return found


class AssignmentMode(models.TextChoices):
    MANUAL = "manual", "Manual (no auto-assignment)"
    ROUND_ROBIN = "round_robin", "Round robin"
    LEAST_LOADED = "least_loaded", "Least loaded"


class TeamRouting(models.Model):
    """How a team's new threads find an agent. The row is locked while one is picked."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="routing")
    mode = models.CharField(
        max_length=16, choices=AssignmentMode.choices, default=AssignmentMode.MANUAL
    )
    # Round robin continues after this member (by user id), so everyone gets a turn.
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["team__name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mode__in=AssignmentMode.values), name="team_routing_mode_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team}: {self.get_mode_display()}"
