from django import forms

from accounts.models import Team
from interactions.models import ChannelKind, Tag, ThreadStatus
from interactions.selectors import InboxFilters

STATUS_ALL = "all"


class InboxFilterForm(forms.Form):
    """The inbox's query string. Unknown values are dropped, never a 500."""

    status = forms.ChoiceField(choices=[*ThreadStatus.choices, (STATUS_ALL, "All")], required=False)
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), required=False, empty_label="All teams"
    )
    channel = forms.ChoiceField(
        choices=[("", "All channels"), *ChannelKind.choices], required=False
    )
    assignee = forms.ChoiceField(
        choices=[("", "Anyone"), ("me", "Me"), ("unassigned", "Unassigned")], required=False
    )
    tag = forms.ModelChoiceField(queryset=Tag.objects.all(), required=False, empty_label="Any tag")

    def to_filters(self) -> InboxFilters:
        data = self.cleaned_data if self.is_valid() else self._valid_part()
        status = data.get("status") or ThreadStatus.OPEN
        return InboxFilters(
            status="" if status == STATUS_ALL else status,
            team_id=data["team"].pk if data.get("team") else None,
            channel_kind=data.get("channel") or "",
            assignee=data.get("assignee") or "",
            tag_id=data["tag"].pk if data.get("tag") else None,
        )

    def _valid_part(self) -> dict:
        # Keep the fields that did validate; drop the rest (a stale bookmark, a typo).
        return {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
