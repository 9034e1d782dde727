"""Sections whose issues have not landed yet: an honest page saying what will be there."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from accounts.decorators import nav_section, require_perm
from accounts.permissions import Perm
from cx_hub.views import not_yet


@require_perm(Perm.VIEW_DASHBOARDS)
@nav_section("reports")
def reports(request):
    return not_yet(
        request,
        heading="Reports",
        icon="chart-column",
        text="Volume, first-response and resolution times, SLA compliance and backlog by "
        "channel, team and agent will appear here.",
    )


@login_required
def home(request):
    return redirect("inbox")
