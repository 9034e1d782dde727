"""The rules evaluator (pure) and rules running inside real ingestion."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from interactions import rules
from interactions.models import (
    BusinessHours,
    ChannelKind,
    Direction,
    Message,
    Priority,
    Rule,
    RuleTrigger,
    Thread,
    ThreadEvent,
    ThreadEventKind,
)
from interactions.rules import RuleError, matches, plan
from interactions.services.rules import rule_save, rules_run
from interactions.services.threads import thread_set_priority
from tests.factories import ChannelFactory, UserFactory
from tests.interactions.routing.conftest import receive
from tests.webhooks import twilio_post

FACTS = {
    "channel_kind": "sms",
    "text": "Order #1042: I want a REFUND, or my money   back!",
    "contact": {"plan": "Gold ", "company": "Acme"},
    "sentiment": "negative",
    "tags": {"VIP"},
    "open_hours": {3},
    "priority": 2,
}


def cond(kind, op, value, **extra):
    return {"type": kind, "op": op, "value": value, **extra}


# --- Pure: conditions -----------------------------------------------------------------------


def test_no_conditions_always_match():
    assert matches([], FACTS)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (cond("channel", "is", "sms"), True),
        (cond("channel", "is", "email"), False),
        (cond("channel", "is_not", "email"), True),
        (cond("text", "any", ["refund", "cancel"]), True),
        (cond("text", "all", ["refund", "cancel"]), False),
        (cond("text", "none", ["cancel"]), True),
        (cond("text", "any", ["money back"]), True),  # phrases match across extra spaces
        (cond("text", "any", ["#1042"]), True),
        (cond("text", "any", ["refunded"]), False),  # whole words only
        (cond("text", "any", ["fund"]), False),
        (cond("contact_attribute", "equals", "gold", attribute="plan"), True),
        (cond("contact_attribute", "equals", "silver", attribute="plan"), False),
        (cond("contact_attribute", "not_equals", "x", attribute="missing"), True),
        (cond("contact_attribute", "equals", "acme", attribute="company"), True),
        (cond("sentiment", "is", "negative"), True),
        (cond("sentiment", "is_not", "negative"), False),
        (cond("tag", "has", "vip"), True),  # tag names compare case-insensitively
        (cond("tag", "has_not", "vip"), False),
        (cond("business_hours", "inside", 3), True),
        (cond("business_hours", "outside", 3), False),
        (cond("business_hours", "inside", 4), False),
        (cond("priority", "is", 2), True),
        (cond("priority", "at_least", 3), False),
        (cond("priority", "at_most", 2), True),
    ],
)
def test_each_condition_type(condition, expected):
    assert matches([condition], FACTS) is expected


def test_every_condition_must_hold():
    assert not matches([cond("channel", "is", "sms"), cond("sentiment", "is", "positive")], FACTS)


def test_text_matching_ignores_case_both_ways():
    assert rules.contains_word("Where is my ORDER?", "order")
    assert rules.contains_word("where is my order?", "ORDER")


def test_a_malformed_condition_raises_rule_error():
    with pytest.raises(RuleError):
        matches([{"type": "weather", "value": "sunny"}], FACTS)
    with pytest.raises(RuleError):
        matches([cond("channel", "contains", "sms")], FACTS)
    with pytest.raises(RuleError):
        matches("channel is sms", FACTS)


def test_the_pure_channel_kinds_follow_the_model():
    assert list(rules.CHANNEL_KINDS) == ChannelKind.values
    assert dict(ChannelKind.choices) == rules.CHANNEL_LABELS


def test_words_from_text_splits_on_commas_and_drops_repeats():
    assert rules.words_from_text("refund, money  back;cancel\nRefund, ") == [
        "refund",
        "money back",
        "cancel",
    ]


# --- Pure: actions and validation -----------------------------------------------------------


def test_plan_normalizes_actions():
    planned = plan(
        [
            {"type": "assign_team", "value": "3"},
            {"type": "tag", "value": " refund "},
            {"type": "set_priority", "value": 3},
            {"type": "auto_reply", "text": " Thanks! "},
            {"type": "notify", "value": "user:7", "text": "Look"},
        ]
    )
    assert [(a.kind, a.value, a.text) for a in planned] == [
        ("assign_team", 3, ""),
        ("tag", "refund", ""),
        ("set_priority", 3, ""),
        ("auto_reply", None, "Thanks!"),
        ("notify", "user:7", "Look"),
    ]


@pytest.mark.parametrize(
    "action",
    [
        {"type": "explode"},
        {"type": "assign_team"},
        {"type": "assign_agent", "value": "bob"},
        {"type": "tag", "value": ""},
        {"type": "set_priority", "value": 9},
        {"type": "auto_reply", "text": "  "},
        {"type": "notify", "value": "channel:1", "text": "hi"},
        "tag it",
    ],
)
def test_plan_refuses_malformed_actions(action):
    with pytest.raises(RuleError):
        plan([action])


def test_errors_name_each_bad_condition_and_action():
    found = rules.errors(
        [cond("channel", "is", "sms"), {"type": "text", "op": "any", "value": []}],
        [{"type": "tag", "value": "ok"}, {"type": "set_priority", "value": "max"}],
    )
    assert found == {
        "conditions": ["Condition 2: List at least one word."],
        "actions": ["Action 2: Pick a priority."],
    }
    assert rules.errors([], []) == {"actions": ["Add at least one action."]}
    assert rules.errors({}, None) == {
        "conditions": ["Conditions must be a list."],
        "actions": ["Actions must be a list."],
    }


def test_descriptions_read_as_sentences():
    labels = {"team": {1: "Billing"}, "user": {2: "Alice"}, "hours": {3: "Office"}}
    assert rules.describe_condition(cond("text", "any", ["refund", "cancel"]), labels) == (
        "Message text contains any of “refund”, “cancel”"
    )
    assert (
        rules.describe_condition(cond("channel", "is_not", "sms"), labels) == "Channel is not SMS"
    )
    assert (
        rules.describe_condition(cond("business_hours", "outside", 3), labels) == "Outside Office"
    )
    assert rules.describe_action({"type": "assign_team", "value": 1}, labels) == (
        "Assign to team Billing"
    )
    assert rules.describe_action({"type": "assign_team", "value": 9}, labels) == (
        "Assign to team #9 (deleted)"
    )
    assert rules.describe_action({"type": "bogus"}, labels) == "Invalid action"


# --- The model validates what the UI and the API may store ---------------------------------


@pytest.mark.django_db
def test_the_model_refuses_malformed_json_with_one_message_per_item(team_a):
    rule = Rule(
        name="Broken",
        trigger=RuleTrigger.MESSAGE_RECEIVED,
        conditions=[{"type": "channel", "op": "is", "value": "fax"}],
        actions=[{"type": "assign_team", "value": 999_999}],
    )
    with pytest.raises(ValidationError) as caught:
        rule.full_clean()
    assert caught.value.message_dict == {"conditions": ["Condition 1: Pick a channel."]}

    rule.conditions = []
    with pytest.raises(ValidationError) as caught:
        rule.full_clean()
    assert caught.value.message_dict == {"actions": ["Action 1: that team no longer exists."]}


@pytest.mark.django_db
def test_rule_save_puts_new_rules_last_in_their_trigger(team_a):
    first = rule_save(rule=Rule(name="A", trigger="message_received", actions=[_tag("a")]))
    second = rule_save(rule=Rule(name="B", trigger="message_received", actions=[_tag("b")]))
    other = rule_save(rule=Rule(name="C", trigger="sla_warning", actions=[_tag("c")]))

    assert (first.position, second.position, other.position) == (0, 1, 0)


def _tag(name):
    return {"type": "tag", "value": name}


def _rule(name, conditions=(), actions=(), **kwargs):
    return Rule.objects.create(
        name=name,
        trigger=kwargs.pop("trigger", RuleTrigger.MESSAGE_RECEIVED),
        conditions=list(conditions),
        actions=list(actions),
        **kwargs,
    )


def _rule_events(thread):
    return list(ThreadEvent.objects.filter(thread=thread, kind=ThreadEventKind.RULE))


# --- Through real ingestion -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_signed_sms_is_tagged_and_routed_by_a_rule(client, twilio_settings, sms_channel, team_b):
    _rule(
        "Refunds to team B",
        [cond("channel", "is", "sms"), cond("text", "any", ["refund", "money back"])],
        [_tag("refund"), {"type": "assign_team", "value": team_b.pk}],
    )
    params = {
        "MessageSid": "SM" + "a" * 32,
        "AccountSid": "AC" + "0" * 32,
        "From": "+447700900123",
        "To": sms_channel.address,
        "Body": "Hi, I would like a REFUND for order 1042",
        "NumMedia": "0",
    }

    response = twilio_post(client, "/webhooks/twilio/messaging/", params)

    assert response.status_code == 200
    thread = Thread.objects.get()
    assert thread.team == team_b
    assert [t.name for t in thread.tags.all()] == ["refund"]
    (event,) = _rule_events(thread)
    assert event.data["rule"] == "Refunds to team B"
    assert event.data["trigger"] == "message_received"
    assert [a["type"] for a in event.data["actions"]] == ["tag", "assign_team"]
    # The changes are logged like anyone's, without an actor.
    kinds = set(ThreadEvent.objects.filter(thread=thread).values_list("kind", "actor"))
    assert {(ThreadEventKind.TAGS, None), (ThreadEventKind.TEAM, None)} <= kinds


@pytest.mark.django_db
def test_a_rule_that_does_not_match_does_nothing(sms_channel):
    _rule("Refunds", [cond("text", "any", ["refund"])], [_tag("refund")])

    result = receive("Where is my parcel?")

    assert not result.thread.tags.exists()
    assert _rule_events(result.thread) == []


@pytest.mark.django_db(transaction=True)
def test_a_broken_rule_never_breaks_ingestion(sms_channel):
    broken = _rule("Broken", [{"type": "weather", "value": "sunny"}], [_tag("x")])
    _rule("Works", [], [_tag("seen")])

    result = receive("Hello")

    assert Message.objects.filter(pk=result.message.pk).exists()
    assert [t.name for t in result.thread.tags.all()] == ["seen"]
    broken.refresh_from_db()
    assert "Unknown condition type" in broken.last_error
    assert broken.last_error_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_failing_action_is_recorded_and_the_others_still_apply(sms_channel):
    gone = UserFactory(is_active=False)
    rule = _rule("Give to Gone", [], [{"type": "assign_agent", "value": gone.pk}, _tag("vip")])

    result = receive("Hello")

    thread = Thread.objects.get(pk=result.thread.pk)
    assert thread.assignee_id is None
    assert [t.name for t in thread.tags.all()] == ["vip"]
    (event,) = _rule_events(thread)
    assert event.data["actions"][0]["error"] == "That user is deactivated."
    assert "error" not in event.data["actions"][1]
    rule.refresh_from_db()
    assert rule.last_error == "That user is deactivated."


@pytest.mark.django_db
def test_rules_run_in_order_and_see_each_others_changes(sms_channel):
    _rule("Escalate", [cond("sentiment", "is", "negative")], [{"type": "set_priority", "value": 3}])
    _rule("Flag urgent", [cond("priority", "is", 3)], [_tag("urgent")], position=1)

    result = receive("This is terrible, the worst service ever")

    thread = Thread.objects.get(pk=result.thread.pk)
    assert thread.priority == Priority.URGENT
    assert [t.name for t in thread.tags.all()] == ["urgent"]
    assert [e.data["rule"] for e in _rule_events(thread)] == ["Escalate", "Flag urgent"]


@pytest.mark.django_db
def test_a_rule_matching_every_message_logs_only_what_it_changed(sms_channel):
    _rule("Tag SMS", [cond("channel", "is", "sms")], [_tag("sms")])

    first = receive("Hello")
    receive("Hello again")
    receive("And again")

    assert len(_rule_events(first.thread)) == 1
    assert ThreadEvent.objects.filter(thread=first.thread, kind=ThreadEventKind.TAGS).count() == 1


@pytest.mark.django_db
def test_business_hours_are_judged_at_the_time_the_customer_wrote(sms_channel):
    office = BusinessHours.objects.create(name="Office", week=[["09:00", "17:00"]] * 5 + [None] * 2)
    _rule("After hours", [cond("business_hours", "outside", office.pk)], [_tag("after-hours")])
    saturday = datetime(2026, 6, 6, 12, tzinfo=UTC)
    monday = datetime(2026, 6, 8, 10, tzinfo=UTC)

    weekend = receive("Hello", sender="+447700900001", sent_at=saturday)
    weekday = receive("Hello", sender="+447700900002", sent_at=monday)

    assert [t.name for t in weekend.thread.tags.all()] == ["after-hours"]
    assert not weekday.thread.tags.exists()


@pytest.mark.django_db
def test_a_call_gets_no_auto_reply_and_the_rule_records_no_error(
    no_sending, django_capture_on_commit_callbacks
):
    voice = ChannelFactory(kind=ChannelKind.VOICE, address="+14155550199", provider="twilio")
    rule = _rule("Ack", [], [{"type": "auto_reply", "text": "Thanks"}])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        receive("Voicemail", channel_address=voice.address, kind=ChannelKind.VOICE)

    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()
    assert callbacks  # the ingest's own on-commit work ran, so a noted error would show
    rule.refresh_from_db()
    assert rule.last_error == ""


@pytest.mark.django_db
def test_an_old_message_gets_no_auto_reply(sms_channel, no_sending):
    _rule("Ack", [], [{"type": "auto_reply", "text": "Thanks"}])

    receive("From last week's import", sent_at=timezone.now() - timedelta(days=3))

    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()


@pytest.mark.django_db
def test_stop_processing_skips_the_rules_after_it(sms_channel):
    _rule("First", [], [_tag("first")], stop_processing=True)
    _rule("Second", [], [_tag("second")], position=1)

    result = receive("Hello")

    assert [t.name for t in result.thread.tags.all()] == ["first"]


@pytest.mark.django_db
def test_inactive_rules_do_not_run(sms_channel):
    _rule("Off", [], [_tag("off")], is_active=False)

    assert not receive("Hello").thread.tags.exists()


@pytest.mark.django_db
def test_a_rule_can_match_a_contact_attribute(sms_channel):
    _rule("Gold", [cond("contact_attribute", "equals", "gold", attribute="plan")], [_tag("gold")])
    first = receive("Hello")
    first.thread.contact.attributes = {"plan": "GOLD"}
    first.thread.contact.save()

    second = receive("Hello again", sender="+447700900999")
    third = receive("And again")  # the gold contact's next message, same thread

    assert not second.thread.tags.exists()
    assert [t.name for t in third.thread.tags.all()] == ["gold"]


@pytest.mark.django_db
def test_an_auto_reply_is_sent_once_per_message_and_is_not_the_first_response(
    sms_channel, no_sending, django_capture_on_commit_callbacks
):
    rule = _rule("Ack", [], [{"type": "auto_reply", "text": "Thanks, we are on it."}])

    with django_capture_on_commit_callbacks(execute=True):
        result = receive("Hello")

    reply = Message.objects.get(direction=Direction.OUTBOUND)
    assert reply.text == "Thanks, we are on it."
    assert reply.author is None
    assert reply.idempotency_key == f"rule-{rule.pk}-{result.thread.pk}-m{result.message.pk}"
    assert no_sending == [reply.pk]  # handed to the sending task once the ingest commits
    thread = Thread.objects.get(pk=result.thread.pk)
    assert thread.first_response_at is None
    # Running the rules again for the same message (a retried task) sends nothing more.
    rules_run(trigger=RuleTrigger.MESSAGE_RECEIVED, thread=thread, message=result.message)
    assert Message.objects.filter(direction=Direction.OUTBOUND).count() == 1


@pytest.mark.django_db
def test_an_automatic_message_gets_no_auto_reply(sms_channel, no_sending):
    _rule("Ack", [], [{"type": "auto_reply", "text": "Thanks"}])

    result = receive("I am out of office", automated=True)

    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()
    assert _rule_events(result.thread) == []  # nothing happened, nothing to log


@pytest.mark.django_db
def test_notify_is_recorded_on_the_thread(sms_channel, agent_a):
    _rule("Tell Alice", [], [{"type": "notify", "value": f"user:{agent_a.pk}", "text": "VIP!"}])

    result = receive("Hello")

    (event,) = _rule_events(result.thread)
    assert event.data["actions"] == [
        {"type": "notify", "value": f"user:{agent_a.pk}", "text": "VIP!", "to": "Alice Agent"}
    ]


@pytest.mark.django_db
def test_a_thread_change_runs_the_thread_changed_rules_once(sms_channel, manager):
    _rule(
        "Urgent means escalated",
        [cond("priority", "is", 3)],
        [_tag("escalated"), {"type": "set_priority", "value": 3}],
        trigger=RuleTrigger.THREAD_CHANGED,
    )
    thread = receive("Hello").thread

    thread_set_priority(thread=thread, priority=Priority.URGENT, actor=manager)

    assert [t.name for t in thread.tags.all()] == ["escalated"]
    # The tag the rule added is a change too, but rules never trigger themselves.
    assert len(_rule_events(thread)) == 1
