"""`manage.py ingest_email`: files, mbox, folders and stdin through the real pipeline."""

import base64
import io
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError

from interactions.channels.email import parse as email_parse
from interactions.models import (
    Attachment,
    EventStatus,
    FetchStatus,
    InboundEvent,
    Message,
    MessageKind,
    Thread,
)
from interactions.services.messages import MAX_ATTACHMENT_BYTES
from tests.factories import ChannelFactory, ContactIdentityFactory, MessageFactory, ThreadFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:'count' is passed as positional:DeprecationWarning"),
]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "email"
MAILBOX = "support@shop.example"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def mailbox(db):
    return ChannelFactory(kind="email", address=MAILBOX, provider="email")


def ingest(*args, stdin: bytes | None = None) -> tuple[int, str, str]:
    """Run the command; (exit status, stdout, stderr) as a shell would see them."""
    out, err = io.StringIO(), io.StringIO()
    options = {"stdout": out, "stderr": err}
    if stdin is not None:
        options["stdin"] = io.BytesIO(stdin)
    try:
        call_command("ingest_email", *args, **options)
    except CommandError as exc:
        err.write(f"CommandError: {exc}\n")
        return exc.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def outcomes(out: str, err: str) -> dict[str, str]:
    """{input label: outcome line} from the command's per-message lines."""
    lines = [line for line in (out + err).splitlines() if ": " in line and "Error" not in line]
    return {line.split(": ", 1)[0]: line.split(": ", 1)[1] for line in lines}


def test_the_whole_fixtures_folder_is_ingested_or_failed_with_reasons(mailbox):
    status, out, err = ingest(str(FIXTURES))

    results = outcomes(out, err)
    inputs = sorted(str(p) for p in FIXTURES.iterdir() if p.suffix == ".eml")
    mbox = [f"{FIXTURES / 'archive.mbox'}#{i}" for i in range(1, 5)]
    assert sorted(results) == sorted(inputs + mbox)  # every message accounted for
    garbage = str(FIXTURES / "garbage_not_an_email.eml")
    assert results.pop(garbage).startswith("failed — No sender address")
    assert set(results.values()) == {"ingested"}
    assert "Ingested 23, duplicates 0, queued 0, failed 1." in out
    assert status == 1  # something failed

    assert Message.objects.count() == 23
    assert InboundEvent.objects.filter(status=EventStatus.PROCESSED).count() == 23
    failed = InboundEvent.objects.get(status=EventStatus.FAILED)
    assert "No sender address" in failed.error  # stored, visible, replayable
    assert Message.objects.filter(kind=MessageKind.BOUNCE).count() == 1
    assert Message.objects.filter(kind=MessageKind.AUTO_REPLY).count() == 1
    assert Message.objects.get(provider_message_id="<mbox-4@example.kr>").text == (
        "안녕하세요, 주문 문의입니다."
    )
    inline = Attachment.objects.get(filename="schaden.png")
    assert inline.is_inline and inline.content_id == "damage-photo@example.at"

    # A re-run: everything already stored is a duplicate; the broken file fails again.
    status, out, err = ingest(str(FIXTURES))
    results = outcomes(out, err)
    assert results.pop(garbage).startswith("failed — No sender address")
    assert set(results.values()) == {"duplicate"}
    assert "Ingested 0, duplicates 23, queued 0, failed 1." in out
    assert status == 1
    assert Message.objects.count() == 23


def test_only_good_files_exit_zero(mailbox):
    status, out, _ = ingest(str(FIXTURES / "gmail_reply.eml"), str(FIXTURES / "archive.mbox"))

    assert status == 0
    assert "Ingested 5, duplicates 0, queued 0, failed 0." in out


def test_a_postfix_pipe_reads_stdin_and_takes_the_mailbox_from_to(mailbox):
    raw = (
        b"From: Pat Lee <pat@example.com>\r\n"
        b"To: help@shop-alias.example\r\n"  # an alias Postfix expanded to our mailbox
        b"Subject: Sizes\r\n"
        b"Message-ID: <pipe-1@example.com>\r\n\r\n"
        b"Do you have it in XL?\r\n"
    )

    status, out, _ = ingest("--to", MAILBOX, "-", stdin=raw)

    assert status == 0, out
    assert "<stdin>: ingested" in out
    message = Message.objects.get()
    assert message.thread.channel == mailbox
    assert message.text == "Do you have it in XL?"


def test_a_message_already_delivered_another_way_is_a_duplicate(mailbox):
    ingest(str(FIXTURES / "gmail_reply.eml"))

    # Same message, other path (a different event key): reported and stored as a duplicate.
    status, out, _ = ingest("--to", MAILBOX, stdin=(FIXTURES / "gmail_reply.eml").read_bytes())

    assert status == 0 and "<stdin>: duplicate" in out
    assert InboundEvent.objects.count() == 2
    assert Message.objects.count() == 1


def test_no_file_reads_stdin_too(mailbox):
    status, out, _ = ingest(stdin=(FIXTURES / "german_reply.eml").read_bytes())

    assert status == 0 and "<stdin>: ingested" in out


def test_an_unknown_mailbox_fails_with_the_reason_and_a_rerun_replays_it(db):
    path = str(FIXTURES / "german_reply.eml")

    status, _, err = ingest(path)

    assert status == 1
    assert f"{path}: failed — No active email channel with address '{MAILBOX}'" in err
    assert InboundEvent.objects.get().status == EventStatus.FAILED

    ChannelFactory(kind="email", address=MAILBOX, provider="email")
    status, out, _ = ingest(path)

    assert status == 0 and f"{path}: ingested" in out
    assert InboundEvent.objects.get().status == EventStatus.PROCESSED


def test_unreadable_and_empty_inputs_fail_without_stopping_the_run(mailbox, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.eml").write_bytes(b"")
    os.symlink(tmp_path / "missing.eml", folder / "dangling.eml")
    shutil.copy(FIXTURES / "gmail_reply.eml", folder / "z_good.eml")

    status, out, err = ingest(str(folder))

    results = outcomes(out, err)
    assert results[str(folder / "dangling.eml")].startswith("failed — cannot read")
    assert results[str(folder / "empty.eml")] == "failed — empty message"
    assert results[str(folder / "z_good.eml")] == "ingested"
    assert status == 1


def test_a_parser_crash_fails_that_message_only(mailbox, monkeypatch):
    real = email_parse.parse_email

    def flaky(data, **kwargs):
        if b"<pipe-crash@example.com>" in data:
            raise RuntimeError("boom")
        return real(data, **kwargs)

    monkeypatch.setattr("interactions.channels.email.adapter.parse_email", flaky)
    crash = (
        b"From: a@example.com\r\nTo: support@shop.example\r\n"
        b"Message-ID: <pipe-crash@example.com>\r\n\r\nx"
    )
    mbox = (
        b"From a@example.com Mon Mar  3 10:00:00 2025\n"
        + crash
        + b"\n\n"
        + (
            b"From b@example.com Mon Mar  3 10:00:00 2025\n"
            + (FIXTURES / "jane_first_contact.eml").read_bytes()
        )
    )

    status, out, err = ingest("-", stdin=mbox)

    assert "<stdin>#1: failed — Unreadable email (RuntimeError: boom)" in err
    assert "<stdin>#2: ingested" in out
    assert status == 1


def test_a_database_outage_asks_the_mta_to_retry(mailbox, monkeypatch):
    def down(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("interactions.management.commands.ingest_email.email_event_store", down)

    status, _, err = ingest("-", stdin=(FIXTURES / "german_reply.eml").read_bytes())

    assert status == 75  # EX_TEMPFAIL: Postfix keeps the mail and tries again
    assert "could not store it" in err


def test_a_huge_attachment_is_kept_as_a_note_not_stored(mailbox, tmp_path):
    # Generated here rather than kept in the repository: 26 MB of attachment is 35 MB of .eml.
    content = os.urandom(MAX_ATTACHMENT_BYTES + 1024 * 1024)
    encoded = base64.encodebytes(content)
    path = tmp_path / "huge_attachment.eml"
    path.write_bytes(
        b"From: Vera Video <vera@example.com>\r\nTo: support@shop.example\r\n"
        b"Subject: The unboxing video\r\nMessage-ID: <huge-1@example.com>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the video.\r\n"
        b"--XX\r\nContent-Type: video/mp4\r\n"
        b'Content-Disposition: attachment; filename="unboxing.mp4"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded + b"--XX--\r\n"
    )

    status, out, _ = ingest(str(path))

    assert status == 0, out
    message = Message.objects.get()
    assert message.text == "See the video."
    video = message.attachments.get()
    assert video.filename == "unboxing.mp4"
    assert video.fetch_status == FetchStatus.FAILED
    assert video.fetch_error == "Larger than 25 MB"
    assert video.size == len(content)
    assert not video.file


# --- Threading -----------------------------------------------------------------------------


def test_replies_to_one_newsletter_from_different_people_get_their_own_threads(mailbox):
    # The campaign's Message-ID is known: it is on a third customer's thread.
    carol_thread = ThreadFactory(channel=mailbox, subject="Spring sale: 20% off everything")
    MessageFactory(
        thread=carol_thread,
        outbound=True,
        provider_message_id="<spring-sale-2025@news.shop.example>",
    )

    ingest(str(FIXTURES / "newsletter_reply_alice.eml"), str(FIXTURES / "newsletter_reply_bob.eml"))

    alice = Message.objects.get(provider_message_id="<alice-nl-1@example.org>").thread
    bob = Message.objects.get(provider_message_id="<bob-nl-1@example.net>").thread
    assert len({alice.pk, bob.pk, carol_thread.pk}) == 3
    assert alice.contact.identities.get().value == "alice@example.org"
    assert bob.contact.identities.get().value == "bob@example.net"

    # Our answer to Alice, then her reply to it: it joins her thread, not Bob's or Carol's.
    MessageFactory(
        thread=alice, outbound=True, provider_message_id="<our-answer-to-alice@shop.example>"
    )
    ingest(str(FIXTURES / "newsletter_reply_alice_again.eml"))

    again = Message.objects.get(provider_message_id="<alice-nl-2@example.org>")
    assert again.thread == alice
    assert again.text == "Great, then I will order four."
    assert Thread.objects.count() == 3


def test_a_customer_reply_to_our_reply_joins_the_thread_via_the_command(mailbox):
    ingest(str(FIXTURES / "jane_first_contact.eml"))
    thread = Thread.objects.get()
    MessageFactory(thread=thread, outbound=True, provider_message_id="<our-reply-1@shop.example>")

    ingest(str(FIXTURES / "gmail_reply.eml"))

    assert Thread.objects.count() == 1
    assert thread.messages.filter(provider_message_id="<CAJane-reply-0002@mail.gmail.example>")


def test_the_mailbox_is_found_among_the_recipients(mailbox):
    # To someone else, Cc our mailbox plus-tagged: the command routes it to the channel.
    ContactIdentityFactory(value="ops@example.com")
    raw = (
        b"From: ops@example.com\r\nTo: partner@example.net\r\n"
        b"Cc: Support <support+orders@shop.example>\r\nMessage-ID: <cc-1@example.com>\r\n\r\nFYI"
    )

    status, out, _ = ingest("-", stdin=raw)

    assert status == 0, out
    assert Message.objects.get().channel == mailbox
    assert InboundEvent.objects.get().payload["recipient"] == MAILBOX
