"""Email replies go through Django's MAILERS to a real SMTP server on loopback.

What the server receives is what the customer's mail client sees, so these tests read the raw
message: the headers that thread it under the customer's email, Cc visible, Bcc only in the
envelope, and our Message-ID stored before the SMTP conversation starts.
"""

from __future__ import annotations

import email.utils
import socket

import pytest

from interactions.channels.base import SendError, TransientSendError
from interactions.channels.email_out import EmailSender
from interactions.models import ChannelKind, DeliveryStatus, IdentityKind, Message
from interactions.normalize import base_subject
from interactions.services.messages import message_create_inbound
from interactions.services.outbound import RetrySend, message_create_outbound, message_send
from interactions.types import Identity, InboundMessage, OutboundRequest
from tests.factories import ChannelFactory, ContactIdentityFactory, MessageFactory, ThreadFactory
from tests.fakes.smtp_server import SMTPServer

MAILBOX = "support@shop.example"
CUSTOMER = "ana@mail.example"
FIRST = "<c1.1700000000@mail.example>"
OUR_FIRST_REPLY = "<r1.1700000100@shop.example>"
LATEST = "<c2.1700000200@mail.example>"


@pytest.fixture
def smtp(settings):
    with SMTPServer() as server:
        settings.MAILERS = server.mailers()
        yield server


@pytest.fixture
def thread(db):
    """Ana wrote, we answered, Ana wrote again (replying to our answer)."""
    channel = ChannelFactory(
        kind=ChannelKind.EMAIL,
        address=MAILBOX,
        provider="imap",
        name="Support",
        config={"sender_name": "Shop Support", "signature": "The Shop team\nshop.example"},
    )
    thread = ThreadFactory(channel=channel, subject="Where is my order #1042?")
    thread.contact.name = "Ana Souza"
    thread.contact.save()
    ContactIdentityFactory(contact=thread.contact, kind=IdentityKind.EMAIL, value=CUSTOMER)
    MessageFactory(thread=thread, provider_message_id=FIRST, meta={"message_id": FIRST})
    MessageFactory(
        thread=thread,
        outbound=True,
        provider_message_id=OUR_FIRST_REPLY,
        meta={"message_id": OUR_FIRST_REPLY, "in_reply_to": FIRST},
    )
    MessageFactory(
        thread=thread,
        provider_message_id=LATEST,
        meta={
            "message_id": LATEST,
            "in_reply_to": OUR_FIRST_REPLY,
            "references": [FIRST, OUR_FIRST_REPLY],
        },
    )
    return thread


def refs(header: str | None) -> list[str]:
    return (header or "").split()


def would_thread(reply, parent_id: str, parent_subject: str) -> bool:
    """How clients group mail: In-Reply-To/References naming the parent (JWZ; Thunderbird,
    Apple Mail, Outlook) and, for Gmail, the same subject once Re: is set aside."""
    return (
        reply["In-Reply-To"] == parent_id
        and refs(reply["References"])[-1] == parent_id
        and base_subject(str(reply["Subject"])) == base_subject(parent_subject)
    )


@pytest.mark.django_db
def test_a_reply_reaches_the_smtp_server_threaded_under_the_customers_latest_email(
    smtp, thread, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = message_create_outbound(
            thread=thread,
            author=None,
            text="Hi Ana,\n\nIt left our warehouse this morning.",
            idempotency_key="compose-1",
            cc=["Orders@Shop.example"],
            bcc=["audit@shop.example"],
        )

    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT
    [received] = smtp.messages
    mail = received.message
    assert mail["From"] == f"Shop Support <{MAILBOX}>"
    assert mail["To"] == f"Ana Souza <{CUSTOMER}>"
    assert mail["Cc"] == "orders@shop.example"
    assert mail["Bcc"] is None  # blind copies never show in the headers
    assert received.mail_from == MAILBOX
    assert received.rcpt_tos == [CUSTOMER, "orders@shop.example", "audit@shop.example"]
    assert mail["Subject"] == "Re: Where is my order #1042?"
    assert mail["Message-ID"] == message.provider_message_id
    assert message.provider_message_id.endswith("@shop.example>")
    assert mail["In-Reply-To"] == LATEST
    assert refs(mail["References"]) == [FIRST, OUR_FIRST_REPLY, LATEST]
    assert would_thread(mail, LATEST, "Where is my order #1042?")
    body = mail.get_content().replace("\r\n", "\n")
    assert body.startswith("Hi Ana,\n\nIt left our warehouse this morning.")
    assert body.rstrip().endswith("-- \nThe Shop team\nshop.example")


@pytest.mark.django_db
def test_the_customers_answer_to_our_reply_lands_on_the_same_thread(
    smtp, thread, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = message_create_outbound(
            thread=thread, author=None, text="It ships today.", idempotency_key="k"
        )
    message.refresh_from_db()
    sent = smtp.messages[0].message

    answer = InboundMessage(
        channel_kind="email",
        channel_address=MAILBOX,
        provider_message_id="<c3.1700000300@mail.example>",
        sender=Identity("email", CUSTOMER),
        subject=f"Re: {sent['Subject']}",
        text="Thanks!",
        in_reply_to=sent["Message-ID"],
        references=(*refs(sent["References"]), sent["Message-ID"]),
    )
    result = message_create_inbound(inbound=answer)

    assert result.thread == thread
    assert not result.created_thread


@pytest.mark.django_db
def test_the_message_id_is_stored_before_sending_and_reused_by_the_retry(smtp, thread):
    smtp.reply_to_data("451 4.3.0 Mailbox temporarily unavailable, try again")
    message = message_create_outbound(
        thread=thread, author=None, text="It ships today.", idempotency_key="k"
    )

    with pytest.raises(RetrySend):
        message_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.QUEUED
    first_id = message.provider_message_id
    assert first_id.startswith("<") and first_id.endswith("@shop.example>")

    assert message_send(message_id=message.pk) == "sent"
    message.refresh_from_db()
    assert message.provider_message_id == first_id
    assert [m.message["Message-ID"] for m in smtp.messages] == [first_id]


@pytest.mark.django_db
def test_a_sent_email_is_not_sent_again(smtp, thread):
    message = message_create_outbound(
        thread=thread, author=None, text="It ships today.", idempotency_key="k"
    )
    assert message_send(message_id=message.pk) == "sent"
    assert message_send(message_id=message.pk) == "skipped"
    assert len(smtp.messages) == 1


@pytest.mark.django_db
def test_a_5xx_refusal_fails_the_reply_with_the_servers_reason(smtp, thread):
    smtp.reply_to_rcpt("550 5.1.1 No such user here")
    message = message_create_outbound(
        thread=thread, author=None, text="It ships today.", idempotency_key="k"
    )

    assert message_send(message_id=message.pk) == "failed"

    message = Message.objects.get(pk=message.pk)
    assert message.delivery_status == DeliveryStatus.FAILED
    assert "550" in message.delivery_error and "No such user" in message.delivery_error
    assert smtp.messages == []


def request(**overrides):
    values = dict(
        message_id=1,
        channel_kind="email",
        channel_address=MAILBOX,
        channel_config={},
        to=Identity("email", CUSTOMER),
        text="Hello",
        subject="Re: Hello",
        sender_name="Shop Support",
    )
    return OutboundRequest(**{**values, **overrides})


def test_a_4xx_answer_is_transient(smtp):
    smtp.reply_to_data("421 4.7.0 Try again later")
    with pytest.raises(TransientSendError, match="421"):
        EmailSender().send(request())


def test_an_unreachable_mail_server_is_transient(settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2},
        }
    }
    with pytest.raises(TransientSendError, match="unreachable"):
        EmailSender().send(request())


def test_an_address_with_a_header_injection_is_refused(smtp):
    with pytest.raises(SendError):
        EmailSender().send(request(cc=("x@shop.example\nBcc: victim@else.example",)))
    assert smtp.messages == []


def test_our_message_id_uses_the_mailboxs_domain():
    message_id = EmailSender().assign_provider_id(request())
    assert email.utils.parseaddr(message_id)[1].endswith("@shop.example")


def test_a_channel_can_send_through_its_own_mailer(settings):
    with SMTPServer() as brand_b:
        settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
        settings.MAILERS["brand-b"] = brand_b.mailers()["default"]
        EmailSender().send(request(channel_config={"mailer": "brand-b"}))
        assert len(brand_b.messages) == 1
