"""Saved inbox views: which ones a user sees, and how many threads each holds right now.

A user sees their own views and the views shared with their teams. Counts come from one
aggregate over the threads the user may see, with one `Count(filter=...)` per view built by
the inbox's own filter (`selectors.inbox_filter_q`), so a count is always the number of rows
the view's page lists, and ten views cost what one costs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from accounts.models import Team, User
from accounts.permissions import Perm, user_can
from interactions import live
from interactions.inbox_query import filters_from_query
from interactions.models import SavedView
from interactions.selectors import inbox_filter_q, visible_threads
from interactions.sla import SlaBook

COUNT_TTL_S = 30
MAX_VIEWS_SHOWN = 100


def user_teams(user: User) -> list[Team]:
    """The teams `user` belongs to: who they may share a view with."""
    return list(Team.objects.filter(memberships__user=user).order_by("name"))


def saved_views_for(user: User, *, team_ids: list[int] | None = None) -> list[SavedView]:
    """The user's own views (in their order), then those their teams share, by team."""
    if team_ids is None:
        team_ids = list(user.team_memberships.values_list("team_id", flat=True))
    views = list(
        SavedView.objects.filter(Q(owner=user) | Q(team_id__in=team_ids))
        .select_related("team", "owner")
        .order_by("position", "id")[:MAX_VIEWS_SHOWN]
    )
    for view in views:
        view.is_mine = view.owner_id == user.pk
        view.filters = filters_from_query(view.query)
    return sorted(
        views,
        key=lambda v: (not v.is_mine, "" if v.is_mine else v.team.name.lower(), v.position, v.pk),
    )


def access_saved_view(user: User, view_id, *, edit: bool = False) -> SavedView:
    """A view `user` may open (their own or their team's), or change (their own); else 404."""
    views = SavedView.objects.select_related("team")
    if edit:
        views = views.filter(owner=user)
    else:
        teams = user.team_memberships.values("team_id")
        views = views.filter(Q(owner=user) | Q(team_id__in=teams))
    try:
        return views.get(pk=view_id)
    except (SavedView.DoesNotExist, ValueError, TypeError):
        raise Http404("No such view.") from None


def _scope(user: User, team_ids: list[int]) -> str:
    # Who is asking, as far as counts go: everyone who sees every team shares one count; an
    # agent's counts depend on their teams and on the threads assigned to them.
    if user_can(user, Perm.TRIAGE_ALL_TEAMS):
        return "all"
    return f"u{user.pk}:t" + ",".join(str(t) for t in sorted(team_ids))


def _count_key(version: int, scope: str, user: User, view: SavedView) -> str:
    digest = hashlib.blake2s(view.query.encode(), digest_size=8).hexdigest()
    me = f"u{user.pk}" if view.filters.assignee == "me" else ""
    return f"views:count:{version}:{scope}:{me}:{digest}"


def saved_view_counts(
    *, user: User, views: list[SavedView], team_ids: list[int], version: int | None = None
) -> dict[int, int]:
    """View id → threads matching it for `user`: one cache read, plus one query on a miss.

    Counts are cached for COUNT_TTL_S under the inbox's live version (`interactions.live`), so
    any change to any thread is counted on the next read, and a quiet inbox is not recounted.
    """
    if not views:
        return {}
    for view in views:
        if not hasattr(view, "filters"):
            view.filters = filters_from_query(view.query)
    scope = _scope(user, team_ids)
    version = live.inbox_version() if version is None else version
    keys = {view.pk: _count_key(version, scope, user, view) for view in views}
    found = cache.get_many(set(keys.values()))
    missing = {key: view for view in views if (key := keys[view.pk]) not in found}
    if missing:
        now = timezone.now()
        book = SlaBook.load() if any(v.filters.sla for v in missing.values()) else None
        aggregates = {}
        for n, view in enumerate(missing.values()):
            condition = inbox_filter_q(user=user, filters=view.filters, now=now, sla_book=book)
            aggregates[f"c{n}"] = Count("id", filter=condition) if condition else Count("id")
        row = visible_threads(user, team_ids=team_ids).aggregate(**aggregates)
        counted = {key: row[f"c{n}"] for n, key in enumerate(missing)}
        cache.set_many(counted, timeout=COUNT_TTL_S)
        found.update(counted)
    return {view_id: found[key] for view_id, key in keys.items()}


@dataclass
class ViewsPanel:
    """The inbox's list of views with their counts, and what saving one needs."""

    mine: list[SavedView] = field(default_factory=list)
    shared: list[SavedView] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)
    current: str = ""  # the open page's filters in normal form
    version: int = 0

    @property
    def current_view(self) -> SavedView | None:
        return next((v for v in [*self.mine, *self.shared] if v.query == self.current), None)


def views_panel(*, user: User, current: str) -> ViewsPanel:
    """Everything the views column shows, in two queries plus at most one aggregate."""
    # The version is read first: a change racing this read is counted by the next poll.
    version = live.inbox_version()
    teams = user_teams(user)
    team_ids = [t.pk for t in teams]
    views = saved_views_for(user, team_ids=team_ids)
    counts = saved_view_counts(user=user, views=views, team_ids=team_ids, version=version)
    for view in views:
        view.count = counts[view.pk]
    return ViewsPanel(
        mine=[v for v in views if v.is_mine],
        shared=[v for v in views if not v.is_mine],
        teams=teams,
        current=current,
        version=version,
    )
