from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.decorators import nav_section
from interactions.selectors import PAGE_SIZE, access_contact, contacts_page, visible_threads


def _offset(request) -> int:
    try:
        return max(0, int(request.GET.get("offset", 0)))
    except ValueError:
        return 0


@login_required
@nav_section("contacts")
def contact_list(request):
    query = request.GET.get("q", "").strip()[:100]
    offset = _offset(request)
    rows = contacts_page(query=query, offset=offset)
    return render(
        request,
        "interactions/contact_list.html",
        {
            "contacts": rows[:PAGE_SIZE],
            "query": query,
            "offset": offset,
            "next_offset": offset + PAGE_SIZE if len(rows) > PAGE_SIZE else None,
            "prev_offset": max(0, offset - PAGE_SIZE) if offset else None,
        },
    )


@login_required
@nav_section("contacts")
def contact_detail(request, contact_id: int):
    contact = access_contact(contact_id)
    threads = list(
        visible_threads(request.user)
        .filter(contact=contact)
        .select_related("channel", "assignee")
        .order_by("-last_activity_at", "-id")[:100]
    )
    return render(
        request,
        "interactions/contact_detail.html",
        {"contact": contact, "threads": threads, "identities": list(contact.identities.all())},
    )
