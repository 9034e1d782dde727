from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.decorators import nav_section
from interactions.forms import InboxFilterForm
from interactions.models import ThreadStatus
from interactions.selectors import inbox_threads

STATUS_TABS = [*ThreadStatus.choices, ("all", "All")]


@login_required
@nav_section("inbox")
def inbox(request):
    form = InboxFilterForm(request.GET)
    filters = form.to_filters()
    page = inbox_threads(user=request.user, filters=filters, cursor=request.GET.get("cursor", ""))
    context = {
        "form": form,
        "page": page,
        "status_tabs": STATUS_TABS,
        "current_status": filters.status or "all",
    }
    if request.htmx and request.htmx.target == "thread-list":
        return render(request, "interactions/inbox.html#thread_list", context)
    return render(request, "interactions/inbox.html", context)
