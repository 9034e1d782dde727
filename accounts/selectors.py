"""Reads on users, teams and the audit log."""

from django.db.models import Prefetch, QuerySet

from accounts.models import AuditEvent, Team, User


def users_with_teams() -> QuerySet[User]:
    return User.objects.prefetch_related(
        Prefetch("teams", queryset=Team.objects.order_by("name"))
    ).order_by("full_name", "email")


def team_ids_for_user(user: User) -> list[int]:
    """The user's team ids, read once per request (kept on the user object)."""
    cached = getattr(user, "_cx_team_ids", None)
    if cached is None:
        cached = list(user.team_memberships.values_list("team_id", flat=True))
        user._cx_team_ids = cached
    return cached


def audit_events(*, action: str = "") -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("actor")
    if action:
        events = events.filter(action=action)
    return events
