from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.decorators import nav_section, require_perm
from accounts.permissions import Perm
from interactions import live
from interactions.forms import SNOOZE_CHOICES, ThreadActionForm, snooze_until
from interactions.models import Priority, ThreadStatus
from interactions.selectors import (
    access_thread,
    contact_other_threads,
    thread_action_choices,
    thread_timeline,
)
from interactions.services import threads as thread_services
from interactions.services.messages import message_create_note
from interactions.services.threads import thread_mark_read


@login_required
@nav_section("inbox")
def thread_detail(request, thread_id: int):
    thread = access_thread(request.user, thread_id)
    thread_mark_read(thread=thread)
    live.presence_mark(thread_id=thread.pk, user_id=request.user.pk, name=request.user.display_name)
    return render(
        request,
        "interactions/thread_detail.html",
        {
            "thread": thread,
            "timeline": thread_timeline(thread),
            "choices": thread_action_choices(thread),
            "other_threads": contact_other_threads(user=request.user, thread=thread),
            "identities": list(thread.contact.identities.all()),
            "live_version": live.thread_version(thread.pk),
            "others": live.presence_others(thread_id=thread.pk, user_id=request.user.pk),
            "statuses": ThreadStatus.choices,
            "priorities": Priority.choices,
            "snooze_choices": SNOOZE_CHOICES,
        },
    )


@require_perm(Perm.ASSIGN)
@require_POST
def thread_action(request, thread_id: int):
    """Assign, change team/status/priority/tags, snooze or add a note; then back to the thread."""
    thread = access_thread(request.user, thread_id)
    form = ThreadActionForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        messages.error(request, f"Nothing changed ({errors}).")
        return redirect("thread_detail", thread.pk)
    data, actor, action = form.cleaned_data, request.user, form.cleaned_data["action"]
    try:
        if action == "assign":
            thread_services.thread_assign(thread=thread, assignee=data["assignee"], actor=actor)
        elif action == "team":
            thread_services.thread_set_team(thread=thread, team=data["team"], actor=actor)
        elif action == "status":
            thread_services.thread_set_status(thread=thread, status=data["status"], actor=actor)
        elif action == "snooze":
            until = snooze_until(data["snooze"], timezone.now())
            thread_services.thread_set_status(
                thread=thread, status=ThreadStatus.SNOOZED, snoozed_until=until, actor=actor
            )
        elif action == "priority":
            thread_services.thread_set_priority(
                thread=thread, priority=data["priority"], actor=actor
            )
        elif action == "add_tag":
            thread_services.thread_set_tags(thread=thread, add=[data["tag"]], actor=actor)
        elif action == "remove_tag":
            thread_services.thread_set_tags(thread=thread, remove=[data["tag"]], actor=actor)
        elif action == "note":
            message_create_note(thread=thread, author=actor, text=data["text"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    if action == "status" and data["status"] == ThreadStatus.RESOLVED:
        messages.success(request, "Resolved.")
        return redirect("inbox")
    return redirect("thread_detail", thread.pk)
