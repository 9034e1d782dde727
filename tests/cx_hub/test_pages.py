"""Every page against every role: who gets the page, who gets the friendly 403."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PERSONAS = ["admin", "manager", "marketer", "agent"]

# page -> the personas that may open it (everyone else: 403)
PAGES = {
    "inbox": PERSONAS,
    "contacts": PERSONAS,
    "campaigns": PERSONAS,
    "nps": PERSONAS,
    "reports": ["admin", "manager", "marketer"],
    "settings": PERSONAS,
    "settings_users": ["admin"],
    "settings_teams": ["admin"],
    "settings_audit": ["admin", "manager"],
    "system_status": ["admin"],
}


@pytest.fixture
def persona_clients(admin_client, manager_client, marketer_client, agent_a_client):
    return {
        "admin": admin_client,
        "manager": manager_client,
        "marketer": marketer_client,
        "agent": agent_a_client,
    }


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_role_gets_exactly_the_pages_its_role_allows(page, persona, persona_clients):
    response = persona_clients[persona].get(reverse(page))

    expected = 200 if persona in PAGES[page] else 403
    assert response.status_code == expected
    if expected == 403:
        assert "You don't have access to this" in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_sends_anonymous_visitors_to_sign_in(page, client):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_navigation_hides_what_the_role_cannot_open(agent_a_client, manager_client):
    agent_page = agent_a_client.get(reverse("inbox")).content.decode()
    manager_page = manager_client.get(reverse("inbox")).content.decode()

    assert 'data-nav="reports"' not in agent_page
    assert 'data-nav="reports"' in manager_page


def test_pages_carry_a_strict_content_security_policy(agent_a_client):
    response = agent_a_client.get(reverse("inbox"))

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-eval" not in policy
    # htmx is served from the install, with the nonce, never from a CDN.
    assert "/static/django_htmx/htmx" in response.content.decode()


def test_healthz_reports_the_database(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["components"]["database"]["ok"] is True


def test_an_unknown_url_gets_the_friendly_404(agent_a_client):
    response = agent_a_client.get("/no/such/page/")
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()


def test_the_api_schema_is_served_to_signed_in_users(agent_a_client, client):
    assert agent_a_client.get(reverse("api_schema")).status_code == 200
    assert client.get(reverse("api_schema")).status_code in {401, 403}
