"""What marketers and agents do every day, in a real browser against the running app.

Each test is one journey through the UI (filters, search, bulk bar, keyboard shortcuts, saved
replies, live polling, presence) and checks both the page and the database. Pages must run
clean under the strict CSP: the `browsers` fixture fails a test on any violation or JS error.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import requests
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect
from twilio.request_validator import RequestValidator

from accounts.permissions import Role
from interactions.models import (
    ChannelKind,
    DeliveryStatus,
    Direction,
    Message,
    Thread,
    ThreadStatus,
)
from interactions.services.messages import message_create_note
from tests.e2e.browser import CSP_ERROR, POLL_MS, screenshot
from tests.factories import (
    ChannelFactory,
    ContactFactory,
    ContactIdentityFactory,
    MessageFactory,
    SavedReplyFactory,
    ThreadFactory,
    UserFactory,
)
from tests.webhooks import TWILIO_TOKEN

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

SMS_NUMBER = "+14155550100"


def thread_with_message(*, channel, contact_name: str, text: str, minutes_ago: int, **extra):
    """A thread whose one inbound message is `text`, last active `minutes_ago`."""
    when = timezone.now() - timedelta(minutes=minutes_ago)
    thread = ThreadFactory(
        channel=channel,
        contact=ContactFactory(name=contact_name),
        subject="" if channel.kind == ChannelKind.SMS else f"About: {text}",
        preview=text,
        created_at=when,
        **extra,
    )
    MessageFactory(thread=thread, text=text, created_at=when)
    return thread


def row(page, contact_name: str):
    return page.locator("li.thread-item").filter(has=page.locator(".who", has_text=contact_name))


def toast(page, text: str):
    return page.locator("#toasts .toast", has_text=text)


def test_a_marketer_filters_searches_and_bulk_assigns(browsers, live, marketer, agent_a, team_a):
    sms = ChannelFactory(kind=ChannelKind.SMS, name="SMS line")  # texts have no subject
    email = ChannelFactory(kind=ChannelKind.EMAIL, name="Support mailbox")
    nora = thread_with_message(
        channel=sms, contact_name="Nora Quinn", text="My parcel never arrived", minutes_ago=5
    )
    omar = thread_with_message(
        channel=sms, contact_name="Omar Reyes", text="The parcel came damaged", minutes_ago=10
    )
    invoice = thread_with_message(
        channel=sms, contact_name="Ivy Chen", text="Please resend my invoice", minutes_ago=15
    )
    thread_with_message(
        channel=sms,
        contact_name="Pia Resolved",
        text="parcel found, thanks",
        minutes_ago=20,
        resolved=True,
    )
    thread_with_message(
        channel=email, contact_name="Emil Mailer", text="Where is my parcel?", minutes_ago=25
    )

    page = browsers.open_as(marketer)
    page.get_by_role("navigation", name="Status").get_by_role("link", name="All").click()
    expect(page.locator("a.thread-row")).to_have_count(5)
    screenshot(page, "inbox")

    # Filters: a channel (the select submits itself), then the Open tab, which keeps it.
    page.select_option("#id_channel", "sms")
    expect(page).to_have_url(re.compile(r"channel=sms"))
    expect(page.locator("a.thread-row")).to_have_count(4)
    page.get_by_role("navigation", name="Status").get_by_role("link", name="Open").click()
    expect(page).to_have_url(re.compile(r"status=open.*channel=sms|channel=sms.*status=open"))
    page.wait_for_load_state()  # the shortcuts below come from deferred scripts
    expect(page.locator("a.thread-row")).to_have_count(3)
    expect(row(page, "Pia Resolved")).to_have_count(0)

    # Search: `/` focuses the box; Enter searches within the filters; hits are marked.
    page.keyboard.press("/")
    expect(page.locator("#id_q")).to_be_focused()
    page.keyboard.type("parcel")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"q=parcel"))
    expect(page.locator("a.thread-row")).to_have_count(2)
    expect(row(page, "Nora Quinn").locator(".snippet mark")).to_have_text(
        re.compile("parcel", re.I)
    )
    expect(row(page, "Omar Reyes").locator(".snippet mark")).to_have_text(
        re.compile("parcel", re.I)
    )
    expect(row(page, "Ivy Chen")).to_have_count(0)
    screenshot(page, "search-results")

    # Bulk: tick both rows, pick the agent, Assign.
    row(page, "Nora Quinn").locator("input.row-check").check()
    row(page, "Omar Reyes").locator("input.row-check").check()
    expect(page.locator("[data-bulk-count]")).to_have_text("2 selected")
    page.locator("#bulk-form select[name=assignee]").select_option(label="Alice Agent")
    page.locator("#bulk-form button[value=assign]").click()

    expect(toast(page, "Updated 2 conversations.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=parcel"))  # back on the same search
    page.wait_for_load_state()
    for name in ("Nora Quinn", "Omar Reyes"):
        expect(row(page, name).locator('.avatar[title="Alice Agent"]')).to_be_visible()
    with live.db():
        assigned = set(Thread.objects.filter(assignee=agent_a).values_list("pk", flat=True))
        invoice.refresh_from_db()
    assert assigned == {nora.pk, omar.pk}
    assert invoice.assignee_id is None

    # `g s` goes to the settings.
    page.keyboard.press("g")
    page.keyboard.press("s")
    expect(page).to_have_url(re.compile(r"/settings/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")
    screenshot(page, "settings")


def test_an_agent_answers_with_a_saved_reply_and_resolves_by_keyboard(
    browsers, live, agent_a, team_a
):
    mailbox = ChannelFactory(kind=ChannelKind.EMAIL, name="Support mailbox", default_team=team_a)
    thread_with_message(
        channel=mailbox,
        contact_name="Older Customer",
        text="An older question",
        minutes_ago=60,
        team=team_a,
    )
    priya = ContactFactory(name="Priya Patel")
    ContactIdentityFactory(contact=priya, value="priya@mail.example")
    thread = ThreadFactory(
        channel=mailbox,
        contact=priya,
        team=team_a,
        subject="Order #2024",
        preview="My order has not arrived",
    )
    MessageFactory(thread=thread, text="Hello, my order #2024 has not arrived yet.")
    SavedReplyFactory(
        title="Order on its way",
        shortcut="onway",
        body="Hi {{ contact.first_name }}, thanks for reaching out! Your order is on its way.",
    )
    expected = "Hi Priya, thanks for reaching out! Your order is on its way."

    page = browsers.open_as(agent_a)
    # j puts the cursor on the first (newest) row, Enter opens it.
    page.keyboard.press("j")
    expect(row(page, "Priya Patel").locator("a.thread-row")).to_have_class(re.compile("is-cursor"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/inbox/threads/{thread.pk}/$"))
    # The URL changes before the deferred composer script has wired the picker.
    expect(page.locator("#composer[data-wired]")).to_have_count(1)

    page.locator("[data-saved-reply]").select_option(label="Order on its way (/onway)")
    expect(page.locator("[data-reply]")).to_have_value(expected)
    screenshot(page, "thread-composer")
    page.locator("[data-send]").click()

    expect(toast(page, "Reply sent.")).to_be_visible()
    outbound = page.locator("#conversation article.msg-outbound")
    expect(outbound.locator(".msg-text")).to_have_text(expected)
    expect(outbound.locator(".msg-head")).to_contain_text("Alice Agent")
    with live.db():
        reply = Message.objects.get(thread=thread, direction=Direction.OUTBOUND)
    assert reply.text == expected
    assert reply.author_id == agent_a.pk
    assert reply.delivery_status in {DeliveryStatus.QUEUED, DeliveryStatus.SENT}
    assert [m.to for m in mail.outbox] == [["Priya Patel <priya@mail.example>"]]
    assert expected in mail.outbox[0].body

    # e resolves (focus is on the page, not in a text box) and goes back to the inbox.
    page.wait_for_load_state()
    page.keyboard.press("e")
    expect(page).to_have_url(re.compile(r"/inbox/$"))
    expect(toast(page, "Resolved.")).to_be_visible()
    expect(row(page, "Priya Patel")).to_have_count(0)  # the Open tab no longer lists it
    expect(row(page, "Older Customer")).to_have_count(1)
    with live.db():
        thread.refresh_from_db()
    assert thread.status == ThreadStatus.RESOLVED


def inbound_sms(body: str, sender: str = "+447700900123") -> dict:
    """The parameters Twilio documents for an incoming message webhook."""
    sid = "SM" + "b" * 32
    return {
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "To": SMS_NUMBER,
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }


def test_an_sms_posted_to_the_webhook_appears_in_the_open_inbox_without_a_reload(
    browsers, live, agent_a, team_a
):
    sms = ChannelFactory(kind=ChannelKind.SMS, address=SMS_NUMBER, default_team=team_a)
    thread_with_message(
        channel=sms,
        contact_name="Earlier Caller",
        text="Earlier question",
        minutes_ago=30,
        team=team_a,
    )
    page = browsers.open_as(agent_a)
    expect(page.locator("a.thread-row")).to_have_count(1)
    page.evaluate("window.__notReloaded = true")

    url = f"{live.url}/webhooks/twilio/messaging/"
    params = inbound_sms("Is my order #1042 on its way?")
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
    posted = time.monotonic()
    response = requests.post(
        url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10
    )
    assert response.status_code == 200, response.text

    new_row = page.locator("a.thread-row", has_text="Is my order #1042 on its way?")
    expect(new_row).to_be_visible(timeout=POLL_MS)
    assert time.monotonic() - posted < 10  # the next 5 s poll brought it, not a later one
    assert page.evaluate("window.__notReloaded") is True  # swapped in by the poll, not a reload
    expect(page.locator("a.thread-row")).to_have_count(2)
    with live.db():
        message = Message.objects.get(text="Is my order #1042 on its way?")
    assert message.direction == Direction.INBOUND
    assert message.thread.team_id == team_a.pk


def test_two_agents_on_one_thread_see_each_other_viewing_and_replying(
    browsers, live, agent_a, team_a
):
    carla = UserFactory(
        email="carla@example.com", full_name="Carla Colleague", role=Role.AGENT, teams=[team_a]
    )
    mailbox = ChannelFactory(kind=ChannelKind.EMAIL, default_team=team_a)
    thread = thread_with_message(
        channel=mailbox,
        contact_name="Priya Patel",
        text="Can someone help me?",
        minutes_ago=2,
        team=team_a,
    )
    alice_page = browsers.open_as(agent_a)
    carla_page = browsers.open_as(carla)
    alice_page.goto(f"/inbox/threads/{thread.pk}/")
    carla_page.goto(f"/inbox/threads/{thread.pk}/")

    alice_sees = alice_page.locator("#presence")
    carla_sees = carla_page.locator("#presence")
    expect(carla_sees).to_contain_text("Alice Agent is viewing", timeout=POLL_MS)
    expect(alice_sees).to_contain_text("Carla Colleague is viewing", timeout=POLL_MS)

    alice_page.locator("[data-reply]").press_sequentially("Let me look into it", delay=20)
    expect(carla_sees).to_contain_text("Alice Agent is replying", timeout=POLL_MS)
    expect(carla_sees.locator(".presence-chip.is-replying")).to_have_count(1)
    screenshot(carla_page, "thread-presence")


def test_quoted_history_a_reader_opened_stays_open_through_a_live_update(
    browsers, live, agent_a, team_a
):
    mailbox = ChannelFactory(kind=ChannelKind.EMAIL, default_team=team_a)
    thread = thread_with_message(
        channel=mailbox, contact_name="Bob Smith", text="Cancel it", minutes_ago=5, team=team_a
    )
    MessageFactory(
        thread=thread,
        text="Please cancel the order.",
        html="<p>Please cancel the order.</p><blockquote><p>Your quote is ready.</p></blockquote>",
    )
    page = browsers.open_as(agent_a)
    page.goto(f"/inbox/threads/{thread.pk}/")
    page.locator("details.msg-quoted summary").click()
    expect(page.locator("details.msg-quoted")).to_have_attribute("open", "")
    page.evaluate("window.__notReloaded = true")

    with live.db():  # a colleague's note: the open page re-renders its conversation
        message_create_note(thread=thread, author=agent_a, text="Refund approved")

    expect(page.locator(".msg-note", has_text="Refund approved")).to_be_visible(timeout=POLL_MS)
    assert page.evaluate("window.__notReloaded") is True
    expect(page.locator("details.msg-quoted")).to_have_attribute("open", "")
    expect(page.locator("details.msg-quoted")).to_contain_text("Your quote is ready.")


def test_an_injected_inline_script_is_refused_and_reported(browsers, agent_a):
    """The CSP check is not vacuous: Chromium enforces the app's policy, the fixture hears it."""
    page = browsers.open_as(agent_a)
    with page.expect_console_message(lambda m: bool(CSP_ERROR.search(m.text))):
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.__inlineRan = true";
                document.head.append(script);
            }"""
        )
    assert page.evaluate("window.__inlineRan") is None
    assert any("inline script violates" in p and "script-src" in p for p in browsers.problems)
    browsers.problems.clear()  # expected here; anywhere else it fails the test


@pytest.mark.parametrize("path", ["/inbox/", "thread", "/contacts/", "/reports/", "/settings/"])
def test_pages_fit_a_phone_without_sideways_scrolling(browsers, admin_user, team_a, path):
    thread = thread_with_message(
        channel=ChannelFactory(kind=ChannelKind.EMAIL),
        contact_name="Bob Smith",
        text="Where is my parcel?",
        minutes_ago=5,
        team=team_a,
    )
    ThreadFactory(
        team=team_a, contact=thread.contact, subject="A subject long enough to need an ellipsis"
    )
    page = browsers.open_as(admin_user)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/inbox/threads/{thread.pk}/" if path == "thread" else path)

    # Wide content (tab bars, tables, the top navigation) scrolls inside its own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
