from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import nav_section, require_perm
from accounts.permissions import Perm
from interactions.models import EventStatus, InboundEvent
from interactions.selectors import ingestion_health
from interactions.services.events import MAX_ATTEMPTS, inbound_event_replay


@require_perm(Perm.VIEW_SYSTEM_HEALTH)
@nav_section("settings")
def ingestion(request):
    health = ingestion_health()
    peak = max(health.per_minute) or 1
    bars = [{"n": n, "pct": round(100 * n / peak)} for n in health.per_minute]
    return render(
        request,
        "interactions/ingestion.html",
        {"health": health, "bars": bars, "max_attempts": MAX_ATTEMPTS},
    )


@require_perm(Perm.VIEW_SYSTEM_HEALTH)
@require_POST
def ingestion_replay(request, event_id: int):
    event = get_object_or_404(InboundEvent, pk=event_id, status=EventStatus.FAILED)
    inbound_event_replay(event=event)
    messages.success(request, f"Event {event.provider}:{event.provider_event_id} queued again.")
    return redirect("ingestion")
