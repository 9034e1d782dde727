"""The notification bell (polled), the notifications page and "mark all read"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from interactions import bell
from interactions.services.notifications import (
    notifications_for,
    notifications_mark_all_read,
    notifications_unread,
)

PAGE_SIZE = 25


@login_required
@require_GET
def notifications_bell(request):
    """204 while the user's notifications are unchanged (from the cache alone); else the bell."""
    if request.GET.get("v", "") == str(bell.version(request.user.pk)):
        return HttpResponse(status=204)
    return render(
        request,
        "interactions/partials/_notifications_bell.html",
        {"bell": notifications_unread(request.user)},
    )


@login_required
@require_GET
def notification_list(request):
    """The signed-in user's notifications, newest first; each links to its message."""
    notifications = notifications_for(request.user).select_related(
        "actor", "message", "thread__channel", "thread__contact"
    )
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "interactions/notifications.html",
        {"page": page, "has_unread": any(n.read_at is None for n in page)},
    )


@login_required
@require_POST
def notifications_read_all(request):
    changed = notifications_mark_all_read(user=request.user)
    if changed:
        plural = "s" if changed > 1 else ""
        messages.success(request, f"Marked {changed} notification{plural} read.")
    return redirect("notifications")
