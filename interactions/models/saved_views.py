from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from accounts.models import Team


class SavedView(models.Model):
    """A named inbox filter: its owner's own, or shared with one of the owner's teams.

    `query` is the inbox query string in normal form (`interactions.inbox_query`): the same
    filters always give the same string, so the inbox can tell which view is open.
    """

    name = models.CharField(max_length=80)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    # Shared with every member of this team; null keeps it private. A deleted team unshares it.
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="saved_views"
    )
    query = models.CharField(max_length=500, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint("owner", Lower("name"), name="saved_view_owner_name_unique"),
            models.CheckConstraint(condition=~models.Q(name=""), name="saved_view_name_set"),
        ]

    def __str__(self) -> str:
        return self.name
