"""Agents' replies: stored once, sent at most once, through the channel's adapter.

`message_create_outbound` stores a reply (queued, or scheduled) and, once the transaction
commits, hands its id to the send hook that `interactions.tasks` installs (services never import
tasks). `message_send` is the task's body: it builds an `OutboundRequest` from the rows, calls the
adapter and records the provider's id. Permission checks belong to the views.

Which adapter sends. Email channels always send through Django's mailers (`email_out`, SMTP or
an anymail ESP), whatever receives their mail (IMAP, an ESP webhook, a pipe), so
SENDING_ADAPTERS maps the kind; every other kind sends through the adapter named by
`Channel.provider`: "twilio" for SMS and WhatsApp, "meta", "x", "youtube".

Sending at most once. Two workers never both send: the row is locked (`select_for_update`)
around the provider call, so the second waits and then sees `sent`. A crash after the provider
accepted but before we stored its id cannot be ruled out (Twilio's Messages API takes no
idempotency key), so it is made detectable: a claim (`meta["send"]["claimed_at"]`) is committed
before the call and cleared with the outcome. A later attempt that finds a stale claim knows the
earlier one was interrupted: when we chose the provider id ourselves (email's Message-ID,
stored before sending) it resends under the same id, which mail clients and our own ingestion
recognise; otherwise it marks the reply failed with an explanation instead of risking a double
text, and the agent decides with the retry action.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from interactions.channels.base import Adapter, SendError, TransientSendError
from interactions.channels.registry import get_adapter
from interactions.models import (
    Channel,
    ChannelKind,
    Contact,
    DeliveryStatus,
    Direction,
    IdentityKind,
    Message,
    Thread,
)
from interactions.normalize import InvalidIdentity, base_subject, normalize_email, preview_of
from interactions.types import AttachmentData, Identity, OutboundRequest

log = logging.getLogger(__name__)

# WhatsApp accepts free-form messages only within 24 hours of the customer's last message;
# after that only approved templates. https://www.twilio.com/docs/whatsapp/key-concepts
WHATSAPP_WINDOW = timedelta(hours=24)
WHATSAPP_WINDOW_CLOSED = (
    "This conversation is outside WhatsApp's 24-hour window: send an approved template."
)
# Channel kinds whose registry key does not come from Channel.provider.
SENDING_ADAPTERS = {ChannelKind.EMAIL: "email_out"}
# Kinds nobody can reply on (DESIGN.md's channel table): agents call back or answer elsewhere.
NO_OUTBOUND = {ChannelKind.VOICE, ChannelKind.API}
# The identity a reply on each channel kind is addressed to (first match wins).
RECIPIENT_KINDS = {
    ChannelKind.EMAIL: (IdentityKind.EMAIL,),
    ChannelKind.SMS: (IdentityKind.PHONE, IdentityKind.WHATSAPP),
    ChannelKind.WHATSAPP: (IdentityKind.WHATSAPP, IdentityKind.PHONE),
    ChannelKind.MESSENGER: (IdentityKind.MESSENGER,),
    ChannelKind.INSTAGRAM: (IdentityKind.INSTAGRAM,),
    ChannelKind.X: (IdentityKind.X,),
    ChannelKind.YOUTUBE: (IdentityKind.YOUTUBE,),
}

# Task retries after a transient failure (429, 5xx, timeouts); then the reply is failed.
MAX_SEND_RETRIES = 8
RETRY_BACKOFF_MAX_S = 600
# Kept under the Redis visibility timeout (settings: 3600 s), past which a delayed task is
# delivered twice.
RETRY_AFTER_MAX_S = 900
# A claim younger than this belongs to a send still in progress (adapters time out far sooner).
SEND_CLAIM_TTL = timedelta(minutes=5)
# Queued replies untouched this long lost their task (broker outage): the beat re-enqueues them.
STALLED_AFTER = timedelta(minutes=10)
# Email References beyond this many ids are trimmed to the first and the latest (RFC 5322 3.6.4).
MAX_REFERENCES = 20

INTERRUPTED = (
    "Sending was interrupted (a worker stopped mid-send), so the provider may or may not have "
    "accepted this reply. Check with the customer before retrying."
)
CANCELLED_CUSTOMER_WROTE = (
    "Not sent: the customer wrote again after this reply was scheduled. Review it and send it "
    "again if it still fits."
)


class RetrySend(Exception):
    """A transient failure: the task retries after `countdown` seconds."""

    def __init__(self, message: str, countdown: float):
        super().__init__(message)
        self.countdown = countdown


# --- The send hook (installed by interactions.tasks) -----------------------------------------

_enqueue_send: Callable[[int], None] | None = None


def set_send_enqueuer(enqueue: Callable[[int], None]) -> None:
    global _enqueue_send
    _enqueue_send = enqueue


def enqueue_send(message_id: int) -> None:
    """Hand a queued reply to the workers; if the broker is down, the beat re-enqueues it."""
    if _enqueue_send is None:
        return
    try:
        _enqueue_send(message_id)
    except Exception:  # broker down: the row is queued, send_scheduled_messages finds it
        log.warning("Could not enqueue sending of message %s; the beat will retry.", message_id)


# --- Pure helpers ---------------------------------------------------------------------------


def whatsapp_window_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    """True while a free-form WhatsApp reply is allowed: within 24 h of the customer's message."""
    return last_inbound_at is not None and now - last_inbound_at < WHATSAPP_WINDOW


def reply_subject(subject: str) -> str:
    """'Re: <subject>' once, however many Re:/Fwd: prefixes the customer's client added."""
    return f"Re: {base_subject(subject)}".strip()


def angle(message_id: str) -> str:
    """A Message-ID in its header form, `<id@host>`."""
    value = message_id.strip()
    if not value:
        return ""
    return value if value.startswith("<") else f"<{value.strip('<>')}>"


def reply_references(parent_references: Iterable[str], thread_ids: Iterable[str]) -> tuple:
    """The References of a reply: the parent's chain, then the thread's ids, parent last.

    Duplicates are dropped (first place kept); a long chain keeps its first id and the latest
    ones, as RFC 5322 suggests, so the header stays a sensible size.
    """
    seen, chain = set(), []
    for value in (*parent_references, *thread_ids):
        ref = angle(value)
        if ref and ref not in seen:
            seen.add(ref)
            chain.append(ref)
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return tuple(chain)


def send_retry_countdown(retries: int, retry_after: float | None) -> float:
    """Seconds before the next attempt: the provider's Retry-After, else backoff with jitter."""
    if retry_after is not None and retry_after > 0:
        return min(float(retry_after), RETRY_AFTER_MAX_S)
    ceiling = min(RETRY_BACKOFF_MAX_S, 2 * 2**retries)
    return max(1.0, random.uniform(ceiling / 2, ceiling))


def sending_adapter_key(channel: Channel) -> str:
    """The registry key of the adapter that sends replies on `channel` (see module docstring)."""
    return SENDING_ADAPTERS.get(channel.kind, channel.provider)


# --- Creating replies -----------------------------------------------------------------------


def message_create_outbound(
    *,
    thread: Thread,
    author,
    text: str,
    idempotency_key: str,
    cc: Iterable[str] = (),
    bcc: Iterable[str] = (),
    subject: str = "",
    template: str = "",
    send_at: datetime | None = None,
    send_anyway: bool = False,
) -> Message:
    """Store an agent's reply and send it once the transaction commits (or at `send_at`).

    The same idempotency key on the same thread returns the first reply and sends nothing more
    (a double-clicked composer). Raises ValidationError for a reply the channel cannot take.
    """
    key = (idempotency_key or "")[:64]
    existing = _existing(thread, key)
    if existing is not None:
        return existing

    now = timezone.now()
    channel = thread.channel
    text = (text or "").strip()
    cc, bcc = _addresses(cc, "cc"), _addresses(bcc, "bcc")
    _validate_reply(thread, channel, text=text, template=template, cc=cc, bcc=bcc, now=now)

    scheduled = send_at is not None and send_at > now
    meta: dict = {}
    if subject:
        meta["subject"] = subject.strip()[:255]
    if cc:
        meta["cc"] = cc
    if bcc:
        meta["bcc"] = bcc
    if template:
        meta["template"] = template
    if scheduled:
        meta.update(send_at=send_at.isoformat(), scheduled_at=now.isoformat())
        if send_anyway:
            # Sent at its time even if the customer writes again meanwhile.
            meta["send_anyway"] = True
    try:
        with transaction.atomic():
            message = Message.objects.create(
                thread=thread,
                channel=channel,
                direction=Direction.OUTBOUND,
                author=author,
                text=text,
                meta=meta,
                delivery_status=DeliveryStatus.SCHEDULED if scheduled else DeliveryStatus.QUEUED,
                idempotency_key=key,
                # A scheduled reply takes its place in the conversation when it goes out; the
                # indexed created_at is also what the beat looks for (see messages_send_due).
                created_at=send_at if scheduled else now,
            )
    except IntegrityError:
        if not key:
            raise
        # The same submission won a race with us: theirs stands, and is the one sent.
        return Message.objects.get(thread=thread, idempotency_key=key)

    if scheduled:
        Thread.objects.filter(pk=thread.pk).update(message_count=F("message_count") + 1)
    else:
        _thread_after_reply(thread, message, counted=False)
        transaction.on_commit(lambda: enqueue_send(message.pk))
    thread.refresh_from_db()
    return message


def _existing(thread: Thread, key: str) -> Message | None:
    if not key:
        return None
    return Message.objects.filter(thread=thread, idempotency_key=key).first()


def _addresses(values: Iterable[str], field: str) -> list[str]:
    out = []
    for value in values or ():
        if not (value or "").strip():
            continue
        try:
            address = normalize_email(value)
        except InvalidIdentity:
            raise ValidationError({field: f"{value!r} is not an email address."}) from None
        if address not in out:
            out.append(address)
    return out


def _validate_reply(thread, channel, *, text, template, cc, bcc, now) -> None:
    if thread.merged_into_id:
        raise ValidationError(
            f"This conversation was merged into #{thread.merged_into_id}: reply there."
        )
    if channel.kind in NO_OUTBOUND:
        raise ValidationError(f"Replies cannot be sent on {channel.get_kind_display()} channels.")
    if not text and not template:
        raise ValidationError({"text": "Write a reply first."})
    if (cc or bcc) and channel.kind != ChannelKind.EMAIL:
        raise ValidationError({"cc": "Cc and Bcc are for email replies only."})
    if (
        channel.kind == ChannelKind.WHATSAPP
        and not template
        and not whatsapp_window_open(thread.last_inbound_at, now)
    ):
        raise ValidationError({"text": WHATSAPP_WINDOW_CLOSED})


def _thread_after_reply(thread: Thread, message: Message, *, counted: bool) -> None:
    """The thread shows the reply; the first reply sets first_response_at (first one wins)."""
    at = message.created_at
    updates = {
        "last_activity_at": Greatest(F("last_activity_at"), Value(at)),
        "preview": preview_of(message.text or f"Template: {message.meta.get('template', '')}"),
        "first_response_at": Coalesce(F("first_response_at"), Value(at)),
    }
    if not counted:
        updates["message_count"] = F("message_count") + 1
    Thread.objects.filter(pk=thread.pk).update(**updates)


def message_retry_send(*, message: Message) -> Message:
    """Queue a failed reply again (the thread's retry action); other messages are left alone."""
    with transaction.atomic():
        locked = _locked(message.pk)
        if locked is None or locked.delivery_status != DeliveryStatus.FAILED:
            return locked or message
        state = dict(locked.meta.get("send") or {})
        if locked.provider_message_id and not state.get("preassigned"):
            # The provider's id for a failed attempt: the next attempt gets a new one.
            state.setdefault("previous_ids", []).append(locked.provider_message_id)
            locked.provider_message_id = ""
        for name in ("claimed_at", "token", "retry_at", "last_error"):
            state.pop(name, None)
        locked.meta = {**locked.meta, "send": state}
        locked.delivery_status = DeliveryStatus.QUEUED
        locked.delivery_error = ""
        locked.save(
            update_fields=["meta", "provider_message_id", "delivery_status", "delivery_error"]
        )
        transaction.on_commit(lambda: enqueue_send(locked.pk))
    return locked


# --- Sending --------------------------------------------------------------------------------


def _locked(message_id: int) -> Message | None:
    rows = Message.objects.select_related("channel", "thread", "thread__contact").filter(
        pk=message_id, direction=Direction.OUTBOUND
    )
    if connection.features.has_select_for_update_of:
        return rows.select_for_update(of=("self",), no_key=True).first()
    return rows.select_for_update().first()


def _claim_age(state: dict, now: datetime) -> timedelta | None:
    raw = state.get("claimed_at")
    if not raw:
        return None
    try:
        return now - datetime.fromisoformat(raw)
    except (TypeError, ValueError):
        return SEND_CLAIM_TTL


def message_send(*, message_id: int, final_attempt: bool = False) -> str:
    """Send one queued reply through its channel's adapter, at most once.

    Returns "sent", "failed", "skipped" (not queued: already sent, failed, scheduled, or gone)
    or "busy" (another worker is sending it right now). Raises RetrySend after a transient
    failure unless `final_attempt`, when the reply is failed with the provider's reason.
    Call it outside any transaction (the task does): the claim must be committed before the
    provider hears of the reply.
    """
    now = timezone.now()
    # 1. Claim: commit a marker (and email's Message-ID) before the provider sees anything.
    with transaction.atomic():
        message = _locked(message_id)
        if message is None or message.delivery_status != DeliveryStatus.QUEUED:
            return "skipped"
        state = dict(message.meta.get("send") or {})
        age = _claim_age(state, now)
        if age is not None and age < SEND_CLAIM_TTL:
            return "busy"
        adapter = get_adapter(sending_adapter_key(message.channel))
        if adapter is None:
            key = sending_adapter_key(message.channel)
            _fail(message, f"No adapter can send replies on {message.channel} ({key!r}).")
            return "failed"
        if age is not None and not state.get("preassigned"):
            _fail(message, INTERRUPTED)
            return "failed"
        try:
            request = _build_request(message)
        except SendError as exc:
            _fail(message, str(exc))
            return "failed"
        if not message.provider_message_id:
            assigned = adapter.assign_provider_id(request)
            if assigned:
                message.provider_message_id = assigned
                state["preassigned"] = True
        request = replace(request, provider_message_id=message.provider_message_id)
        token = uuid.uuid4().hex
        state.update(claimed_at=now.isoformat(), token=token, attempts=state.get("attempts", 0) + 1)
        state.pop("retry_at", None)
        message.meta = {**message.meta, "send": state}
        message.save(update_fields=["meta", "provider_message_id"])

    # 2. Send, holding the row lock: a second worker waits here, then finds the outcome.
    with transaction.atomic():
        message = _locked(message_id)
        if (
            message is None
            or message.delivery_status != DeliveryStatus.QUEUED
            or (message.meta.get("send") or {}).get("token") != token
        ):
            return "skipped"
        outcome, retry = _attempt(adapter, request, message, final_attempt=final_attempt)
    if retry is not None:
        raise retry
    return outcome


def _attempt(adapter: Adapter, request: OutboundRequest, message: Message, *, final_attempt):
    state = dict(message.meta.get("send") or {})
    attempts = state.get("attempts", 1)
    try:
        provider_id = adapter.send(request)
    except TransientSendError as exc:
        reason = str(exc) or "The provider is temporarily unavailable."
        if final_attempt:
            _fail(message, f"Gave up after {attempts} attempts: {reason}")
            return "failed", None
        countdown = send_retry_countdown(attempts - 1, exc.retry_after)
        for name in ("claimed_at", "token"):
            state.pop(name, None)
        state.update(
            last_error=reason[:500],
            retry_at=(timezone.now() + timedelta(seconds=countdown)).isoformat(),
        )
        message.meta = {**message.meta, "send": state}
        message.save(update_fields=["meta"])
        return "retry", RetrySend(reason, countdown)
    except SendError as exc:
        _fail(message, str(exc) or "The provider refused this reply.")
        return "failed", None
    except Exception as exc:
        # An adapter bug or an unmapped error: whether the provider accepted is unknown, so
        # the reply is failed visibly rather than retried into a possible double send.
        log.exception("Sending message %s failed unexpectedly", message.pk)
        error = f"{exc.__class__.__name__}: {exc}"
        _fail(message, f"Unexpected error while sending ({error}). {INTERRUPTED}")
        return "failed", None

    for name in ("claimed_at", "token", "last_error"):
        state.pop(name, None)
    state["sent_at"] = timezone.now().isoformat()
    message.meta = {**message.meta, "send": state}
    if request.channel_kind == ChannelKind.EMAIL:
        # Our headers, kept like an inbound email's, so the next reply can build its chain.
        message.meta.update(
            message_id=provider_id,
            in_reply_to=angle(request.in_reply_to),
            references=list(request.references),
            subject=request.subject,
        )
    message.provider_message_id = (provider_id or message.provider_message_id)[:255]
    message.delivery_status = DeliveryStatus.SENT
    message.delivery_error = ""
    message.save(update_fields=["meta", "provider_message_id", "delivery_status", "delivery_error"])
    return "sent", None


def _fail(message: Message, reason: str) -> None:
    state = dict(message.meta.get("send") or {})
    for name in ("claimed_at", "token", "retry_at"):
        state.pop(name, None)
    message.meta = {**message.meta, "send": state}
    message.delivery_status = DeliveryStatus.FAILED
    message.delivery_error = reason[:2000]
    message.save(update_fields=["meta", "delivery_status", "delivery_error"])
    log.warning("Message %s not sent: %s", message.pk, reason)


def _build_request(message: Message) -> OutboundRequest:
    """Everything the adapter needs, from the rows. SendError when there is nobody to send to."""
    thread, channel = message.thread, message.channel
    if (
        channel.kind == ChannelKind.WHATSAPP
        and not message.meta.get("template")
        and not whatsapp_window_open(thread.last_inbound_at, timezone.now())
    ):
        raise SendError(WHATSAPP_WINDOW_CLOSED)
    contact = _live(thread.contact)
    recipient = _recipient(contact, channel.kind)
    inbound = list(
        thread.messages.filter(direction=Direction.INBOUND)
        .exclude(provider_message_id="")
        .order_by("-created_at", "-id")[:1]
    )
    parent = inbound[0] if inbound else None
    subject = in_reply_to = ""
    references: tuple = ()
    if channel.kind == ChannelKind.EMAIL:
        subject = message.meta.get("subject") or reply_subject(thread.subject)
        if parent is not None:
            in_reply_to = angle(parent.provider_message_id)
            thread_ids = (
                thread.messages.filter(created_at__lte=parent.created_at)
                .exclude(provider_message_id="")
                .exclude(pk=message.pk)
                .order_by("created_at", "id")
                .values_list("provider_message_id", flat=True)[:200]
            )
            # RFC 5322 3.6.4: the parent's References (or its In-Reply-To), then the parent.
            # Our own rows add the ids a client may have trimmed from its chain.
            parent_chain = _header_ids(parent.meta.get("references")) or _header_ids(
                parent.meta.get("in_reply_to")
            )
            references = reply_references(parent_chain, [*thread_ids, parent.provider_message_id])
    return OutboundRequest(
        message_id=message.pk,
        channel_kind=channel.kind,
        channel_address=channel.address,
        channel_config=dict(channel.config or {}),
        to=recipient,
        text=message.text,
        html=message.html,
        subject=subject,
        in_reply_to=in_reply_to,
        references=references,
        reply_to_provider_id=parent.provider_message_id if parent is not None else "",
        conversation_key=thread.conversation_key,
        cc=tuple(message.meta.get("cc") or ()),
        bcc=tuple(message.meta.get("bcc") or ()),
        sender_name=(channel.config or {}).get("sender_name") or channel.name,
        template=message.meta.get("template", ""),
        attachments=_attachments(message),
        provider_message_id=message.provider_message_id,
    )


def _header_ids(value) -> list[str]:
    """Message-IDs from a stored header: a list, or one whitespace-separated string."""
    if not value:
        return []
    if isinstance(value, str):
        return value.split()
    return [str(v) for v in value if v]


def _live(contact: Contact) -> Contact:
    seen = set()
    while contact.merged_into_id and contact.pk not in seen:
        seen.add(contact.pk)
        contact = contact.merged_into
    return contact


def _recipient(contact: Contact, channel_kind: str) -> Identity:
    kinds = RECIPIENT_KINDS.get(channel_kind, ())
    identities = list(contact.identities.filter(kind__in=kinds).order_by("-created_at", "-id"))
    for kind in kinds:
        for identity in identities:
            if identity.kind == kind:
                return Identity(kind=identity.kind, value=identity.value, display=contact.name)
    raise SendError(f"{contact} has no {' or '.join(kinds) or channel_kind} address to reply to.")


def _attachments(message: Message) -> tuple[AttachmentData, ...]:
    out = []
    for attachment in message.attachments.exclude(file=""):
        with attachment.file.open("rb") as handle:
            content = handle.read()
        out.append(
            AttachmentData(
                filename=attachment.filename,
                content_type=attachment.content_type,
                content=content,
                content_id=attachment.content_id,
                is_inline=attachment.is_inline,
            )
        )
    return tuple(out)


# --- Scheduled and stalled replies (the beat) ------------------------------------------------


def messages_send_due(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Release scheduled replies whose time has come and re-enqueue queued ones whose task was
    lost. A scheduled reply is cancelled (failed, with the reason) when the customer wrote again
    after it was scheduled, unless its meta says `send_anyway`.
    """
    now = now or timezone.now()
    counts = {"released": 0, "cancelled": 0, "requeued": 0}
    due = (
        Message.objects.filter(
            direction=Direction.OUTBOUND,
            delivery_status=DeliveryStatus.SCHEDULED,
            created_at__lte=now,
        )
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for message_id in list(due):
        outcome = _release(message_id, now)
        if outcome:
            counts[outcome] += 1

    stalled = Message.objects.filter(
        direction=Direction.OUTBOUND,
        delivery_status=DeliveryStatus.QUEUED,
        created_at__lte=now - STALLED_AFTER,
    ).order_by("created_at", "id")[:limit]
    for message in stalled:
        if _is_stalled(message, now):
            enqueue_send(message.pk)
            counts["requeued"] += 1
    return counts


def _is_stalled(message: Message, now: datetime) -> bool:
    state = message.meta.get("send") or {}
    for name in ("retry_at", "claimed_at"):
        raw = state.get(name)
        if not raw:
            continue
        try:
            at = datetime.fromisoformat(raw)
        except (TypeError, ValueError):
            continue
        if name == "retry_at" and at + STALLED_AFTER > now:
            return False  # a retry is planned: leave it to the task's countdown
        if name == "claimed_at" and at + SEND_CLAIM_TTL > now:
            return False  # a worker is sending it right now
    return True


def _release(message_id: int, now: datetime) -> str | None:
    with transaction.atomic():
        message = _locked(message_id)
        if message is None or message.delivery_status != DeliveryStatus.SCHEDULED:
            return None
        thread = message.thread
        scheduled_at = _parse(message.meta.get("scheduled_at"))
        customer_wrote = (
            thread.last_inbound_at is not None
            and scheduled_at is not None
            and thread.last_inbound_at > scheduled_at
        )
        if customer_wrote and not message.meta.get("send_anyway"):
            message.delivery_status = DeliveryStatus.FAILED
            message.delivery_error = CANCELLED_CUSTOMER_WROTE
            message.meta = {**message.meta, "cancelled_at": now.isoformat()}
            message.save(update_fields=["delivery_status", "delivery_error", "meta"])
            return "cancelled"
        message.delivery_status = DeliveryStatus.QUEUED
        message.created_at = now  # it joins the conversation when it actually goes out
        message.save(update_fields=["delivery_status", "created_at"])
        _thread_after_reply(thread, message, counted=True)
        transaction.on_commit(lambda: enqueue_send(message_id))
        return "released"


def _parse(raw) -> datetime | None:
    try:
        return datetime.fromisoformat(raw) if raw else None
    except (TypeError, ValueError):
        return None
