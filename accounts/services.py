"""Writes on users, teams and the audit log. Views, commands and tasks call these."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from django.core.exceptions import ValidationError
from django.db import models, transaction

from accounts.models import AuditAction, AuditEvent, Team, TeamMembership, User
from accounts.permissions import Perm, Role


def client_ip(request) -> str | None:
    """The client's address, as allauth's throttling sees it (proxy-aware when configured)."""
    if request is None:
        return None
    try:
        return get_account_adapter().get_client_ip(request) or None
    except Exception:  # a malformed X-Forwarded-For must not break an audit row
        return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: AuditAction,
    actor: User | None = None,
    actor_label: str = "",
    target: models.Model | None = None,
    request=None,
    **data: Any,
) -> AuditEvent:
    """Append one row to the audit log; the only way audit rows are written."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_label=actor_label or (actor.email if actor else ""),
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:254] if target is not None else "",
        ip_address=client_ip(request),
        data=data,
    )


def _require(actor: User, perm: Perm) -> None:
    if not actor.can(perm):
        raise PermissionError(f"{actor} may not {perm.value.replace('_', ' ')}.")


@transaction.atomic
def user_create(
    *,
    email: str,
    full_name: str = "",
    role: str = Role.AGENT,
    password: str | None = None,
    teams: list[Team] | tuple[Team, ...] = (),
    actor: User | None = None,
    request=None,
) -> User:
    """Create a user with a role and teams, and audit it."""
    if actor is not None:
        _require(actor, Perm.MANAGE_USERS)
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "A user with this email address already exists."})
    user = User.objects.create_user(email=email, password=password, full_name=full_name, role=role)
    TeamMembership.objects.bulk_create(TeamMembership(team=t, user=user) for t in teams)
    audit_record(
        action=AuditAction.USER_CREATED, actor=actor, target=user, request=request, role=role
    )
    return user


@transaction.atomic
def user_set_role(*, user: User, role: str, actor: User, request=None) -> User:
    """Change a user's role. An admin cannot demote themself (someone must keep the keys)."""
    _require(actor, Perm.MANAGE_USERS)
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    if user.pk == actor.pk and role != Role.ADMIN:
        raise ValidationError({"role": "You cannot remove your own admin role."})
    old = user.role
    if old == role:
        return user
    user.role = role
    user.save(update_fields=["role"])
    audit_record(
        action=AuditAction.ROLE_CHANGED,
        actor=actor,
        target=user,
        request=request,
        old=old,
        new=role,
    )
    return user


@transaction.atomic
def user_set_active(*, user: User, active: bool, actor: User, request=None) -> User:
    _require(actor, Perm.MANAGE_USERS)
    if user.pk == actor.pk and not active:
        raise ValidationError({"is_active": "You cannot deactivate yourself."})
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(
        action=AuditAction.USER_REACTIVATED if active else AuditAction.USER_DEACTIVATED,
        actor=actor,
        target=user,
        request=request,
    )
    return user


@transaction.atomic
def user_set_teams(*, user: User, teams: list[Team], actor: User, request=None) -> User:
    _require(actor, Perm.MANAGE_USERS)
    old = set(user.teams.values_list("name", flat=True))
    new = {t.name for t in teams}
    if old == new:
        return user
    TeamMembership.objects.filter(user=user).exclude(team__in=teams).delete()
    have = set(TeamMembership.objects.filter(user=user).values_list("team_id", flat=True))
    TeamMembership.objects.bulk_create(
        TeamMembership(team=t, user=user) for t in teams if t.pk not in have
    )
    audit_record(
        action=AuditAction.TEAM_CHANGED,
        actor=actor,
        target=user,
        request=request,
        old=sorted(old),
        new=sorted(new),
    )
    return user


def user_set_availability(*, user: User, available: bool) -> User:
    """An agent's own toggle: unavailable agents get no auto-assigned threads."""
    if user.is_available != available:
        user.is_available = available
        user.save(update_fields=["is_available"])
    return user


@transaction.atomic
def team_create(*, name: str, description: str = "", actor: User | None = None) -> Team:
    if actor is not None:
        _require(actor, Perm.MANAGE_USERS)
    if Team.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "A team with this name already exists."})
    return Team.objects.create(name=name, description=description)
