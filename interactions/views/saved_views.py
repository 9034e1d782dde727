"""Saved inbox views: the live column on the inbox, saving the current filters, managing them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.decorators import nav_section
from interactions import choices, live
from interactions.inbox_query import describe, filters_from_query, filters_to_query
from interactions.saved_views import access_saved_view, user_teams, views_panel
from interactions.services import saved_views as services


def _inbox_url(query: str) -> str:
    return f"{reverse('inbox')}?{query}" if query else reverse("inbox")


def _team_choice(request, teams) -> tuple[object, bool]:
    """The team picked in the form, among the user's teams: (team or None, valid)."""
    raw = request.POST.get("team", "")
    if not raw:
        return None, True
    team = next((t for t in teams if str(t.pk) == raw), None)
    return team, team is not None


def _first_error(error: ValidationError) -> str:
    return " ".join(message for messages_ in error.message_dict.values() for message in messages_)


@login_required
def views_panel_poll(request):
    """204 while no thread changed; else the views with fresh counts (see the inbox column)."""
    version = live.inbox_version()
    if request.GET.get("v", "") == str(version):
        return HttpResponse(status=204)
    current = filters_to_query(filters_from_query(request.GET.get("current", "")))
    panel = views_panel(user=request.user, current=current)
    return render(request, "interactions/partials/_saved_views.html#view_lists", {"panel": panel})


@login_required
@require_POST
def view_save(request):
    """Save the filters the inbox shows as a view; the inbox reopens on it."""
    filters = filters_from_query(request.POST.get("query", ""))
    team, valid = _team_choice(request, user_teams(request.user))
    if not valid:
        messages.error(request, "You can only share a view with a team you are in.")
        return redirect(_inbox_url(filters_to_query(filters)))
    try:
        view = services.saved_view_create(
            owner=request.user, name=request.POST.get("name", ""), filters=filters, team=team
        )
    except ValidationError as error:
        messages.error(request, _first_error(error))
        return redirect(_inbox_url(filters_to_query(filters)))
    shared = f", shared with {team.name}" if team else ""
    messages.success(request, f"Saved the view “{view.name}”{shared}.")
    return redirect(_inbox_url(view.query))


@login_required
@nav_section("inbox")
def views_manage(request):
    """The user's views (rename, share, delete) and the views their teams share with them."""
    teams = user_teams(request.user)
    panel = views_panel(user=request.user, current="")
    # A view may filter on a team the user is not in (a marketer's "team" filter).
    team_names = {team.pk: team.name for team in choices.teams()}
    tag_names = {tag.pk: tag.name for tag in choices.tags()}
    for view in [*panel.mine, *panel.shared]:
        view.labels = describe(view.filters, teams=team_names, tags=tag_names)
    return render(request, "interactions/saved_views.html", {"panel": panel, "teams": teams})


@login_required
@require_POST
def view_update(request, view_id: int):
    """Rename a view, or change whom it is shared with: the owner only."""
    view = access_saved_view(request.user, view_id, edit=True)
    try:
        if request.POST.get("action") == "share":
            team, valid = _team_choice(request, user_teams(request.user))
            if not valid:
                raise ValidationError({"team": "You can only share a view with a team you are in."})
            services.saved_view_share(view=view, team=team)
            where = f"shared with {team.name}" if team else "private"
            messages.success(request, f"“{view.name}” is now {where}.")
        else:
            services.saved_view_rename(view=view, name=request.POST.get("name", ""))
            messages.success(request, f"Renamed to “{view.name}”.")
    except ValidationError as error:
        messages.error(request, _first_error(error))
    return redirect("inbox_views")


@login_required
@require_POST
def view_delete(request, view_id: int):
    view = access_saved_view(request.user, view_id, edit=True)
    services.saved_view_delete(view=view)
    messages.success(request, f"Deleted the view “{view.name}”.")
    return redirect("inbox_views")
