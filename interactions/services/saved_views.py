"""Writes on saved inbox views. Only a view's owner changes it; sharing is with their own teams."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from accounts.models import Team, TeamMembership, User
from interactions.inbox_query import filters_to_query
from interactions.models import SavedView
from interactions.selectors import InboxFilters

MAX_VIEWS_PER_USER = 50
NAME_MAX = 80


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the view a name."})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": f"Keep the name under {NAME_MAX} characters."})
    return name


def _check_team(owner_id: int, team: Team | None) -> None:
    if team is not None and not TeamMembership.objects.filter(user_id=owner_id, team=team).exists():
        raise ValidationError({"team": "You can only share a view with a team you are in."})


def _save(view: SavedView, fields: list[str] | None = None) -> SavedView:
    try:
        with transaction.atomic():
            view.save(update_fields=fields)
    except IntegrityError:
        raise ValidationError({"name": "You already have a view with this name."}) from None
    return view


@transaction.atomic
def saved_view_create(
    *, owner: User, name: str, filters: InboxFilters, team: Team | None = None
) -> SavedView:
    """Save the inbox's current filters as a view of `owner`'s, shared with `team` if given."""
    name = _clean_name(name)
    _check_team(owner.pk, team)
    mine = SavedView.objects.filter(owner=owner)
    if mine.count() >= MAX_VIEWS_PER_USER:
        raise ValidationError(
            {"name": f"You have {MAX_VIEWS_PER_USER} views already; delete one first."}
        )
    last = mine.aggregate(last=Max("position"))["last"]
    view = SavedView(
        owner=owner,
        name=name,
        team=team,
        query=filters_to_query(filters),
        position=0 if last is None else last + 1,
    )
    return _save(view)


def saved_view_rename(*, view: SavedView, name: str) -> SavedView:
    """Rename a view (names are unique per owner, whatever the case)."""
    view.name = _clean_name(name)
    return _save(view, ["name"])


def saved_view_share(*, view: SavedView, team: Team | None) -> SavedView:
    """Share a view with one of its owner's teams, or make it private again (`team=None`)."""
    _check_team(view.owner_id, team)
    view.team = team
    return _save(view, ["team"])


def saved_view_delete(*, view: SavedView) -> None:
    view.delete()
