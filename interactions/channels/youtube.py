"""YouTube: comments on our videos, polled through the Data API v3; replies as comment replies.

A YouTube channel is `Channel(kind="youtube", address=<our YouTube channel id "UC…">,
provider="youtube")`, with `config`:

    {"video_ids": ["dQw4w9WgXcQ", …],          # videos whose comments land in the inbox
     "access_token_env": "YOUTUBE_ACCESS_TOKEN",  # or, for a token that renews itself:
     "oauth": {"client_id": "….apps.googleusercontent.com",
               "client_secret_env": "YOUTUBE_CLIENT_SECRET",
               "refresh_token_env": "YOUTUBE_REFRESH_TOKEN"}}

Reading uses the project's API key (YOUTUBE_API_KEY; unset, polling is off): commentThreads.list
with `part=snippet,replies`, newest first, 100 threads a page.
https://developers.google.com/youtube/v3/docs/commentThreads/list
Each top-level comment and each reply in `replies.comments` is stored as
InboundEvent(provider="youtube", provider_event_id=<comment id>, payload=<the comment resource>
+ "videoId" + "ourChannelId"). A video's PollCursor (folder "video:<id>") keeps the newest
publishedAt seen; a poll pages back until a page holds nothing newer than that (less an
overlap for comments YouTube publishes late, e.g. after review). Limit: commentThreads carries
only the first few replies of a thread (the API says so), and threads are listed by age, so a
late reply deep in an old thread is not seen.

Replying needs OAuth 2.0 for the channel's owner: API keys cannot write. comments.insert with
`snippet.parentId` = the top-level comment (YouTube threads are one level deep; a reply's id is
"<top-level id>.<suffix>"). https://developers.google.com/youtube/v3/docs/comments/insert
Secrets never sit in the database: the config names environment variables.

Which videos: `youtube_video_ids(channel)` is the one place that decides. It returns the
config's "video_ids" plus whatever functions registered with `register_video_source` return,
so the campaigns app can add the videos its campaigns name (from its AppConfig.ready()) without
this app importing it.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from interactions.channels.base import (
    Adapter,
    ParseError,
    SendError,
    TransientSendError,
    WebhookError,
)
from interactions.models import Channel, ChannelKind, InboundEvent, PollCursor
from interactions.services.events import inbound_event_store
from interactions.types import Identity, InboundMessage, OutboundRequest

log = logging.getLogger(__name__)

PROVIDER = "youtube"
TIMEOUT = (5, 20)  # connect, read (seconds)
PAGE_SIZE = 100  # the API's maximum for commentThreads.list
MAX_PAGES = 10  # per video per poll: a first poll of a busy video reads the newest 1,000 threads
# Comments can appear after their publishedAt (held for review, spam checks): each poll looks
# this far behind the newest comment it saw. Already-stored comments are skipped by id.
OVERLAP = timedelta(hours=1)
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
# 403 reasons that mean "later", not "never".
TRANSIENT_REASONS = {"quotaExceeded", "rateLimitExceeded", "userRateLimitExceeded"}
# A poll still queued after this is dropped: the next beat queues a fresh one.
POLL_TASK_EXPIRES_S = 290

VideoSource = Callable[[Channel], Iterable[str]]
_video_sources: list[VideoSource] = []


class YouTubeApiError(Exception):
    def __init__(self, status: int, reason: str, message: str):
        super().__init__(f"YouTube API {status} {reason}: {message}".strip())
        self.status, self.reason = status, reason

    @property
    def transient(self) -> bool:
        return self.status == 429 or self.status >= 500 or self.reason in TRANSIENT_REASONS


# --- Which videos ----------------------------------------------------------------------------


def register_video_source(source: VideoSource) -> None:
    """Add a function `channel -> video ids` whose videos are polled too (e.g. campaigns')."""
    if source not in _video_sources:
        _video_sources.append(source)


def youtube_video_ids(channel: Channel) -> list[str]:
    """The videos whose comments are polled for `channel`, each once, config's first."""
    ids: list[str] = list((channel.config or {}).get("video_ids") or [])
    for source in _video_sources:
        ids.extend(source(channel))
    return list(dict.fromkeys(str(v).strip() for v in ids if str(v).strip()))


# --- The adapter -----------------------------------------------------------------------------


class YouTubeAdapter(Adapter):
    provider = PROVIDER

    def verify(self, request):
        raise WebhookError("YouTube comments are polled; there is no webhook.", status=404)

    def media_hosts(self) -> set[str]:
        return {".ggpht.com", ".googleusercontent.com"}

    def parse(self, payload: dict, raw: str) -> list[InboundMessage]:
        """One stored comment (top-level or reply) → one comment on the commenter's thread.

        Comments our own channel wrote are not customer messages: they parse to nothing.
        """
        snippet = payload.get("snippet")
        comment_id = payload.get("id")
        if not isinstance(snippet, dict) or not comment_id:
            raise ParseError("YouTube comment without id or snippet.")
        our_channel = payload.get("ourChannelId") or snippet.get("channelId") or ""
        video_id = payload.get("videoId") or snippet.get("videoId") or ""
        author = (snippet.get("authorChannelId") or {}).get("value") or ""
        if not our_channel or not video_id:
            raise ParseError(f"YouTube comment {comment_id} names no channel or video.")
        if not author:
            raise ParseError(f"YouTube comment {comment_id} has no author channel id.")
        if author == our_channel:
            return []
        name = snippet.get("authorDisplayName") or ""
        parent_id = snippet.get("parentId") or ""
        return [
            InboundMessage(
                channel_kind=ChannelKind.YOUTUBE,
                channel_address=our_channel,
                provider_message_id=comment_id,
                sender=Identity("youtube", author, name),
                sender_name=name,
                text=snippet.get("textOriginal") or snippet.get("textDisplay") or "",
                sent_at=_published(payload),
                kind="comment",
                # One thread per commenter per video (chat threading keys on this).
                conversation_key=video_id,
                meta={
                    "provider": PROVIDER,
                    "video_id": video_id,
                    "parent_id": parent_id,
                    "thread_id": parent_id or comment_id,
                    "author_channel_url": snippet.get("authorChannelUrl") or "",
                    "url": f"https://www.youtube.com/watch?v={video_id}&lc={comment_id}",
                },
            )
        ]

    def send(self, request: OutboundRequest) -> str:
        """Reply under the commenter's thread; returns the new comment's id."""
        if request.attachments:
            raise SendError("YouTube comment replies cannot carry attachments.")
        if not request.text.strip():
            raise SendError("A YouTube reply needs text.")
        parent_id = request.reply_to_provider_id.split(".", 1)[0]
        if not parent_id:
            raise SendError("A YouTube reply needs the comment it answers.")
        token = _access_token(request.channel_config)
        try:
            response = requests.post(
                f"{_api_base()}/comments",
                params={"part": "snippet"},
                json={"snippet": {"parentId": parent_id, "textOriginal": request.text}},
                headers={"Authorization": f"Bearer {token}", "User-Agent": "CX Hub"},
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:  # timeouts, refused connections, resets
            raise TransientSendError(f"YouTube API unreachable: {exc}") from exc
        body = _json(response)
        if response.status_code >= 400:
            error = _api_error(response, body)
            if response.status_code == 401:
                _forget_token(request.channel_config)
            if error.transient:
                raise TransientSendError(str(error), retry_after=_retry_after(response))
            raise SendError(str(error))
        if not body.get("id"):
            raise SendError(f"YouTube answered without a comment id: {body}")
        return str(body["id"])


# --- Polling ---------------------------------------------------------------------------------


def youtube_channels():
    """Active YouTube channels (polled only while YOUTUBE_API_KEY is set)."""
    return Channel.objects.filter(kind=ChannelKind.YOUTUBE, is_active=True).order_by("pk")


def youtube_channel_ids_to_poll() -> list[int]:
    """The channels a beat polls: all active ones, or none while YOUTUBE_API_KEY is unset."""
    if not settings.YOUTUBE_API_KEY:
        return []
    return list(youtube_channels().values_list("pk", flat=True))


def youtube_channel_poll_by_id(*, channel_id: int) -> int:
    channel = youtube_channels().filter(pk=channel_id).first()
    return youtube_channel_poll(channel=channel) if channel else 0


def youtube_channel_poll(*, channel: Channel) -> int:
    """Store new comments on every video of `channel`; return how many events were created.

    Never raises for an API or network failure: it is recorded on the video's PollCursor and
    the next beat tries again. A spent quota stops this run (the other videos would fail too).
    """
    if not settings.YOUTUBE_API_KEY:
        return 0
    stored = 0
    for video_id in youtube_video_ids(channel):
        cursor, _ = PollCursor.objects.get_or_create(channel=channel, folder=f"video:{video_id}")
        try:
            stored += _poll_video(channel, cursor, video_id)
        except (YouTubeApiError, requests.RequestException) as exc:
            reason = _redact(str(exc) or exc.__class__.__name__)
            _record_failure(cursor, reason)
            log.warning("YouTube poll of video %s (channel %s): %s", video_id, channel.pk, reason)
            if isinstance(exc, YouTubeApiError) and exc.reason in TRANSIENT_REASONS:
                break
    return stored


def _poll_video(channel: Channel, cursor: PollCursor, video_id: str) -> int:
    since = cursor.last_seen_at - OVERLAP if cursor.last_seen_at else None
    newest = cursor.last_seen_at
    stored, page_token = 0, ""
    for _ in range(MAX_PAGES):
        page = _list_threads(video_id, page_token)
        threads = page.get("items") or []
        comments = [c for thread in threads for c in _comments_of(thread)]
        # Comments without a date are kept: the id check in _store still stops repeats.
        fresh = [c for c in comments if since is None or _published(c, default=since) >= since]
        stored += _store(channel, video_id, fresh)
        dates = [d for d in map(_published, comments) if d]
        newest = max([newest, *dates]) if newest else max(dates, default=None)
        page_token = page.get("nextPageToken") or ""
        # Threads come newest first: once a page reaches threads older than the cursor, the
        # pages after it hold older threads still (their fresh replies were taken from this one).
        tops = [d for d in (_published(_top_level(t)) for t in threads) if d]
        if not page_token or (since is not None and (not tops or min(tops) < since)):
            break
    now = timezone.now()
    PollCursor.objects.filter(pk=cursor.pk).update(
        last_seen_at=newest, last_polled_at=now, last_success_at=now, last_error="", failures=0
    )
    return stored


def _list_threads(video_id: str, page_token: str) -> dict:
    params = {
        "part": "snippet,replies",
        "videoId": video_id,
        "order": "time",
        "maxResults": PAGE_SIZE,
        "key": settings.YOUTUBE_API_KEY,
    }
    if page_token:
        params["pageToken"] = page_token
    response = requests.get(f"{_api_base()}/commentThreads", params=params, timeout=TIMEOUT)
    body = _json(response)
    if response.status_code >= 400:
        raise _api_error(response, body)
    return body


def _top_level(thread: dict) -> dict:
    return (thread.get("snippet") or {}).get("topLevelComment") or {}


def _comments_of(thread: dict) -> list[dict]:
    top = _top_level(thread)
    replies = (thread.get("replies") or {}).get("comments") or []
    return [c for c in [top, *replies] if isinstance(c, dict) and c.get("id")]


@transaction.atomic
def _store(channel: Channel, video_id: str, comments: list[dict]) -> int:
    ids = [c["id"] for c in comments]
    known = set(
        InboundEvent.objects.filter(provider=PROVIDER, provider_event_id__in=ids).values_list(
            "provider_event_id", flat=True
        )
    )
    stored = 0
    for comment in comments:
        author = ((comment.get("snippet") or {}).get("authorChannelId") or {}).get("value")
        if comment["id"] in known or author == channel.address:
            continue  # already stored, or our own comment
        event, created = inbound_event_store(
            provider=PROVIDER,
            provider_event_id=comment["id"],
            payload={**comment, "videoId": video_id, "ourChannelId": channel.address},
        )
        if created:
            InboundEvent.objects.filter(pk=event.pk).update(channel=channel)
            stored += 1
    return stored


def _record_failure(cursor: PollCursor, reason: str) -> None:
    PollCursor.objects.filter(pk=cursor.pk).update(
        last_polled_at=timezone.now(), last_error=reason[:2000], failures=F("failures") + 1
    )


def _redact(text: str) -> str:
    """Network errors quote the request URL, and the API key is in its query string."""
    key = settings.YOUTUBE_API_KEY
    return text.replace(key, "<YOUTUBE_API_KEY>") if key else text


# --- HTTP helpers ----------------------------------------------------------------------------


def _api_base() -> str:
    return settings.YOUTUBE_API_BASE.rstrip("/")


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _api_error(response: requests.Response, body: dict) -> YouTubeApiError:
    """Google's error body: {"error": {"code", "message", "errors": [{"reason", …}]}}."""
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    details = error.get("errors") if isinstance(error.get("errors"), list) else []
    reason = ""
    if details and isinstance(details[0], dict):
        reason = str(details[0].get("reason") or "")
    message = str(error.get("message") or response.reason or "")
    return YouTubeApiError(response.status_code, reason, message)


def _retry_after(response: requests.Response) -> float | None:
    try:
        return max(float(response.headers["Retry-After"]), 1.0)
    except (KeyError, ValueError):
        return None


def _published(comment: dict, default: datetime | None = None) -> datetime | None:
    value = (comment.get("snippet") or {}).get("publishedAt") or ""
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    return parsed or default


# --- OAuth -----------------------------------------------------------------------------------


def _access_token(config: dict) -> str:
    """A bearer token for writes: a fixed token from the environment, or one refreshed.

    With "oauth" settings the refresh token is exchanged at Google's token endpoint
    (https://developers.google.com/identity/protocols/oauth2/web-server#offline) and the
    access token cached until shortly before it expires.
    """
    oauth = config.get("oauth") or {}
    if oauth:
        return _refreshed_token(oauth)
    env = config.get("access_token_env") or ""
    token = os.environ.get(env, "") if env else ""
    if not token:
        raise SendError(
            "YouTube replies need OAuth: set the channel's access_token_env (an environment "
            "variable holding a token) or its oauth settings; API keys cannot write."
        )
    return token


def _refreshed_token(oauth: dict) -> str:
    client_id = oauth.get("client_id") or ""
    secret = os.environ.get(oauth.get("client_secret_env") or "", "")
    refresh = os.environ.get(oauth.get("refresh_token_env") or "", "")
    if not (client_id and secret and refresh):
        raise SendError("YouTube OAuth needs client_id and the client secret and refresh token.")
    key = _token_cache_key(oauth)
    token = cache.get(key)
    if token:
        return token
    try:
        response = requests.post(
            oauth.get("token_uri") or GOOGLE_TOKEN_URL,
            data={
                "grant_type": "refresh_token",
                "client_id": client_id,
                "client_secret": secret,
                "refresh_token": refresh,
            },
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:
        raise TransientSendError(f"Google token endpoint unreachable: {exc}") from exc
    body = _json(response)
    if response.status_code >= 500 or response.status_code == 429:
        raise TransientSendError(f"Google token endpoint error {response.status_code}.")
    if response.status_code >= 400 or not body.get("access_token"):
        # invalid_grant: the refresh token was revoked; someone must authorize again.
        raise SendError(f"Google refused the refresh token: {body.get('error') or body}")
    lifetime = int(body.get("expires_in") or 3600)
    cache.set(key, body["access_token"], timeout=max(lifetime - 120, 60))
    return body["access_token"]


def _forget_token(config: dict) -> None:
    if config.get("oauth"):
        cache.delete(_token_cache_key(config["oauth"]))


def _token_cache_key(oauth: dict) -> str:
    refresh = os.environ.get(oauth.get("refresh_token_env") or "", "")
    digest = hashlib.sha256(f"{oauth.get('client_id')}:{refresh}".encode()).hexdigest()[:32]
    return f"youtube-oauth:{digest}"
