import django_filters
from django.db.models import Q

from interactions.models import ChannelKind, Priority, Sentiment, Thread, ThreadStatus


class ThreadFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ThreadStatus.choices)
    channel = django_filters.ChoiceFilter(field_name="channel__kind", choices=ChannelKind.choices)
    team = django_filters.NumberFilter(field_name="team_id")
    priority = django_filters.TypedChoiceFilter(choices=Priority.choices, coerce=int)
    sentiment = django_filters.ChoiceFilter(choices=Sentiment.choices)
    tag = django_filters.CharFilter(field_name="tags__name")
    assignee = django_filters.CharFilter(
        method="filter_assignee", help_text='"me", "unassigned", or a user id'
    )
    active_after = django_filters.IsoDateTimeFilter(
        field_name="last_activity_at", lookup_expr="gte"
    )
    active_before = django_filters.IsoDateTimeFilter(
        field_name="last_activity_at", lookup_expr="lt"
    )

    class Meta:
        model = Thread
        fields = []

    def filter_assignee(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assignee=self.request.user)
        if value == "unassigned":
            return queryset.filter(assignee__isnull=True)
        if value.isdecimal() and len(value) <= 18:  # longer: no user, and SQLite overflows
            return queryset.filter(assignee_id=int(value))
        return queryset.filter(Q(pk__in=[]))
