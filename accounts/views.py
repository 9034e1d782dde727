from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.decorators import nav_section, require_perm
from accounts.forms import TeamForm, UserCreateForm, UserEditForm
from accounts.models import ApiToken, AuditAction, Team, User
from accounts.permissions import ROLE_PERMISSIONS, Perm, Role
from accounts.privacy import organization_settings, privacy_set_masking
from accounts.tokens import api_token_create, api_token_revoke


def _apply_errors(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@nav_section("settings")
def settings_home(request):
    return render(request, "accounts/settings_home.html", {"role_matrix": _role_matrix()})


def _role_matrix() -> list[dict]:
    roles = list(Role)
    return [
        {
            "perm": perm,
            "label": perm.value.replace("_", " ").capitalize(),
            "cells": [perm in ROLE_PERMISSIONS[r] for r in roles],
        }
        for perm in Perm
    ]


@require_perm(Perm.MANAGE_USERS)
@nav_section("settings")
def user_list(request):
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                role=form.cleaned_data["role"],
                teams=list(form.cleaned_data["teams"]),
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                f"{user.email} was added. They set a password with “Forgot your password?”.",
            )
            return redirect("settings_users")
    return render(
        request,
        "accounts/user_list.html",
        {"users": selectors.users_with_teams(), "form": form, "roles": Role},
    )


@require_perm(Perm.MANAGE_USERS)
@nav_section("settings")
def user_edit(request, user_id: int):
    subject = get_object_or_404(User, pk=user_id)
    initial = {"role": subject.role, "teams": subject.teams.all(), "is_active": subject.is_active}
    form = UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                data = form.cleaned_data
                services.user_set_role(
                    user=subject, role=data["role"], actor=request.user, request=request
                )
                services.user_set_teams(
                    user=subject, teams=list(data["teams"]), actor=request.user, request=request
                )
                services.user_set_active(
                    user=subject, active=data["is_active"], actor=request.user, request=request
                )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"Saved {subject.display_name}.")
            return redirect("settings_users")
    return render(request, "accounts/user_edit.html", {"subject": subject, "form": form})


@require_perm(Perm.MANAGE_USERS)
@nav_section("settings")
def team_list(request):
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                actor=request.user,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"Team {team.name} created.")
            return redirect("settings_teams")
    teams = Team.objects.prefetch_related("members").order_by("name")
    return render(request, "accounts/team_list.html", {"teams": teams, "form": form})


@require_perm(Perm.VIEW_AUDIT_LOG)
@nav_section("settings")
def audit_log(request):
    action = request.GET.get("action", "")
    if action not in AuditAction.values:
        action = ""
    page = Paginator(selectors.audit_events(action=action), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/audit_log.html",
        {"page": page, "action": action, "actions": AuditAction.choices},
    )


@login_required
@require_POST
def availability_toggle(request):
    user = services.user_set_availability(
        user=request.user, available=not request.user.is_available
    )
    messages.success(
        request,
        "You are available for new conversations."
        if user.is_available
        else "You are away: no new conversations will be assigned to you.",
    )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "inbox"
    return redirect(target)


@login_required
@nav_section("settings")
def api_tokens(request):
    """Personal API tokens: create (the secret is shown once), list, revoke."""
    new_token = ""
    if request.method == "POST":
        if "revoke" in request.POST:
            token = get_object_or_404(ApiToken, pk=request.POST["revoke"], user=request.user)
            api_token_revoke(token=token, actor=request.user, request=request)
            messages.success(request, f"Revoked {token.name}.")
            return redirect("settings_api_tokens")
        name = request.POST.get("name", "").strip()[:100] or "API token"
        _token, new_token = api_token_create(user=request.user, name=name, request=request)
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "accounts/api_tokens.html", {"tokens": tokens, "new_token": new_token})


@require_perm(Perm.MANAGE_PRIVACY)
@nav_section("settings")
def privacy_settings(request):
    """Admins mask contacts' email addresses and phone numbers from agents (audited)."""
    if request.method == "POST":
        enabled = request.POST.get("mask_contact_details_for_agents") == "on"
        privacy_set_masking(enabled=enabled, actor=request.user, request=request)
        messages.success(
            request,
            "Agents now see contact details masked."
            if enabled
            else "Agents now see contacts' full email addresses and phone numbers.",
        )
        return redirect("settings_privacy")
    return render(
        request,
        "accounts/privacy.html",
        {
            "org": organization_settings(),
            "roles_unmasked": [
                r.label for r in Role if Perm.SEE_CONTACT_DETAILS in ROLE_PERMISSIONS[r]
            ],
            "roles_masked": [
                r.label for r in Role if Perm.SEE_CONTACT_DETAILS not in ROLE_PERMISSIONS[r]
            ],
            "changes": selectors.audit_events(action=AuditAction.PRIVACY_CHANGED)[:5],
        },
    )
