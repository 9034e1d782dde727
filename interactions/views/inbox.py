from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.decorators import nav_section, require_perm
from accounts.permissions import Perm
from interactions import live
from interactions.forms import BulkActionForm, InboxFilterForm
from interactions.inbox_query import filters_to_query
from interactions.models import Priority, ThreadStatus
from interactions.saved_views import views_panel
from interactions.selectors import inbox_threads, thread_action_choices, visible_threads
from interactions.services.threads import threads_bulk_apply
from interactions.views.live import poll_query

STATUS_TABS = [*ThreadStatus.choices, ("all", "All")]


@login_required
@nav_section("inbox")
def inbox(request):
    choices = thread_action_choices(None)
    form = InboxFilterForm(request.GET, teams=choices.teams, tags=choices.tags)
    filters = form.to_filters()
    page = inbox_threads(user=request.user, filters=filters, cursor=request.GET.get("cursor", ""))
    current = filters_to_query(filters)
    context = {
        "views_panel": views_panel(user=request.user, current=current),
        "live_version": live.inbox_version(),
        "poll_query": poll_query(request),
        "form": form,
        "page": page,
        "status_tabs": STATUS_TABS,
        "current_status": filters.status or "all",
        "bulk": choices,
        "priorities": Priority.choices,
    }
    return render(request, "interactions/inbox.html", context)


@require_perm(Perm.ASSIGN)
@require_POST
def inbox_bulk(request):
    """Apply one action to the selected threads the user may see; others are ignored."""
    form = BulkActionForm(request.POST)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("inbox")
    if not form.is_valid():
        messages.error(request, "Select conversations and a value to apply.")
        return redirect(back)
    data = form.cleaned_data
    value = {"assign": "assignee", "status": "status", "priority": "priority", "add_tag": "tag"}[
        data["action"]
    ]
    threads = list(visible_threads(request.user).filter(pk__in=data["threads"]))
    with transaction.atomic():
        done = threads_bulk_apply(
            threads=threads, action=data["action"], value=data[value], actor=request.user
        )
    messages.success(request, f"Updated {done} conversation{'s' if done != 1 else ''}.")
    return redirect(back)
