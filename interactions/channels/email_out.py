"""Outbound email: replies leave through Django's mailers (SMTP or an anymail ESP backend).

Registered as "email_out" and used for every email channel, whatever receives its mail (the
inbound side lives in `channels/email/`). The outbound service picks this adapter by channel
kind, not by Channel.provider; see `services/outbound.py`.

Threading: the customer's client files the reply under their message when it carries
`In-Reply-To: <their Message-ID>`, `References: <…chain…> <their Message-ID>` and a subject of
"Re: <their subject>" (RFC 5322 section 3.6.4; Gmail also wants the subject to match).
Our own Message-ID is chosen before sending (`assign_provider_id`) and stored first, so a send
interrupted after the server accepted it is resent under the same id and recognised as one.

Channel config used: "sender_name" (the From display name, default the channel's name),
"signature" (appended to the text after the "-- " separator), "mailer" (a MAILERS alias,
default "default"), "reply_to" (an optional Reply-To address).
"""

from __future__ import annotations

import smtplib
from email.utils import formataddr, make_msgid

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils.html import escape, linebreaks

from interactions.channels.base import Adapter, SendError, TransientSendError
from interactions.types import OutboundRequest

SIGNATURE_SEPARATOR = "\n\n-- \n"  # RFC 3676 4.3: clients fold what follows as a signature


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().lower() or "localhost"


def _angle(value: str) -> str:
    value = value.strip()
    return value if not value or value.startswith("<") else f"<{value.strip('<>')}>"


class EmailSender(Adapter):
    provider = "email_out"

    def assign_provider_id(self, request: OutboundRequest) -> str:
        # The channel's own domain, so replies and bounces point back at our mailbox.
        return make_msgid(domain=_domain(request.channel_address))

    def build(self, request: OutboundRequest) -> EmailMultiAlternatives:
        """The message exactly as it will be sent (tests and previews read it too)."""
        config = request.channel_config or {}
        message_id = request.provider_message_id or self.assign_provider_id(request)
        headers = {"Message-ID": _angle(message_id)}
        if request.in_reply_to:
            headers["In-Reply-To"] = _angle(request.in_reply_to)
        references = [_angle(ref) for ref in request.references if ref.strip()]
        if references:
            headers["References"] = " ".join(references)
        signature = (config.get("signature") or "").strip()
        body = request.text.rstrip()
        if signature:
            body = f"{body}{SIGNATURE_SEPARATOR}{signature}"
        to = (
            formataddr((request.to.display, request.to.value))
            if request.to.display
            else request.to.value
        )
        email = EmailMultiAlternatives(
            subject=request.subject,
            body=body + "\n",
            from_email=formataddr((request.sender_name, request.channel_address)),
            to=[to],
            cc=list(request.cc),
            bcc=list(request.bcc),
            reply_to=[config["reply_to"]] if config.get("reply_to") else None,
            headers=headers,
        )
        if request.html:
            html = request.html
            if signature:
                html = f'{html}<div class="signature">-- <br>{linebreaks(escape(signature))}</div>'
            email.attach_alternative(html, "text/html")
        for attachment in request.attachments:
            if attachment.content is not None:
                email.attach(attachment.filename, attachment.content, attachment.content_type)
        return email

    def send(self, request: OutboundRequest) -> str:
        try:
            email = self.build(request)
        except ValueError as exc:  # an address Django refuses (bad syntax, header injection)
            raise SendError(f"Invalid email: {exc}") from exc
        alias = (request.channel_config or {}).get("mailer") or "default"
        try:
            sent = mail.mailers[alias].send_messages([email])
        # Anymail's requests errors and smtplib's errors are OSErrors: most specific first.
        except AnymailRecipientsRefused as exc:
            raise SendError(f"Recipients refused by the email provider: {exc}") from exc
        except AnymailAPIError as exc:
            status = getattr(exc, "status_code", None)
            if status is None or status == 429 or status >= 500:
                raise TransientSendError(f"Email provider unavailable: {exc}") from exc
            raise SendError(f"Email provider refused the message: {exc}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            detail = "; ".join(
                f"{rcpt}: {code} {_text(msg)}" for rcpt, (code, msg) in exc.recipients.items()
            )
            if codes and all(400 <= code < 500 for code in codes):
                raise TransientSendError(f"Recipients deferred: {detail}") from exc
            raise SendError(f"Recipients refused: {detail}") from exc
        except smtplib.SMTPResponseException as exc:
            # Sender refused, DATA refused, authentication, connect greeting: the code decides.
            reason = f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}"
            if 400 <= exc.smtp_code < 500:
                raise TransientSendError(reason) from exc
            raise SendError(reason) from exc
        except smtplib.SMTPServerDisconnected as exc:
            raise TransientSendError(f"Mail server disconnected: {exc}") from exc
        except smtplib.SMTPException as exc:
            raise SendError(f"SMTP error: {exc}") from exc
        except OSError as exc:  # refused connection, unreachable host, timeout
            raise TransientSendError(f"Mail server unreachable: {exc}") from exc
        except ValueError as exc:  # an address the backend cannot encode
            raise SendError(f"Invalid address: {exc}") from exc
        if not sent:
            raise SendError("The mail backend reported the message as not sent.")
        return email.extra_headers["Message-ID"]


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
