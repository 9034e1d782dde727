"""X: CRC and signatures computed the way X does, Account Activity payloads shaped like X's.

Fixtures in tests/fixtures/x/ follow the documented Account Activity data objects
(developer.x.com/en/docs/x-api/enterprise/account-activity-api/guides/account-activity-data-objects)
with v1.1 tweet and DM event objects; replies go to the loopback stand-in for the X API v2.
"""

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from interactions.channels.base import SendError, TransientSendError
from interactions.channels.x import XAdapter
from interactions.models import (
    ChannelKind,
    Contact,
    EventStatus,
    FetchStatus,
    InboundEvent,
    Message,
    Thread,
)
from interactions.types import Identity, OutboundRequest
from tests.factories import ChannelFactory
from tests.fakes.provider_server import ProviderServer
from tests.webhooks import X_SECRET, x_crc, x_post

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "x"
URL = "/webhooks/x/"
OURS = "1590372855461048321"  # @AcmeSupport, the subscribed account
DANA = "1204771398547324928"  # @danaruiz, a customer


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(autouse=True)
def x_settings(settings):
    settings.X_CONSUMER_SECRET = X_SECRET
    settings.X_BEARER_TOKEN = "app-only-bearer"


@pytest.fixture
def x_channel(team_a):
    return ChannelFactory(kind=ChannelKind.X, address=OURS, provider="x", default_team=team_a)


@pytest.fixture
def api(settings):
    with ProviderServer() as server:
        settings.X_API_BASE = server.url
        yield server


# --- CRC -------------------------------------------------------------------------------------


def test_the_crc_is_answered_with_the_token_signed_by_the_consumer_secret(client):
    response = client.get(URL, {"crc_token": "9b4507b3-9040-4669-9ca3-6b94edb50553"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == x_crc("9b4507b3-9040-4669-9ca3-6b94edb50553")


def test_without_a_consumer_secret_the_crc_is_refused(client, settings):
    settings.X_CONSUMER_SECRET = ""
    assert client.get(URL, {"crc_token": "abc"}).status_code == 403


def test_a_crc_without_a_token_is_a_400(client):
    assert client.get(URL).status_code == 400


# --- Mentions --------------------------------------------------------------------------------


def test_a_signed_mention_opens_a_public_thread_for_its_author(client, x_channel, team_a):
    response = x_post(client, URL, load("mention.json"))

    assert response.status_code == 200
    message = Message.objects.get()
    assert message.kind == "comment"
    assert message.provider_message_id == "1789952113450123265"
    assert message.text.startswith("@AcmeSupport my order #1042 still hasn't shipped")
    assert message.created_at == datetime(2024, 5, 13, 9, 7, 14, 567000, tzinfo=UTC)
    thread = message.thread
    assert thread.channel == x_channel and thread.team == team_a
    assert thread.conversation_key == "mentions"
    identity = thread.contact.identities.get()
    assert (identity.kind, identity.value, identity.display) == ("x", DANA, "@danaruiz")
    assert thread.contact.name == "Dana Ruiz"
    assert InboundEvent.objects.get().status == EventStatus.PROCESSED


def test_a_reply_in_the_conversation_joins_the_thread_with_its_full_text_and_photo(
    client, x_channel
):
    for name in ["mention.json", "own_tweet.json", "mention_extended.json"]:
        assert x_post(client, URL, load(name)).status_code == 200

    thread = Thread.objects.get()
    assert thread.message_count == 2  # our own reply is not a customer message
    reply = thread.messages.get(provider_message_id="1789963165612208128")
    # Delivered truncated at 140 characters; the full text is in extended_tweet.
    assert "the chat bot keeps sending me in circles" in reply.text
    assert "\u2026" not in reply.text
    photo = reply.attachments.get()
    assert photo.source_url == "https://pbs.twimg.com/media/GNawq1dXgAA3Jx8.jpg"
    assert photo.content_type == "image/jpeg"
    assert photo.fetch_status == FetchStatus.PENDING


def test_our_own_tweets_and_retweets_of_them_are_ignored(client, x_channel):
    for name in ["own_tweet.json", "retweet.json"]:
        assert x_post(client, URL, load(name)).status_code == 200

    assert not Message.objects.exists()
    assert not Thread.objects.exists()
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {EventStatus.PROCESSED}


def test_a_mention_by_someone_our_account_blocked_is_ignored(client, x_channel):
    payload = load("mention.json")
    payload["user_has_blocked"] = "true"

    x_post(client, URL, payload)

    assert not Message.objects.exists()


def test_a_mention_of_an_account_we_do_not_have_fails_with_the_reason(client, x_channel):
    payload = load("mention.json")
    payload["for_user_id"] = "999999999"

    assert x_post(client, URL, payload).status_code == 200

    event = InboundEvent.objects.get()
    assert event.status == EventStatus.FAILED
    assert "999999999" in event.error


# --- Direct messages -------------------------------------------------------------------------


def test_a_direct_message_opens_a_private_thread_named_from_the_users_map(client, x_channel):
    assert x_post(client, URL, load("direct_message.json")).status_code == 200

    message = Message.objects.get()
    assert message.kind == "message"
    assert message.provider_message_id == "1789991819364876292"
    assert message.text == "Hi! The order email is dana.ruiz@example.com and the order is #1042."
    assert message.created_at == datetime(2024, 5, 13, 10, 45, 0, 789000, tzinfo=UTC)
    assert message.thread.conversation_key == "dm"
    identity = message.thread.contact.identities.get()
    assert (identity.kind, identity.value, identity.display) == ("x", DANA, "@danaruiz")
    assert message.thread.contact.name == "Dana Ruiz"


def test_a_dm_after_a_public_mention_is_one_contact_in_two_threads(client, x_channel):
    """A private message must never land in the public thread, whose replies are tweets."""
    x_post(client, URL, load("mention.json"))
    x_post(client, URL, load("direct_message.json"))

    assert Contact.objects.count() == 1
    keys = dict(Thread.objects.values_list("conversation_key", "message_count"))
    assert keys == {"mentions": 1, "dm": 1}


def test_dm_media_is_kept_as_an_attachment_to_fetch(client, x_channel):
    x_post(client, URL, load("direct_message_media.json"))

    attachment = Message.objects.get().attachments.get()
    assert attachment.source_url.startswith("https://ton.twitter.com/1.1/ton/data/dm/")
    assert attachment.filename == "kT2dW9xa.jpg"
    assert attachment.content_type == "image/jpeg"
    assert attachment.fetch_status == FetchStatus.PENDING


def test_our_own_direct_messages_are_ignored(client, x_channel):
    assert x_post(client, URL, load("own_direct_message.json")).status_code == 200

    assert not Message.objects.exists()
    assert InboundEvent.objects.get().status == EventStatus.PROCESSED


# --- Signatures, duplicates, malformed and unknown deliveries --------------------------------


def test_a_bad_signature_is_refused_and_nothing_is_stored(client, x_channel):
    response = x_post(client, URL, load("mention.json"), secret="not-our-secret")

    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


def test_a_missing_signature_is_refused(client, x_channel):
    response = client.post(URL, load("mention.json"), content_type="application/json")

    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


def test_without_a_consumer_secret_x_traffic_is_refused(client, x_channel, settings):
    settings.X_CONSUMER_SECRET = ""

    assert x_post(client, URL, load("mention.json"), secret="").status_code == 403
    assert not InboundEvent.objects.exists()


def test_a_redelivery_answers_200_and_changes_nothing(client, x_channel):
    for _ in range(3):
        assert x_post(client, URL, load("direct_message.json")).status_code == 200

    assert InboundEvent.objects.count() == 1
    assert Message.objects.count() == 1
    assert Thread.objects.get().message_count == 1


def test_the_same_tweet_in_two_different_deliveries_is_one_message(client, x_channel):
    payload = load("mention.json")
    x_post(client, URL, payload)
    del payload["user_has_blocked"]
    x_post(client, URL, payload)

    assert InboundEvent.objects.count() == 2
    assert Message.objects.count() == 1


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2, 3]"])
def test_a_malformed_body_is_a_400(client, x_channel, body):
    assert x_post(client, URL, body).status_code == 400
    assert not InboundEvent.objects.exists()


@pytest.mark.parametrize("name", ["favorite.json", "typing.json"])
def test_events_we_do_not_handle_are_processed_and_create_nothing(client, x_channel, name):
    assert x_post(client, URL, load(name)).status_code == 200

    assert InboundEvent.objects.get().status == EventStatus.PROCESSED
    assert not Message.objects.exists()
    assert not Contact.objects.exists()


# --- Replies out -----------------------------------------------------------------------------


def reply(**overrides) -> OutboundRequest:
    fields = {
        "message_id": 1,
        "channel_kind": "x",
        "channel_address": OURS,
        "channel_config": {},
        "to": Identity("x", DANA, "@danaruiz"),
        "text": "Thanks Dana, the parcel left our warehouse this morning.",
        "conversation_key": "dm",
        "reply_to_provider_id": "1789991819364876292",
    }
    return OutboundRequest(**{**fields, **overrides})


def test_a_reply_in_a_dm_thread_is_a_dm_sent_with_the_channels_user_token(api):
    api.respond(
        201,
        {"data": {"dm_conversation_id": f"{DANA}-{OURS}", "dm_event_id": "1790003985632817157"}},
    )

    sent = XAdapter().send(reply(channel_config={"access_token": "user-context-token"}))

    assert sent == "1790003985632817157"
    request = api.requests[-1]
    assert (request.method, request.path) == ("POST", f"/2/dm_conversations/with/{DANA}/messages")
    assert request.headers["authorization"] == "Bearer user-context-token"
    assert request.json == {"text": "Thanks Dana, the parcel left our warehouse this morning."}


def test_the_channels_user_token_can_come_from_the_environment(api, monkeypatch):
    monkeypatch.setenv("CXHUB_TEST_X_TOKEN", "user-token-from-env")
    api.respond(201, {"data": {"dm_conversation_id": "c", "dm_event_id": "1790003985632817158"}})

    XAdapter().send(reply(channel_config={"access_token_env": "CXHUB_TEST_X_TOKEN"}))

    assert api.requests[-1].headers["authorization"] == "Bearer user-token-from-env"


def test_a_reply_in_a_mention_thread_is_a_public_reply_to_the_customers_tweet(api):
    api.respond(201, {"data": {"id": "1790012000000000000", "text": "@danaruiz On it!"}})

    sent = XAdapter().send(
        reply(
            text="On it!",
            conversation_key="mentions",
            reply_to_provider_id="1789963165612208128",
        )
    )

    assert sent == "1790012000000000000"
    request = api.requests[-1]
    assert (request.method, request.path) == ("POST", "/2/tweets")
    assert request.headers["authorization"] == "Bearer app-only-bearer"
    assert request.json == {
        "text": "On it!",
        "reply": {"in_reply_to_tweet_id": "1789963165612208128"},
    }


def test_a_public_reply_without_the_tweet_it_answers_is_never_posted(api):
    with pytest.raises(SendError):
        XAdapter().send(reply(conversation_key="mentions", reply_to_provider_id=""))

    assert api.requests == []


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({"Retry-After": "7"}, (7, 7)), ({"x-rate-limit-reset": "{reset}"}, (25, 30))],
)
def test_a_rate_limited_send_is_retried_later_and_then_succeeds(api, headers, expected):
    headers = {k: v.format(reset=int(time.time()) + 30) for k, v in headers.items()}
    api.respond(
        429,
        {
            "title": "Too Many Requests",
            "detail": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
        },
        headers={"x-rate-limit-limit": "15", "x-rate-limit-remaining": "0", **headers},
    )
    api.respond(201, {"data": {"dm_conversation_id": f"{DANA}-{OURS}", "dm_event_id": "1790004"}})

    with pytest.raises(TransientSendError) as caught:
        XAdapter().send(reply())
    assert expected[0] <= caught.value.retry_after <= expected[1]

    assert XAdapter().send(reply()) == "1790004"
    assert len(api.requests) == 2


def test_a_server_error_is_worth_retrying(api):
    api.respond(503, {"title": "Service Unavailable", "type": "about:blank", "status": 503})

    with pytest.raises(TransientSendError):
        XAdapter().send(reply())


def test_an_unreachable_api_is_worth_retrying(settings):
    settings.X_API_BASE = "http://127.0.0.1:9"  # discard port: nothing listens

    with pytest.raises(TransientSendError):
        XAdapter().send(reply())


def test_a_refused_send_fails_for_good_with_xs_detail(api):
    api.respond(
        403,
        {
            "detail": "You are not permitted to send Direct Messages to this user.",
            "type": "about:blank",
            "title": "Forbidden",
            "status": 403,
        },
    )

    with pytest.raises(SendError, match="not permitted to send Direct Messages"):
        XAdapter().send(reply())


def test_media_is_only_fetched_from_xs_own_hosts():
    assert XAdapter().media_hosts() == {".twimg.com", "ton.twitter.com"}
    assert XAdapter().media_headers() == {"Authorization": "Bearer app-only-bearer"}
