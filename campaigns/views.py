from django.contrib.auth.decorators import login_required

from accounts.decorators import nav_section
from cx_hub.views import not_yet


@login_required
@nav_section("campaigns")
def campaign_list(request):
    return not_yet(
        request,
        heading="Campaigns",
        icon="megaphone",
        text="Campaign records with their tracking keys, attributed conversations, sentiment, "
        "response times and the NPS of the customers each campaign touched will appear here.",
    )
