"""Settings → Macros: list, create, edit and delete (Perm.MANAGE_SAVED_REPLIES)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import nav_section, require_perm
from accounts.models import Team, User
from accounts.permissions import Perm
from interactions.macro_forms import MacroForm, action_rows
from interactions.models import Macro
from interactions.models.macros import describe_actions


@require_perm(Perm.MANAGE_SAVED_REPLIES)
@nav_section("settings")
def macro_list(request):
    macros = list(Macro.objects.select_related("team", "saved_reply"))
    users = {u.pk: u.display_name for u in User.objects.only("full_name", "email")}
    teams = dict(Team.objects.values_list("pk", "name"))
    for macro in macros:
        macro.summary = describe_actions(macro.actions, users=users, teams=teams)
    return render(request, "interactions/macros.html", {"macros": macros})


def _edit(request, macro: Macro | None):
    instance = macro or Macro(created_by=request.user)
    if request.method == "POST":
        rows = action_rows(macro, data=request.POST)
        form = MacroForm(request.POST, instance=instance, rows=rows)
        if form.is_valid():
            saved = form.save()
            messages.success(request, f"Macro “{saved.name}” saved.")
            return redirect("settings_macros")
    else:
        rows = action_rows(macro)
        form = MacroForm(instance=instance, rows=rows)
    return render(
        request, "interactions/macros_form.html", {"form": form, "rows": rows, "macro": macro}
    )


@require_perm(Perm.MANAGE_SAVED_REPLIES)
@nav_section("settings")
def macro_create(request):
    return _edit(request, None)


@require_perm(Perm.MANAGE_SAVED_REPLIES)
@nav_section("settings")
def macro_edit(request, macro_id: int):
    return _edit(request, get_object_or_404(Macro, pk=macro_id))


@require_perm(Perm.MANAGE_SAVED_REPLIES)
@require_POST
def macro_delete(request, macro_id: int):
    macro = get_object_or_404(Macro, pk=macro_id)
    macro.delete()  # threads keep their MACRO events: they store the macro's name
    messages.success(request, f"Macro “{macro.name}” deleted.")
    return redirect("settings_macros")
