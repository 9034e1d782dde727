"""Polling endpoints for live updates and presence (see interactions/live.py)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts.privacy import contact_details_masked
from interactions import live
from interactions.forms import InboxFilterForm
from interactions.message_body import attach_bodies
from interactions.selectors import (
    access_thread,
    inbox_threads,
    thread_action_choices,
    thread_timeline,
)


def _version(request) -> int | None:
    try:
        return int(request.GET.get("v", ""))
    except ValueError:
        return None


@login_required
def inbox_poll(request):
    """204 while nothing changed; else the refreshed list (same filters, same page)."""
    version = live.inbox_version()
    if _version(request) == version:
        return HttpResponse(status=204)
    choices = thread_action_choices(None)
    filters = InboxFilterForm(request.GET, teams=choices.teams, tags=choices.tags).to_filters()
    page = inbox_threads(user=request.user, filters=filters, cursor=request.GET.get("cursor", ""))
    return render(
        request,
        "interactions/inbox.html#thread_list",
        {"page": page, "live_version": version, "poll_query": poll_query(request)},
    )


def poll_query(request) -> str:
    """The current query string without the version, for the next poll."""
    params = request.GET.copy()
    params.pop("v", None)
    return params.urlencode()


@login_required
def thread_poll(request, thread_id: int):
    """204 while the thread is unchanged (answered from the cache alone); else the conversation."""
    version = live.thread_version(thread_id)
    if _version(request) == version:
        return HttpResponse(status=204)
    thread = access_thread(request.user, thread_id)
    timeline = thread_timeline(thread)
    # The contact's addresses, masked in the messages for those who may not see them.
    masked = contact_details_masked(request.user)
    attach_bodies(timeline, mask=thread.contact.identities.all() if masked else ())
    return render(
        request,
        "interactions/thread_detail.html#conversation",
        {"thread": thread, "timeline": timeline, "live_version": version},
    )


@login_required
@require_POST
def thread_presence(request, thread_id: int):
    """Mark the caller as viewing or replying; answer with who else is here."""
    thread = access_thread(request.user, thread_id)
    state = "replying" if request.POST.get("state") == "replying" else "viewing"
    live.presence_mark(
        thread_id=thread.pk, user_id=request.user.pk, name=request.user.display_name, state=state
    )
    return render(
        request,
        "interactions/partials/_presence.html",
        {
            "thread": thread,
            "others": live.presence_others(thread_id=thread.pk, user_id=request.user.pk),
        },
    )
