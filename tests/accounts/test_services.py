"""Writes on users and teams: who may make them, what they refuse, and what they audit."""

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from accounts.models import AuditAction, AuditEvent, Team, User
from accounts.permissions import Role
from accounts.services import (
    audit_record,
    team_create,
    user_create,
    user_set_active,
    user_set_availability,
    user_set_role,
    user_set_teams,
)
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _events(action):
    return list(AuditEvent.objects.filter(action=action))


# --- audit_record --------------------------------------------------------------------------


def test_audit_record_keeps_actor_target_and_ip(admin_user, agent_a):
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")

    event = audit_record(
        action=AuditAction.EXPORT, actor=admin_user, target=agent_a, request=request, rows=3
    )

    event.refresh_from_db()
    assert event.actor == admin_user
    assert event.actor_label == "admin@example.com"
    assert event.target_type == "accounts.user"
    assert event.target_id == str(agent_a.pk)
    assert event.ip_address == "203.0.113.9"
    assert event.data == {"rows": 3}


def test_audit_record_keeps_the_actor_label_after_the_actor_is_deleted(agent_a):
    event = audit_record(action=AuditAction.EXPORT, actor=agent_a)

    agent_a.delete()

    event.refresh_from_db()
    assert event.actor is None
    assert event.actor_label == "agent.a@example.com"


# --- user_create ---------------------------------------------------------------------------


def test_user_create_makes_a_user_with_role_teams_and_a_usable_password(admin_user, team_a):
    user = user_create(
        email="New.Person@Example.com",
        full_name="New Person",
        role=Role.MARKETER,
        password="a-long-enough-password",
        teams=[team_a],
        actor=admin_user,
    )

    user.refresh_from_db()
    assert user.email == "new.person@example.com"
    assert user.role == Role.MARKETER
    assert list(user.teams.all()) == [team_a]
    assert user.check_password("a-long-enough-password")


def test_user_create_is_audited(admin_user):
    request = RequestFactory().post("/", REMOTE_ADDR="198.51.100.7")

    user = user_create(email="new@example.com", role=Role.AGENT, actor=admin_user, request=request)

    [event] = _events(AuditAction.USER_CREATED)
    assert event.actor == admin_user
    assert event.target_id == str(user.pk)
    assert event.ip_address == "198.51.100.7"
    assert event.data == {"role": Role.AGENT}


def test_user_create_without_an_actor_is_audited_as_the_system(db):
    user_create(email="first@example.com", role=Role.ADMIN)

    [event] = _events(AuditAction.USER_CREATED)
    assert event.actor is None
    assert event.actor_label == ""


def test_user_create_refuses_a_duplicate_email_whatever_its_case(admin_user):
    UserFactory(email="taken@example.com")

    with pytest.raises(ValidationError) as excinfo:
        user_create(email="TAKEN@Example.COM", actor=admin_user)

    assert "email" in excinfo.value.error_dict
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1
    assert _events(AuditAction.USER_CREATED) == []


def test_user_create_refuses_an_unknown_role(admin_user):
    with pytest.raises(ValidationError) as excinfo:
        user_create(email="new@example.com", role="overlord", actor=admin_user)

    assert "role" in excinfo.value.error_dict
    assert not User.objects.filter(email="new@example.com").exists()


@pytest.mark.parametrize("persona", ["manager", "marketer", "agent_a"])
def test_user_create_refuses_an_actor_who_cannot_manage_users(persona, request):
    actor = request.getfixturevalue(persona)

    with pytest.raises(PermissionError):
        user_create(email="new@example.com", actor=actor)

    assert not User.objects.filter(email="new@example.com").exists()


# --- user_set_role -------------------------------------------------------------------------


def test_user_set_role_changes_the_role_and_audits_old_and_new(admin_user, agent_a):
    user_set_role(user=agent_a, role=Role.MANAGER, actor=admin_user)

    agent_a.refresh_from_db()
    assert agent_a.role == Role.MANAGER
    [event] = _events(AuditAction.ROLE_CHANGED)
    assert event.actor == admin_user
    assert event.target_id == str(agent_a.pk)
    assert event.data == {"old": Role.AGENT, "new": Role.MANAGER}


def test_user_set_role_to_the_same_role_changes_nothing_and_audits_nothing(admin_user, agent_a):
    user_set_role(user=agent_a, role=Role.AGENT, actor=admin_user)

    assert _events(AuditAction.ROLE_CHANGED) == []


@pytest.mark.parametrize("persona", ["manager", "marketer", "agent_b"])
def test_user_set_role_refuses_an_actor_who_is_not_an_admin(persona, agent_a, request):
    actor = request.getfixturevalue(persona)

    with pytest.raises(PermissionError):
        user_set_role(user=agent_a, role=Role.ADMIN, actor=actor)

    agent_a.refresh_from_db()
    assert agent_a.role == Role.AGENT
    assert _events(AuditAction.ROLE_CHANGED) == []


def test_an_agent_cannot_promote_themself(agent_a):
    with pytest.raises(PermissionError):
        user_set_role(user=agent_a, role=Role.ADMIN, actor=agent_a)

    agent_a.refresh_from_db()
    assert agent_a.role == Role.AGENT


def test_an_admin_cannot_demote_themself(admin_user):
    with pytest.raises(ValidationError) as excinfo:
        user_set_role(user=admin_user, role=Role.MANAGER, actor=admin_user)

    assert "role" in excinfo.value.error_dict
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN


def test_an_admin_can_demote_another_admin(admin_user):
    other = UserFactory(role=Role.ADMIN)

    user_set_role(user=other, role=Role.AGENT, actor=admin_user)

    other.refresh_from_db()
    assert other.role == Role.AGENT


def test_an_inactive_admin_cannot_change_roles(agent_a):
    former_admin = UserFactory(role=Role.ADMIN, is_active=False)

    with pytest.raises(PermissionError):
        user_set_role(user=agent_a, role=Role.ADMIN, actor=former_admin)


def test_user_set_role_refuses_an_unknown_role(admin_user, agent_a):
    with pytest.raises(ValidationError):
        user_set_role(user=agent_a, role="overlord", actor=admin_user)


# --- user_set_active -----------------------------------------------------------------------


def test_deactivating_a_user_is_audited_and_stops_their_permissions(admin_user, manager):
    user_set_active(user=manager, active=False, actor=admin_user)

    manager.refresh_from_db()
    assert manager.is_active is False
    assert not manager.can("view_dashboards")
    [event] = _events(AuditAction.USER_DEACTIVATED)
    assert event.target_id == str(manager.pk)
    assert event.actor == admin_user


def test_reactivating_a_user_is_audited(admin_user):
    user = UserFactory(is_active=False)

    user_set_active(user=user, active=True, actor=admin_user)

    user.refresh_from_db()
    assert user.is_active is True
    assert len(_events(AuditAction.USER_REACTIVATED)) == 1


def test_setting_the_same_active_state_audits_nothing(admin_user, agent_a):
    user_set_active(user=agent_a, active=True, actor=admin_user)

    assert _events(AuditAction.USER_REACTIVATED) == []


def test_an_admin_cannot_deactivate_themself(admin_user):
    with pytest.raises(ValidationError):
        user_set_active(user=admin_user, active=False, actor=admin_user)

    admin_user.refresh_from_db()
    assert admin_user.is_active is True


def test_user_set_active_refuses_a_non_admin(manager, agent_a):
    with pytest.raises(PermissionError):
        user_set_active(user=agent_a, active=False, actor=manager)

    agent_a.refresh_from_db()
    assert agent_a.is_active is True


# --- user_set_teams ------------------------------------------------------------------------


def test_user_set_teams_replaces_memberships_and_audits_old_and_new(admin_user, agent_a, team_b):
    team_c = TeamFactory(name="Team C")

    user_set_teams(user=agent_a, teams=[team_b, team_c], actor=admin_user)

    assert set(agent_a.teams.all()) == {team_b, team_c}
    [event] = _events(AuditAction.TEAM_CHANGED)
    assert event.target_id == str(agent_a.pk)
    assert event.data == {"old": ["Team A"], "new": ["Team B", "Team C"]}


def test_user_set_teams_keeps_an_existing_membership(admin_user, agent_a, team_a, team_b):
    membership = agent_a.team_memberships.get(team=team_a)

    user_set_teams(user=agent_a, teams=[team_a, team_b], actor=admin_user)

    assert agent_a.team_memberships.get(team=team_a).pk == membership.pk
    assert set(agent_a.teams.all()) == {team_a, team_b}


def test_user_set_teams_to_no_team_removes_every_membership(admin_user, agent_a):
    user_set_teams(user=agent_a, teams=[], actor=admin_user)

    assert not agent_a.teams.exists()
    assert len(_events(AuditAction.TEAM_CHANGED)) == 1


def test_user_set_teams_with_the_same_teams_audits_nothing(admin_user, agent_a, team_a):
    user_set_teams(user=agent_a, teams=[team_a], actor=admin_user)

    assert _events(AuditAction.TEAM_CHANGED) == []


def test_user_set_teams_refuses_a_non_admin(marketer, agent_a, team_b):
    with pytest.raises(PermissionError):
        user_set_teams(user=agent_a, teams=[team_b], actor=marketer)

    assert [t.name for t in agent_a.teams.all()] == ["Team A"]


# --- user_set_availability -----------------------------------------------------------------


def test_an_agent_can_mark_themself_unavailable(agent_a):
    user_set_availability(user=agent_a, available=False)

    agent_a.refresh_from_db()
    assert agent_a.is_available is False


# --- team_create ---------------------------------------------------------------------------


def test_team_create_makes_a_team(admin_user):
    team = team_create(name="Billing", description="Invoices and refunds", actor=admin_user)

    assert Team.objects.get(pk=team.pk).description == "Invoices and refunds"


def test_team_create_refuses_a_duplicate_name_whatever_its_case(admin_user, team_a):
    with pytest.raises(ValidationError) as excinfo:
        team_create(name="team a", actor=admin_user)

    assert "name" in excinfo.value.error_dict
    assert Team.objects.filter(name__iexact="team a").count() == 1


def test_team_create_refuses_a_non_admin(manager):
    with pytest.raises(PermissionError):
        team_create(name="Billing", actor=manager)

    assert not Team.objects.filter(name="Billing").exists()
