import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.decorators import nav_section, require_perm
from accounts.permissions import Perm
from accounts.privacy import contact_details_masked
from interactions import brand_voice, live
from interactions.compose import brand_rules, composer_for, quoted_history
from interactions.forms import SNOOZE_CHOICES, ReplyForm, ThreadActionForm, snooze_until
from interactions.masking import mask_previews
from interactions.message_body import attach_bodies
from interactions.models import DeliveryStatus, Priority, ThreadStatus
from interactions.selectors import (
    access_thread,
    contact_other_threads,
    thread_action_choices,
    thread_timeline,
)
from interactions.services import threads as thread_services
from interactions.services.drafts import draft_clear, thread_drafts
from interactions.services.messages import message_create_note
from interactions.services.notifications import notifications_mark_read
from interactions.services.outbound import message_create_outbound
from interactions.services.threads import thread_mark_read


@login_required
@nav_section("inbox")
def thread_detail(request, thread_id: int):
    thread = access_thread(request.user, thread_id)
    thread_mark_read(thread=thread)
    notifications_mark_read(user=request.user, thread=thread)
    return _thread_page(request, thread)


def _thread_page(request, thread, *, reply_form=None, brand_issues=(), status=200):
    """The thread page; the reply view re-renders it with the composer's errors and warnings."""
    live.presence_mark(thread_id=thread.pk, user_id=request.user.pk, name=request.user.display_name)
    composer = composer_for(thread=thread, user=request.user)
    if reply_form is None:
        reply_form = ReplyForm(
            initial={"idempotency_key": uuid.uuid4().hex, "subject": composer.default_subject}
        )
    other_threads = contact_other_threads(user=request.user, thread=thread)
    identities = list(thread.contact.identities.all())
    masked = contact_details_masked(request.user)
    if masked:
        mask_previews(other_threads, identities)
    timeline = thread_timeline(thread)
    attach_bodies(timeline, mask=identities if masked else ())
    return render(
        request,
        "interactions/thread_detail.html",
        {
            "thread": thread,
            "timeline": timeline,
            "choices": thread_action_choices(thread),
            "other_threads": other_threads,
            "identities": identities,
            "live_version": live.thread_version(thread.pk),
            "others": live.presence_others(thread_id=thread.pk, user_id=request.user.pk),
            "statuses": ThreadStatus.choices,
            "priorities": Priority.choices,
            "snooze_choices": SNOOZE_CHOICES,
            "composer": composer,
            "reply_form": reply_form,
            "brand_issues": brand_issues,
            "saved_replies_data": {str(r.id): r.text for r in composer.saved_replies},
            "drafts": thread_drafts(thread=thread, user=request.user),
        },
        status=status,
    )


@require_perm(Perm.REPLY)
@require_POST
def thread_reply(request, thread_id: int):
    """Send (or schedule) a reply. Off-brand replies come back with warnings to confirm."""
    thread = access_thread(request.user, thread_id)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _thread_page(request, thread, reply_form=form, status=400)
    data = form.cleaned_data
    text = data["text"]
    if data["include_quote"] and thread.channel.kind == "email":
        quote = quoted_history(thread)
        text = f"{text}\n\n{quote}" if quote else text
    issues = brand_voice.check(data["text"], brand_rules()) if data["text"] else []
    if issues and not data["brand_confirmed"]:
        return _thread_page(request, thread, reply_form=form, brand_issues=issues, status=200)
    try:
        reply = message_create_outbound(
            thread=thread,
            author=request.user,
            text=text,
            idempotency_key=data["idempotency_key"],
            cc=form.addresses("cc"),
            bcc=form.addresses("bcc"),
            subject=data["subject"],
            template=data["template"],
            send_at=data["send_at"],
            send_anyway=data["send_anyway"],
        )
    except ValidationError as exc:
        for field, errors in (
            exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
        ):
            form.add_error(field if field in form.fields else None, errors)
        return _thread_page(request, thread, reply_form=form, status=400)
    draft_clear(thread=thread, author=request.user)
    if reply.delivery_status == DeliveryStatus.SCHEDULED:
        when = timezone.localtime(data["send_at"]).strftime("%a %d %b, %H:%M")
        messages.success(request, f"Reply scheduled for {when}.")
    else:
        messages.success(request, "Reply sent.")
    return redirect("thread_detail", thread.pk)


@require_perm(Perm.REPLY)
@require_POST
def thread_compose_check(request, thread_id: int):
    """The live brand-voice check while the agent types (htmx, debounced)."""
    access_thread(request.user, thread_id)
    text = request.POST.get("text", "")[:20000]
    issues = brand_voice.check(text, brand_rules()) if text.strip() else []
    return render(request, "interactions/partials/_brand_check.html", {"brand_issues": issues})


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
