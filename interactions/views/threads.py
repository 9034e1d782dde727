from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.decorators import nav_section
from interactions.selectors import access_thread, contact_other_threads, thread_messages
from interactions.services.threads import thread_mark_read


@login_required
@nav_section("inbox")
def thread_detail(request, thread_id: int):
    thread = access_thread(request.user, thread_id)
    thread_mark_read(thread=thread)
    return render(
        request,
        "interactions/thread_detail.html",
        {
            "thread": thread,
            "messages_list": thread_messages(thread),
            "other_threads": contact_other_threads(user=request.user, thread=thread),
            "identities": list(thread.contact.identities.all()),
        },
    )
