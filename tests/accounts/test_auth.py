"""Signing in and out through the real allauth pages: audited, throttled, invite-only."""

import re

import pytest
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent, User
from accounts.services import user_set_active
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "not-the-password-at-all"


def _sign_in(client, email, password, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def _signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def _form_errors(response) -> str:
    form = response.context["form"]
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# --- Sign in -------------------------------------------------------------------------------


def test_the_sign_in_page_opens(client):
    response = client.get(reverse("account_login"))

    assert response.status_code == 200


def test_signing_in_with_email_and_password_lands_in_the_inbox(client, agent_a):
    response = _sign_in(client, "agent.a@example.com", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("inbox")
    assert _signed_in_user_id(client) == str(agent_a.pk)


def test_signing_in_ignores_the_case_of_the_email(client, agent_a):
    _sign_in(client, "Agent.A@Example.COM", PASSWORD)

    assert _signed_in_user_id(client) == str(agent_a.pk)


def test_signing_in_is_audited_with_the_ip_address(client, agent_a):
    _sign_in(client, "agent.a@example.com", PASSWORD, REMOTE_ADDR="203.0.113.5")

    [event] = AuditEvent.objects.filter(action=AuditAction.LOGIN)
    assert event.actor == agent_a
    assert event.ip_address == "203.0.113.5"


def test_signing_in_redirects_to_a_safe_next_url(client, agent_a):
    response = client.post(
        reverse("account_login"),
        {"login": "agent.a@example.com", "password": PASSWORD, "next": "/somewhere/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/somewhere/"


def test_signing_in_never_redirects_off_site(client, agent_a):
    response = client.post(
        reverse("account_login"),
        {"login": "agent.a@example.com", "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_a_wrong_password_is_refused(client, agent_a):
    response = _sign_in(client, "agent.a@example.com", WRONG_PASSWORD)

    assert response.status_code == 200
    assert _form_errors(response)
    assert _signed_in_user_id(client) is None


def test_a_failed_sign_in_is_audited_without_the_password(client, agent_a):
    _sign_in(client, "agent.a@example.com", WRONG_PASSWORD, REMOTE_ADDR="198.51.100.23")

    [event] = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED)
    assert event.actor is None
    assert event.actor_label == "agent.a@example.com"
    assert event.ip_address == "198.51.100.23"
    stored = " ".join(str(v) for v in AuditEvent.objects.values_list().get(pk=event.pk))
    assert WRONG_PASSWORD not in stored
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN).count() == 0


def test_a_failed_sign_in_for_an_unknown_email_is_audited(client, db):
    _sign_in(client, "nobody@example.com", WRONG_PASSWORD)

    [event] = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED)
    assert event.actor_label == "nobody@example.com"


def test_a_deactivated_user_cannot_sign_in(client, agent_a):
    agent_a.is_active = False
    agent_a.save()

    _sign_in(client, "agent.a@example.com", PASSWORD)

    assert _signed_in_user_id(client) is None
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


def test_deactivating_a_user_ends_their_open_sessions(agent_a_client, agent_a, admin_user):
    assert agent_a_client.get(reverse("inbox")).status_code == 200

    user_set_active(user=agent_a, active=False, actor=admin_user)

    response = agent_a_client.get(reverse("inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- Throttling ----------------------------------------------------------------------------


def _allowed_failures(settings, per: str) -> int:
    """How many failed sign-ins ACCOUNT_RATE_LIMITS["login_failed"] allows per `ip` or `key`."""
    for rate in settings.ACCOUNT_RATE_LIMITS["login_failed"].split(","):
        amount, _, scope = rate.strip().split("/")
        if scope == per:
            return int(amount)
    raise AssertionError(f"no per-{per} limit on failed sign-ins")


def test_repeated_failed_sign_ins_are_throttled_even_with_the_right_password(
    client, agent_a, settings
):
    for _ in range(_allowed_failures(settings, "key")):
        response = _sign_in(client, "agent.a@example.com", WRONG_PASSWORD)
        assert "Too many failed login attempts" not in _form_errors(response)

    response = _sign_in(client, "agent.a@example.com", PASSWORD)

    # allauth answers a throttled sign-in with the form again and an error, not a 429.
    assert response.status_code == 200
    assert "Too many failed login attempts" in _form_errors(response)
    assert _signed_in_user_id(client) is None
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


def test_many_failed_sign_ins_from_one_address_throttle_that_address(client, agent_a, settings):
    for n in range(_allowed_failures(settings, "ip")):
        _sign_in(client, f"guess{n}@example.com", WRONG_PASSWORD, REMOTE_ADDR="203.0.113.66")

    refused = _sign_in(client, "agent.a@example.com", PASSWORD, REMOTE_ADDR="203.0.113.66")
    assert "Too many failed login attempts" in _form_errors(refused)
    assert _signed_in_user_id(client) is None

    _sign_in(client, "agent.a@example.com", PASSWORD, REMOTE_ADDR="198.51.100.1")
    assert _signed_in_user_id(client) == str(agent_a.pk)


def test_the_throttle_is_per_account(client, agent_a, agent_b, settings):
    for _ in range(_allowed_failures(settings, "key")):
        _sign_in(client, "agent.a@example.com", WRONG_PASSWORD)

    _sign_in(client, "agent.b@example.com", PASSWORD)

    assert _signed_in_user_id(client) == str(agent_b.pk)


def test_a_successful_sign_in_does_not_use_up_the_failure_allowance(client, agent_a, settings):
    for _ in range(_allowed_failures(settings, "key") - 1):
        _sign_in(client, "agent.a@example.com", WRONG_PASSWORD)
    for _ in range(3):
        _sign_in(client, "agent.a@example.com", PASSWORD)
        client.logout()

    response = _sign_in(client, "agent.a@example.com", PASSWORD)

    assert response.status_code == 302
    assert _signed_in_user_id(client) == str(agent_a.pk)


# --- Sign out ------------------------------------------------------------------------------


def test_signing_out_ends_the_session_and_is_audited(agent_a_client, agent_a):
    response = agent_a_client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert _signed_in_user_id(agent_a_client) is None
    [event] = AuditEvent.objects.filter(action=AuditAction.LOGOUT)
    assert event.actor == agent_a


# --- Invite-only ---------------------------------------------------------------------------


def test_the_signup_page_says_signup_is_closed(client, db):
    response = client.get(reverse("account_signup"))

    assert response.status_code == 200
    assert "account/signup_closed.html" in [t.name for t in response.templates]


def test_nobody_can_sign_up(client, db):
    client.post(
        reverse("account_signup"),
        {
            "email": "intruder@example.com",
            "password1": "a-long-enough-password",
            "password2": "a-long-enough-password",
        },
    )

    assert not User.objects.filter(email="intruder@example.com").exists()
    assert _signed_in_user_id(client) is None


# --- Password reset ------------------------------------------------------------------------


def _reset_link(mail) -> str:
    match = re.search(r"https?://[^/\s]+(/\S*/password/reset/key/\S+?/)", mail.body)
    assert match, mail.body
    return match.group(1)


def _set_password_through(client, link: str, new_password: str):
    """Open the emailed link and submit the new password, as a browser would."""
    # allauth moves the key from the URL into the session, then shows the form.
    response = client.get(link, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    return client.post(form_url, {"password1": new_password, "password2": new_password})


def test_a_password_reset_sends_an_email_with_a_reset_link(client, agent_a, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": "agent.a@example.com"})

    assert response.status_code == 302
    [mail] = mailoutbox
    assert mail.to == ["agent.a@example.com"]
    assert _reset_link(mail)


def test_a_password_reset_for_an_unknown_email_reveals_nothing(client, db, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

    # Same answer as for a known address, so the form cannot be used to find accounts.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert all("/password/reset/key/" not in m.body for m in mailoutbox)


def test_the_reset_link_sets_a_new_password_that_then_signs_in(client, agent_a, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": "agent.a@example.com"})
    link = _reset_link(mailoutbox[0])

    new_password = "brand-new-sturdy-password-42"

    response = _set_password_through(client, link, new_password)

    assert response.status_code == 302
    agent_a.refresh_from_db()
    assert agent_a.check_password(new_password)
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET, actor=agent_a).exists()

    fresh = type(client)()
    assert _signed_in_user_id(fresh) is None
    _sign_in(fresh, "agent.a@example.com", PASSWORD)
    assert _signed_in_user_id(fresh) is None
    _sign_in(fresh, "agent.a@example.com", new_password)
    assert _signed_in_user_id(fresh) == str(agent_a.pk)


def test_a_reset_link_works_only_once(client, agent_a, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": "agent.a@example.com"})
    link = _reset_link(mailoutbox[0])
    _set_password_through(client, link, "first-new-password-1")

    _set_password_through(type(client)(), link, "second-new-password-2")

    agent_a.refresh_from_db()
    assert agent_a.check_password("first-new-password-1")
    assert not agent_a.check_password("second-new-password-2")
