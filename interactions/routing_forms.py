"""Forms for the Rules and SLAs settings: the rule builder (a row per condition and action),
SLA policies, business hours and team auto-assignment.

The builder works without JavaScript: every row shows a type select, an operator select, a value
select (grouped: channels, sentiments, priorities, schedules, teams, agents) and a text box; the
type decides which of them counts, and a mismatch is a field error on that row. static/js/rules.js
only hides what does not apply and adds rows.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import available_timezones

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import Team, User
from interactions import rules as logic
from interactions.models import (
    AssignmentMode,
    BusinessHours,
    ChannelKind,
    Priority,
    RuleTrigger,
    Sentiment,
    SlaPolicy,
)
from interactions.models.routing import WEEKDAYS

MAX_ROWS = 20

CONDITION_TYPES = [
    ("channel", "Channel"),
    ("text", "Message text"),
    ("contact_attribute", "Contact attribute"),
    ("sentiment", "Sentiment"),
    ("tag", "Tag"),
    ("business_hours", "Business hours"),
    ("priority", "Priority"),
]
OPERATORS = [
    ("is", "is", "channel sentiment priority"),
    ("is_not", "is not", "channel sentiment"),
    ("any", "contains any of", "text"),
    ("all", "contains all of", "text"),
    ("none", "contains none of", "text"),
    ("equals", "equals", "contact_attribute"),
    ("not_equals", "does not equal", "contact_attribute"),
    ("has", "has", "tag"),
    ("has_not", "does not have", "tag"),
    ("inside", "inside", "business_hours"),
    ("outside", "outside", "business_hours"),
    ("at_least", "is at least", "priority"),
    ("at_most", "is at most", "priority"),
]
# Which row input a type reads: the value select ("choice") or the text box ("text").
CONDITION_INPUT = {
    "channel": "choice",
    "text": "text",
    "contact_attribute": "text",
    "sentiment": "choice",
    "tag": "text",
    "business_hours": "choice",
    "priority": "choice",
}
CONDITION_PLACEHOLDER = {
    "text": "refund, money back, cancel",
    "contact_attribute": "plan = gold",
    "tag": "vip",
}
ACTION_TYPES = [
    ("assign_team", "Assign to team"),
    ("assign_agent", "Assign to agent"),
    ("tag", "Add tag"),
    ("set_priority", "Set priority"),
    ("auto_reply", "Send auto-reply"),
    ("notify", "Notify"),
]
ACTION_INPUT = {
    "assign_team": "choice",
    "assign_agent": "choice",
    "tag": "text",
    "set_priority": "choice",
    "auto_reply": "text",
    "notify": "both",
}
# The value-select prefix each type takes.
CONDITION_PREFIX = {
    "channel": "channel",
    "sentiment": "sentiment",
    "business_hours": "hours",
    "priority": "priority",
}
ACTION_PREFIX = {"assign_team": "team", "assign_agent": "user", "set_priority": "priority"}


class TaggedSelect(forms.Select):
    """A select whose options say which row types they belong to (`data-for`), for rules.js."""

    def __init__(self, *args, option_types: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.option_types = option_types or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        value = str(value)
        types = self.option_types.get(value) or self.option_types.get(value.partition(":")[0])
        if types:
            option["attrs"]["data-for"] = types
        return option


def _team_choices() -> list[tuple[str, str]]:
    return [(f"team:{t.pk}", t.name) for t in Team.objects.order_by("name")]


def _agent_choices() -> list[tuple[str, str]]:
    users = User.objects.filter(is_active=True).order_by("full_name", "email")
    return [(f"user:{u.pk}", u.display_name) for u in users]


PRIORITY_CHOICES = [(f"priority:{value}", label) for value, label in Priority.choices]


def condition_value_choices() -> list:
    hours = [(f"hours:{h.pk}", h.name) for h in BusinessHours.objects.order_by("name")]
    return [
        ("", "—"),
        ("Channel", [(f"channel:{v}", label) for v, label in ChannelKind.choices]),
        ("Sentiment", [(f"sentiment:{v}", label) for v, label in Sentiment.choices]),
        ("Priority", PRIORITY_CHOICES),
        ("Business hours", hours or [("hours:none", "No schedules yet")]),
    ]


def action_value_choices() -> list:
    return [
        ("", "—"),
        ("Teams", _team_choices()),
        ("Agents", _agent_choices()),
        ("Priority", PRIORITY_CHOICES),
    ]


def _prefixed(choice: str, prefix: str) -> str | None:
    kind, _, value = (choice or "").partition(":")
    return value if kind == prefix and value else None


class ConditionForm(forms.Form):
    field = forms.ChoiceField(
        label="If",
        choices=[("", "Choose a condition…"), *CONDITION_TYPES],
        required=False,
        widget=forms.Select(attrs={"data-row-type": ""}),
    )
    op = forms.ChoiceField(
        label="Operator",
        # Left at "—", the type's usual operator applies (is, contains any of, equals…).
        choices=[("", "—"), *[(v, label) for v, label, _ in OPERATORS]],
        required=False,
        widget=TaggedSelect(option_types={v: types for v, _, types in OPERATORS}),
    )
    choice = forms.ChoiceField(
        label="Value",
        required=False,
        widget=TaggedSelect(
            attrs={"data-input": "choice"},
            option_types={
                "channel": "channel",
                "sentiment": "sentiment",
                "priority": "priority",
                "hours": "business_hours",
            },
        ),
    )
    text = forms.CharField(
        label="Words or value",
        required=False,
        max_length=logic.MAX_TEXT,
        widget=forms.TextInput(attrs={"data-input": "text", "placeholder": "refund, cancel"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = condition_value_choices()

    @staticmethod
    def initial_for(condition: dict) -> dict:
        kind = condition.get("type", "")
        value = condition.get("value")
        initial = {"field": kind, "op": condition.get("op", "")}
        if kind in CONDITION_PREFIX:
            initial["choice"] = f"{CONDITION_PREFIX[kind]}:{value}"
        elif kind == "text":
            initial["text"] = ", ".join(value or [])
        elif kind == "contact_attribute":
            initial["text"] = f"{condition.get('attribute', '')} = {value or ''}"
        else:
            initial["text"] = value or ""
        return initial

    def clean(self):
        data = super().clean()
        kind = data.get("field")
        if not kind:
            data["condition"] = None  # a blank row: nothing to check
            return data
        op = data.get("op") or logic.CONDITION_OPS[kind][0]
        if op not in logic.CONDITION_OPS[kind]:
            allowed = ", ".join(
                label for v, label, _ in OPERATORS if v in logic.CONDITION_OPS[kind]
            )
            self.add_error("op", f"For {dict(CONDITION_TYPES)[kind].lower()}, use: {allowed}.")
            return data
        condition: dict = {"type": kind, "op": op}
        text = data.get("text") or ""
        if kind in CONDITION_PREFIX:
            value = _prefixed(data.get("choice"), CONDITION_PREFIX[kind])
            if value is None or value == "none":
                label = dict(CONDITION_TYPES)[kind].lower()
                self.add_error("choice", f"Pick a {label} from the value list.")
                return data
            condition["value"] = int(value) if kind in {"priority", "business_hours"} else value
        elif kind == "text":
            words = logic.words_from_text(text)
            if not words:
                self.add_error("text", "List the words to look for, separated by commas.")
                return data
            condition["value"] = words
        elif kind == "contact_attribute":
            attribute, sep, value = text.partition("=")
            if not sep or not attribute.strip():
                self.add_error("text", "Write it as attribute = value, e.g. plan = gold.")
                return data
            condition.update(attribute=attribute.strip(), value=value.strip())
        else:  # tag
            if not text.strip():
                self.add_error("text", "Name the tag.")
                return data
            condition["value"] = text.strip()
        error = logic.condition_error(condition)
        if error:
            raise ValidationError(error)
        data["condition"] = condition
        return data


class ActionForm(forms.Form):
    action = forms.ChoiceField(
        label="Then",
        choices=[("", "Choose an action…"), *ACTION_TYPES],
        required=False,
        widget=forms.Select(attrs={"data-row-type": ""}),
    )
    choice = forms.ChoiceField(
        label="Value",
        required=False,
        widget=TaggedSelect(
            attrs={"data-input": "choice"},
            option_types={
                "team": "assign_team notify",
                "user": "assign_agent notify",
                "priority": "set_priority",
            },
        ),
    )
    text = forms.CharField(
        label="Text",
        required=False,
        max_length=logic.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 1, "data-input": "text"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = action_value_choices()

    @staticmethod
    def initial_for(action: dict) -> dict:
        kind, value = action.get("type", ""), action.get("value")
        initial = {"action": kind, "text": action.get("text", "")}
        if kind in ACTION_PREFIX:
            initial["choice"] = f"{ACTION_PREFIX[kind]}:{value}"
        elif kind == "notify":
            initial["choice"] = value or ""
        elif kind == "tag":
            initial["text"] = value or ""
        return initial

    def clean(self):
        data = super().clean()
        kind = data.get("action")
        if not kind:
            data["planned"] = None
            return data
        text = (data.get("text") or "").strip()
        choice = data.get("choice") or ""
        planned: dict = {"type": kind}
        if kind in ACTION_PREFIX:
            value = _prefixed(choice, ACTION_PREFIX[kind])
            if value is None:
                label = {"assign_team": "a team", "assign_agent": "an agent"}.get(
                    kind, "a priority"
                )
                self.add_error("choice", f"Pick {label} from the value list.")
                return data
            planned["value"] = int(value)
        elif kind == "tag":
            if not text:
                self.add_error("text", "Name the tag to add.")
                return data
            planned["value"] = text[:50]
        elif kind == "auto_reply":
            if not text:
                self.add_error("text", "Write the auto-reply.")
                return data
            planned["text"] = text
        elif kind == "notify":
            if choice and not (_prefixed(choice, "team") or _prefixed(choice, "user")):
                self.add_error("choice", "Notify a team or an agent (or leave it empty).")
                return data
            if not text:
                self.add_error("text", "Write the note to send.")
                return data
            planned.update(value=choice, text=text)
        error = logic.action_error(planned)
        if error:
            raise ValidationError(error)
        data["planned"] = planned
        return data


class RowFormSet(forms.BaseFormSet):
    """Rows of a rule; blank rows are ignored. `key` is what each form's clean() produced."""

    key = ""
    required_message = ""

    def rows(self) -> list[dict]:
        return [
            form.cleaned_data[self.key]
            for form in self.forms
            if getattr(form, "cleaned_data", None) and form.cleaned_data.get(self.key)
        ]

    def clean(self):
        if any(self.errors):
            return
        if self.required_message and not self.rows():
            raise ValidationError(self.required_message)


class ConditionRows(RowFormSet):
    key = "condition"


class ActionRows(RowFormSet):
    key = "planned"
    required_message = "Add at least one action."


ConditionFormSet = forms.formset_factory(
    ConditionForm, formset=ConditionRows, extra=1, max_num=MAX_ROWS, validate_max=True
)
ActionFormSet = forms.formset_factory(
    ActionForm, formset=ActionRows, extra=1, max_num=MAX_ROWS, validate_max=True
)


class RuleForm(forms.Form):
    name = forms.CharField(max_length=100)
    trigger = forms.ChoiceField(label="When", choices=RuleTrigger.choices)
    is_active = forms.BooleanField(label="Active", required=False, initial=True)
    stop_processing = forms.BooleanField(
        label="Stop here: skip later rules when this one applies", required=False
    )


# --- SLAs ---------------------------------------------------------------------------------


class SlaPolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = [
            "name",
            "priority",
            "first_response_minutes",
            "resolution_minutes",
            "business_hours",
            "is_active",
        ]
        labels = {
            "first_response_minutes": "First reply within (business minutes)",
            "resolution_minutes": "Resolve within (business minutes)",
            "is_active": "Active",
        }
        help_texts = {
            "first_response_minutes": "60 is one business hour.",
            "resolution_minutes": "480 is one 8-hour business day.",
            "business_hours": "",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business_hours"].empty_label = "Around the clock (24/7)"
        for name in ("first_response_minutes", "resolution_minutes"):
            self.fields[name].widget.attrs.update(min=1, step=1)


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_timezones()) if "/" in name or name == "UTC"]


class BusinessHoursForm(forms.ModelForm):
    """Name, time zone, an open and close time per weekday (both empty: closed), holidays."""

    # Carries the model's whole-week errors ("open on at least one weekday"); never typed in.
    week = forms.CharField(required=False, widget=forms.HiddenInput)
    holidays = forms.CharField(
        label="Holidays",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "2026-12-25\n2026-12-26"}),
        help_text="One date per line (YYYY-MM-DD); closed all day.",
    )

    class Meta:
        model = BusinessHours
        fields = ["name", "timezone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"] = forms.ChoiceField(
            label="Time zone", choices=timezone_choices(), initial="UTC"
        )
        week = self.instance.week if isinstance(self.instance.week, list) else []
        new = self.instance.pk is None
        for i, day in enumerate(WEEKDAYS):
            entry = week[i] if len(week) == 7 else None
            if new and i < 5:
                entry = ["09:00", "17:00"]  # a new schedule starts as Monday to Friday, 9 to 5
            for key, label, index in (("open", "opens", 0), ("close", "closes", 1)):
                self.fields[f"{key}_{i}"] = forms.TimeField(
                    label=f"{day} {label}",
                    required=False,
                    widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                    initial=entry[index] if entry else None,
                )
        if self.instance.pk:
            self.fields["holidays"].initial = "\n".join(self.instance.holidays or [])

    def day_rows(self):
        return [(day, self[f"open_{i}"], self[f"close_{i}"]) for i, day in enumerate(WEEKDAYS)]

    def clean_holidays(self):
        dates, bad = [], []
        for line in (self.cleaned_data.get("holidays") or "").replace(",", "\n").splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                dates.append(date.fromisoformat(line).isoformat())
            except ValueError:
                bad.append(line)
        if bad:
            raise ValidationError(f"Not a date (YYYY-MM-DD): {', '.join(bad[:5])}.")
        return sorted(set(dates))

    def clean(self):
        data = super().clean()
        week = []
        for i in range(len(WEEKDAYS)):
            opens, closes = data.get(f"open_{i}"), data.get(f"close_{i}")
            window = None
            if f"open_{i}" in self.errors or f"close_{i}" in self.errors:
                pass
            elif (opens is None) != (closes is None):
                self.add_error(f"close_{i}", "Give both times, or neither for closed.")
            elif opens is not None:
                close_at = closes.hour * 60 + closes.minute or 24 * 60  # 00:00 is midnight
                if close_at <= opens.hour * 60 + opens.minute:
                    self.add_error(f"close_{i}", "Closes before it opens (00:00 means midnight).")
                else:
                    window = [f"{opens:%H:%M}", f"{closes:%H:%M}"]
            week.append(window)
        self.instance.week = week
        self.instance.holidays = data.get("holidays") or []
        return data


class TeamRoutingForm(forms.Form):
    mode = forms.ChoiceField(choices=AssignmentMode.choices)
