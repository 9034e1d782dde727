"""The Django admin: users are managed there too, and the audit log cannot be rewritten."""

import pytest
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent, User
from accounts.permissions import Role
from accounts.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(admin_user):
    return audit_record(action=AuditAction.EXPORT, actor=admin_user, rows=10)


def test_the_user_list_opens_and_searches(admin_client, agent_a):
    response = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": "agent.a"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [agent_a]


def test_an_admin_creates_a_user_with_a_role_and_a_lowercase_email(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "New.Agent@Example.com",
            "full_name": "New Agent",
            "role": Role.AGENT,
            "usable_password": "true",
            "password1": "a-sturdy-password-77",
            "password2": "a-sturdy-password-77",
            "team_memberships-TOTAL_FORMS": "0",
            "team_memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="new.agent@example.com")
    assert user.role == Role.AGENT
    assert user.check_password("a-sturdy-password-77")


def test_the_audit_log_can_be_read(admin_client, event):
    listing = admin_client.get(reverse("admin:accounts_auditevent_changelist"))
    detail = admin_client.get(reverse("admin:accounts_auditevent_change", args=[event.pk]))

    assert listing.status_code == 200
    assert event in listing.context["cl"].result_list
    assert detail.status_code == 200


def test_the_audit_log_cannot_be_added_to_by_hand(admin_client):
    response = admin_client.get(reverse("admin:accounts_auditevent_add"))

    assert response.status_code == 403


def test_an_audit_event_cannot_be_edited(admin_client, event):
    response = admin_client.post(
        reverse("admin:accounts_auditevent_change", args=[event.pk]),
        {"action": AuditAction.LOGIN, "actor_label": "someone-else@example.com"},
    )

    assert response.status_code == 403
    event.refresh_from_db()
    assert event.action == AuditAction.EXPORT
    assert event.actor_label == "admin@example.com"


def test_an_audit_event_cannot_be_deleted(admin_client, event):
    response = admin_client.post(
        reverse("admin:accounts_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_audit_log_cannot_be_bulk_deleted(admin_client, event):
    admin_client.post(
        reverse("admin:accounts_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_non_staff_users_cannot_open_the_admin(agent_a_client):
    response = agent_a_client.get(reverse("admin:accounts_user_changelist"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
