"""IMAP polling against a real Dovecot on loopback: nothing fetched twice, nothing skipped.

The server (tests/fakes/imap_server.py) starts once per test process in a fraction of a second;
each test gets its own mail user, so tests never see each other's messages.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest

from interactions.channels import imap
from interactions.channels.email.parse import raw_from_event
from interactions.models import ChannelKind, EventStatus, InboundEvent, Message, PollCursor
from interactions.services.events import inbound_event_process
from interactions.tasks import poll_imap_mailbox, poll_imap_mailboxes
from tests.factories import ChannelFactory
from tests.fakes.imap_server import DovecotServer, dovecot_binary

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "imap"


def _require_dovecot() -> None:
    if dovecot_binary() is None:
        reason = "needs Dovecot: apt-get install dovecot-imapd"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set, so IMAP tests may not skip)", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def dovecot():
    _require_dovecot()
    with DovecotServer() as server:
        yield server


@pytest.fixture
def private_dovecot():
    """A server of its own, for tests that fail a login: Dovecot then slows later logins."""
    _require_dovecot()
    with DovecotServer() as server:
        yield server


@dataclass
class Account:
    """One Dovecot user; its password is in the environment variable `password_env`."""

    server: DovecotServer
    user: str
    password: str
    password_env: str

    def deliver(self, *messages: bytes, folder: str = "INBOX") -> None:
        with self.server.connect(self.user, self.password) as mailbox:
            for message in messages:
                mailbox.append(message, folder)

    def flags(self, folder: str = "INBOX") -> list[tuple[str, ...]]:
        with self.server.connect(self.user, self.password) as mailbox:
            mailbox.folder.set(folder, readonly=True)
            return [m.flags for m in mailbox.fetch(mark_seen=False, headers_only=True)]


def make_account(server: DovecotServer, monkeypatch) -> Account:
    user, password = server.add_user()
    env = f"CXHUB_TEST_IMAP_PASSWORD_{user.upper()}"
    monkeypatch.setenv(env, password)
    return Account(server, user, password, env)


@pytest.fixture
def account(dovecot, monkeypatch) -> Account:
    return make_account(dovecot, monkeypatch)


def imap_channel(account: Account, **imap_overrides):
    config = {
        "host": account.server.host,
        "port": account.server.port,
        "tls": "none",
        "username": account.user,
        "password_env": account.password_env,
        "folder": "INBOX",
        "timeout": 10,
        **imap_overrides,
    }
    return ChannelFactory(
        kind=ChannelKind.EMAIL,
        address=f"{account.user}@shop.example",
        provider="imap",
        config={"imap": config},
    )


def mail(n: int, *, message_id: str | None = None, subject: str | None = None) -> bytes:
    message_id = message_id or f"<order-{n}@customer.example>"
    return (
        "From: Dana Customer <dana@customer.example>\r\n"
        "To: support@shop.example\r\n"
        f"Subject: {subject or f'Where is order #{1000 + n}?'}\r\n"
        f"Message-ID: {message_id}\r\n"
        "Date: Mon, 16 Nov 2026 09:30:00 +0000\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\n'
        "\r\n"
        f"Hello, my order #{1000 + n} has not arrived yet.\r\n"
    ).encode()


def uids_stored(channel) -> list[int]:
    return sorted(e.payload["uid"] for e in InboundEvent.objects.filter(channel=channel))


def cursor_of(channel, folder: str = "INBOX") -> PollCursor:
    return PollCursor.objects.get(channel=channel, folder=folder)


# --- The poll ------------------------------------------------------------------------------


def test_the_first_poll_stores_every_message_as_an_email_event(account):
    account.deliver(mail(1), mail(2), mail(3))
    channel = imap_channel(account)

    assert imap.imap_mailbox_poll(channel=channel) == 3

    events = list(InboundEvent.objects.filter(channel=channel).order_by("payload__uid"))
    cursor = cursor_of(channel)
    assert [e.provider for e in events] == ["email"] * 3
    assert [e.provider_event_id for e in events] == [
        f"imap:{channel.pk}:{cursor.uidvalidity}:{uid}" for uid in (1, 2, 3)
    ]
    first = events[0]
    assert first.payload == {
        "recipient": channel.address,
        "source": "imap",
        "uidvalidity": cursor.uidvalidity,
        "uid": 1,
        "folder": "INBOX",
        "message_id": "<order-1@customer.example>",
    }
    # The raw text is the message exactly as the server holds it, for the email adapter.
    assert first.raw == mail(1).decode()
    assert first.status == EventStatus.PENDING
    assert cursor.last_uid == 3 and cursor.last_error == "" and cursor.last_success_at


def test_polling_leaves_the_mailbox_untouched(account):
    account.deliver(mail(1), mail(2))
    channel = imap_channel(account)

    imap.imap_mailbox_poll(channel=channel)

    # Not marked seen, not deleted: the mailbox still looks unread in the team's mail client.
    flags = account.flags()
    assert len(flags) == 2 and not any("\\Seen" in f for f in flags)


def test_a_second_poll_stores_nothing_new(account):
    account.deliver(mail(1), mail(2))
    channel = imap_channel(account)
    imap.imap_mailbox_poll(channel=channel)

    assert imap.imap_mailbox_poll(channel=channel) == 0
    assert InboundEvent.objects.filter(channel=channel).count() == 2
    assert cursor_of(channel).last_uid == 2


def test_only_mail_that_arrived_since_the_last_poll_is_stored(account):
    account.deliver(mail(1), mail(2))
    channel = imap_channel(account)
    imap.imap_mailbox_poll(channel=channel)

    account.deliver(mail(3))

    assert imap.imap_mailbox_poll(channel=channel) == 1
    assert uids_stored(channel) == [1, 2, 3]
    assert (
        InboundEvent.objects.filter(channel=channel, payload__uid=3).get().raw == mail(3).decode()
    )


def test_an_empty_mailbox_polls_cleanly(account):
    channel = imap_channel(account)

    assert imap.imap_mailbox_poll(channel=channel) == 0
    assert imap.imap_mailbox_poll(channel=channel) == 0
    cursor = cursor_of(channel)
    assert cursor.uidvalidity and cursor.last_uid == 0 and cursor.last_error == ""


def test_a_backlog_is_read_in_batches_and_spread_over_polls(account, monkeypatch):
    monkeypatch.setattr(imap, "BATCH_SIZE", 2)
    monkeypatch.setattr(imap, "MAX_PER_POLL", 3)
    account.deliver(*(mail(n) for n in range(1, 6)))
    channel = imap_channel(account)

    assert imap.imap_mailbox_poll(channel=channel) == 3
    assert cursor_of(channel).last_uid == 3
    assert imap.imap_mailbox_poll(channel=channel) == 2
    assert uids_stored(channel) == [1, 2, 3, 4, 5]


def test_a_message_arriving_during_a_poll_is_stored_by_the_next_one(account, monkeypatch):
    account.deliver(mail(1), mail(2))
    channel = imap_channel(account)
    store_batch = imap._store_batch

    def store_while_new_mail_arrives(*args, **kwargs):
        # Delivered after the poll listed the UIDs and fetched its batch, before the cursor moves.
        account.deliver(mail(3))
        monkeypatch.setattr(imap, "_store_batch", store_batch)
        return store_batch(*args, **kwargs)

    monkeypatch.setattr(imap, "_store_batch", store_while_new_mail_arrives)

    assert imap.imap_mailbox_poll(channel=channel) == 2
    # The cursor stops at what was stored, not at the server's UIDNEXT.
    assert cursor_of(channel).last_uid == 2
    assert imap.imap_mailbox_poll(channel=channel) == 1
    assert uids_stored(channel) == [1, 2, 3]


def test_a_new_uidvalidity_rereads_the_folder_without_duplicates(account):
    with account.server.connect(account.user, account.password) as mailbox:
        mailbox.folder.create("Support")
    account.deliver(mail(1), mail(2), folder="Support")
    channel = imap_channel(account, folder="Support")
    imap.imap_mailbox_poll(channel=channel)
    old_validity = cursor_of(channel, "Support").uidvalidity

    # The mailbox is rebuilt (a server migration): same messages, new UIDs, new UIDVALIDITY.
    with account.server.connect(account.user, account.password) as mailbox:
        mailbox.folder.delete("Support")
        mailbox.folder.create("Support")
    account.deliver(mail(1), mail(2), mail(3), folder="Support")

    assert imap.imap_mailbox_poll(channel=channel) == 1
    cursor = cursor_of(channel, "Support")
    assert cursor.uidvalidity != old_validity and cursor.last_uid == 3
    message_ids = [e.payload["message_id"] for e in InboundEvent.objects.filter(channel=channel)]
    assert sorted(message_ids) == [f"<order-{n}@customer.example>" for n in (1, 2, 3)]
    assert imap.imap_mailbox_poll(channel=channel) == 0


def test_a_legacy_8bit_message_is_stored_byte_for_byte(account):
    original = (FIXTURES / "latin1-8bit.eml").read_bytes()
    account.deliver(original)
    channel = imap_channel(account)

    assert imap.imap_mailbox_poll(channel=channel) == 1

    event = InboundEvent.objects.get(channel=channel)
    # Not UTF-8: kept base64, the way the email ingest stores such mail, and restored exactly.
    assert event.payload["raw_encoding"] == "base64"
    assert raw_from_event(event.payload, event.raw) == original


# --- Through the pipeline --------------------------------------------------------------------


def test_polled_mail_becomes_messages_and_a_redelivered_copy_stays_one(account):
    latin1 = (FIXTURES / "latin1-8bit.eml").read_bytes()
    account.deliver(mail(1), latin1)
    channel = imap_channel(account)
    imap.imap_mailbox_poll(channel=channel)
    # The same message lands in the mailbox again (a client re-upload, a forwarding loop).
    account.deliver(mail(1))
    assert imap.imap_mailbox_poll(channel=channel) == 1

    for event in InboundEvent.objects.filter(channel=channel).order_by("pk"):
        assert inbound_event_process(event_id=event.pk) == "processed", event.error

    assert Message.objects.filter(channel=channel).count() == 2
    order = Message.objects.get(channel=channel, text__contains="order #1001")
    assert order.thread.subject == "Where is order #1001?"
    assert order.thread.contact.identities.get().value == "dana@customer.example"
    legacy = Message.objects.get(channel=channel, thread__subject="Bestellung 1042")
    assert "Grüße aus Köln, où est ma commande ?" in legacy.text


# --- Failures are recorded, never raised -------------------------------------------------------


def test_a_wrong_password_is_recorded_not_raised(private_dovecot, monkeypatch):
    account = make_account(private_dovecot, monkeypatch)
    account.deliver(mail(1))
    channel = imap_channel(account)
    monkeypatch.setenv(account.password_env, "not-the-password")

    assert imap.imap_mailbox_poll(channel=channel) == 0

    cursor = cursor_of(channel)
    assert "AUTHENTICATIONFAILED" in cursor.last_error
    assert cursor.failures == 1 and cursor.last_polled_at and cursor.last_success_at is None
    assert "not-the-password" not in cursor.last_error
    assert cursor.uidvalidity is None and cursor.last_uid == 0
    assert not InboundEvent.objects.exists()


def test_the_next_good_poll_clears_a_recorded_error(account, monkeypatch):
    account.deliver(mail(1))
    channel = imap_channel(account)
    monkeypatch.delenv(account.password_env)
    imap.imap_mailbox_poll(channel=channel)
    imap.imap_mailbox_poll(channel=channel)
    assert cursor_of(channel).failures == 2

    monkeypatch.setenv(account.password_env, account.password)
    assert imap.imap_mailbox_poll(channel=channel) == 1

    cursor = cursor_of(channel)
    assert cursor.last_error == "" and cursor.failures == 0 and cursor.last_success_at


def test_an_unreachable_server_is_recorded(account):
    channel = imap_channel(account, port=_closed_port(), timeout=2)

    assert imap.imap_mailbox_poll(channel=channel) == 0
    assert "ConnectionRefusedError" in cursor_of(channel).last_error


def test_plaintext_imap_to_another_machine_is_refused_unless_allowed(monkeypatch):
    monkeypatch.setenv("CXHUB_TEST_IMAP_PW", "secret")
    settings = {"host": "imap.example.com", "username": "u", "password_env": "CXHUB_TEST_IMAP_PW"}

    with pytest.raises(imap.ImapConfigError, match="in clear"):
        imap.ImapSettings.from_config({"imap": {**settings, "tls": "none"}})
    allowed = {**settings, "tls": "none", "allow_insecure": True, "port": "1143"}
    assert imap.ImapSettings.from_config({"imap": allowed}).port == 1143
    assert imap.ImapSettings.from_config({"imap": settings}).port == 993  # TLS by default
    assert "secret" not in repr(imap.ImapSettings.from_config({"imap": settings}))


def test_a_missing_password_variable_is_recorded(account, monkeypatch):
    channel = imap_channel(account, password_env="CXHUB_TEST_IMAP_UNSET")
    monkeypatch.delenv("CXHUB_TEST_IMAP_UNSET", raising=False)

    assert imap.imap_mailbox_poll(channel=channel) == 0
    assert "CXHUB_TEST_IMAP_UNSET" in cursor_of(channel).last_error


def test_a_missing_folder_is_recorded(account):
    channel = imap_channel(account, folder="No Such Folder")

    assert imap.imap_mailbox_poll(channel=channel) == 0
    assert "MailboxFolderSelectError" in cursor_of(channel, "No Such Folder").last_error


# --- TLS -----------------------------------------------------------------------------------


def test_implicit_tls_with_a_trusted_certificate(account):
    account.deliver(mail(1))
    server = account.server
    channel = imap_channel(account, tls="ssl", port=server.tls_port, ca_file=str(server.cert_path))

    assert imap.imap_mailbox_poll(channel=channel) == 1


def test_starttls_with_a_trusted_certificate(account):
    account.deliver(mail(1))
    server = account.server
    channel = imap_channel(account, tls="starttls", ca_file=str(server.cert_path))

    assert imap.imap_mailbox_poll(channel=channel) == 1


def test_an_untrusted_certificate_is_refused_and_recorded(account):
    account.deliver(mail(1))
    channel = imap_channel(account, tls="ssl", port=account.server.tls_port)

    assert imap.imap_mailbox_poll(channel=channel) == 0
    assert "CERTIFICATE_VERIFY_FAILED" in cursor_of(channel).last_error
    assert not InboundEvent.objects.exists()


# --- Tasks ---------------------------------------------------------------------------------


def test_the_beat_task_polls_every_imap_mailbox_and_survives_a_broken_one(
    private_dovecot, monkeypatch
):
    good = make_account(private_dovecot, monkeypatch)
    good.deliver(mail(1))
    good_channel = imap_channel(good)
    stranger = Account(private_dovecot, "nobody-here", "x", good.password_env)
    broken_channel = imap_channel(stranger)
    webhook_only = ChannelFactory(kind=ChannelKind.EMAIL, provider="mailgun", config={})
    inactive = imap_channel(
        make_account(private_dovecot, monkeypatch),
    )
    inactive.is_active = False
    inactive.save()

    assert poll_imap_mailboxes() == 2

    assert InboundEvent.objects.filter(channel=good_channel).count() == 1
    assert "AUTHENTICATIONFAILED" in cursor_of(broken_channel).last_error
    assert not PollCursor.objects.filter(channel__in=[webhook_only, inactive]).exists()


def test_the_poll_task_ignores_a_channel_that_is_gone():
    assert poll_imap_mailbox(987654) == 0


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
