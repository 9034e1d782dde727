"""Raw RFC 822 mail → one `InboundMessage`: any charset, any structure, no crash on bad input.

Parsing is the stdlib `email` package with `policy.default`, the same parser anymail uses for
the messages its webhooks hand over. Everything a header or a part can get wrong is tolerated:
a missing Message-ID gets a synthetic one from a hash of the bytes (so a re-ingest is still a
duplicate), a bad Date becomes "unknown", undecodable bytes become replacement characters.
Only a message with no sender address at all cannot be stored (`ParseError`).
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser, HeaderParser
from email.utils import collapse_rfc2231_value, getaddresses, parsedate_to_datetime

from interactions.channels.base import ParseError
from interactions.channels.email.text import (
    clean,
    decode_bytes,
    html_to_text,
    is_forward,
    new_text,
)
from interactions.types import AttachmentData, Identity, InboundMessage

# Stored text and HTML are capped: a 20 MB text part is a log file, not a message to read.
MAX_TEXT_CHARS = 200_000
MAX_HTML_CHARS = 2_000_000
# References in a long thread can run to hundreds; the most recent ones are the useful ones.
MAX_REFERENCES = 50
# Message ids longer than the database column are replaced by a hash (threading still works
# because the same mapping is applied to In-Reply-To and References).
MAX_ID_CHARS = 255
MAX_DEPTH = 40  # nested multiparts deeper than this are a mail bomb, not a message
MAX_FILENAME_CHARS = 120

_MSGID = re.compile(r"<([^<>\s]+)>")
_ADDRESS = re.compile(r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.?[^@\s<>\"(),;:]*$")
_AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto-?reply|autoreply|out of (the )?office|abwesenheitsnotiz"
    r"|r[ée]ponse automatique|respuesta autom[áa]tica|risposta automatica)\b",
    re.I,
)
_BOUNCE_SENDERS = {"mailer-daemon", "postmaster"}
_AUTO_PRECEDENCE = {"bulk", "auto_reply", "junk"}


@dataclass
class _Body:
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[AttachmentData] = field(default_factory=list)
    delivery_status: dict = field(default_factory=dict)
    original_message_id: str = ""


# --- Headers -----------------------------------------------------------------------------


def _raw_header(message: Message, name: str) -> str | None:
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return value if isinstance(value, str) else str(value)
    return None


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded leniently (for headers the policy could not parse)."""
    try:
        parts = decode_header(value)
    except Exception:
        return value
    out = []
    for chunk, charset in parts:
        out.append(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk)
    return "".join(out)


def header(message: Message, name: str) -> str:
    """A header's decoded value ("" when missing); never raises on a malformed header."""
    try:
        value = message.get(name)
    except Exception:  # the policy's parser choked on it: fall back to the raw text
        value = _raw_header(message, name)
        value = _decode_words(value) if value is not None else None
    if value is None:
        return ""
    return " ".join(clean(str(value)).split())


def _valid_address(value: str) -> str:
    value = clean(value).strip().strip("<>").strip().rstrip(".").lower()
    return value if _ADDRESS.match(value) else ""


def addresses(message: Message, name: str) -> list[tuple[str, str]]:
    """[(display name, lowercased address)] of an address header, tolerating any damage."""
    found: list[tuple[str, str]] = []
    try:
        value = message.get(name)
        if value is not None and hasattr(value, "addresses"):
            found = [(a.display_name, a.addr_spec) for a in value.addresses]
        elif value is not None:  # an unstructured header (Delivered-To, X-Original-To)
            found = getaddresses([str(value)])
    except Exception:
        found = []
    result = [(clean(n).strip(), _valid_address(a)) for n, a in found]
    result = [(n, a) for n, a in result if a]
    if not result:
        raw = _raw_header(message, name)
        if raw:
            pairs = getaddresses([_decode_words(raw)])
            result = [(clean(n).strip(), _valid_address(a)) for n, a in pairs]
            result = [(n, a) for n, a in result if a]
    return result


def _all_addresses(message: Message, name: str) -> list[str]:
    """Addresses of every occurrence of a header (Delivered-To appears once per hop)."""
    out = []
    try:
        values = message.get_all(name) or []
    except Exception:
        values = []
    for value in values:
        for _, address in getaddresses([clean(str(value))]):
            address = _valid_address(address)
            if address:
                out.append(address)
    return out


def normalize_message_id(value: str) -> str:
    """'<id@host>' with angle brackets; a too-long id becomes a stable hash of itself."""
    value = value.strip()
    if not value:
        return ""
    if not (value.startswith("<") and value.endswith(">")):
        value = f"<{value.strip('<>')}>"
    if len(value) > MAX_ID_CHARS:
        value = f"<{hashlib.sha256(value.encode('utf-8', 'replace')).hexdigest()}@long-id.invalid>"
    return value


def message_ids(value: str) -> list[str]:
    """Every '<id>' in an In-Reply-To or References header (bare ids tolerated)."""
    value = clean(value or "")
    ids = _MSGID.findall(value)
    if not ids:
        ids = [token.strip("<>,;") for token in value.split() if "@" in token]
    seen, out = set(), []
    for raw_id in ids:
        normalized = normalize_message_id(raw_id)
        if normalized and normalized not in seen:
            seen.add(normalized)
            out.append(normalized)
    return out


def synthetic_message_id(data: bytes) -> str:
    """A stable stand-in for a missing Message-ID: the same bytes always get the same id."""
    return f"<{hashlib.sha256(data).hexdigest()[:40]}@synthetic.cx-hub.invalid>"


def _sent_at(message: Message) -> datetime | None:
    raw = header(message, "Date")
    if not raw:
        return None
    try:
        value = getattr(message["Date"], "datetime", None)
    except Exception:
        value = None
    if value is None:
        try:
            value = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    # A date decades off or in the future would reorder the inbox: treat it as unknown.
    if value.year < 1990 or value > datetime.now(UTC) + timedelta(days=1):
        return None
    return value


# --- Body --------------------------------------------------------------------------------


def safe_filename(name: str, content_type: str, fallback: str = "attachment") -> str:
    """A file name with no path, control characters or dot tricks, short enough to store."""
    name = clean(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().strip(".").strip()
    if not name:
        extension = mimetypes.guess_extension(content_type) or ".bin"
        name = f"{fallback}{extension}"
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = f"{stem[: MAX_FILENAME_CHARS - len(extension) - 1]}.{extension}"
        else:
            name = name[:MAX_FILENAME_CHARS]
    return name


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


def _part_text(part: Message) -> str:
    return clean(decode_bytes(_payload_bytes(part), _charset(part)))


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:
        return None


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name is None:
        try:
            name = part.get_param("name")  # Content-Type: …; name="…" without a disposition
        except Exception:
            name = None
        if isinstance(name, tuple):  # an RFC 2231 value
            name = collapse_rfc2231_value(name)
    return _decode_words(str(name)) if name else ""


def _delivery_status(part: Message) -> dict:
    """The per-recipient fields of a DSN (RFC 3464): who bounced, and why."""
    blocks = part.get_payload()
    if not isinstance(blocks, list):
        blocks = [HeaderParser().parsestr(_part_text(part).replace("\n\n", "\n"))]
    for block in blocks:
        if not isinstance(block, Message):
            continue
        recipient = header(block, "Final-Recipient") or header(block, "Original-Recipient")
        if not recipient:
            continue
        return {
            "final_recipient": _valid_address(recipient.rpartition(";")[2]),
            "action": header(block, "Action").lower(),
            "status": header(block, "Status"),
            "diagnostic": header(block, "Diagnostic-Code")[:500],
        }
    return {}


def _walk(part: Message, body: _Body, parent: str = "", depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        return
    content_type = part.get_content_type()
    if content_type == "message/delivery-status":
        body.delivery_status = body.delivery_status or _delivery_status(part)
        return
    if content_type == "text/rfc822-headers":
        ids = message_ids(HeaderParser().parsestr(_part_text(part)).get("Message-ID", "") or "")
        if ids and not body.original_message_id:
            body.original_message_id = ids[0]
        return
    if part.get_content_maintype() == "message":  # rfc822, global (RFC 6532), MDNs…
        _embedded_message(part, body)
        return
    if part.is_multipart():
        for child in part.iter_parts():
            _walk(child, body, content_type, depth + 1)
        return

    disposition = _disposition(part)
    filename = _filename(part)
    maintype = part.get_content_maintype()
    attached = disposition == "attachment" or (bool(filename) and disposition != "inline")
    if content_type in {"text/plain", "text/html"} and not attached:
        (body.texts if content_type == "text/plain" else body.htmls).append(_part_text(part))
        return
    if maintype == "multipart" and not attached:  # a multipart with a broken boundary
        body.texts.append(_part_text(part))
        return
    if parent == "multipart/alternative" and maintype == "text":
        return  # another rendering of the body (text/enriched, AMP for email): not a file
    content_id = header(part, "Content-ID").strip("<>").strip()
    body.attachments.append(
        AttachmentData(
            filename=safe_filename(filename, content_type, fallback=content_id or "attachment"),
            content_type=content_type,
            content=_payload_bytes(part),
            content_id=content_id[:255],
            is_inline=bool(content_id) and disposition != "attachment",
        )
    )


def _embedded_message(part: Message, body: _Body) -> None:
    """A forwarded message or a bounce's copy of the original: kept whole as an .eml file."""
    payload = part.get_payload()
    embedded = payload[0] if isinstance(payload, list) and payload else None
    data = b""
    if isinstance(embedded, Message):
        if not body.original_message_id:
            ids = message_ids(header(embedded, "Message-ID"))
            body.original_message_id = ids[0] if ids else ""
        for serialize in (
            lambda: embedded.as_bytes(policy=policy.compat32),
            lambda: embedded.as_bytes(),
        ):
            try:
                data = serialize()
                break
            except Exception:
                continue
        subject = header(embedded, "Subject")
    else:
        data = _payload_bytes(part)
        subject = ""
    body.attachments.append(
        AttachmentData(
            filename=safe_filename(f"{subject or 'message'}.eml", "message/rfc822"),
            content_type="message/rfc822",
            content=data,
        )
    )


# --- Classification ----------------------------------------------------------------------


def _automation(message: Message, sender: str, subject: str) -> tuple[str, str]:
    """(kind, reason): "bounce" or "auto_reply" for mail no one should answer, else "message".

    RFC 3834 (Auto-Submitted), the de-facto X-Autoreply/X-Autorespond and Precedence headers,
    RFC 3464/6522 reports (multipart/report) and the MAILER-DAEMON/postmaster senders.
    """
    content_type = message.get_content_type()
    report_type = ""
    if content_type == "multipart/report":
        try:
            report_type = str(message.get_param("report-type") or "")
        except Exception:
            report_type = ""
    local_part = sender.partition("@")[0].lower()
    if content_type == "multipart/report" and report_type.lower() == "delivery-status":
        return "bounce", "multipart/report delivery-status"
    if local_part in _BOUNCE_SENDERS:
        return "bounce", f"from {local_part}"
    if header(message, "X-Failed-Recipients"):
        return "bounce", "X-Failed-Recipients"
    auto_submitted = header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return "auto_reply", f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if header(message, name):
            return "auto_reply", name
    precedence = (header(message, "Precedence") or header(message, "X-Precedence")).lower()
    if precedence in _AUTO_PRECEDENCE:
        return "auto_reply", f"Precedence: {precedence}"
    if content_type == "multipart/report":
        return "auto_reply", f"multipart/report {report_type}".strip()
    if _AUTO_SUBJECT.match(subject):
        return "auto_reply", "auto-reply subject"
    return "message", ""


def _channel_address(message: Message, recipient: str) -> str:
    """Which of our mailboxes got it: the delivering path's recipient, else the headers.

    X-Original-To (Postfix) and Delivered-To name the envelope recipient; To and Cc name who
    the sender addressed. The adapter has no database: the ingest side matches the candidates
    against our channels and passes the winner as `recipient` (see ingest.recipient_for).
    """
    explicit = _valid_address(recipient or "")
    if explicit:
        return explicit
    for candidate in recipient_candidates(message):
        return candidate
    return ""


def recipient_candidates(message: Message) -> list[str]:
    """Addresses this message may have been delivered to, most reliable first."""
    found = [
        *_all_addresses(message, "X-Original-To"),
        *_all_addresses(message, "Delivered-To"),
        *[a for _, a in addresses(message, "To")],
        *[a for _, a in addresses(message, "Cc")],
    ]
    return list(dict.fromkeys(found))


def parse_headers(data: bytes) -> Message:
    """Only the header block, parsed cheaply (to route and key a message before storing it)."""
    return BytesParser(policy=policy.default).parsebytes(data, headersonly=True)


# --- The whole message -------------------------------------------------------------------


def parse_email(data: bytes | str, *, recipient: str = "") -> InboundMessage:
    """One normalized inbound email from its raw RFC 822 bytes. Raises ParseError if unusable."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    if not data.strip():
        raise ParseError("Empty message.")
    message = BytesParser(policy=policy.default).parsebytes(data)

    from_addresses = addresses(message, "From")
    for fallback in ("Sender", "Reply-To", "Return-Path"):
        if from_addresses:
            break
        from_addresses = addresses(message, fallback)
    if not from_addresses:
        raise ParseError("No sender address (From, Sender, Reply-To or Return-Path).")
    sender_name, sender = from_addresses[0]

    channel_address = _channel_address(message, recipient)
    if not channel_address:
        raise ParseError("No recipient address (To, Cc, Delivered-To or X-Original-To).")

    subject = header(message, "Subject")[:998]
    ids = message_ids(header(message, "Message-ID"))
    message_id = ids[0] if ids else synthetic_message_id(data)
    in_reply_to = (message_ids(header(message, "In-Reply-To")) or [""])[0]
    references = tuple(message_ids(header(message, "References"))[-MAX_REFERENCES:])

    body = _Body()
    _walk(message, body)
    full_text = "\n\n".join(t.strip("\r\n") for t in body.texts if t.strip()).strip()
    html = "\n".join(h for h in body.htmls if h.strip())[:MAX_HTML_CHARS]
    if not full_text and html:
        full_text = html_to_text(html)
    full_text = full_text.replace("\r\n", "\n")[:MAX_TEXT_CHARS]

    kind, automated_by = _automation(message, sender, subject)
    text = full_text
    if kind != "bounce" and not is_forward(subject, full_text):
        text = new_text(full_text)

    meta = {
        "message_id": message_id,
        "from": sender,
        "to": [a for _, a in addresses(message, "To")],
        "cc": [a for _, a in addresses(message, "Cc")],
        "reply_to": [a for _, a in addresses(message, "Reply-To")],
        "auto_submitted": header(message, "Auto-Submitted"),
        "in_reply_to": in_reply_to,
        "references": list(references),
    }
    if not ids:
        meta["synthetic_message_id"] = True
    if text != full_text:
        meta["full_text"] = full_text
    if automated_by:
        meta["automated_by"] = automated_by

    identity_address, identity_name = sender, sender_name
    if kind == "bounce":
        meta["bounce"] = {**body.delivery_status, "original_message_id": body.original_message_id}
        # A bounce belongs on the thread of the message that bounced: it is filed under the
        # address that failed (the customer's), answering our original Message-ID.
        if body.delivery_status.get("final_recipient"):
            identity_address, identity_name = body.delivery_status["final_recipient"], ""
        if body.original_message_id and not in_reply_to:
            in_reply_to = body.original_message_id

    return InboundMessage(
        channel_kind="email",
        channel_address=channel_address,
        provider_message_id=message_id,
        sender=Identity("email", identity_address),
        sender_name=identity_name,
        text=text,
        html=html,
        subject=subject,
        sent_at=_sent_at(message),
        kind=kind,
        in_reply_to=in_reply_to,
        references=references,
        attachments=tuple(body.attachments),
        meta=meta,
        is_automated=kind != "message",
    )


def raw_for_storage(data: bytes) -> tuple[str, dict]:
    """(text for InboundEvent.raw, payload fields): UTF-8 as is, anything else base64.

    Mail is bytes in arbitrary charsets; a text column holds only valid UTF-8 without NULs
    (PostgreSQL refuses both), so other bytes are stored base64 and marked, losslessly.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if "\x00" not in text:
            return text, {}
    return base64.b64encode(data).decode("ascii"), {"raw_encoding": "base64"}


def raw_from_event(payload: dict, raw: str) -> bytes:
    """The message bytes `raw_for_storage` stored (or a plain text message from elsewhere)."""
    if payload.get("raw_encoding") == "base64":
        return base64.b64decode(raw)
    return raw.encode("utf-8", "surrogateescape")


def split_mbox(data: bytes) -> list[bytes]:
    """The messages of an mbox file ("From " separator lines; mboxrd '>From ' unescaped)."""
    messages: list[list[bytes]] = []
    previous_blank = True
    for line in data.splitlines(keepends=True):
        if line.startswith(b"From ") and previous_blank:
            messages.append([])
        elif messages:
            messages[-1].append(re.sub(rb"^>(>*From )", rb"\1", line))
        previous_blank = not line.strip()
    joined = (b"".join(lines) for lines in messages)
    return [message.rstrip(b"\r\n") + b"\n" for message in joined if message.strip()]


def is_mbox(data: bytes) -> bool:
    """An mbox starts with a "From " line; an RFC 822 message never does (headers have colons)."""
    return data.lstrip(b"\r\n").startswith(b"From ")
