"""REST API v1: tokens, who sees what, thread updates through the services, clear 400s."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, AuditAction, AuditEvent
from accounts.tokens import api_token_create, api_token_revoke
from interactions.models import ChannelKind, Message, ThreadEvent, ThreadStatus
from tests.factories import (
    ChannelFactory,
    ContactFactory,
    ContactIdentityFactory,
    MessageFactory,
    SavedReplyFactory,
    TagFactory,
    ThreadFactory,
)

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    _token, raw = api_token_create(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_token_authenticates_and_its_creation_is_audited(agent_a):
    client = api_for(agent_a)
    assert client.get("/api/v1/threads/").status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_CREATED, actor=agent_a).exists()
    assert ApiToken.objects.get().last_used_at is not None


def test_only_a_hash_of_the_token_is_stored(agent_a):
    _token, raw = api_token_create(user=agent_a, name="x")
    row = ApiToken.objects.get()
    secret = raw.split("_", 2)[2]
    assert len(secret) >= 40
    assert secret not in row.key_hash and raw not in row.key_hash


@pytest.mark.parametrize("header", ["Bearer cxh_nope_nope", "Bearer garbage", "Bearer a b"])
def test_a_bad_token_is_a_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/api/v1/threads/").status_code == 401


def test_a_revoked_token_stops_working(agent_a):
    token, raw = api_token_create(user=agent_a, name="x")
    api_token_revoke(token=token, actor=agent_a)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/threads/").status_code == 401


def test_no_credentials_is_refused():
    assert APIClient().get("/api/v1/threads/").status_code in {401, 403}


def test_an_agent_lists_only_their_teams_threads(agent_a, team_a, team_b):
    mine = ThreadFactory(team=team_a)
    ThreadFactory(team=team_b)

    body = api_for(agent_a).get("/api/v1/threads/").json()

    assert [t["id"] for t in body["results"]] == [mine.pk]


def test_another_teams_thread_is_a_404_in_the_api_too(agent_a, team_b):
    other = ThreadFactory(team=team_b)
    client = api_for(agent_a)
    assert client.get(f"/api/v1/threads/{other.pk}/").status_code == 404
    assert (
        client.patch(f"/api/v1/threads/{other.pk}/", {"priority": 3}, format="json").status_code
        == 404
    )


def test_threads_filter_by_channel_status_tag_and_assignee(marketer, team_a, agent_a):
    vip = TagFactory(name="vip")
    sms = ChannelFactory(kind=ChannelKind.SMS)
    a = ThreadFactory(team=team_a, channel=sms, tags=[vip], assignee=agent_a)
    ThreadFactory(team=team_a, resolved=True)
    client = api_for(marketer)

    assert [t["id"] for t in client.get("/api/v1/threads/?channel=sms").json()["results"]] == [a.pk]
    assert [t["id"] for t in client.get("/api/v1/threads/?tag=vip").json()["results"]] == [a.pk]
    assert [
        t["id"] for t in client.get(f"/api/v1/threads/?assignee={agent_a.pk}").json()["results"]
    ] == [a.pk]
    assert len(client.get("/api/v1/threads/?status=resolved").json()["results"]) == 1


def test_threads_filter_by_team(marketer, team_a, team_b):
    mine = ThreadFactory(team=team_a)
    ThreadFactory(team=team_b)

    found = api_for(marketer).get(f"/api/v1/threads/?team={team_a.pk}").json()["results"]

    assert [t["id"] for t in found] == [mine.pk]


@pytest.mark.parametrize("team", ["99999999999999999999999", "-4.2e276", "1.5", "0", "sales"])
def test_a_team_that_is_not_an_id_is_a_400_naming_the_parameter(marketer, team):
    response = api_for(marketer).get("/api/v1/threads/", {"team": team})

    assert response.status_code == 400
    assert "team" in response.json()


def test_an_assignee_id_beyond_any_id_finds_nothing(marketer, team_a):
    ThreadFactory(team=team_a)

    response = api_for(marketer).get("/api/v1/threads/", {"assignee": "9" * 30})

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_activity_times_with_any_offset_python_reads_filter_in_utc(marketer, team_a):
    # PostgreSQL takes offsets up to ±15:59; -21:57 once came back as a 500.
    now = timezone.now()
    recent = ThreadFactory(team=team_a, last_activity_at=now)
    ThreadFactory(team=team_a, last_activity_at=now - timedelta(days=3))
    since = (now - timedelta(days=1)).astimezone(timezone.get_fixed_timezone(-(21 * 60 + 57)))

    response = api_for(marketer).get("/api/v1/threads/", {"active_after": since.isoformat()})

    assert response.status_code == 200
    assert [t["id"] for t in response.json()["results"]] == [recent.pk]


def test_a_time_before_the_year_1_in_utc_is_a_400(marketer):
    response = api_for(marketer).get(
        "/api/v1/threads/", {"active_before": "0001-01-01T00:00:00+05:00"}
    )

    assert response.status_code == 400 and "active_before" in response.json()


def test_thread_lists_page_by_cursor_newest_first(marketer, team_a):
    now = timezone.now()
    threads = [
        ThreadFactory(team=team_a, last_activity_at=now - timedelta(minutes=i)) for i in range(7)
    ]
    client = api_for(marketer)

    first = client.get("/api/v1/threads/?page_size=5").json()
    second = client.get(first["next"]).json()

    ids = [t["id"] for t in first["results"] + second["results"]]
    assert ids == [t.pk for t in threads]
    assert second["next"] is None


def test_patch_assigns_tags_prioritises_and_resolves_through_the_services(agent_a, team_a):
    thread = ThreadFactory(team=team_a)
    TagFactory(name="refund")

    response = api_for(agent_a).patch(
        f"/api/v1/threads/{thread.pk}/",
        {"assignee": agent_a.pk, "priority": 3, "add_tags": ["refund"], "status": "resolved"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["assignee"]["id"] == agent_a.pk and body["priority"] == 3
    assert body["tags"] == ["refund"] and body["status"] == "resolved" and body["resolved_at"]
    kinds = set(ThreadEvent.objects.filter(thread=thread).values_list("kind", flat=True))
    assert kinds == {"assigned", "priority", "tags", "status"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "closed"}, "status"),
        ({"priority": 9}, "priority"),
        ({"assignee": 999999}, "assignee"),
        ({"add_tags": ["no-such-tag"]}, "add_tags"),
        ({"status": "snoozed"}, "snoozed_until"),
        ({"status": "snoozed", "snoozed_until": "2001-01-01T00:00:00Z"}, "snoozed_until"),
    ],
)
def test_invalid_changes_are_400s_with_field_errors(agent_a, team_a, change, field):
    thread = ThreadFactory(team=team_a)
    response = api_for(agent_a).patch(f"/api/v1/threads/{thread.pk}/", change, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_messages_of_a_thread_come_oldest_first(agent_a, team_a):
    thread = ThreadFactory(team=team_a)
    first = MessageFactory(thread=thread, created_at=timezone.now() - timedelta(hours=1))
    second = MessageFactory(thread=thread, outbound=True)

    body = api_for(agent_a).get(f"/api/v1/threads/{thread.pk}/messages/").json()

    assert [m["id"] for m in body] == [first.pk, second.pk]


def test_an_agent_adds_an_internal_note(agent_a, team_a):
    thread = ThreadFactory(team=team_a)
    response = api_for(agent_a).post(
        f"/api/v1/threads/{thread.pk}/notes/", {"text": "Called the courier."}, format="json"
    )
    assert response.status_code == 201
    note = Message.objects.get()
    assert note.direction == "note" and note.author == agent_a


def test_an_empty_note_is_a_400(agent_a, team_a):
    thread = ThreadFactory(team=team_a)
    response = api_for(agent_a).post(
        f"/api/v1/threads/{thread.pk}/notes/", {"text": "  "}, format="json"
    )
    assert response.status_code == 400 and "text" in response.json()


def test_contacts_are_searchable(marketer):
    ContactIdentityFactory(value="jane@acme.example", contact__name="Jane")
    ContactIdentityFactory(value="bob@other.example", contact__name="Bob")
    body = api_for(marketer).get("/api/v1/contacts/?q=acme").json()
    assert [c["name"] for c in body["results"]] == ["Jane"]


@pytest.mark.parametrize("limit", ["3", "695435974953192521728"])
def test_a_contact_page_holds_at_most_200_however_large_the_limit(marketer, limit, monkeypatch):
    from cx_hub.api import Pages

    ContactFactory.create_batch(5)
    monkeypatch.setattr(Pages, "max_limit", 3)  # 200 in use; 3 keeps the test small

    body = api_for(marketer).get("/api/v1/contacts/", {"limit": limit}).json()

    assert len(body["results"]) == 3
    assert body["count"] == 5 and body["next"]


def test_saved_replies_are_shared_plus_the_callers_teams(agent_a, team_a, team_b):
    SavedReplyFactory(title="Shared", team=None)
    SavedReplyFactory(title="Team A only", team=team_a)
    SavedReplyFactory(title="Team B only", team=team_b)
    titles = [r["title"] for r in api_for(agent_a).get("/api/v1/saved-replies/").json()]
    assert titles == ["Shared", "Team A only"]


def test_a_custom_source_posts_an_inbound_message(admin_user, django_capture_on_commit_callbacks):
    ChannelFactory(kind=ChannelKind.API, address="web-form", provider="api")
    payload = {
        "channel": "web-form",
        "external_id": "form-77",
        "sender": "Lea@Example.com",
        "sender_name": "Léa",
        "subject": "Warranty",
        "text": "My kettle stopped working.",
    }
    client = api_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/api/v1/inbound/", payload, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post("/api/v1/inbound/", payload, format="json")

    assert first.status_code == 202 and again.json()["duplicate"] is True
    message = Message.objects.get()
    assert message.thread.subject == "Warranty"
    assert message.thread.contact.identities.get().value == "lea@example.com"


def test_posting_inbound_messages_needs_an_admin(agent_a):
    response = api_for(agent_a).post("/api/v1/inbound/", {}, format="json")
    assert response.status_code == 403


def test_the_api_schema_and_docs_are_served_from_the_install(admin_client):
    schema = admin_client.get(reverse("api_schema"))
    docs = admin_client.get(reverse("api_docs"))
    assert schema.status_code == 200 and b"/api/v1/threads/" in schema.content
    assert docs.status_code == 200
    assert b"cdn." not in docs.content and b"unpkg" not in docs.content


def test_the_schema_describes_what_the_api_answers(admin_client, agent_a, team_a):
    """Client generators trust the schema: unassigned threads have null refs, a thread's
    messages are one plain list, and the team filter is an id."""
    schema = admin_client.get(reverse("api_schema"), {"format": "json"}).json()
    thread = schema["components"]["schemas"]["Thread"]["properties"]
    messages = schema["paths"]["/api/v1/threads/{id}/messages/"]["get"]
    threads = schema["paths"]["/api/v1/threads/"]["get"]

    assert thread["assignee"]["nullable"] and thread["team"]["nullable"]
    assert messages["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert not [p for p in messages.get("parameters", []) if p["in"] == "query"]
    team = next(p for p in threads["parameters"] if p["name"] == "team")
    assert team["schema"]["type"] == "integer" and team["schema"]["minimum"] == 1

    ThreadFactory(team=team_a, assignee=None)
    listed = api_for(agent_a).get("/api/v1/threads/").json()["results"][0]
    assert listed["assignee"] is None


def test_a_user_creates_and_revokes_a_token_in_settings(agent_a_client, agent_a):
    page = agent_a_client.post(
        reverse("settings_api_tokens"), {"name": "CRM sync"}
    ).content.decode()
    assert "cxh_" in page and "will not be shown again" in page
    token = ApiToken.objects.get(user=agent_a)
    agent_a_client.post(reverse("settings_api_tokens"), {"revoke": token.pk})
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_resolving_a_thread_records_resolved_at(agent_a, team_a):
    thread = ThreadFactory(team=team_a)
    api_for(agent_a).patch(f"/api/v1/threads/{thread.pk}/", {"status": "resolved"}, format="json")
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.RESOLVED and thread.resolved_at is not None


def test_an_agent_replies_through_the_api_once_per_key(
    agent_a, team_a, django_capture_on_commit_callbacks
):
    channel = ChannelFactory(kind=ChannelKind.EMAIL, address="help@shop.example", provider="email")
    thread = ThreadFactory(team=team_a, channel=channel, subject="Sizes")
    ContactIdentityFactory(contact=thread.contact, value="kim@example.com")
    client = api_for(agent_a)
    body = {"text": "Size M runs small.", "idempotency_key": "crm-42", "cc": ["boss@example.com"]}

    first = client.post(f"/api/v1/threads/{thread.pk}/replies/", body, format="json")
    again = client.post(f"/api/v1/threads/{thread.pk}/replies/", body, format="json")

    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Message.objects.filter(direction="outbound").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"idempotency_key": "k"}, "text"),
        ({"text": "hi"}, "idempotency_key"),
        ({"text": "hi", "idempotency_key": "k", "cc": ["not-an-email"]}, "cc"),
    ],
)
def test_a_bad_reply_is_a_400_with_field_errors(agent_a, team_a, body, field):
    thread = ThreadFactory(team=team_a)
    response = api_for(agent_a).post(f"/api/v1/threads/{thread.pk}/replies/", body, format="json")
    assert response.status_code == 400 and field in response.json()


def test_a_whatsapp_reply_outside_the_window_is_a_400_that_says_why(agent_a, team_a):
    channel = ChannelFactory(kind=ChannelKind.WHATSAPP, address="+14155238886", provider="twilio")
    thread = ThreadFactory(
        team=team_a, channel=channel, last_inbound_at=timezone.now() - timedelta(days=3)
    )
    response = api_for(agent_a).post(
        f"/api/v1/threads/{thread.pk}/replies/",
        {"text": "Hello", "idempotency_key": "w1"},
        format="json",
    )
    assert response.status_code == 400
    assert "24-hour" in str(response.json())
