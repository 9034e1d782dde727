from datetime import UTC

import django_filters
from django import forms
from django.db.models import Q
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from interactions.models import ChannelKind, Priority, Sentiment, Thread, ThreadStatus

# Ids are 64-bit: a number beyond that is a 400, not an overflow deep in the database driver.
MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number from 1 to MAX_ID, else a 400 naming the parameter."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class _UtcDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00+05:00 is before the year 1 in UTC
            raise forms.ValidationError(
                "Enter a date and time between the years 1 and 9999.", code="invalid"
            ) from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date and time, taken to UTC before it reaches the database: Python allows
    offsets up to ±23:59, PostgreSQL only ±15:59 (and answered a 500 to the rest)."""

    field_class = _UtcDateTimeField


class ThreadFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ThreadStatus.choices)
    channel = django_filters.ChoiceFilter(field_name="channel__kind", choices=ChannelKind.choices)
    team = IdFilter(field_name="team_id")
    priority = django_filters.TypedChoiceFilter(choices=Priority.choices, coerce=int)
    sentiment = django_filters.ChoiceFilter(choices=Sentiment.choices)
    tag = django_filters.CharFilter(field_name="tags__name")
    assignee = django_filters.CharFilter(
        method="filter_assignee", help_text='"me", "unassigned", or a user id'
    )
    active_after = UtcDateTimeFilter(field_name="last_activity_at", lookup_expr="gte")
    active_before = UtcDateTimeFilter(field_name="last_activity_at", lookup_expr="lt")

    class Meta:
        model = Thread
        fields = []

    def filter_assignee(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assignee=self.request.user)
        if value == "unassigned":
            return queryset.filter(assignee__isnull=True)
        if value.isdecimal() and int(value) <= MAX_ID:
            return queryset.filter(assignee_id=int(value))
        return queryset.filter(Q(pk__in=[]))
