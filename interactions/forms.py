from datetime import datetime, timedelta

from django import forms
from django.utils import timezone

from accounts.models import Team, User
from interactions.models import ChannelKind, Priority, Sentiment, Tag, ThreadStatus
from interactions.selectors import InboxFilters

STATUS_ALL = "all"
SORT_CHOICES = [
    ("recent", "Newest activity"),
    ("waiting", "Waiting longest"),
    ("priority", "Highest priority"),
    ("sla", "SLA due first"),
]


class InboxFilterForm(forms.Form):
    """The inbox's query string. Unknown values are dropped, never a 500.

    Teams and tags come in as lists the view already loaded, so the page renders its dropdowns
    and the bulk bar from one query each.
    """

    status = forms.ChoiceField(choices=[*ThreadStatus.choices, (STATUS_ALL, "All")], required=False)
    team = forms.TypedChoiceField(coerce=int, required=False)
    channel = forms.ChoiceField(
        choices=[("", "All channels"), *ChannelKind.choices], required=False
    )
    assignee = forms.ChoiceField(
        choices=[("", "Anyone"), ("me", "Me"), ("unassigned", "Unassigned")], required=False
    )
    tag = forms.TypedChoiceField(coerce=int, required=False)
    sla = forms.ChoiceField(
        choices=[("", "Any SLA"), ("approaching", "SLA due soon"), ("breached", "SLA breached")],
        required=False,
    )
    q = forms.CharField(required=False, max_length=200, strip=True)
    priority = forms.TypedChoiceField(
        choices=[("", "Any priority"), *Priority.choices], coerce=int, required=False
    )
    sentiment = forms.ChoiceField(choices=[("", "Any mood"), *Sentiment.choices], required=False)
    active_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    active_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)

    def __init__(self, data=None, *, teams: list[Team] = (), tags: list[Tag] = ()):
        super().__init__(data)
        self.fields["team"].choices = [("", "All teams"), *((t.pk, t.name) for t in teams)]
        self.fields["tag"].choices = [("", "Any tag"), *((t.pk, t.name) for t in tags)]

    def to_filters(self) -> InboxFilters:
        data = self.cleaned_data if self.is_valid() else self._valid_part()
        query = data.get("q") or ""
        # A search looks through every status unless a status tab was chosen.
        status = data.get("status") or (STATUS_ALL if query else ThreadStatus.OPEN)
        return InboxFilters(
            status="" if status == STATUS_ALL else status,
            team_id=data.get("team") or None,
            channel_kind=data.get("channel") or "",
            assignee=data.get("assignee") or "",
            tag_id=data.get("tag") or None,
            query=query,
            sla=data.get("sla") or "",
            priority=data.get("priority") if data.get("priority") not in ("", None) else None,
            sentiment=data.get("sentiment") or "",
            active_from=data.get("active_from"),
            active_to=data.get("active_to"),
            sort=data.get("sort") or "recent",
        )

    def _valid_part(self) -> dict:
        # Keep the fields that did validate; drop the rest (a stale bookmark, a typo).
        return {k: v for k, v in self.cleaned_data.items() if k not in self.errors}


SNOOZE_CHOICES = [
    ("1h", "1 hour"),
    ("3h", "3 hours"),
    ("tomorrow", "Tomorrow 9:00"),
    ("monday", "Next Monday 9:00"),
    ("week", "1 week"),
]


class ThreadActionForm(forms.Form):
    """One change from the thread page: the `action` says which field it carries."""

    ACTIONS = ["assign", "team", "status", "snooze", "priority", "add_tag", "remove_tag", "note"]

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    assignee = forms.ModelChoiceField(queryset=User.objects.filter(is_active=True), required=False)
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    status = forms.ChoiceField(choices=ThreadStatus.choices, required=False)
    snooze = forms.ChoiceField(choices=SNOOZE_CHOICES, required=False)
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, required=False)
    tag = forms.ModelChoiceField(queryset=Tag.objects.all(), required=False, to_field_name="name")
    text = forms.CharField(required=False, max_length=20000, strip=True)

    def clean(self):
        data = super().clean()
        needed = {
            "status": "status",
            "snooze": "snooze",
            "priority": "priority",
            "add_tag": "tag",
            "remove_tag": "tag",
            "note": "text",
        }.get(data.get("action"))
        if needed and data.get(needed) in (None, ""):
            self.add_error(needed, "This field is required.")
        return data


def snooze_until(choice: str, now: datetime) -> datetime:
    """The wake-up time for a snooze preset, in the site's time zone."""
    local = timezone.localtime(now)
    nine = {"hour": 9, "minute": 0, "second": 0, "microsecond": 0}
    if choice == "1h":
        return now + timedelta(hours=1)
    if choice == "3h":
        return now + timedelta(hours=3)
    if choice == "tomorrow":
        return (local + timedelta(days=1)).replace(**nine)
    if choice == "monday":
        return (local + timedelta(days=7 - local.weekday())).replace(**nine)
    return now + timedelta(days=7)


class BulkActionForm(forms.Form):
    """One change applied to many selected threads from the inbox."""

    ACTIONS = [
        ("assign", "Assign"),
        ("status", "Set status"),
        ("priority", "Set priority"),
        ("add_tag", "Add tag"),
    ]

    threads = forms.TypedMultipleChoiceField(
        coerce=int, choices=[]
    )  # ids: checked against visibility
    action = forms.ChoiceField(choices=ACTIONS)
    assignee = forms.ModelChoiceField(queryset=User.objects.filter(is_active=True), required=False)
    status = forms.ChoiceField(
        choices=[(v, label) for v, label in ThreadStatus.choices if v != "snoozed"], required=False
    )
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, required=False)
    tag = forms.ModelChoiceField(queryset=Tag.objects.all(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any integer is a valid choice here; visibility is enforced by the selector, not the form.
        self.fields["threads"].valid_value = lambda value: (
            str(value).isdecimal() and int(value) < 2**63
        )

    def clean(self):
        data = super().clean()
        needed = {"status": "status", "priority": "priority", "add_tag": "tag"}.get(
            data.get("action")
        )
        if needed and data.get(needed) in (None, ""):
            self.add_error(needed, "Choose a value to apply.")
        return data


class ReplyForm(forms.Form):
    """The composer. The idempotency key is minted when the page renders: a double click or a
    retried POST carries the same key and sends once."""

    text = forms.CharField(required=False, max_length=20000, strip=True, widget=forms.Textarea)
    idempotency_key = forms.CharField(max_length=64)
    subject = forms.CharField(required=False, max_length=255)
    cc = forms.CharField(required=False, max_length=1000, help_text="Comma-separated addresses")
    bcc = forms.CharField(required=False, max_length=1000)
    template = forms.CharField(required=False, max_length=120)
    include_quote = forms.BooleanField(required=False)
    send_at = forms.DateTimeField(
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    send_anyway = forms.BooleanField(required=False)
    brand_confirmed = forms.BooleanField(required=False)

    def clean_send_at(self):
        when = self.cleaned_data.get("send_at")
        if when is not None and when <= timezone.now():
            raise forms.ValidationError("Pick a time in the future, or leave it empty to send now.")
        return when

    def clean(self):
        data = super().clean()
        if not data.get("text") and not data.get("template"):
            self.add_error("text", "Write a reply (or pick an approved template).")
        return data

    def addresses(self, field: str) -> list[str]:
        return [a.strip() for a in (self.cleaned_data.get(field) or "").split(",") if a.strip()]
