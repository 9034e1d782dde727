"""Macros: a reply plus actions in one click, all or nothing, once per click."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interactions.models import (
    ChannelKind,
    DeliveryStatus,
    Direction,
    Macro,
    Message,
    Priority,
    ThreadEventKind,
    ThreadStatus,
)
from interactions.services.macros import macro_apply
from tests.factories import (
    ChannelFactory,
    ContactFactory,
    MessageFactory,
    SavedReplyFactory,
    TagFactory,
    ThreadFactory,
    UserFactory,
)

RESOLVE_REPLY = "Hi {{ contact.first_name }}, your refund is on its way. — {{ agent.first_name }}"


def make_macro(**kwargs) -> Macro:
    macro = Macro(name=kwargs.pop("name", "Refund done"), **kwargs)
    macro.full_clean()
    macro.save()
    return macro


@pytest.fixture
def thread(team_a):
    thread = ThreadFactory(team=team_a, contact=ContactFactory(name="Ana Lima"))
    MessageFactory(thread=thread, text="Where is my refund?")
    return thread


@pytest.fixture
def refund_macro(db):
    return make_macro(
        body=RESOLVE_REPLY,
        actions=[{"type": "status", "value": "resolved"}, {"type": "tag", "value": "refund"}],
    )


# --- The model validates its actions --------------------------------------------------------


@pytest.mark.parametrize(
    ("actions", "message"),
    [
        ("tag it", "must be a list"),
        ([{"type": "explode"}], "unknown action 'explode'"),
        (["status"], "unknown action None"),
        ([{"type": "status", "value": "snoozed"}], "open, pending or resolved"),
        ([{"type": "priority", "value": 7}], "0 (low) to 3 (urgent)"),
        ([{"type": "priority", "value": True}], "0 (low) to 3 (urgent)"),
        ([{"type": "assign", "value": "someone"}], "assign to “me”"),
        ([{"type": "team", "value": "Billing"}], "pick a team"),
        ([{"type": "tag", "value": ""}], "name the tag"),
        (
            [{"type": "status", "value": "open"}, {"type": "status", "value": "resolved"}],
            "only one status action",
        ),
        ([{"type": "tag", "value": "vip"}, {"type": "tag", "value": "VIP"}], "already added"),
    ],
)
def test_invalid_actions_are_field_errors(db, actions, message):
    with pytest.raises(ValidationError) as error:
        Macro(name="Broken", actions=actions).full_clean()
    assert message in " ".join(error.value.message_dict["actions"])


def test_actions_must_name_active_users_and_existing_teams(db):
    gone = UserFactory(inactive=True)
    with pytest.raises(ValidationError, match="active user"):
        Macro(name="x", actions=[{"type": "assign", "value": gone.pk}]).full_clean()
    with pytest.raises(ValidationError, match="team no longer exists"):
        Macro(name="x", actions=[{"type": "team", "value": 999_999}]).full_clean()


def test_a_macro_replies_from_a_saved_reply_or_its_own_text_not_both(db):
    saved = SavedReplyFactory()
    with pytest.raises(ValidationError) as error:
        Macro(name="x", saved_reply=saved, body="Hello").full_clean()
    assert "not both" in error.value.message_dict["body"][0]


def test_a_macro_refuses_unknown_placeholders(db):
    with pytest.raises(ValidationError) as error:
        Macro(name="x", body="Hi {{ contact.nickname }}").full_clean()
    assert "{{ contact.nickname }}" in error.value.message_dict["body"][0]


def test_a_macro_must_do_something(db):
    with pytest.raises(ValidationError, match="needs a reply"):
        Macro(name="Nothing").full_clean()


# --- Applying -------------------------------------------------------------------------------


def test_it_sends_the_reply_tags_and_resolves(thread, refund_macro, agent_a):
    result = macro_apply(macro=refund_macro, thread=thread, actor=agent_a, idempotency_key="k-1")

    reply = Message.objects.get(thread=thread, direction=Direction.OUTBOUND)
    assert result.message == reply
    assert reply.text == "Hi Ana, your refund is on its way. — Alice"
    assert reply.delivery_status == DeliveryStatus.QUEUED  # through message_create_outbound
    assert reply.author == agent_a and reply.idempotency_key == "k-1"
    thread.refresh_from_db()
    assert list(thread.tags.values_list("name", flat=True)) == ["refund"]
    assert thread.status == ThreadStatus.RESOLVED
    assert thread.first_response_at is not None
    # The status runs last, after the tag, although the macro lists it first.
    kinds = list(thread.events.order_by("id").values_list("kind", flat=True))
    assert kinds == [ThreadEventKind.MACRO, ThreadEventKind.TAGS, ThreadEventKind.STATUS]
    macro_event = thread.events.get(kind=ThreadEventKind.MACRO)
    assert macro_event.data["done"] == result.done and macro_event.data["reply"] == reply.pk
    assert result.done == ["reply queued", "tagged refund", "resolved"]


def test_a_saved_reply_is_rendered_with_placeholders(thread, agent_a):
    saved = SavedReplyFactory(body="Thanks {{ contact.name }}! (#{{ thread.id }})")
    macro = make_macro(saved_reply=saved, actions=[{"type": "assign", "value": "me"}])

    macro_apply(macro=macro, thread=thread, actor=agent_a, idempotency_key="k")

    assert thread.messages.get(direction=Direction.OUTBOUND).text == (
        f"Thanks Ana Lima! (#{thread.pk})"
    )
    thread.refresh_from_db()
    assert thread.assignee == agent_a


def test_actions_only_macros_send_nothing(thread, agent_a, team_b):
    macro = make_macro(
        actions=[
            {"type": "priority", "value": Priority.URGENT},
            {"type": "team", "value": team_b.pk},
            {"type": "tag", "value": "escalated"},
        ]
    )

    result = macro_apply(macro=macro, thread=thread, actor=agent_a, idempotency_key="k")

    assert result.message is None
    assert not thread.messages.filter(direction=Direction.OUTBOUND).exists()
    thread.refresh_from_db()
    assert (thread.priority, thread.team) == (Priority.URGENT, team_b)


def test_a_double_click_applies_once(thread, refund_macro, agent_a):
    first = macro_apply(macro=refund_macro, thread=thread, actor=agent_a, idempotency_key="dbl")
    second = macro_apply(macro=refund_macro, thread=thread, actor=agent_a, idempotency_key="dbl")

    assert second.already_applied and second.message == first.message
    assert thread.messages.filter(direction=Direction.OUTBOUND).count() == 1
    assert thread.events.filter(kind=ThreadEventKind.MACRO).count() == 1
    assert thread.events.filter(kind=ThreadEventKind.TAGS).count() == 1


def test_a_closed_whatsapp_window_applies_nothing(team_a, agent_a):
    whatsapp = ChannelFactory(kind=ChannelKind.WHATSAPP, address="+15550002222")
    long_ago = timezone.now() - timedelta(days=2)
    thread = ThreadFactory(
        channel=whatsapp, team=team_a, last_inbound_at=long_ago, last_activity_at=long_ago
    )
    macro = make_macro(body="All done!", actions=[{"type": "status", "value": "resolved"}])

    with pytest.raises(ValidationError, match="24-hour window"):
        macro_apply(macro=macro, thread=thread, actor=agent_a, idempotency_key="k")

    thread.refresh_from_db()
    assert thread.status == ThreadStatus.OPEN
    assert not thread.messages.exists()
    assert not thread.events.exists()


def test_a_failing_action_rolls_back_the_reply(thread, agent_a):
    colleague = UserFactory()
    macro = make_macro(body="Passing you to a colleague.")
    macro.actions = [{"type": "assign", "value": colleague.pk}]
    macro.save()
    colleague.is_active = False
    colleague.save()

    with pytest.raises(ValidationError, match="deactivated"):
        macro_apply(macro=macro, thread=thread, actor=agent_a, idempotency_key="k")

    assert not thread.messages.filter(direction=Direction.OUTBOUND).exists()


def test_a_saved_reply_edited_to_hold_an_unknown_placeholder_is_refused(thread, agent_a):
    saved = SavedReplyFactory(body="Hi {{ contact.first_name }}")
    macro = make_macro(saved_reply=saved, actions=[{"type": "tag", "value": "vip"}])
    saved.body = "Hi {{ customer.first_name }}"
    saved.save()

    with pytest.raises(ValidationError, match=r"\{\{ customer.first_name \}\}"):
        macro_apply(macro=macro, thread=thread, actor=agent_a, idempotency_key="k")

    assert not thread.tags.exists()


# --- From the thread page -------------------------------------------------------------------


def test_the_sidebar_lists_shared_and_own_team_macros_only(thread, agent_a_client, team_a, team_b):
    make_macro(name="Shared thanks", body="Thanks!")
    make_macro(name="Team A escalation", team=team_a, actions=[{"type": "priority", "value": 3}])
    make_macro(name="Team B secret", team=team_b, body="Psst")

    page = agent_a_client.get(reverse("thread_detail", args=[thread.pk])).content.decode()

    assert "Shared thanks" in page and "Team A escalation" in page
    assert "Team B secret" not in page
    assert "Reply · priority urgent" not in page and "Priority urgent" in page


def test_an_agent_applies_a_macro_and_returns_to_the_inbox(thread, refund_macro, agent_a_client):
    url = reverse("thread_macro_apply", args=[thread.pk, refund_macro.pk])

    response = agent_a_client.post(url, {"idempotency_key": "page-1-7"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("inbox")
    assert "“Refund done”: reply queued, tagged refund, resolved." in response.content.decode()
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.RESOLVED

    again = agent_a_client.post(url, {"idempotency_key": "page-1-7"}, follow=True)

    assert "was already applied" in again.content.decode()
    assert thread.messages.filter(direction=Direction.OUTBOUND).count() == 1


def test_a_refused_macro_says_why_on_the_thread(team_a, agent_a_client):
    whatsapp = ChannelFactory(kind=ChannelKind.WHATSAPP, address="+15550003333")
    old = timezone.now() - timedelta(days=3)
    thread = ThreadFactory(channel=whatsapp, team=team_a, last_inbound_at=old)
    macro = make_macro(body="Done!", actions=[{"type": "status", "value": "resolved"}])

    response = agent_a_client.post(
        reverse("thread_macro_apply", args=[thread.pk, macro.pk]),
        {"idempotency_key": "x"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("thread_detail", args=[thread.pk])
    assert "was not applied" in response.content.decode()
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.OPEN


def test_another_teams_macro_is_a_404(thread, agent_a_client, team_b):
    theirs = make_macro(team=team_b, body="Hi")
    response = agent_a_client.post(
        reverse("thread_macro_apply", args=[thread.pk, theirs.pk]), {"idempotency_key": "x"}
    )
    assert response.status_code == 404
    assert not thread.messages.filter(direction=Direction.OUTBOUND).exists()


def test_a_macro_on_a_hidden_thread_is_a_404(refund_macro, agent_a_client, team_b):
    hidden = ThreadFactory(team=team_b)
    response = agent_a_client.post(
        reverse("thread_macro_apply", args=[hidden.pk, refund_macro.pk]), {"idempotency_key": "x"}
    )
    assert response.status_code == 404


def test_applying_needs_a_post(thread, refund_macro, agent_a_client):
    url = reverse("thread_macro_apply", args=[thread.pk, refund_macro.pk])
    assert agent_a_client.get(url).status_code == 405


def _render_thread_page(client, thread) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("thread_detail", args=[thread.pk]))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_sidebar_macro_list_costs_the_same_queries_for_1_or_12_macros(
    thread, agent_a_client, team_a
):
    saved = SavedReplyFactory(team=team_a)
    make_macro(name="Macro 0", saved_reply=saved)
    _render_thread_page(agent_a_client, thread)  # warm the session and the live counters
    one = _render_thread_page(agent_a_client, thread)

    for i in range(1, 12):
        make_macro(
            name=f"Macro {i}",
            team=team_a if i % 2 else None,
            saved_reply=SavedReplyFactory(team=team_a) if i % 3 == 0 else None,
            body="" if i % 3 == 0 else "Hi {{ contact.first_name }}",
            actions=[
                {"type": "assign", "value": "me"},
                {"type": "team", "value": team_a.pk},
                {"type": "tag", "value": f"t{i}"},
            ],
        )
    twelve = _render_thread_page(agent_a_client, thread)

    assert twelve == one
    page = agent_a_client.get(reverse("thread_detail", args=[thread.pk])).content.decode()
    assert page.count(f'action="/inbox/threads/{thread.pk}/macros/') == 12
    assert "Reply · assign to me · move to Team A · tag t1" in page


# --- Settings → Macros ----------------------------------------------------------------------


def _form(name="Refund done", rows=(), **fields):
    data = {
        "name": name,
        "team": "",
        "position": "0",
        "saved_reply": "",
        "body": "",
        "act-TOTAL_FORMS": str(len(rows)),
        "act-INITIAL_FORMS": "0",
        "act-MIN_NUM_FORMS": "0",
        "act-MAX_NUM_FORMS": "10",
    }
    for i, row in enumerate(rows):
        data[f"act-{i}-action"] = row
    data.update(fields)
    return data


def test_agents_apply_macros_but_may_not_edit_them(agent_a_client, refund_macro):
    assert agent_a_client.get(reverse("settings_macros")).status_code == 403
    assert agent_a_client.post(reverse("settings_macro_create"), _form()).status_code == 403
    assert (
        agent_a_client.post(reverse("settings_macro_delete", args=[refund_macro.pk])).status_code
        == 403
    )
    assert Macro.objects.count() == 1


def test_the_settings_tab_shows_only_to_those_who_manage_saved_replies(
    agent_a_client, manager_client
):
    assert (
        reverse("settings_macros") not in agent_a_client.get(reverse("settings")).content.decode()
    )
    assert reverse("settings_macros") in manager_client.get(reverse("settings")).content.decode()


def test_a_manager_creates_a_macro_with_action_rows(manager_client, team_a, agent_a):
    TagFactory(name="refund")

    response = manager_client.post(
        reverse("settings_macro_create"),
        _form(
            team=str(team_a.pk),
            body="Hi {{ contact.first_name }}, done!",
            rows=["tag:refund", "status:resolved", "", f"assign:{agent_a.pk}", "priority:2"],
        ),
    )

    assert response.status_code == 302
    macro = Macro.objects.get()
    assert macro.team == team_a
    assert macro.actions == [
        {"type": "tag", "value": "refund"},
        {"type": "status", "value": "resolved"},
        {"type": "assign", "value": agent_a.pk},
        {"type": "priority", "value": 2},
    ]
    listing = manager_client.get(reverse("settings_macros")).content.decode()
    assert "Tag refund · assign to Alice Agent · priority high · resolve" in listing


def test_invalid_rows_are_form_errors_and_save_nothing(manager_client):
    response = manager_client.post(
        reverse("settings_macro_create"),
        _form(rows=["status:open", "status:resolved", "bogus:1"]),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Select a valid choice" in page  # the tampered row
    assert "Fix the actions marked below." in page
    assert not Macro.objects.exists()

    response = manager_client.post(
        reverse("settings_macro_create"), _form(rows=["status:open", "status:resolved"])
    )

    assert "only one status action per macro" in response.content.decode()
    assert not Macro.objects.exists()


def test_an_unknown_placeholder_is_a_body_error(manager_client):
    response = manager_client.post(
        reverse("settings_macro_create"), _form(body="Hi {{ contact.nick }}")
    )
    assert "Unknown placeholder {{ contact.nick }}" in response.content.decode()
    assert not Macro.objects.exists()


def test_a_manager_edits_and_deletes_a_macro(manager_client, refund_macro):
    TagFactory(name="refund")
    url = reverse("settings_macro_edit", args=[refund_macro.pk])
    page = manager_client.get(url).content.decode()
    assert 'value="status:resolved" selected' in page and 'value="tag:refund" selected' in page

    response = manager_client.post(
        url, _form(name="Refund sent", body="Sent!", rows=["status:pending"])
    )

    assert response.status_code == 302
    refund_macro.refresh_from_db()
    assert refund_macro.name == "Refund sent"
    assert refund_macro.actions == [{"type": "status", "value": "pending"}]

    manager_client.post(reverse("settings_macro_delete", args=[refund_macro.pk]))
    assert not Macro.objects.exists()


def test_a_deleted_macro_leaves_its_history_on_threads(thread, refund_macro, agent_a):
    macro_apply(macro=refund_macro, thread=thread, actor=agent_a, idempotency_key="k")
    refund_macro.delete()

    event = thread.events.get(kind=ThreadEventKind.MACRO)
    assert event.data["macro"] == "Refund done"
