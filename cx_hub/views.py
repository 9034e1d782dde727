"""Platform pages: health probe, system status, and the page for sections not built yet."""

import time

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts.decorators import nav_section, require_perm
from accounts.permissions import Perm
from cx_hub import health


def not_yet(request, *, heading: str, icon: str, text: str):
    """An honest placeholder for a section whose issue has not landed."""
    return render(request, "cx_hub/not_yet.html", {"heading": heading, "icon": icon, "text": text})


@never_cache
def healthz(request):
    """Liveness + readiness for load balancers: 200 when the database answers, else 503."""
    components = health.components()
    database_ok = components[0].ok
    return JsonResponse(
        {
            "ok": database_ok,
            "components": {c.name.lower(): {"ok": c.ok, "detail": c.detail} for c in components},
        },
        status=200 if database_ok else 503,
    )


@require_perm(Perm.VIEW_SYSTEM_HEALTH)
@nav_section("settings")
def system_status(request):
    beat = health.last_heartbeat()
    return render(
        request,
        "cx_hub/system_status.html",
        {
            "components": health.components(),
            "heartbeat_age": int(time.time() - beat) if beat else None,
        },
    )
