"""Shared reply drafts: the composer saves them, the thread page polls colleagues' drafts."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import require_perm
from accounts.permissions import Perm
from interactions.selectors import access_thread
from interactions.services.drafts import (
    draft_save,
    drafts_version,
    minute_of,
    thread_drafts,
)


@require_perm(Perm.REPLY)
@require_POST
def thread_draft_save(request, thread_id: int):
    """Save the caller's draft (the composer posts it a second after they stop typing)."""
    thread = access_thread(request.user, thread_id)
    draft_save(thread=thread, author=request.user, text=request.POST.get("text", ""))
    return HttpResponse(status=204)


@login_required
@require_GET
def thread_drafts_poll(request, thread_id: int):
    """204 while the drafts are unchanged (answered from the cache); else colleagues' drafts."""
    version = drafts_version(thread_id)
    if request.GET.get("v", "") in {str(version), f"{version}.{minute_of(timezone.now())}"}:
        return HttpResponse(status=204)
    thread = access_thread(request.user, thread_id)
    return render(
        request,
        "interactions/partials/_drafts.html",
        {"thread": thread, "drafts": thread_drafts(thread=thread, user=request.user)},
    )
