"""Settings pages: users, teams, audit log, availability; each write audited, each role checked."""

import pytest
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent, User
from accounts.permissions import Role

pytestmark = pytest.mark.django_db


def test_an_admin_adds_a_user_with_a_role_and_teams(admin_client, team_a):
    response = admin_client.post(
        reverse("settings_users"),
        {
            "email": "New.Person@Example.com",
            "full_name": "New Person",
            "role": "marketer",
            "teams": [team_a.pk],
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.com")
    assert user.role == Role.MARKETER
    assert list(user.teams.all()) == [team_a]
    assert AuditEvent.objects.filter(
        action=AuditAction.USER_CREATED, target_id=str(user.pk)
    ).exists()


def test_adding_an_existing_email_shows_a_field_error(admin_client, agent_a):
    response = admin_client.post(
        reverse("settings_users"), {"email": agent_a.email.upper(), "role": "agent"}
    )

    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_an_invalid_role_is_a_form_error_not_a_500(admin_client):
    response = admin_client.post(
        reverse("settings_users"), {"email": "x@example.com", "role": "god"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_an_admin_changes_a_role_and_the_change_is_audited(admin_client, agent_a, team_a):
    response = admin_client.post(
        reverse("settings_user_edit", args=[agent_a.pk]),
        {"role": "manager", "teams": [team_a.pk], "is_active": "on"},
    )

    assert response.status_code == 302
    agent_a.refresh_from_db()
    assert agent_a.role == Role.MANAGER
    event = AuditEvent.objects.get(action=AuditAction.ROLE_CHANGED)
    assert event.data == {"old": "agent", "new": "manager"}
    assert event.actor_label == "admin@example.com"


def test_an_admin_cannot_demote_themself(admin_client, admin_user):
    response = admin_client.post(
        reverse("settings_user_edit", args=[admin_user.pk]), {"role": "agent", "is_active": "on"}
    )

    assert response.status_code == 200
    assert "cannot remove your own admin role" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN


def test_deactivating_a_user_stops_their_sign_in(admin_client, agent_a, client):
    admin_client.post(reverse("settings_user_edit", args=[agent_a.pk]), {"role": "agent"})

    agent_a.refresh_from_db()
    assert agent_a.is_active is False
    assert AuditEvent.objects.filter(action=AuditAction.USER_DEACTIVATED).exists()
    client.force_login(agent_a)
    assert client.get(reverse("inbox")).status_code == 302


def test_an_admin_creates_a_team(admin_client):
    admin_client.post(reverse("settings_teams"), {"name": "Returns", "description": "RMA desk"})
    page = admin_client.get(reverse("settings_teams")).content.decode()
    assert "Returns" in page and "RMA desk" in page


def test_the_audit_log_lists_and_filters_events(manager_client, agent_a, client):
    client.post(reverse("account_login"), {"login": agent_a.email, "password": "wrong"})

    everything = manager_client.get(reverse("settings_audit")).content.decode()
    only_logins = manager_client.get(
        reverse("settings_audit"), {"action": "login"}
    ).content.decode()

    assert "Failed sign-in" in everything
    assert "Failed sign-in</span>" not in only_logins


def test_an_agent_toggles_their_own_availability(agent_a_client, agent_a):
    agent_a_client.post(reverse("availability_toggle"), {"next": "/settings/"})
    agent_a.refresh_from_db()
    assert agent_a.is_available is False


def test_the_availability_toggle_never_redirects_off_site(agent_a_client):
    response = agent_a_client.post(
        reverse("availability_toggle"), {"next": "https://evil.example/phish"}
    )
    assert response["Location"] == reverse("inbox")
