"""IMAP polling: mailboxes CX Hub reads itself, stored as InboundEvents for the email adapter.

An email channel is polled when its `Channel.config` has an "imap" section:

    {"imap": {
        "host": "imap.example.com",
        "port": 993,                 # default: 993 for "ssl", 143 otherwise
        "tls": "ssl",                # "ssl" (implicit TLS) | "starttls" | "none" (see below)
        "username": "support@example.com",
        "password_env": "IMAP_SUPPORT_PASSWORD",
        "folder": "INBOX",           # default INBOX
        "ca_file": "",               # optional PEM bundle for a private CA
        "timeout": 30                # seconds per network operation
    }}

The password is never stored in the database: `password_env` names the environment variable
(set on the workers) that holds it. Certificates are always verified for "ssl" and "starttls";
"none" (no TLS at all) is accepted for a server on loopback only, or with "allow_insecure": true
(a mail server on a private container network).

Each message becomes InboundEvent(provider="email", provider_event_id="imap:<channel>:
<uidvalidity>:<uid>", payload={"recipient": <channel address>, "source": "imap", ...},
raw=<the RFC 822 message>), exactly what the email adapter parses (a message that is not UTF-8
is stored base64 with payload["raw_encoding"], as the email ingest does). The folder is opened
read-only (EXAMINE) and bodies are fetched with BODY.PEEK, so nothing is marked seen, moved or
deleted. The cursor (PollCursor) moves forward in the same transaction that stores a batch, so a
crash between the two can only re-store (a no-op), never skip.

UIDs only identify a message together with the folder's UIDVALIDITY (RFC 3501 §2.3.1.1). When
the server reports a new UIDVALIDITY (mailbox rebuilt or migrated) every message is read again;
messages whose Message-ID this channel already stored are skipped, and the pipeline's
(channel, provider_message_id) uniqueness catches anything else. The same check keeps a copy of
a message the channel already has (a re-upload, a Bcc of our own reply) from being stored again.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import os
import ssl
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessage
from imap_tools.errors import ImapToolsError

from interactions.channels.email.parse import message_ids, raw_for_storage
from interactions.models import Channel, ChannelKind, InboundEvent, Message, PollCursor
from interactions.services.events import inbound_event_store

log = logging.getLogger(__name__)

PROVIDER = "email"
# Messages fetched per IMAP command, stored per transaction.
BATCH_SIZE = 50
# A first sync of a large mailbox is spread over several polls rather than one endless task.
MAX_PER_POLL = 1000
DEFAULT_TIMEOUT = 30
# A poll still queued after this is dropped (a worker backlog): the next beat, every 60 s,
# queues a fresh one, so polls of one mailbox do not pile up.
POLL_TASK_EXPIRES_S = 55
TLS_MODES = {"ssl", "starttls", "none"}
LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}
# What a poll survives and records (the next beat tries again): network, TLS, protocol errors.
POLL_ERRORS = (OSError, imaplib.IMAP4.error, ImapToolsError, ValueError)


class ImapConfigError(ValueError):
    """The channel's "imap" config cannot be used as it is (missing host, unknown tls mode…)."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    tls: str
    username: str
    password: str = field(repr=False)
    folder: str
    ca_file: str
    timeout: float

    @classmethod
    def from_config(cls, config: dict) -> ImapSettings:
        imap = config.get("imap")
        if not isinstance(imap, dict):
            raise ImapConfigError('The channel has no "imap" settings.')
        tls = str(imap.get("tls") or "ssl").lower()
        if tls not in TLS_MODES:
            raise ImapConfigError(f'"tls" is {tls!r}: use "ssl", "starttls" or "none".')
        host, username = str(imap.get("host") or ""), str(imap.get("username") or "")
        if not host or not username:
            raise ImapConfigError('The "imap" settings need "host" and "username".')
        if tls == "none" and host not in LOOPBACK_HOSTS and imap.get("allow_insecure") is not True:
            raise ImapConfigError(
                '"tls": "none" would send the password in clear: it is for a server on this '
                'machine only, unless the settings also say "allow_insecure": true.'
            )
        password_env = str(imap.get("password_env") or "")
        if not password_env:
            raise ImapConfigError('The "imap" settings need "password_env" (an env var name).')
        password = os.environ.get(password_env, "")
        if not password:
            raise ImapConfigError(f"The environment variable {password_env} (password) is unset.")
        try:
            port = int(imap.get("port") or (993 if tls == "ssl" else 143))
            timeout = float(imap.get("timeout") or DEFAULT_TIMEOUT)
        except (TypeError, ValueError):
            raise ImapConfigError('"port" and "timeout" must be numbers.') from None
        return cls(
            host=host,
            port=port,
            tls=tls,
            username=username,
            password=password,
            folder=str(imap.get("folder") or "INBOX"),
            ca_file=str(imap.get("ca_file") or ""),
            timeout=timeout,
        )


class _RawMailMessage(MailMessage):
    """imap-tools' message that also keeps the bytes the server sent (it keeps only a parse)."""

    def __init__(self, fetch_data: list) -> None:
        super().__init__(fetch_data)
        self.raw = self._get_message_data_parts(fetch_data)[0]


def imap_channels():
    """Active email channels that have IMAP settings."""
    return Channel.objects.filter(
        kind=ChannelKind.EMAIL, is_active=True, config__has_key="imap"
    ).order_by("pk")


def imap_channel_ids_to_poll() -> list[int]:
    return list(imap_channels().values_list("pk", flat=True))


def imap_mailbox_poll_by_id(*, channel_id: int) -> int:
    """Poll one channel by id (the task's doorway); 0 if it is gone or inactive."""
    channel = imap_channels().filter(pk=channel_id).first()
    return imap_mailbox_poll(channel=channel) if channel else 0


def imap_mailbox_poll(*, channel: Channel) -> int:
    """Store the folder's messages not stored yet; return how many events were created.

    Never raises for a broken mailbox (unreachable, TLS, wrong password, bad config): the
    error is recorded on the channel's PollCursor and the next beat tries again.
    """
    folder = str((channel.config.get("imap") or {}).get("folder") or "INBOX")
    cursor, _ = PollCursor.objects.get_or_create(channel=channel, folder=folder)
    try:
        settings = ImapSettings.from_config(channel.config)
        mailbox = _connect(settings)
        try:
            stored = _poll_folder(mailbox, channel, cursor, folder)
        finally:
            _close(mailbox)
    except POLL_ERRORS as exc:
        _record_failure(cursor, exc)
        log.warning("IMAP poll of channel %s (%s) failed: %s", channel.pk, folder, _describe(exc))
        return 0
    PollCursor.objects.filter(pk=cursor.pk).update(
        last_polled_at=timezone.now(), last_success_at=timezone.now(), last_error="", failures=0
    )
    return stored


def _connect(settings: ImapSettings) -> BaseMailBox:
    context = ssl.create_default_context(cafile=settings.ca_file or None)
    if settings.tls == "ssl":
        mailbox = MailBox(settings.host, settings.port, settings.timeout, ssl_context=context)
    elif settings.tls == "starttls":
        mailbox = MailBoxStartTls(settings.host, settings.port, settings.timeout, context)
    else:
        mailbox = MailBoxUnencrypted(settings.host, settings.port, settings.timeout)
    mailbox.email_message_class = _RawMailMessage
    try:
        mailbox.login(settings.username, settings.password, initial_folder=None)
    except BaseException:
        _close(mailbox)
        raise
    return mailbox


def _close(mailbox: BaseMailBox) -> None:
    with contextlib.suppress(Exception):
        mailbox.logout()
        return
    with contextlib.suppress(Exception):
        mailbox.client.shutdown()


def _poll_folder(mailbox: BaseMailBox, channel: Channel, cursor: PollCursor, folder: str) -> int:
    # Read-only (EXAMINE): polling never changes a flag on the customer-facing mailbox.
    mailbox.folder.set(folder, readonly=True)
    _, data = mailbox.client.response("UIDVALIDITY")
    if not data or data[0] is None:
        raise imaplib.IMAP4.error(f"The server sent no UIDVALIDITY for {folder!r}.")
    uidvalidity = int(data[0])
    resync = cursor.uidvalidity is not None and cursor.uidvalidity != uidvalidity
    after = cursor.last_uid if cursor.uidvalidity == uidvalidity else 0
    if resync:
        log.warning(
            "IMAP UIDVALIDITY of channel %s (%s) changed %s -> %s; reading the folder again.",
            channel.pk,
            folder,
            cursor.uidvalidity,
            uidvalidity,
        )
    # "UID n:*" always matches the highest UID, even when it is below n (RFC 3501 §6.4.8),
    # so the range is filtered here as well.
    uids = sorted(u for u in map(int, mailbox.uids(f"UID {after + 1}:*")) if u > after)
    uids = uids[:MAX_PER_POLL]
    if not uids and cursor.uidvalidity != uidvalidity:
        _advance(cursor, uidvalidity, 0)
    stored = 0
    for start in range(0, len(uids), BATCH_SIZE):
        batch = [str(u) for u in uids[start : start + BATCH_SIZE]]
        messages = list(mailbox.fetch(uid_list=batch, mark_seen=False, bulk=True))
        stored += _store_batch(channel, cursor, uidvalidity, messages, resync=resync)
    return stored


@transaction.atomic
def _store_batch(
    channel: Channel, cursor: PollCursor, uidvalidity: int, messages: list, *, resync: bool
) -> int:
    """Store one fetched batch and move the cursor past it, all or nothing."""
    known_ids = _known_message_ids(channel, messages, resync=resync)
    stored, highest = 0, 0
    for message in messages:
        uid = int(message.uid)
        highest = max(highest, uid)
        message_id = _message_id(message)
        if message_id and message_id in known_ids:
            continue
        # UTF-8 text as is; other bytes (legacy 8-bit charsets, NULs) base64, losslessly.
        raw, encoding = raw_for_storage(message.raw)
        event, created = inbound_event_store(
            provider=PROVIDER,
            provider_event_id=f"imap:{channel.pk}:{uidvalidity}:{uid}",
            payload={
                "recipient": channel.address,
                "source": "imap",
                "uidvalidity": uidvalidity,
                "uid": uid,
                "folder": cursor.folder,
                "message_id": message_id,
                **encoding,
            },
            raw=raw,
        )
        if created:
            InboundEvent.objects.filter(pk=event.pk).update(channel=channel)
            stored += 1
    _advance(cursor, uidvalidity, highest)
    return stored


def _advance(cursor: PollCursor, uidvalidity: int, uid: int) -> None:
    """Move the cursor forward only: a concurrent poll that got further is never undone."""
    locked = PollCursor.objects.select_for_update().get(pk=cursor.pk)
    base = locked.last_uid if locked.uidvalidity == uidvalidity else 0
    locked.uidvalidity = uidvalidity
    locked.last_uid = max(base, uid)
    locked.save(update_fields=["uidvalidity", "last_uid"])
    cursor.uidvalidity, cursor.last_uid = locked.uidvalidity, locked.last_uid


def _known_message_ids(channel: Channel, messages: list, *, resync: bool) -> set[str]:
    """Message-IDs in the batch this channel already has: no need to store them again.

    Messages are looked up on every batch (the unique (channel, provider_message_id) index
    makes it cheap); during a UIDVALIDITY resync, events not processed yet are looked up too.
    """
    ids = [mid for mid in map(_message_id, messages) if mid]
    if not ids:
        return set()
    known = set(
        Message.objects.filter(channel=channel, provider_message_id__in=ids).values_list(
            "provider_message_id", flat=True
        )
    )
    if resync:
        known |= set(
            InboundEvent.objects.filter(
                provider=PROVIDER, channel=channel, payload__message_id__in=ids
            ).values_list("payload__message_id", flat=True)
        )
    return known


def _message_id(message: MailMessage) -> str:
    """The Message-ID as the email adapter keys messages: '<id@host>'."""
    ids = message_ids(str(message.obj.get("Message-ID") or ""))
    return ids[0] if ids else ""


def _record_failure(cursor: PollCursor, exc: Exception) -> None:
    PollCursor.objects.filter(pk=cursor.pk).update(
        last_polled_at=timezone.now(), last_error=_describe(exc)[:2000], failures=F("failures") + 1
    )


def _describe(exc: Exception) -> str:
    text = str(exc) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}"
