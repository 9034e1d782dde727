"""Settings → Rules and Settings → SLAs: who may open them, and forms that explain mistakes."""

import pytest

from interactions.models import (
    AssignmentMode,
    BusinessHours,
    Priority,
    Rule,
    RuleTrigger,
    SlaPolicy,
    TeamRouting,
)

pytestmark = pytest.mark.django_db

PAGES = ["/settings/rules/", "/settings/rules/new/", "/settings/slas/", "/settings/slas/hours/new/"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("persona", ["admin_client", "manager_client", "marketer_client"])
def test_admins_managers_and_marketers_manage_rules_and_slas(request, persona, path):
    assert request.getfixturevalue(persona).get(path).status_code == 200


@pytest.mark.parametrize("path", PAGES)
def test_agents_may_not(agent_a_client, path):
    assert agent_a_client.get(path).status_code == 403


def test_agents_may_not_post_either(agent_a_client, team_a):
    rule = Rule.objects.create(name="R", trigger="message_received", actions=[_tag("x")])

    for path in (
        f"/settings/rules/{rule.pk}/toggle/",
        f"/settings/rules/{rule.pk}/delete/",
        f"/settings/rules/teams/{team_a.pk}/",
    ):
        assert agent_a_client.post(path).status_code == 403
    assert Rule.objects.filter(pk=rule.pk, is_active=True).exists()


def test_visitors_are_sent_to_sign_in(client):
    response = client.get("/settings/rules/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_settings_tabs_show_rules_and_slas_to_those_who_may(marketer_client, agent_a_client):
    assert "Rules</a>" in marketer_client.get("/settings/").content.decode()
    assert "Rules</a>" not in agent_a_client.get("/settings/").content.decode()


# --- The rule builder ------------------------------------------------------------------------


def _tag(name):
    return {"type": "tag", "value": name}


def _rule_post(conditions=(), actions=(), **fields):
    data = {
        "name": "Refunds",
        "trigger": "message_received",
        "is_active": "on",
        "cond-TOTAL_FORMS": str(len(conditions)),
        "cond-INITIAL_FORMS": "0",
        "act-TOTAL_FORMS": str(len(actions)),
        "act-INITIAL_FORMS": "0",
        **fields,
    }
    for i, row in enumerate(conditions):
        data.update({f"cond-{i}-{k}": v for k, v in row.items()})
    for i, row in enumerate(actions):
        data.update({f"act-{i}-{k}": v for k, v in row.items()})
    return data


def test_a_rule_is_built_from_rows(marketer_client, marketer, team_b):
    data = _rule_post(
        conditions=[
            {"field": "channel", "op": "is", "choice": "channel:sms"},
            {"field": "text", "op": "any", "text": "refund, money back"},
            # "—" (no operator picked, as without JavaScript) means the type's usual one.
            {"field": "contact_attribute", "op": "", "text": "plan = gold"},
            {"field": "", "op": "is", "text": ""},  # a blank row is ignored
        ],
        actions=[
            {"action": "tag", "text": "refund"},
            {"action": "assign_team", "choice": f"team:{team_b.pk}"},
            {"action": "set_priority", "choice": "priority:2"},
            {"action": "auto_reply", "text": "Thanks, we are on it."},
        ],
    )

    response = marketer_client.post("/settings/rules/new/", data)

    assert response.status_code == 302
    rule = Rule.objects.get()
    assert rule.created_by == marketer
    assert rule.conditions == [
        {"type": "channel", "op": "is", "value": "sms"},
        {"type": "text", "op": "any", "value": ["refund", "money back"]},
        {"type": "contact_attribute", "op": "equals", "attribute": "plan", "value": "gold"},
    ]
    assert rule.actions == [
        {"type": "tag", "value": "refund"},
        {"type": "assign_team", "value": team_b.pk},
        {"type": "set_priority", "value": 2},
        {"type": "auto_reply", "text": "Thanks, we are on it."},
    ]
    listing = marketer_client.get("/settings/rules/").content.decode()
    assert "Message text contains any of “refund”, “money back”" in listing
    assert f"Assign to team {team_b.name}" in listing


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"field": "channel", "op": "is", "choice": ""}, "Pick a channel from the value list."),
        (
            {"field": "channel", "op": "any", "choice": "channel:sms"},
            "For channel, use: is, is not.",
        ),
        ({"field": "text", "op": "any", "text": " , "}, "List the words to look for"),
        ({"field": "contact_attribute", "op": "equals", "text": "gold"}, "plan = gold"),
        ({"field": "priority", "op": "is", "choice": "channel:sms"}, "Pick a priority"),
        ({"field": "weather", "op": "is"}, "Select a valid choice"),
    ],
)
def test_a_bad_condition_row_is_a_field_error_not_a_500(manager_client, row, message):
    data = _rule_post(conditions=[row], actions=[{"action": "tag", "text": "x"}])

    response = manager_client.post("/settings/rules/new/", data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Rule.objects.exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"action": "assign_team", "choice": ""}, "Pick a team from the value list."),
        ({"action": "assign_agent", "choice": "team:1"}, "Pick an agent from the value list."),
        ({"action": "auto_reply", "text": ""}, "Write the auto-reply."),
        ({"action": "notify", "choice": "", "text": ""}, "Write the note to send."),
        ({"action": "tag", "text": ""}, "Name the tag to add."),
        ({"action": "assign_team", "choice": "team:999999"}, "Select a valid choice"),
    ],
)
def test_a_bad_action_row_is_a_field_error(manager_client, row, message):
    response = manager_client.post("/settings/rules/new/", _rule_post(actions=[row]))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Rule.objects.exists()


def test_a_rule_needs_a_name_and_an_action(manager_client):
    response = manager_client.post("/settings/rules/new/", _rule_post(name=""))

    html = response.content.decode()
    assert "This field is required." in html
    assert "Add at least one action." in html


def test_add_a_row_without_javascript_posts_back_with_one_more_row(manager_client):
    data = _rule_post(actions=[{"action": "tag", "text": "x"}], add_cond="1")

    response = manager_client.post("/settings/rules/new/", data)

    assert response.status_code == 200
    assert 'name="cond-TOTAL_FORMS" value="1"' in response.content.decode()
    assert not Rule.objects.exists()


def test_editing_a_rule_shows_its_rows_and_saves_changes(manager_client, team_a):
    rule = Rule.objects.create(
        name="Old",
        trigger=RuleTrigger.MESSAGE_RECEIVED,
        conditions=[{"type": "text", "op": "all", "value": ["refund", "now"]}],
        actions=[{"type": "assign_team", "value": team_a.pk}],
    )

    page = manager_client.get(f"/settings/rules/{rule.pk}/").content.decode()
    assert 'value="refund, now"' in page
    assert f'value="team:{team_a.pk}" selected' in page

    data = _rule_post(
        conditions=[{"field": "sentiment", "op": "is", "choice": "sentiment:negative"}],
        actions=[{"action": "tag", "text": "unhappy"}],
        name="New",
        trigger="thread_changed",
    )
    assert manager_client.post(f"/settings/rules/{rule.pk}/", data).status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.trigger, rule.is_active) == ("New", "thread_changed", True)
    assert rule.conditions == [{"type": "sentiment", "op": "is", "value": "negative"}]


def test_rules_move_up_and_down_within_their_trigger(manager_client):
    a, _, c = (
        Rule.objects.create(name=n, trigger="message_received", actions=[_tag(n)], position=i)
        for i, n in enumerate("abc")
    )
    Rule.objects.create(name="other", trigger="sla_warning", actions=[_tag("o")], position=0)

    manager_client.post(f"/settings/rules/{c.pk}/move/", {"direction": "up"})
    manager_client.post(f"/settings/rules/{a.pk}/move/", {"direction": "up"})  # already first

    order = Rule.objects.filter(trigger="message_received").order_by("position", "id")
    assert [r.name for r in order] == ["a", "c", "b"]


def test_rules_turn_off_and_on_and_are_deleted(manager_client):
    rule = Rule.objects.create(name="R", trigger="message_received", actions=[_tag("x")])

    manager_client.post(f"/settings/rules/{rule.pk}/toggle/")
    rule.refresh_from_db()
    assert not rule.is_active
    manager_client.post(f"/settings/rules/{rule.pk}/toggle/")
    rule.refresh_from_db()
    assert rule.is_active

    assert manager_client.post(f"/settings/rules/{rule.pk}/delete/").status_code == 302
    assert not Rule.objects.exists()


def test_a_get_never_changes_a_rule(manager_client):
    rule = Rule.objects.create(name="R", trigger="message_received", actions=[_tag("x")])

    assert manager_client.get(f"/settings/rules/{rule.pk}/delete/").status_code == 405


def test_team_routing_mode_is_set_per_team(manager_client, team_a):
    response = manager_client.post(f"/settings/rules/teams/{team_a.pk}/", {"mode": "least_loaded"})

    assert response.status_code == 302
    assert TeamRouting.objects.get(team=team_a).mode == AssignmentMode.LEAST_LOADED
    manager_client.post(f"/settings/rules/teams/{team_a.pk}/", {"mode": "chaos"})
    assert TeamRouting.objects.get(team=team_a).mode == AssignmentMode.LEAST_LOADED


# --- SLAs ------------------------------------------------------------------------------------


def _policy_post(**fields):
    return {
        "name": "Urgent",
        "priority": str(Priority.URGENT),
        "first_response_minutes": "15",
        "resolution_minutes": "240",
        "is_active": "on",
        **fields,
    }


def test_an_sla_policy_is_created(manager_client):
    assert manager_client.post("/settings/slas/", _policy_post()).status_code == 302

    policy = SlaPolicy.objects.get()
    assert (policy.priority, policy.first_response_minutes) == (Priority.URGENT, 15)
    assert "Around the clock" in manager_client.get("/settings/slas/").content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"first_response_minutes": "0"}, "At least one minute."),
        ({"resolution_minutes": "10"}, "Resolution cannot be due before the first reply."),
        ({"priority": "7"}, "Select a valid choice"),
        ({"name": ""}, "This field is required."),
    ],
)
def test_an_invalid_policy_is_explained(manager_client, fields, message):
    response = manager_client.post("/settings/slas/", _policy_post(**fields))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SlaPolicy.objects.exists()


def test_only_one_active_policy_per_priority(manager_client):
    SlaPolicy.objects.create(
        name="First", priority=Priority.URGENT, first_response_minutes=10, resolution_minutes=60
    )

    response = manager_client.post("/settings/slas/", _policy_post())
    assert response.status_code == 200
    assert "Another active policy already covers this priority." in response.content.decode()

    response = manager_client.post("/settings/slas/", _policy_post(is_active=""))
    assert response.status_code == 302  # an inactive second one is fine
    assert SlaPolicy.objects.count() == 2


def test_a_policy_is_edited_and_deleted(manager_client):
    policy = SlaPolicy.objects.create(
        name="P", priority=Priority.HIGH, first_response_minutes=30, resolution_minutes=60
    )

    response = manager_client.post(
        f"/settings/slas/{policy.pk}/", _policy_post(name="High", priority=str(Priority.HIGH))
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.name == "High"

    manager_client.post(f"/settings/slas/{policy.pk}/", {"delete": "1"})
    assert not SlaPolicy.objects.exists()


def _hours_post(**fields):
    data = {"name": "Berlin office", "timezone": "Europe/Berlin", "holidays": "2026-12-25\n"}
    for i in range(7):
        data[f"open_{i}"], data[f"close_{i}"] = ("09:00", "17:00") if i < 5 else ("", "")
    data.update(fields)
    return data


def test_business_hours_are_created(manager_client):
    assert manager_client.post("/settings/slas/hours/new/", _hours_post()).status_code == 302

    hours = BusinessHours.objects.get()
    assert hours.timezone == "Europe/Berlin"
    assert hours.week == [["09:00", "17:00"]] * 5 + [None, None]
    assert hours.holidays == ["2026-12-25"]
    assert "Mon-Fri 09:00-17:00" in manager_client.get("/settings/slas/").content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "Select a valid choice"),
        ({"open_0": "17:00", "close_0": "09:00"}, "Closes before it opens"),
        ({"open_1": "09:00", "close_1": ""}, "Give both times, or neither for closed."),
        ({"open_2": "nine"}, "Enter a valid time."),
        ({"holidays": "2026-12-25\nChristmas"}, "Not a date (YYYY-MM-DD): Christmas."),
        (
            {f"{k}_{i}": "" for i in range(7) for k in ("open", "close")},
            "Open on at least one weekday.",
        ),
    ],
)
def test_invalid_business_hours_are_explained(manager_client, fields, message):
    response = manager_client.post("/settings/slas/hours/new/", _hours_post(**fields))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BusinessHours.objects.exists()


def test_a_schedule_in_use_is_not_deleted(manager_client):
    hours = BusinessHours.objects.create(name="Office", week=[["09:00", "17:00"]] * 7)
    SlaPolicy.objects.create(
        name="P", priority=0, first_response_minutes=5, resolution_minutes=5, business_hours=hours
    )

    response = manager_client.post(
        f"/settings/slas/hours/{hours.pk}/", {"delete": "1"}, follow=True
    )

    assert "An SLA policy still counts in these hours" in response.content.decode()
    assert BusinessHours.objects.filter(pk=hours.pk).exists()
