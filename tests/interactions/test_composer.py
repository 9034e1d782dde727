"""The reply composer on the thread page: channel-aware, brand-checked, idempotent."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from interactions.models import BrandVoice, ChannelKind, DeliveryStatus, Message
from tests.factories import (
    ChannelFactory,
    ContactIdentityFactory,
    MessageFactory,
    SavedReplyFactory,
    ThreadFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def email_thread(team_a):
    channel = ChannelFactory(kind=ChannelKind.EMAIL, address="support@shop.example", provider="email")
    thread = ThreadFactory(team=team_a, channel=channel, subject="Broken zipper")
    ContactIdentityFactory(contact=thread.contact, value="jane@example.com")
    MessageFactory(thread=thread, text="The zipper broke.", provider_message_id="<c1@example.com>")
    return thread


def reply(client, thread, **data):
    payload = {"idempotency_key": data.pop("key", "k-1"), "text": "Hi Jane, a new one is on its way.", **data}
    return client.post(reverse("thread_reply", args=[thread.pk]), payload)


def test_an_agent_replies_and_the_reply_is_queued_once(agent_a_client, email_thread, django_capture_on_commit_callbacks):
    response = reply(agent_a_client, email_thread, subject="Re: Broken zipper", cc="boss@example.com")
    again = reply(agent_a_client, email_thread, subject="Re: Broken zipper")  # double click: same key

    assert response.status_code == 302 and again.status_code == 302
    sent = Message.objects.filter(direction="outbound")
    assert sent.count() == 1
    assert sent.get().meta["cc"] == ["boss@example.com"]


def test_an_empty_reply_is_a_field_error(agent_a_client, email_thread):
    response = reply(agent_a_client, email_thread, text="  ")
    assert response.status_code == 400
    assert "Write a reply" in response.content.decode()


def test_an_off_brand_reply_comes_back_with_warnings_then_sends_when_confirmed(agent_a_client, email_thread):
    BrandVoice.objects.create(banned_phrases="unfortunately", required_phrases="", warn_negative_tone=False)

    warned = reply(agent_a_client, email_thread, text="Unfortunately it is sold out.")
    assert warned.status_code == 200
    page = warned.content.decode()
    assert "banned list" in page and "Send anyway" in page
    assert not Message.objects.filter(direction="outbound").exists()

    confirmed = reply(agent_a_client, email_thread, text="Unfortunately it is sold out.", brand_confirmed="1")
    assert confirmed.status_code == 302
    assert Message.objects.filter(direction="outbound").count() == 1


def test_the_live_check_reports_issues_as_the_agent_types(agent_a_client, email_thread):
    BrandVoice.objects.create(banned_phrases="per our policy", warn_negative_tone=False)
    answer = agent_a_client.post(reverse("thread_compose_check", args=[email_thread.pk]), {"text": "Per our policy no."})
    assert "banned list" in answer.content.decode()


def test_send_later_schedules_the_reply(agent_a_client, email_thread):
    when = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = reply(agent_a_client, email_thread, send_at=when)
    assert response.status_code == 302
    assert Message.objects.get(direction="outbound").delivery_status == DeliveryStatus.SCHEDULED


def test_send_later_in_the_past_is_refused(agent_a_client, email_thread):
    when = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = reply(agent_a_client, email_thread, send_at=when)
    assert response.status_code == 400 and "in the future" in response.content.decode()


def test_quoting_appends_the_customers_message(agent_a_client, email_thread):
    reply(agent_a_client, email_thread, include_quote="on")
    text = Message.objects.get(direction="outbound").text
    assert "> The zipper broke." in text and "wrote:" in text


def test_whatsapp_outside_the_window_explains_and_refuses_free_text(agent_a_client, team_a):
    channel = ChannelFactory(kind=ChannelKind.WHATSAPP, address="+14155238886", provider="twilio",
                             config={"templates": {"order_update": "HX123"}})
    thread = ThreadFactory(team=team_a, channel=channel, last_inbound_at=timezone.now() - timedelta(days=2))
    ContactIdentityFactory(contact=thread.contact, whatsapp=True)

    page = agent_a_client.get(reverse("thread_detail", args=[thread.pk])).content.decode()
    assert "Outside WhatsApp" in page and "order_update" in page

    refused = reply(agent_a_client, thread, text="Hello again!")
    assert refused.status_code == 400 and "24-hour" in refused.content.decode()
    allowed = reply(agent_a_client, thread, text="", template="order_update", key="k-2")
    assert allowed.status_code == 302


def test_saved_replies_are_offered_with_placeholders_filled(agent_a_client, email_thread):
    email_thread.contact.name = "Jane Doe"
    email_thread.contact.save()
    SavedReplyFactory(title="Thanks", shortcut="thanks", body="Hi {{ contact.first_name }}, thanks! {{ agent.first_name }}")

    page = agent_a_client.get(reverse("thread_detail", args=[email_thread.pk])).content.decode()

    assert "Hi Jane, thanks! Alice" in page
    assert "(/thanks)" in page


def test_a_call_thread_explains_that_calls_are_answered_by_phone(agent_a_client, team_a):
    channel = ChannelFactory(kind=ChannelKind.VOICE, address="+14155550100", provider="twilio")
    thread = ThreadFactory(team=team_a, channel=channel)
    page = agent_a_client.get(reverse("thread_detail", args=[thread.pk])).content.decode()
    assert "answered by phone" in page


def test_marketing_maintains_saved_replies_and_brand_voice(marketer_client, agent_a_client):
    created = marketer_client.post(reverse("settings_saved_replies"), {"title": "Refund", "shortcut": "refund", "body": "Hi {{ contact.first_name }}"})
    assert created.status_code == 302
    voice = marketer_client.post(reverse("settings_brand_voice"), {"banned_phrases": "asap", "required_phrases": "", "warn_negative_tone": "on"})
    assert voice.status_code == 302
    assert BrandVoice.current().banned_phrases == "asap"
    assert agent_a_client.get(reverse("settings_saved_replies")).status_code == 403
