"""Who may do what: the role-by-permission matrix, and the facts the product depends on."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.permissions import ROLE_PERMISSIONS, Perm, Role, role_can, user_can
from tests.factories import UserFactory

MATRIX = [(role, perm) for role in Role.values for perm in Perm]


def _user(role: str, **kwargs):
    return UserFactory.build(role=role, **kwargs)


def test_every_role_has_an_entry_in_the_permission_map():
    assert set(ROLE_PERMISSIONS) == set(Role.values)


@pytest.mark.parametrize(("role", "perm"), MATRIX)
def test_user_can_follows_the_permission_map(role, perm):
    user = _user(role)

    expected = perm in ROLE_PERMISSIONS[role]
    assert user_can(user, perm) is expected
    assert user.can(perm) is expected
    assert user.can(perm.value) is expected  # templates and views may pass the plain string


@pytest.mark.parametrize(("role", "perm"), MATRIX)
def test_an_inactive_user_can_do_nothing(role, perm):
    user = _user(role, is_active=False)

    assert user_can(user, perm) is False
    assert user.can(perm) is False


@pytest.mark.parametrize("perm", list(Perm))
def test_an_anonymous_visitor_can_do_nothing(perm):
    assert user_can(AnonymousUser(), perm) is False


@pytest.mark.parametrize("perm", list(Perm))
def test_an_unknown_role_grants_nothing(perm):
    assert role_can("superhero", perm) is False


@pytest.mark.parametrize("perm", list(Perm))
def test_an_admin_can_do_everything(perm):
    assert _user(Role.ADMIN).can(perm)


def test_only_admins_manage_users():
    allowed = {role for role in Role.values if _user(role).can(Perm.MANAGE_USERS)}

    assert allowed == {Role.ADMIN}


def test_only_admins_configure_channels():
    allowed = {role for role in Role.values if _user(role).can(Perm.CONFIGURE_CHANNELS)}

    assert allowed == {Role.ADMIN}


def test_only_admins_see_system_health():
    allowed = {role for role in Role.values if _user(role).can(Perm.VIEW_SYSTEM_HEALTH)}

    assert allowed == {Role.ADMIN}


def test_an_agent_replies_and_assigns_but_nothing_more():
    agent = _user(Role.AGENT)

    assert agent.can(Perm.REPLY)
    assert agent.can(Perm.ASSIGN)
    assert not agent.can(Perm.MANAGE_USERS)
    assert not agent.can(Perm.VIEW_DASHBOARDS)
    assert not agent.can(Perm.TRIAGE_ALL_TEAMS)
    assert not agent.can(Perm.EXPORT_DATA)


def test_marketers_triage_every_teams_threads():
    marketer = _user(Role.MARKETER)

    assert marketer.can(Perm.TRIAGE_ALL_TEAMS)
    assert marketer.can(Perm.ASSIGN)
    assert marketer.can(Perm.MANAGE_CAMPAIGNS)
    assert marketer.can(Perm.MANAGE_SAVED_REPLIES)


def test_marketers_cannot_export_or_read_the_audit_log():
    marketer = _user(Role.MARKETER)

    assert not marketer.can(Perm.EXPORT_DATA)
    assert not marketer.can(Perm.VIEW_AUDIT_LOG)


def test_managers_read_dashboards_and_the_audit_log():
    manager = _user(Role.MANAGER)

    assert manager.can(Perm.VIEW_DASHBOARDS)
    assert manager.can(Perm.VIEW_AUDIT_LOG)
    assert manager.can(Perm.MANAGE_SURVEYS)
    assert manager.can(Perm.EXPORT_DATA)
    assert not manager.can(Perm.MANAGE_USERS)
