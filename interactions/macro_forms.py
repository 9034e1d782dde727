"""The macro editor (Settings → Macros): name, team, reply, and one select per action row.

Each row is a single select whose options are whole actions ("Status → Resolved", "Tag → vip"),
grouped by kind, so a row can never pair a type with a value of another type and the form needs
no JavaScript. The rows become `Macro.actions`; `Macro.clean()` has the last word (one status per
macro, users still active…), and its errors show above the rows.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import Team, User
from interactions.models import Macro, Priority, SavedReply, Tag
from interactions.models.macros import MACRO_STATUSES, MAX_MACRO_ACTIONS
from interactions.placeholders import PLACEHOLDERS

BLANK_ROWS = 3


def action_value(action: dict) -> str:
    """The row select's value for a stored action: "status:resolved", "assign:me", "tag:vip"."""
    kind, value = action.get("type", ""), action.get("value")
    return f"{kind}:{'none' if value is None else value}"


def parse_action(choice: str) -> dict | None:
    """The stored action for a row select's value; None for an empty row."""
    kind, _, raw = (choice or "").partition(":")
    if not kind:
        return None
    if kind == "tag":
        return {"type": "tag", "value": raw}
    if kind == "status":
        return {"type": "status", "value": raw}
    if raw == "none":
        return {"type": kind, "value": None}
    if kind == "assign" and raw == "me":
        return {"type": "assign", "value": "me"}
    try:
        return {"type": kind, "value": int(raw)}
    except ValueError:
        return {"type": kind, "value": raw}


def action_choices(extra_tags: list[str] = ()) -> list:
    tags = list(Tag.objects.order_by("name").values_list("name", flat=True))
    tags += [name for name in extra_tags if name not in tags]
    users = User.objects.filter(is_active=True).order_by("full_name", "email")
    return [
        ("", "Choose an action…"),
        (
            "Status",
            [(f"status:{s.value}", f"Status → {s.label}") for s in MACRO_STATUSES],
        ),
        (
            "Assign",
            [
                ("assign:me", "Assign → whoever applies it"),
                ("assign:none", "Assign → nobody (unassign)"),
                *[(f"assign:{u.pk}", f"Assign → {u.display_name}") for u in users],
            ],
        ),
        (
            "Team",
            [
                ("team:none", "Team → none"),
                *[(f"team:{t.pk}", f"Team → {t.name}") for t in Team.objects.order_by("name")],
            ],
        ),
        (
            "Priority",
            [(f"priority:{value}", f"Priority → {label}") for value, label in Priority.choices],
        ),
        ("Add tag", [(f"tag:{name}", f"Tag → {name}") for name in tags]),
    ]


class ActionRowForm(forms.Form):
    action = forms.ChoiceField(label="Action", required=False)

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = choices if choices is not None else action_choices()


class BaseActionRows(forms.BaseFormSet):
    def __init__(self, *args, choices=None, **kwargs):
        # The choices are built once for all rows (a handful of queries, not one set per row).
        self._choices = choices if choices is not None else action_choices()
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "choices": self._choices}

    def actions(self) -> list[dict]:
        out = []
        for form in self.forms:
            parsed = parse_action((getattr(form, "cleaned_data", None) or {}).get("action"))
            if parsed is not None:
                out.append(parsed)
        return out


ActionRows = forms.formset_factory(
    ActionRowForm,
    formset=BaseActionRows,
    extra=BLANK_ROWS,
    max_num=MAX_MACRO_ACTIONS,
    validate_max=True,
    absolute_max=MAX_MACRO_ACTIONS + BLANK_ROWS,
)


def action_rows(macro: Macro | None, data=None) -> BaseActionRows:
    """The rows for a macro: its actions, then blank rows to add more."""
    actions = list(macro.actions) if macro is not None and isinstance(macro.actions, list) else []
    extra_tags = [str(a.get("value")) for a in actions if a.get("type") == "tag"]
    initial = [{"action": action_value(a)} for a in actions if isinstance(a, dict)]
    return ActionRows(data, prefix="act", initial=initial, choices=action_choices(extra_tags))


class MacroForm(forms.ModelForm):
    # Filled from the rows (never typed): carries Macro.clean()'s errors about the actions.
    actions = forms.JSONField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Macro
        fields = ["name", "team", "position", "saved_reply", "body", "actions"]
        labels = {"saved_reply": "Saved reply", "position": "Order"}
        help_texts = {"position": "Lower numbers come first in the thread sidebar."}
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, rows: BaseActionRows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.fields["team"].empty_label = "Shared with every team"
        self.fields["saved_reply"].empty_label = "None: write the reply below (or no reply)"
        self.fields["saved_reply"].queryset = SavedReply.objects.select_related("team").order_by(
            "title"
        )
        self.fields["saved_reply"].label_from_instance = lambda r: (
            f"{r.title} ({r.team.name})" if r.team_id else r.title
        )
        names = ", ".join("{{ " + name + " }}" for name in PLACEHOLDERS)
        self.fields["body"].help_text = (
            f"Sent to the customer on the conversation's channel. Placeholders: {names}. "
            'A fallback for a missing value: {{ contact.first_name|default:"there" }}.'
        )
        self.fields["position"].widget.attrs.update(min=0, step=1)

    def clean_actions(self):
        if not self.rows.is_valid():
            raise ValidationError("Fix the actions marked below.")
        return self.rows.actions()
