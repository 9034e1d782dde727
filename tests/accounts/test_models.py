"""Users sign in by email: one account per address, whatever its case."""

import pytest
from django.db import IntegrityError, transaction

from accounts.models import AuditAction, AuditEvent, User
from accounts.permissions import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_create_user_stores_the_email_lowercased():
    user = User.objects.create_user(email="Mixed.Case@Example.COM", password="x-long-password")

    assert user.email == "mixed.case@example.com"
    assert user.role == Role.AGENT
    assert not user.is_staff


def test_create_user_needs_an_email():
    with pytest.raises(ValueError, match="email"):
        User.objects.create_user(email="", password="x-long-password")


def test_create_superuser_makes_an_admin():
    user = User.objects.create_superuser(email="root@example.com", password="x-long-password")

    assert user.role == Role.ADMIN
    assert user.is_staff
    assert user.is_superuser


def test_the_database_refuses_two_accounts_for_one_address_in_different_cases():
    UserFactory(email="ann@example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="ANN@example.com")


def test_the_database_refuses_an_unknown_role():
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(role="overlord")


def test_a_user_without_a_name_is_shown_by_the_start_of_their_email():
    user = UserFactory.build(email="jane.doe@example.com", full_name="")

    assert user.display_name == "jane.doe"
    assert str(user) == "jane.doe@example.com"
    assert user.initials == "JD"


def test_a_named_user_is_shown_by_name():
    user = UserFactory.build(full_name="Grace Hopper")

    assert str(user) == "Grace Hopper"
    assert user.first_name == "Grace"
    assert user.initials == "GH"


def test_audit_events_read_newest_first(agent_a):
    AuditEvent.objects.create(action=AuditAction.LOGIN, actor=agent_a)
    newest = AuditEvent.objects.create(action=AuditAction.LOGOUT, actor=agent_a)

    assert AuditEvent.objects.first() == newest
