"""GET /api/v1/views/: the caller's saved inbox views and their team's, with live counts."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from interactions.api.serializers import TeamRefSerializer, UserRefSerializer
from interactions.models import SavedView
from interactions.saved_views import saved_view_counts, saved_views_for, user_teams


class SavedViewSerializer(serializers.ModelSerializer):
    owner = UserRefSerializer(read_only=True)
    team = TeamRefSerializer(read_only=True, allow_null=True)
    is_mine = serializers.BooleanField(read_only=True)
    count = serializers.IntegerField(
        read_only=True, help_text="Conversations matching the view for the caller, right now."
    )
    inbox_url = serializers.SerializerMethodField()

    class Meta:
        model = SavedView
        fields = ["id", "name", "query", "team", "owner", "is_mine", "count", "inbox_url"]
        read_only_fields = fields

    def get_inbox_url(self, view: SavedView) -> str:
        return f"{reverse('inbox')}?{view.query}"


class SavedViewViewSet(viewsets.GenericViewSet):
    """The caller's saved inbox views, then those their teams share, each with the number of
    conversations it holds for the caller right now (the same list and counts as the inbox)."""

    serializer_class = SavedViewSerializer
    pagination_class = None
    queryset = SavedView.objects.none()  # for the schema; requests use the selector

    @extend_schema(responses=SavedViewSerializer(many=True))
    def list(self, request):
        team_ids = [team.pk for team in user_teams(request.user)]
        views = saved_views_for(request.user, team_ids=team_ids)
        counts = saved_view_counts(user=request.user, views=views, team_ids=team_ids)
        for view in views:
            view.count = counts[view.pk]
        return Response(self.get_serializer(views, many=True).data)
