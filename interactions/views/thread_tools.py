"""The thread sidebar's tools: merge into another thread, split a message out, apply a macro.

Every id from the request goes through `access_thread` (404 for threads the user cannot see)
or, for macros, the set of macros applicable to this user and thread.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import nav_section, require_perm
from accounts.permissions import Perm, user_can
from interactions.models import Direction, Macro, ThreadStatus
from interactions.selectors import access_thread, thread_messages
from interactions.services.macros import macro_apply
from interactions.services.merge import merge_refusal, thread_merge, thread_split


def _thread_number(raw: str) -> int | None:
    value = (raw or "").strip().lstrip("#").strip()
    return int(value) if value.isdecimal() and len(value) < 12 else None


@require_perm(Perm.ASSIGN)
@nav_section("inbox")
def thread_merge_view(request, thread_id: int):
    """Pick the thread to merge into (?into=), confirm, merge on POST; then go to the target."""
    source = access_thread(request.user, thread_id)
    raw = (request.POST.get("into") or request.GET.get("into") or "").strip()[:20]
    target, error = None, ""
    if raw:
        number = _thread_number(raw)
        if number is None:
            error = "Enter a conversation number, like #1234."
        else:
            target = access_thread(request.user, number)  # 404 for a thread they cannot see
            try:
                merge_refusal(source=source, target=target)
            except ValidationError as exc:
                error, target = " ".join(exc.messages), None
    if request.method == "POST" and target is not None and request.POST.get("confirm"):
        try:
            thread_merge(source=source, target=target, actor=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, f"#{source.pk} was merged into this conversation.")
            return redirect("thread_detail", target.pk)
    return render(
        request,
        "interactions/thread_merge.html",
        {
            "thread": source,
            "target": target,
            "query": raw,
            "error": error,
            "moving": source.messages.count() if target is not None else 0,
        },
        status=400 if error and request.method == "POST" else 200,
    )


@require_perm(Perm.ASSIGN)
@nav_section("inbox")
def thread_split_view(request, thread_id: int):
    """The thread's messages with a radio per customer message; POST splits the chosen one."""
    thread = access_thread(request.user, thread_id)
    error = ""
    if request.method == "POST":
        number = _thread_number(request.POST.get("message", ""))
        message = thread.messages.filter(pk=number).first() if number else None
        if message is None:
            error = "Pick one of the customer's messages."
        else:
            try:
                new = thread_split(message=message, actor=request.user)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(request, f"Split from #{thread.pk} into this new conversation.")
                return redirect("thread_detail", new.pk)
    rows = list(thread_messages(thread))
    return render(
        request,
        "interactions/thread_split.html",
        {
            "thread": thread,
            "rows": rows,
            "splittable": sum(1 for m in rows if m.direction == Direction.INBOUND),
            "error": error,
        },
        status=400 if error else 200,
    )


@require_perm(Perm.ASSIGN)
@require_POST
def thread_macro_apply(request, thread_id: int, macro_id: int):
    """Apply one macro (reply + actions) to the thread; back to it, or to the inbox if resolved."""
    thread = access_thread(request.user, thread_id)
    macro = (
        Macro.objects.applicable(user=request.user, thread=thread)
        .select_related("saved_reply")
        .filter(pk=macro_id)
        .first()
    )
    if macro is None:
        raise Http404("No such macro.")
    if macro.reply_text.strip() and not user_can(request.user, Perm.REPLY):
        messages.error(request, "Your role may not reply to customers, so this macro cannot run.")
        return redirect("thread_detail", thread.pk)
    try:
        result = macro_apply(
            macro=macro,
            thread=thread,
            actor=request.user,
            idempotency_key=request.POST.get("idempotency_key", ""),
        )
    except ValidationError as exc:
        messages.error(request, f"“{macro.name}” was not applied: {' '.join(exc.messages)}")
        return redirect("thread_detail", thread.pk)
    if result.already_applied:
        messages.info(request, f"“{macro.name}” was already applied.")
        return redirect("thread_detail", thread.pk)
    messages.success(request, f"“{macro.name}”: {', '.join(result.done)}.")
    thread.refresh_from_db(fields=["status"])
    if thread.status == ThreadStatus.RESOLVED:
        return redirect("inbox")
    return redirect("thread_detail", thread.pk)
