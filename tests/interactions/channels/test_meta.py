"""Meta: Messenger, Instagram, WhatsApp Cloud and comments, through the real webhook path.

Payloads come from tests/fixtures/meta/ (shaped like Meta's documented examples) and are signed
the way Meta signs them: X-Hub-Signature-256 = sha256=<hex HMAC-SHA256 of the raw body>. Sends
go to a loopback server speaking the Graph API's request and error formats.
"""

import copy
import json
import socket
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from interactions import live
from interactions.channels.base import SendError, TransientSendError, body_digest
from interactions.channels.meta import MetaAdapter, graph
from interactions.models import (
    ChannelKind,
    DeliveryStatus,
    Direction,
    EventStatus,
    FetchStatus,
    InboundEvent,
    Message,
    Thread,
)
from interactions.types import (
    AttachmentData,
    Identity,
    InboundMessage,
    OutboundRequest,
    StatusUpdate,
    WatermarkUpdate,
)
from tests.factories import (
    ChannelFactory,
    ContactIdentityFactory,
    MessageFactory,
    ThreadFactory,
)
from tests.fakes.provider_server import ProviderServer
from tests.webhooks import META_SECRET, hmac_sha256_hex, meta_post

through_http = pytest.mark.django_db(transaction=True)

URL = "/webhooks/meta/"
VERIFY_TOKEN = "test-meta-verify-token"
TOKEN = "EAAG-test-page-token"
GRAPH = "https://graph.facebook.com/v21.0"
PAGE_ID = "106543210987654"
OTHER_PAGE_ID = "209876543210123"
PSID = "6785432109876543"
IG_ID = "17841405822304914"
IGSID = "1264789012345678"
PHONE_NUMBER_ID = "106540352242922"
WA_NUMBER = "+16505551234"
REPLY_MID = "m_reply1Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlq"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "meta"


def load(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture(autouse=True)
def meta_settings(settings):
    settings.META_APP_SECRET = META_SECRET
    settings.META_VERIFY_TOKEN = VERIFY_TOKEN
    settings.META_GRAPH_API_BASE = GRAPH


def meta_channel(kind, address, team=None):
    return ChannelFactory(
        kind=kind,
        address=address,
        provider="meta",
        config={"access_token": TOKEN},
        default_team=team,
    )


@pytest.fixture
def page(team_a):
    return meta_channel(ChannelKind.MESSENGER, PAGE_ID, team_a)


@pytest.fixture
def instagram(team_a):
    return meta_channel(ChannelKind.INSTAGRAM, IG_ID, team_a)


@pytest.fixture
def whatsapp(team_a):
    return meta_channel(ChannelKind.WHATSAPP, PHONE_NUMBER_ID, team_a)


def our_reply(channel, provider_message_id, status=DeliveryStatus.SENT):
    return MessageFactory(
        thread=ThreadFactory(channel=channel),
        outbound=True,
        provider_message_id=provider_message_id,
        delivery_status=status,
    )


# --- The handshake -------------------------------------------------------------------------


@through_http
def test_the_handshake_answers_the_challenge_as_plain_text(client):
    response = client.get(
        URL,
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )

    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@through_http
@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "guessed", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_the_handshake_refuses_a_wrong_token_or_mode(client, params):
    assert client.get(URL, params).status_code == 403


@through_http
def test_without_a_verify_token_the_handshake_is_refused(client, settings):
    settings.META_VERIFY_TOKEN = ""
    params = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    assert client.get(URL, params).status_code == 403


# --- Signatures and shapes -----------------------------------------------------------------


@through_http
def test_a_signed_messenger_message_opens_a_thread_for_the_sender(client, page, team_a):
    payload = load("messenger_text")

    response = meta_post(client, URL, payload)

    assert response.status_code == 200
    message = Message.objects.get()
    assert message.text == "Hi! My order #1042 has not arrived yet."
    assert message.direction == Direction.INBOUND and message.kind == "message"
    assert message.created_at == datetime.fromtimestamp(1767261599.871, tz=UTC)
    thread = message.thread
    assert thread.channel == page and thread.team == team_a and thread.is_unread
    identity = thread.contact.identities.get()
    assert (identity.kind, identity.value) == ("messenger", PSID)
    event = InboundEvent.objects.get()
    assert event.provider == "meta"
    assert event.provider_event_id == body_digest(json.dumps(payload).encode())
    assert event.payload == payload
    assert event.status == EventStatus.PROCESSED


@through_http
def test_a_bad_signature_is_refused_and_nothing_is_stored(client, page):
    response = meta_post(client, URL, load("messenger_text"), secret="not-the-app-secret")

    assert response.status_code == 403
    assert not InboundEvent.objects.exists()
    assert not Message.objects.exists()


@through_http
def test_a_missing_signature_is_refused(client, page):
    assert meta_post(client, URL, load("messenger_text"), signature="").status_code == 403
    assert not InboundEvent.objects.exists()


@through_http
def test_the_signature_covers_the_exact_bytes_received(client, page):
    payload = load("messenger_text")
    signed_for = "sha256=" + hmac_sha256_hex(META_SECRET, json.dumps(payload).encode())

    # Same JSON, other bytes (re-serialized): the signature no longer matches.
    response = meta_post(client, URL, json.dumps(payload, indent=2).encode(), signature=signed_for)

    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


@through_http
def test_without_an_app_secret_meta_traffic_is_refused(client, page, settings):
    settings.META_APP_SECRET = ""

    response = meta_post(client, URL, load("messenger_text"), secret="")

    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


@through_http
@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'{"object": "page"}',
        b'{"entry": []}',
        b'{"object": "page", "entry": {"id": "1"}}',
    ],
)
def test_a_malformed_delivery_is_a_400(client, page, body):
    response = meta_post(client, URL, body)

    assert response.status_code == 400
    assert not InboundEvent.objects.exists()


@through_http
def test_a_redelivery_stores_one_event_and_one_message(client, page):
    for _ in range(3):
        assert meta_post(client, URL, load("messenger_text")).status_code == 200

    assert InboundEvent.objects.count() == 1
    assert Message.objects.count() == 1
    assert Thread.objects.get().message_count == 1


@through_http
def test_the_same_message_in_another_batch_is_stored_once(client, page):
    first = load("messenger_text")
    later = copy.deepcopy(first)
    later["entry"][0]["time"] += 5000  # Meta retried inside a new batch: other bytes

    meta_post(client, URL, first)
    meta_post(client, URL, later)

    assert InboundEvent.objects.count() == 2
    assert Message.objects.count() == 1


@through_http
def test_a_message_to_a_page_we_do_not_have_fails_with_the_reason(client, page):
    payload = load("messenger_text")
    payload["entry"][0]["id"] = "999000999000999"

    assert meta_post(client, URL, payload).status_code == 200

    event = InboundEvent.objects.get()
    assert event.status == EventStatus.FAILED
    assert "999000999000999" in event.error


# --- Messenger and Instagram direct messages -------------------------------------------------


@through_http
def test_every_entry_and_every_event_of_a_batch_is_processed(client, page, team_a):
    other_page = meta_channel(ChannelKind.MESSENGER, OTHER_PAGE_ID, team_a)
    reply = our_reply(page, REPLY_MID)

    assert meta_post(client, URL, load("messenger_batch")).status_code == 200

    assert InboundEvent.objects.get().status == EventStatus.PROCESSED
    inbound = Message.objects.filter(direction=Direction.INBOUND)
    assert [m.text for m in inbound.filter(channel=page)] == ["Hello?", "Is anyone there?"]
    [portugal] = inbound.filter(channel=other_page)
    assert portugal.text == "Do you ship to Portugal?"
    assert portugal.thread.contact.identities.get().value == "5512345678901234"
    assert portugal.thread.contact != inbound.filter(channel=page).first().thread.contact
    assert inbound.filter(channel=page).values("thread").distinct().count() == 1
    assert not Message.objects.filter(text="Yes, we do!").exists()  # the echo
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.DELIVERED


def test_parse_returns_an_item_for_every_event_of_every_entry():
    items = MetaAdapter().parse(load("messenger_batch"), "")

    assert [type(i) for i in items] == [
        InboundMessage,
        InboundMessage,
        StatusUpdate,
        WatermarkUpdate,
        InboundMessage,
    ]
    assert [i.channel_address for i in items] == [
        PAGE_ID,
        PAGE_ID,
        PAGE_ID,
        PAGE_ID,
        OTHER_PAGE_ID,
    ]
    watermark = items[3]
    assert (watermark.customer, watermark.status) == (PSID, "delivered")
    assert watermark.watermark == datetime.fromtimestamp(1767262100.240, tz=UTC)


@through_http
def test_echoes_of_our_own_sends_are_ignored(client, page):
    assert meta_post(client, URL, load("messenger_echo")).status_code == 200

    assert InboundEvent.objects.get().status == EventStatus.PROCESSED
    assert not Message.objects.exists()
    assert not Thread.objects.exists()


@through_http
def test_messenger_attachments_are_kept_for_the_fetcher(client, page):
    meta_post(client, URL, load("messenger_attachment"))

    attachment = Message.objects.get().attachments.get()
    assert attachment.fetch_status == FetchStatus.PENDING
    assert attachment.source_url.startswith("https://scontent.xx.fbcdn.net/v/t1.15752-9/")
    assert attachment.filename == "471612345_damaged_box.jpg"
    assert attachment.content_type == "image/jpeg"


@through_http
def test_a_delivery_receipt_marks_our_reply_delivered(client, page):
    reply = our_reply(page, REPLY_MID)

    meta_post(client, URL, load("messenger_delivery"))

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.DELIVERED


def watermark_of(payload: dict, field: str) -> datetime:
    millis = payload["entry"][0]["messaging"][0][field]["watermark"]
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def customer_thread(channel, psid=PSID, contact=None, **extra):
    """A DM thread with the person whose id on `channel` is `psid`."""
    identity = ContactIdentityFactory(
        kind=channel.kind, value=psid, **({"contact": contact} if contact else {})
    )
    return ThreadFactory(channel=channel, contact=identity.contact, **extra)


def reply_at(thread, at, status=DeliveryStatus.SENT):
    return MessageFactory(thread=thread, outbound=True, delivery_status=status, created_at=at)


@through_http
def test_a_messenger_read_marks_our_replies_up_to_the_watermark_read(client, page):
    payload = load("messenger_read")
    watermark = watermark_of(payload, "read")
    thread = customer_thread(page)
    second = timedelta(seconds=1)
    sent, delivered = (
        reply_at(thread, watermark - 9 * second),
        reply_at(thread, watermark, "delivered"),
    )
    later = reply_at(thread, watermark + second)
    failed = reply_at(thread, watermark - second, DeliveryStatus.FAILED)
    queued = reply_at(thread, watermark - second, DeliveryStatus.QUEUED)  # its send is in flight
    theirs = MessageFactory(thread=thread, created_at=watermark - 5 * second)

    assert meta_post(client, URL, payload).status_code == 200

    statuses = dict(Message.objects.values_list("pk", "delivery_status"))
    assert statuses[sent.pk] == statuses[delivered.pk] == DeliveryStatus.READ
    assert statuses[later.pk] == DeliveryStatus.SENT
    assert statuses[failed.pk] == DeliveryStatus.FAILED
    assert statuses[queued.pk] == DeliveryStatus.QUEUED
    assert statuses[theirs.pk] == DeliveryStatus.NONE
    event = InboundEvent.objects.get()
    assert (event.status, event.error, event.attempts) == (EventStatus.PROCESSED, "", 1)


@through_http
def test_a_messenger_read_leaves_other_people_pages_and_comment_threads_alone(client, page, team_a):
    payload = load("messenger_read")
    earlier = watermark_of(payload, "read") - timedelta(minutes=1)
    thread = customer_thread(page)
    mine = reply_at(thread, earlier)
    someone_else = reply_at(customer_thread(page, psid="7000000000000001"), earlier)
    other_page = meta_channel(ChannelKind.MESSENGER, OTHER_PAGE_ID, team_a)
    same_person_elsewhere = reply_at(
        customer_thread(other_page, psid="7000000000000002", contact=thread.contact), earlier
    )
    # Our public answer under their comment on a post: a DM read says nothing about it.
    comment_reply = reply_at(
        ThreadFactory(channel=page, contact=thread.contact, conversation_key="106543210987654_1"),
        earlier,
    )

    meta_post(client, URL, payload)

    statuses = dict(Message.objects.values_list("pk", "delivery_status"))
    assert statuses[mine.pk] == DeliveryStatus.READ
    assert statuses[someone_else.pk] == DeliveryStatus.SENT
    assert statuses[same_person_elsewhere.pk] == DeliveryStatus.SENT
    assert statuses[comment_reply.pk] == DeliveryStatus.SENT


@through_http
def test_a_messenger_read_moves_every_reply_in_one_update_and_refreshes_open_pages(client, page):
    payload = load("messenger_read")
    earlier = watermark_of(payload, "read") - timedelta(minutes=1)
    old = customer_thread(page, resolved=True)
    current = ThreadFactory(channel=page, contact=old.contact)
    untouched = customer_thread(page, psid="7000000000000001")
    for thread in (old, current):
        for _ in range(10):
            reply_at(thread, earlier)
    reply_at(untouched, earlier)
    versions = {t.pk: live.thread_version(t.pk) for t in (old, current, untouched)}

    with CaptureQueriesContext(connection) as queries:
        meta_post(client, URL, payload)

    updates = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("UPDATE") and "interactions_message" in q["sql"].split("SET")[0]
    ]
    assert len(updates) == 1
    assert Message.objects.filter(delivery_status=DeliveryStatus.READ).count() == 20
    assert live.thread_version(old.pk) != versions[old.pk]
    assert live.thread_version(current.pk) != versions[current.pk]
    assert live.thread_version(untouched.pk) == versions[untouched.pk]


@through_http
def test_a_read_from_someone_we_never_wrote_to_is_processed_as_a_no_op(client, page):
    MessageFactory(thread=customer_thread(page))  # they wrote; we have not answered yet

    assert meta_post(client, URL, load("messenger_read")).status_code == 200

    event = InboundEvent.objects.get()
    assert (event.status, event.error, event.attempts) == (EventStatus.PROCESSED, "", 1)
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()


@through_http
def test_a_delivery_watermark_without_mids_marks_earlier_replies_delivered(client, page):
    # Older Messenger clients send only the watermark; it is always present.
    payload = load("messenger_delivery")
    del payload["entry"][0]["messaging"][0]["delivery"]["mids"]
    watermark = watermark_of(payload, "delivery")
    thread = customer_thread(page)
    sent = reply_at(thread, watermark - timedelta(seconds=30))
    read = reply_at(thread, watermark - timedelta(seconds=20), DeliveryStatus.READ)
    later = reply_at(thread, watermark + timedelta(seconds=1))

    meta_post(client, URL, payload)

    statuses = dict(Message.objects.values_list("pk", "delivery_status"))
    assert statuses[sent.pk] == DeliveryStatus.DELIVERED
    assert statuses[read.pk] == DeliveryStatus.READ  # never backwards
    assert statuses[later.pk] == DeliveryStatus.SENT
    assert InboundEvent.objects.get().status == EventStatus.PROCESSED


@through_http
def test_a_delivery_with_mids_also_covers_earlier_replies_up_to_its_watermark(client, page):
    payload = load("messenger_delivery")
    thread = customer_thread(page)
    earlier = reply_at(thread, watermark_of(payload, "delivery") - timedelta(minutes=5))
    named = MessageFactory(
        thread=thread,
        outbound=True,
        provider_message_id=REPLY_MID,
        created_at=watermark_of(payload, "delivery") + timedelta(milliseconds=40),
    )

    meta_post(client, URL, payload)

    earlier.refresh_from_db()
    named.refresh_from_db()
    assert earlier.delivery_status == named.delivery_status == DeliveryStatus.DELIVERED


@through_http
def test_an_instagram_dm_opens_a_thread_with_an_instagram_identity(client, instagram):
    meta_post(client, URL, load("instagram_message"))

    message = Message.objects.get()
    assert message.channel == instagram
    assert message.text == "Is the blue jacket back in stock?"
    identity = message.thread.contact.identities.get()
    assert (identity.kind, identity.value) == ("instagram", IGSID)
    assert message.attachments.get().source_url.startswith("https://lookaside.fbsbx.com/")


@through_http
def test_instagram_seen_marks_that_reply_read_and_no_other(client, instagram):
    mid = load("instagram_seen")["entry"][0]["messaging"][0]["read"]["mid"]
    reply = our_reply(instagram, mid, status=DeliveryStatus.SENT)
    # Instagram names the message seen: an earlier reply to someone else is not touched.
    other = our_reply(
        instagram, "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0OnJlcGx5MgZDZD"
    )

    meta_post(client, URL, load("instagram_seen"))

    reply.refresh_from_db()
    other.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.READ
    assert other.delivery_status == DeliveryStatus.SENT
    assert InboundEvent.objects.get().status == EventStatus.PROCESSED


# --- Comments on the brand's posts ---------------------------------------------------------


def fb_comment(comment_id, post_id, *, author=("7123456789012345", "Ana Souza"), verb="add"):
    payload = load("facebook_comment")
    value = payload["entry"][0]["changes"][0]["value"]
    value.update(comment_id=comment_id, post_id=post_id, parent_id=post_id, verb=verb)
    value["from"] = {"id": author[0], "name": author[1]}
    value["message"] = f"Comment {comment_id}"
    return payload


@through_http
def test_facebook_comments_thread_per_post_and_person(client, page):
    post_a, post_b = f"{PAGE_ID}_1001", f"{PAGE_ID}_2002"
    meta_post(client, URL, load("facebook_comment"))  # Ana on the fixture's post
    meta_post(client, URL, fb_comment("c-2", post_a))
    meta_post(client, URL, fb_comment("c-3", post_a))
    meta_post(client, URL, fb_comment("c-4", post_b))
    meta_post(client, URL, fb_comment("c-5", post_a, author=(PAGE_ID, "Our Shop")))  # our reply
    meta_post(client, URL, fb_comment("c-2", post_a, verb="edited"))

    comments = Message.objects.filter(kind="comment")
    assert comments.count() == 4
    assert not Message.objects.filter(provider_message_id="c-5").exists()
    keys = dict(Thread.objects.values_list("conversation_key", "message_count"))
    assert keys == {"106543210987654_122131676912594941": 1, post_a: 2, post_b: 1}
    contact = comments.first().thread.contact
    assert contact.name == "Ana Souza"
    assert Thread.objects.values("contact").distinct().count() == 1
    identity = contact.identities.get()
    assert (identity.kind, identity.value) == ("messenger", "7123456789012345")


@through_http
def test_a_facebook_comment_keeps_its_post_link(client, page):
    meta_post(client, URL, load("facebook_comment"))

    comment = Message.objects.get()
    assert comment.text == "Does this come in size M?"
    assert comment.meta["permalink_url"].startswith("https://www.facebook.com/")
    assert comment.created_at == datetime.fromtimestamp(1767262398, tz=UTC)


@through_http
def test_instagram_comments_thread_per_media(client, instagram):
    meta_post(client, URL, load("instagram_comment"))
    own = load("instagram_comment")
    own["entry"][0]["changes"][0]["value"].update(id="17865799348089040", **{"from": {"id": IG_ID}})
    meta_post(client, URL, own)

    comment = Message.objects.get()
    assert comment.kind == "comment" and comment.text == "Love it! Price?"
    assert comment.thread.conversation_key == "18172143295349192"
    identity = comment.thread.contact.identities.get()
    assert (identity.kind, identity.value, identity.display) == ("instagram", IGSID, "ana.souza")


# --- WhatsApp Cloud API --------------------------------------------------------------------


@through_http
def test_a_whatsapp_message_opens_a_thread_for_the_number_with_the_profile_name(client, whatsapp):
    meta_post(client, URL, load("whatsapp_text"))

    message = Message.objects.get()
    assert message.channel == whatsapp
    assert message.text == "Does it come in another color?"
    assert message.created_at == datetime.fromtimestamp(1767262600, tz=UTC)
    contact = message.thread.contact
    assert contact.name == "Sheena Nelson"
    identity = contact.identities.get()
    assert (identity.kind, identity.value) == ("whatsapp", WA_NUMBER)


@through_http
def test_whatsapp_media_points_at_its_graph_media_id(client, whatsapp):
    meta_post(client, URL, load("whatsapp_image"))
    meta_post(client, URL, load("whatsapp_document"))

    image, document = Message.objects.order_by("created_at")
    assert image.text == "The box arrived like this"
    photo = image.attachments.get()
    assert photo.source_url == f"{GRAPH}/2754859441498128"
    assert photo.content_type == "image/jpeg" and photo.fetch_status == FetchStatus.PENDING
    invoice = document.attachments.get()
    assert (invoice.filename, invoice.content_type) == ("invoice-1042.pdf", "application/pdf")
    assert invoice.source_url == f"{GRAPH}/1013859600285441"
    assert image.thread == document.thread


def whatsapp_status(status, **extra):
    payload = load("whatsapp_status")
    payload["entry"][0]["changes"][0]["value"]["statuses"][0].update(status=status, **extra)
    return payload


@through_http
def test_whatsapp_statuses_move_forward_only(client, whatsapp):
    wamid = whatsapp_status("sent")["entry"][0]["changes"][0]["value"]["statuses"][0]["id"]
    reply = our_reply(whatsapp, wamid, status=DeliveryStatus.QUEUED)

    for status in ["sent", "read", "delivered", "sent"]:  # late and out of order
        meta_post(client, URL, whatsapp_status(status))
    meta_post(client, URL, load("whatsapp_status_failed"))  # after delivery: ignored

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.READ
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {EventStatus.PROCESSED}


@through_http
def test_a_failed_whatsapp_status_carries_metas_reason(client, whatsapp):
    wamid = load("whatsapp_status_failed")["entry"][0]["changes"][0]["value"]["statuses"][0]["id"]
    reply = our_reply(whatsapp, wamid, status=DeliveryStatus.SENT)

    meta_post(client, URL, load("whatsapp_status_failed"))

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert "131047" in reply.delivery_error
    assert "Re-engagement message" in reply.delivery_error
    assert "24 hours" in reply.delivery_error


# --- Sending through the Graph API ---------------------------------------------------------


@pytest.fixture
def api(settings):
    with ProviderServer() as server:
        settings.META_GRAPH_API_BASE = server.url + "/v21.0"
        yield server


def outbound(kind, address, to, text="Thanks, we are on it.", **extra):
    return OutboundRequest(
        message_id=1,
        channel_kind=kind,
        channel_address=address,
        channel_config={"access_token": TOKEN},
        to=to,
        text=text,
        **extra,
    )


def test_a_page_token_can_live_in_the_environment_rather_than_the_database(api, monkeypatch):
    monkeypatch.setenv("CXHUB_TEST_PAGE_TOKEN", "token-from-the-environment")
    api.respond(200, {"recipient_id": PSID, "message_id": "m_env"})
    request = outbound("messenger", PAGE_ID, Identity("messenger", PSID))
    request = replace(request, channel_config={"access_token_env": "CXHUB_TEST_PAGE_TOKEN"})

    assert MetaAdapter().send(request) == "m_env"
    assert api.requests[-1].headers["authorization"] == "Bearer token-from-the-environment"


def test_a_channel_whose_token_variable_is_unset_is_refused_with_the_reason(api):
    request = outbound("messenger", PAGE_ID, Identity("messenger", PSID))
    request = replace(request, channel_config={"access_token_env": "CXHUB_TEST_UNSET_TOKEN"})

    with pytest.raises(SendError, match="access_token_env"):
        MetaAdapter().send(request)
    assert api.requests == []


def test_a_messenger_reply_goes_to_the_send_api_with_the_page_token(api):
    api.respond(200, {"recipient_id": PSID, "message_id": "m_sent1"})

    sent = MetaAdapter().send(outbound("messenger", PAGE_ID, Identity("messenger", PSID)))

    assert sent == "m_sent1"
    request = api.requests[-1]
    assert (request.method, request.path) == ("POST", "/v21.0/me/messages")
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert "access_token" not in request.query
    assert request.json == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {"text": "Thanks, we are on it."},
    }


def test_an_instagram_dm_reply_uses_the_same_send_api(api):
    api.respond(200, {"recipient_id": IGSID, "message_id": "aWdfZAG1_sent"})

    sent = MetaAdapter().send(outbound("instagram", IG_ID, Identity("instagram", IGSID)))

    assert sent == "aWdfZAG1_sent"
    assert api.requests[-1].path == "/v21.0/me/messages"
    assert api.requests[-1].json["recipient"] == {"id": IGSID}


def test_a_whatsapp_text_reply_posts_to_the_phone_number_id(api):
    api.respond(
        200,
        {
            "messaging_product": "whatsapp",
            "contacts": [{"input": "16505551234", "wa_id": "16505551234"}],
            "messages": [{"id": "wamid.sent-text"}],
        },
    )

    sent = MetaAdapter().send(
        outbound("whatsapp", PHONE_NUMBER_ID, Identity("whatsapp", WA_NUMBER))
    )

    assert sent == "wamid.sent-text"
    request = api.requests[-1]
    assert request.path == f"/v21.0/{PHONE_NUMBER_ID}/messages"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "16505551234",
        "type": "text",
        "text": {"preview_url": False, "body": "Thanks, we are on it."},
    }


def test_a_whatsapp_template_is_sent_instead_of_text(api):
    api.respond(200, {"messaging_product": "whatsapp", "messages": [{"id": "wamid.sent-tpl"}]})
    request = outbound(
        "whatsapp",
        PHONE_NUMBER_ID,
        Identity("whatsapp", WA_NUMBER),
        text="",
        template="order_update",
    )

    assert MetaAdapter().send(request) == "wamid.sent-tpl"

    assert api.requests[-1].json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "16505551234",
        "type": "template",
        "template": {"name": "order_update", "language": {"code": "en_US"}},
    }


def test_a_facebook_comment_reply_is_posted_under_the_customers_comment(api):
    api.respond(200, {"id": "122131676912594941_999"})
    request = outbound(
        "messenger",
        PAGE_ID,
        Identity("messenger", "7123456789012345"),
        reply_to_provider_id="122131676912594941_1213590066982748",
        conversation_key=f"{PAGE_ID}_122131676912594941",
    )

    assert MetaAdapter().send(request) == "122131676912594941_999"

    assert api.requests[-1].path == "/v21.0/122131676912594941_1213590066982748/comments"
    assert api.requests[-1].json == {"message": "Thanks, we are on it."}
    assert api.requests[-1].headers["authorization"] == f"Bearer {TOKEN}"


def test_an_instagram_comment_reply_uses_the_replies_edge(api):
    api.respond(200, {"id": "17870913679156914"})
    request = outbound(
        "instagram",
        IG_ID,
        Identity("instagram", IGSID),
        reply_to_provider_id="17865799348089039",
        conversation_key="18172143295349192",
    )

    assert MetaAdapter().send(request) == "17870913679156914"

    assert api.requests[-1].path == "/v21.0/17865799348089039/replies"
    assert api.requests[-1].json == {"message": "Thanks, we are on it."}


def test_a_429_is_transient_and_the_next_attempt_succeeds(api):
    api.respond(
        429,
        {"error": {"message": "(#4) Application request limit reached", "code": 4}},
        headers={"Retry-After": "7"},
    )
    api.respond(200, {"recipient_id": PSID, "message_id": "m_after_retry"})
    adapter = MetaAdapter()
    request = outbound("messenger", PAGE_ID, Identity("messenger", PSID))

    with pytest.raises(TransientSendError) as first:
        adapter.send(request)
    assert first.value.retry_after == 7
    assert adapter.send(request) == "m_after_retry"
    assert len(api.requests) == 2


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (
            400,
            {
                "error": {
                    "message": "(#613) Calls to this api have exceeded the rate limit.",
                    "code": 613,
                }
            },
        ),
        (400, {"error": {"message": "(#17) User request limit reached", "code": 17}}),
        (400, {"error": {"message": "(#32) Page request limit reached", "code": 32}}),
        (400, {"error": {"message": "(#130429) Rate limit hit", "code": 130429}}),
        (500, {"error": {"message": "An unexpected error has occurred.", "code": 2}}),
        (503, b"Service Unavailable"),
    ],
)
def test_throttling_and_server_errors_are_transient(api, status, body):
    api.respond(status, body)

    with pytest.raises(TransientSendError):
        MetaAdapter().send(outbound("messenger", PAGE_ID, Identity("messenger", PSID)))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            {
                "error": {
                    "message": "(#100) No matching user found",
                    "type": "OAuthException",
                    "code": 100,
                    "error_subcode": 2018001,
                    "fbtrace_id": "AbC",
                }
            },
            "Meta error 100: (#100) No matching user found",
        ),
        (
            {
                "error": {
                    "message": "(#131047) Re-engagement message",
                    "type": "OAuthException",
                    "code": 131047,
                    "error_data": {
                        "messaging_product": "whatsapp",
                        "details": "More than 24 hours have passed since the last reply.",
                    },
                    "fbtrace_id": "AbC",
                }
            },
            "More than 24 hours have passed",
        ),
    ],
)
def test_other_graph_errors_are_permanent_with_metas_message(api, body, reason):
    api.respond(400, body)

    with pytest.raises(SendError) as error:
        MetaAdapter().send(outbound("whatsapp", PHONE_NUMBER_ID, Identity("whatsapp", WA_NUMBER)))

    assert reason in str(error.value)


@pytest.fixture
def silent_api(settings, monkeypatch):
    """A port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    settings.META_GRAPH_API_BASE = f"http://127.0.0.1:{listener.getsockname()[1]}/v21.0"
    monkeypatch.setattr(graph, "TIMEOUT", (1, 0.2))
    yield
    listener.close()


def test_a_timeout_is_transient(silent_api):
    with pytest.raises(TransientSendError):
        MetaAdapter().send(outbound("messenger", PAGE_ID, Identity("messenger", PSID)))


def test_a_reply_with_files_is_refused_rather_than_sent_without_them(api):
    request = outbound(
        "messenger",
        PAGE_ID,
        Identity("messenger", PSID),
        attachments=(AttachmentData(filename="a.pdf", content=b"%PDF"),),
    )

    with pytest.raises(SendError, match="not supported"):
        MetaAdapter().send(request)
    assert api.requests == []


def test_a_channel_without_a_token_cannot_send(api):
    request = replace(
        outbound("messenger", PAGE_ID, Identity("messenger", PSID)), channel_config={}
    )

    with pytest.raises(SendError, match="access token"):
        MetaAdapter().send(request)
    assert api.requests == []


# --- Media ---------------------------------------------------------------------------------


def test_media_comes_only_from_metas_cdns_and_the_graph_host():
    hosts = MetaAdapter().media_hosts()

    assert {".fbcdn.net", ".fbsbx.com", ".cdninstagram.com", "graph.facebook.com"} <= hosts


def test_media_headers_carry_the_channel_token_to_meta_hosts_only():
    adapter, config = MetaAdapter(), {"access_token": TOKEN}
    bearer = {"Authorization": f"Bearer {TOKEN}"}

    assert adapter.media_headers() == {}
    assert adapter.media_headers(channel_config=config, url=f"{GRAPH}/2754859441498128") == bearer
    assert (
        adapter.media_headers(
            channel_config=config, url="https://lookaside.fbsbx.com/whatsapp_business/x"
        )
        == bearer
    )
    assert (
        adapter.media_headers(channel_config=config, url="https://scontent.xx.fbcdn.net/v/a.jpg")
        == {}
    )


def test_a_whatsapp_media_id_resolves_to_its_download_url(api):
    download = "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=2754859441498128"
    api.respond(
        200,
        {
            "messaging_product": "whatsapp",
            "url": download,
            "mime_type": "image/jpeg",
            "sha256": "81d3bd8a",
            "file_size": 30372,
            "id": "2754859441498128",
        },
    )

    url = MetaAdapter().media_resolve(
        f"{api.url}/v21.0/2754859441498128", channel_config={"access_token": TOKEN}
    )

    assert url == download
    request = api.requests[-1]
    assert (request.method, request.path) == ("GET", "/v21.0/2754859441498128")
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert MetaAdapter().media_resolve(
        "https://scontent.xx.fbcdn.net/a.jpg", channel_config={}
    ) == ("https://scontent.xx.fbcdn.net/a.jpg")
