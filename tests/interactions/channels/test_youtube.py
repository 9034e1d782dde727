"""YouTube comments: polled from a loopback stand-in for the Data API v3, replies as comments.

Responses are tests/fixtures/youtube/*.json, shaped like the documented commentThreads.list and
comments.insert responses and Google's error body.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from interactions.channels import youtube
from interactions.channels.base import ParseError, SendError, TransientSendError
from interactions.channels.registry import get_adapter
from interactions.models import (
    ChannelKind,
    ContactIdentity,
    DeliveryStatus,
    InboundEvent,
    Message,
    MessageKind,
    PollCursor,
    Thread,
)
from interactions.services.events import inbound_event_process
from interactions.services.outbound import message_create_outbound
from interactions.tasks import poll_youtube
from interactions.types import Identity, OutboundRequest
from tests.factories import ChannelFactory
from tests.fakes.provider_server import ProviderServer

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "youtube"
OUR_CHANNEL = "UCq8yDeRGxSTa1Z4nP0hXkCw"
VIDEO_1, VIDEO_2 = "tD7Ldk0pQaE", "Zx3CampG9Qs"
API_KEY = "AIzaSy-test-key-0123456789"
ALICE, BOB, CAROL = (
    "UC4aLiCe9sKq2mWv7bXn0pRt",
    "UCb0bH4nDerS0n1x2y3z4w5v",
    "UCc4r0LmE8nTqPz1yXw2vU3s",
)
THREAD_A = "UgzQ6b0U3vD4Xy2kLkN4AaABAg"
ALICE_REPLY = f"{THREAD_A}.9zK3hG5pQ1r9zK5tYhWqLm"
OUR_REPLY = f"{THREAD_A}.9zK3hG5pQ1r9zK4mNbVxYq"
THREAD_B, THREAD_C = "UgyB7pLmN2qR5sT8vWx4AaABAg", "Ugw9CaRoLkJ3hG6fD2s4AaABAg"
THREAD_D, THREAD_E = "UgxDnEwK7mP4qL2sR9t4AaABAg", "UgzE2vIdTwO8nM5bV3c4AaABAg"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture
def api(settings):
    with ProviderServer() as server:
        settings.YOUTUBE_API_BASE = server.url
        settings.YOUTUBE_API_KEY = API_KEY
        yield server


@pytest.fixture
def channel(team_a):
    return ChannelFactory(
        kind=ChannelKind.YOUTUBE,
        address=OUR_CHANNEL,
        provider="youtube",
        default_team=team_a,
        config={"video_ids": [VIDEO_1, VIDEO_2], "access_token_env": "CXHUB_TEST_YT_TOKEN"},
    )


def script_first_poll(api: ProviderServer) -> None:
    api.respond(200, fixture("commentThreads_video1_page1"))
    api.respond(200, fixture("commentThreads_video1_page2"))
    api.respond(200, fixture("commentThreads_video2"))


def stored_ids() -> set[str]:
    return set(
        InboundEvent.objects.filter(provider="youtube").values_list("provider_event_id", flat=True)
    )


def process_all() -> None:
    for event_id in InboundEvent.objects.order_by("pk").values_list("pk", flat=True):
        assert inbound_event_process(event_id=event_id) == "processed"


# --- Polling -------------------------------------------------------------------------------


def test_the_first_poll_stores_every_customer_comment_and_reply(api, channel):
    script_first_poll(api)

    assert youtube.youtube_channel_poll(channel=channel) == 5

    assert stored_ids() == {THREAD_A, ALICE_REPLY, THREAD_B, THREAD_C, THREAD_E}
    event = InboundEvent.objects.get(provider_event_id=ALICE_REPLY)
    reply = fixture("commentThreads_video1_page1")["items"][0]["replies"]["comments"][1]
    assert event.payload == {**reply, "videoId": VIDEO_1, "ourChannelId": OUR_CHANNEL}
    assert event.channel == channel
    cursor = PollCursor.objects.get(channel=channel, folder=f"video:{VIDEO_1}")
    assert cursor.last_seen_at == datetime(2026, 11, 20, 14, 5, tzinfo=UTC)
    assert cursor.last_error == "" and cursor.last_success_at


def test_the_poll_asks_for_the_documented_comment_threads_and_follows_pages(api, channel):
    script_first_poll(api)

    youtube.youtube_channel_poll(channel=channel)

    first, second, third = api.requests
    assert (first.method, first.path) == ("GET", "/commentThreads")
    assert first.query == {
        "part": "snippet,replies",
        "videoId": VIDEO_1,
        "order": "time",
        "maxResults": "100",
        "key": API_KEY,
    }
    assert second.query == {**first.query, "pageToken": "QURTSl9pMnFHZEYxbWF5"}
    assert third.query == {**first.query, "videoId": VIDEO_2}


def test_our_own_comments_are_not_stored(api, channel):
    script_first_poll(api)

    youtube.youtube_channel_poll(channel=channel)

    assert OUR_REPLY not in stored_ids()


def test_comments_become_one_thread_per_video_per_commenter(api, channel, team_a):
    script_first_poll(api)
    youtube.youtube_channel_poll(channel=channel)

    process_all()

    alice = ContactIdentity.objects.get(kind="youtube", value=ALICE).contact
    alice_threads = Thread.objects.filter(contact=alice).order_by("conversation_key")
    assert [t.conversation_key for t in alice_threads] == sorted([VIDEO_1, VIDEO_2])
    on_video_1 = alice_threads.get(conversation_key=VIDEO_1)
    assert on_video_1.channel == channel and on_video_1.team == team_a
    texts = list(on_video_1.messages.order_by("created_at").values_list("text", flat=True))
    assert texts == [
        "My order #1042 arrived with a cracked screen. Who do I talk to?",
        "Thanks, nothing in my inbox yet though.",
    ]
    message = Message.objects.get(provider_message_id=ALICE_REPLY)
    assert message.kind == MessageKind.COMMENT
    assert message.created_at == datetime(2026, 11, 20, 14, 5, tzinfo=UTC)
    assert message.meta["parent_id"] == THREAD_A
    assert Thread.objects.filter(channel=channel).count() == 4  # Alice x2, Bob, Carol
    assert not Message.objects.filter(provider_message_id=OUR_REPLY).exists()


def test_a_second_poll_stores_nothing_and_stops_at_what_it_has_seen(api, channel):
    script_first_poll(api)
    youtube.youtube_channel_poll(channel=channel)
    api.requests.clear()
    api.respond(200, fixture("commentThreads_video1_page1"))
    api.respond(200, fixture("commentThreads_video2"))

    assert youtube.youtube_channel_poll(channel=channel) == 0

    # Page 1 already reaches threads older than the cursor: page 2 is not fetched again.
    assert [r.query["videoId"] for r in api.requests] == [VIDEO_1, VIDEO_2]
    assert "pageToken" not in api.requests[0].query
    assert InboundEvent.objects.count() == 5


def test_a_later_poll_pages_until_it_reaches_comments_it_has_seen(api, channel):
    script_first_poll(api)
    youtube.youtube_channel_poll(channel=channel)
    api.requests.clear()
    api.respond(200, fixture("commentThreads_video1_new_page1"))
    api.respond(200, fixture("commentThreads_video1_new_page2"))
    api.respond(200, fixture("commentThreads_video2"))

    assert youtube.youtube_channel_poll(channel=channel) == 1

    assert THREAD_D in stored_ids()
    assert api.requests[1].query["pageToken"] == "QURTSl9pMnFHZEYxbWF6"
    cursor = PollCursor.objects.get(channel=channel, folder=f"video:{VIDEO_1}")
    assert cursor.last_seen_at == datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def test_an_api_error_on_one_video_is_recorded_and_the_others_still_poll(api, channel):
    api.respond(403, fixture("error_comments_disabled"))
    api.respond(200, fixture("commentThreads_video2"))

    assert youtube.youtube_channel_poll(channel=channel) == 1

    broken = PollCursor.objects.get(channel=channel, folder=f"video:{VIDEO_1}")
    assert "403 commentsDisabled" in broken.last_error and broken.failures == 1
    assert broken.last_seen_at is None
    assert stored_ids() == {THREAD_E}


def test_a_spent_quota_stops_the_run_until_the_next_beat(api, channel):
    api.respond(403, fixture("error_quota_exceeded"))

    assert youtube.youtube_channel_poll(channel=channel) == 0

    assert len(api.requests) == 1
    cursor = PollCursor.objects.get(channel=channel, folder=f"video:{VIDEO_1}")
    assert "quotaExceeded" in cursor.last_error


def test_an_unreachable_api_is_recorded_without_the_api_key(settings, channel):
    settings.YOUTUBE_API_KEY = API_KEY
    settings.YOUTUBE_API_BASE = "http://127.0.0.1:9"  # discard port: nothing listens

    assert youtube.youtube_channel_poll(channel=channel) == 0

    errors = list(PollCursor.objects.filter(channel=channel).values_list("last_error", flat=True))
    assert len(errors) == 2 and all(errors)
    assert not any(API_KEY in error for error in errors)


def test_polling_is_off_without_an_api_key(api, channel, settings):
    settings.YOUTUBE_API_KEY = ""

    assert poll_youtube() == 0
    assert youtube.youtube_channel_poll(channel=channel) == 0
    assert api.requests == []


def test_the_beat_task_polls_every_active_youtube_channel(api, channel):
    ChannelFactory(kind=ChannelKind.YOUTUBE, is_active=False, config={"video_ids": ["x"]})
    script_first_poll(api)

    assert poll_youtube() == 1
    assert len(stored_ids()) == 5


def test_registered_video_sources_add_videos_to_poll(channel, monkeypatch):
    monkeypatch.setattr(youtube, "_video_sources", [])
    youtube.register_video_source(lambda ch: ["campaignVid1", VIDEO_1])

    assert youtube.youtube_video_ids(channel) == [VIDEO_1, VIDEO_2, "campaignVid1"]


# --- Parsing -------------------------------------------------------------------------------


def comment_payload(index: int = 0, reply: int | None = None) -> dict:
    thread = fixture("commentThreads_video1_page1")["items"][index]
    comment = (
        thread["snippet"]["topLevelComment"]
        if reply is None
        else thread["replies"]["comments"][reply]
    )
    return {**copy.deepcopy(comment), "videoId": VIDEO_1, "ourChannelId": OUR_CHANNEL}


def test_a_comment_parses_to_a_public_comment_from_its_author():
    (message,) = get_adapter("youtube").parse(comment_payload(), "")

    assert message.channel_kind == "youtube" and message.channel_address == OUR_CHANNEL
    assert message.kind == "comment"
    assert message.conversation_key == VIDEO_1
    assert message.provider_message_id == THREAD_A
    assert message.sender == Identity("youtube", ALICE, "@alice.rivera")
    assert message.text == "My order #1042 arrived with a cracked screen. Who do I talk to?"
    assert message.sent_at == datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    assert message.meta["url"] == f"https://www.youtube.com/watch?v={VIDEO_1}&lc={THREAD_A}"


def test_our_own_comment_parses_to_nothing():
    assert get_adapter("youtube").parse(comment_payload(0, reply=0), "") == []


def test_a_comment_without_an_author_channel_fails_with_the_reason():
    payload = comment_payload()
    del payload["snippet"]["authorChannelId"]

    with pytest.raises(ParseError, match="no author"):
        get_adapter("youtube").parse(payload, "")


# --- Replies -------------------------------------------------------------------------------


def reply_request(**overrides) -> OutboundRequest:
    fields = dict(
        message_id=1,
        channel_kind="youtube",
        channel_address=OUR_CHANNEL,
        channel_config={"access_token_env": "CXHUB_TEST_YT_TOKEN"},
        to=Identity("youtube", ALICE),
        text="Alice, we've just replied to your email.",
        reply_to_provider_id=ALICE_REPLY,
        conversation_key=VIDEO_1,
    )
    return OutboundRequest(**{**fields, **overrides})


@pytest.fixture
def token(monkeypatch):
    monkeypatch.setenv("CXHUB_TEST_YT_TOKEN", "ya29.test-access-token")


def test_a_reply_is_a_comments_insert_under_the_top_level_comment(api, token):
    api.respond(200, fixture("comments_insert"))

    comment_id = get_adapter("youtube").send(reply_request())

    assert comment_id == f"{THREAD_A}.9zL0aBcDeFg9zL0aBcDeFh"
    (sent,) = api.requests
    assert (sent.method, sent.path, sent.query) == ("POST", "/comments", {"part": "snippet"})
    assert sent.headers["authorization"] == "Bearer ya29.test-access-token"
    assert sent.headers["content-type"] == "application/json"
    # A reply to a reply goes under the top-level comment: YouTube threads are one level deep.
    assert sent.json == {
        "snippet": {
            "parentId": THREAD_A,
            "textOriginal": "Alice, we've just replied to your email.",
        }
    }


@pytest.mark.parametrize(
    ("status", "body", "headers"),
    [
        (429, {"error": {"code": 429, "message": "Too Many Requests"}}, {"Retry-After": "30"}),
        (503, {"error": {"code": 503, "message": "Backend Error"}}, {}),
        (403, "error_quota_exceeded", {}),
    ],
)
def test_rate_limits_quota_and_server_errors_are_worth_retrying(api, token, status, body, headers):
    api.respond(status, fixture(body) if isinstance(body, str) else body, headers=headers)

    with pytest.raises(TransientSendError) as caught:
        get_adapter("youtube").send(reply_request())

    assert caught.value.retry_after == (30.0 if headers else None)


def test_a_refused_reply_fails_for_good_with_youtubes_reason(api, token):
    api.respond(400, fixture("error_comment_text_too_long"))

    with pytest.raises(SendError, match="commentTextTooLong"):
        get_adapter("youtube").send(reply_request(text="x" * 10_001))


def test_an_unreachable_api_is_worth_retrying(settings, token):
    settings.YOUTUBE_API_BASE = "http://127.0.0.1:9"

    with pytest.raises(TransientSendError):
        get_adapter("youtube").send(reply_request())


def test_without_oauth_a_reply_is_refused_before_calling_youtube(api, monkeypatch):
    monkeypatch.delenv("CXHUB_TEST_YT_TOKEN", raising=False)

    with pytest.raises(SendError, match="API keys cannot write"):
        get_adapter("youtube").send(reply_request())
    assert api.requests == []


def test_a_reply_without_the_comment_it_answers_is_refused(api, token):
    with pytest.raises(SendError):
        get_adapter("youtube").send(reply_request(reply_to_provider_id=""))
    assert api.requests == []


def test_a_refresh_token_is_exchanged_once_and_the_access_token_reused(api, monkeypatch):
    monkeypatch.setenv("CXHUB_TEST_YT_SECRET", "client-secret")
    monkeypatch.setenv("CXHUB_TEST_YT_REFRESH", "1//refresh-token")
    config = {
        "oauth": {
            "client_id": "1234.apps.googleusercontent.com",
            "client_secret_env": "CXHUB_TEST_YT_SECRET",
            "refresh_token_env": "CXHUB_TEST_YT_REFRESH",
            "token_uri": f"{api.url}/token",
        }
    }
    api.respond(
        200,
        {"access_token": "ya29.fresh", "expires_in": 3599, "token_type": "Bearer"},
        path_prefix="/token",
    )
    api.respond(200, fixture("comments_insert"), path_prefix="/comments")
    api.respond(200, fixture("comments_insert"), path_prefix="/comments")
    adapter = get_adapter("youtube")

    adapter.send(reply_request(channel_config=config))
    adapter.send(reply_request(channel_config=config))

    token_request, first, second = api.requests
    assert token_request.path == "/token"
    assert token_request.form == {
        "grant_type": "refresh_token",
        "client_id": "1234.apps.googleusercontent.com",
        "client_secret": "client-secret",
        "refresh_token": "1//refresh-token",
    }
    assert first.headers["authorization"] == second.headers["authorization"] == "Bearer ya29.fresh"


def test_an_agents_reply_on_a_youtube_thread_is_posted_under_the_customers_comment(
    api, channel, token, agent_a, django_capture_on_commit_callbacks
):
    script_first_poll(api)
    youtube.youtube_channel_poll(channel=channel)
    process_all()
    thread = Message.objects.get(provider_message_id=ALICE_REPLY).thread
    api.requests.clear()
    api.respond(200, fixture("comments_insert"), path_prefix="/comments")

    with django_capture_on_commit_callbacks(execute=True):
        reply = message_create_outbound(
            thread=thread, author=agent_a, text="We've replied by email.", idempotency_key="k1"
        )

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert reply.provider_message_id == f"{THREAD_A}.9zL0aBcDeFg9zL0aBcDeFh"
    (sent,) = api.requests
    assert sent.json == {
        "snippet": {"parentId": THREAD_A, "textOriginal": "We've replied by email."}
    }


def test_comment_media_is_only_fetched_from_googles_image_hosts():
    assert get_adapter("youtube").media_hosts() == {".ggpht.com", ".googleusercontent.com"}
