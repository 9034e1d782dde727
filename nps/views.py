from django.contrib.auth.decorators import login_required

from accounts.decorators import nav_section
from cx_hub.views import not_yet


@login_required
@nav_section("nps")
def nps_home(request):
    return not_yet(
        request,
        heading="NPS",
        icon="gauge",
        text="Surveys, responses, the NPS trend with its margin of error, breakdowns by channel, "
        "campaign and agent, and the silent-versus-vocal view will appear here.",
    )
