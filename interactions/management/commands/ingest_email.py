"""`manage.py ingest_email [FILE ...]`: raw RFC 822 messages or mbox files into the inbox.

    manage.py ingest_email ~/export/archive.mbox ~/Maildir/cur     # bulk import
    manage.py ingest_email --to support@shop.example -             # a Postfix pipe

Each FILE is one message, an mbox (it starts with a "From " line), or a folder (every file in
it, e.g. a Maildir). No FILE, or "-", reads one message (or an mbox) from standard input.
Messages go through the same pipeline as webhooks: stored as an InboundEvent, then processed
right here so the summary reports what really happened (with a worker running, one that
picked the event up first finishes it; the command then reports it as queued). Exit status:
0 when nothing failed, 1 when a message failed (the reasons are printed; stored failures can
be replayed), 75 (EX_TEMPFAIL, Postfix retries later) when a message could not be stored.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from interactions.channels.email.ingest import email_delivery, email_event_store
from interactions.channels.email.parse import is_mbox, split_mbox
from interactions.models import EventStatus
from interactions.services.events import RetryLater, inbound_event_process

EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Ingest raw RFC 822 messages or mbox files (or standard input) as inbound email."
    # call_command(..., stdin=BytesIO(...)) in tests; sys.stdin otherwise.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument(
            "files",
            nargs="*",
            metavar="FILE",
            help="a message, an mbox file or a folder of them; '-' or none reads stdin",
        )
        parser.add_argument(
            "--to",
            default="",
            metavar="ADDRESS",
            help="the mailbox (email channel address) the mail was delivered to, "
            "for when its headers do not name one of ours",
        )

    def handle(self, *args, files, to, **options):
        stdin = options.get("stdin") or sys.stdin.buffer
        tally: Counter[str] = Counter()
        for label, data in self._inputs(files or ["-"], stdin):
            if isinstance(data, Exception):
                self._report(tally, label, "failed", f"cannot read: {data}")
                continue
            messages = split_mbox(data) if is_mbox(data) else [data]
            if not messages:
                self._report(tally, label, "failed", "empty mbox")
            for index, message in enumerate(messages, start=1):
                name = f"{label}#{index}" if len(messages) > 1 else label
                outcome, detail = self._ingest(message, to)
                self._report(tally, name, outcome, detail)

        self.stdout.write(
            f"Ingested {tally['ingested']}, duplicates {tally['duplicate']}, "
            f"queued {tally['queued']}, failed {tally['failed'] + tally['deferred']}."
        )
        if tally["deferred"]:
            raise CommandError(
                f"{tally['deferred']} message(s) could not be stored; try again later.",
                returncode=EX_TEMPFAIL,
            )
        if tally["failed"]:
            raise CommandError(f"{tally['failed']} message(s) failed.", returncode=1)

    def _inputs(self, names, stdin):
        """(label, bytes or the exception that kept us from reading them) for every input."""
        for name in names:
            if name == "-":
                yield "<stdin>", stdin.read()
                continue
            path = Path(name)
            if path.is_dir():
                files = sorted(
                    p
                    for p in path.rglob("*")
                    if (p.is_file() or p.is_symlink())
                    and not any(s.startswith(".") for s in p.relative_to(path).parts)
                )
            else:
                files = [path]
            for file in files:
                try:
                    yield str(file), file.read_bytes()
                except OSError as exc:
                    yield str(file), exc

    def _ingest(self, data: bytes, to: str) -> tuple[str, str]:
        """(outcome, detail) for one message; never raises."""
        if not data.strip():
            return "failed", "empty message"
        try:
            delivery = email_delivery(data=data, source="ingest_email", recipient=to)
            known = delivery.already_stored()
            event, created = email_event_store(source="ingest_email", delivery=delivery)
        except DatabaseError as exc:
            return "deferred", f"could not store it: {exc}"
        except Exception as exc:
            return "failed", f"could not read it: {exc.__class__.__name__}: {exc}"
        if not created and event.status == EventStatus.PROCESSED:
            return "duplicate", ""
        try:
            inbound_event_process(event_id=event.pk)
        except RetryLater as exc:
            return "failed", f"stored; processing will be retried: {exc}"
        except Exception as exc:  # stored and replayable; the run goes on
            return "failed", f"stored, but processing raised {exc.__class__.__name__}: {exc}"
        event.refresh_from_db()
        if event.status == EventStatus.PROCESSED:
            # Already in the inbox through another path (an ESP, IMAP): stored once.
            return ("duplicate", "") if known else ("ingested", "")
        if event.status == EventStatus.FAILED:
            return "failed", event.error
        return "queued", "a worker is processing it"

    def _report(self, tally: Counter, label: str, outcome: str, detail: str) -> None:
        tally[outcome] += 1
        line = f"{label}: {outcome}" + (f" — {detail}" if detail else "")
        if outcome in {"failed", "deferred"}:
            self.stderr.write(line)
        else:
            self.stdout.write(line)
