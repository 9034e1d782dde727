"""Settings that marketing maintains: saved replies and the brand voice."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import nav_section, require_perm
from accounts.permissions import Perm
from interactions.models import BrandVoice, SavedReply


class SavedReplyForm(forms.ModelForm):
    class Meta:
        model = SavedReply
        fields = ["title", "shortcut", "body", "team"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "body": "Placeholders: {{ contact.first_name }}, {{ contact.name }}, "
            "{{ agent.first_name }}, {{ agent.name }}, {{ thread.id }}.",
        }


class BrandVoiceForm(forms.ModelForm):
    class Meta:
        model = BrandVoice
        fields = ["banned_phrases", "required_phrases", "warn_negative_tone"]
        widgets = {
            "banned_phrases": forms.Textarea(attrs={"rows": 5}),
            "required_phrases": forms.Textarea(attrs={"rows": 3}),
        }


@require_perm(Perm.MANAGE_SAVED_REPLIES)
@nav_section("settings")
def saved_replies(request, reply_id: int | None = None):
    reply = get_object_or_404(SavedReply, pk=reply_id) if reply_id else None
    form = SavedReplyForm(request.POST or None, instance=reply)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        if saved.created_by_id is None:
            saved.created_by = request.user
        saved.save()
        messages.success(request, f"Saved “{saved.title}”.")
        return redirect("settings_saved_replies")
    return render(
        request,
        "interactions/saved_replies.html",
        {
            "replies": SavedReply.objects.select_related("team").order_by("title"),
            "form": form,
            "editing": reply,
        },
    )


@require_perm(Perm.MANAGE_SAVED_REPLIES)
@require_POST
def saved_reply_delete(request, reply_id: int):
    reply = get_object_or_404(SavedReply, pk=reply_id)
    reply.delete()
    messages.success(request, f"Deleted “{reply.title}”.")
    return redirect("settings_saved_replies")


@require_perm(Perm.MANAGE_SAVED_REPLIES)
@nav_section("settings")
def brand_voice(request):
    voice = BrandVoice.current()
    form = BrandVoiceForm(request.POST or None, instance=voice)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.updated_by = request.user
        saved.save()
        messages.success(request, "Brand voice saved: replies are checked against it from now on.")
        return redirect("settings_brand_voice")
    return render(request, "interactions/brand_voice.html", {"form": form, "voice": voice})
