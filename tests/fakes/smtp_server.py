"""A real SMTP server on loopback (aiosmtpd) that records every message it accepts.

It speaks SMTP for real, so a test exercises Django's SMTP backend end to end: the envelope
(MAIL FROM, RCPT TO, where Bcc recipients appear) and the raw message (where they must not).
Replies can be scripted to test refusals:

    with SMTPServer() as smtp:
        smtp.reply_to_data("451 4.3.0 Try again later")  # the next DATA is deferred
        settings.MAILERS = smtp.mailers()
        ...
        assert smtp.messages[0].rcpt_tos == ["customer@mail.example", "boss@shop.example"]
        assert smtp.messages[0].message["In-Reply-To"] == "<abc@mail.example>"
"""

from __future__ import annotations

import email
import email.policy
import threading
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)


class _Handler:
    def __init__(self, server: SMTPServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.server._next("rcpt")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = self.server._next("data")
        if reply:
            return reply
        with self.server._lock:
            self.server.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        return "250 Message accepted for delivery"


class _Controller(Controller):
    def _trigger_server(self):
        # Bound to port 0: learn the port the OS chose before the readiness probe connects.
        if not self.port:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SMTPServer:
    def __init__(self):
        self.messages: list[Received] = []
        self._lock = threading.Lock()
        self._script: dict[str, deque[str]] = {"rcpt": deque(), "data": deque()}
        self._controller = _Controller(_Handler(self), hostname="127.0.0.1", port=0)

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return self._controller.port

    def reply_to_rcpt(self, reply: str) -> None:
        """Answer the next RCPT TO with `reply` (e.g. "550 5.1.1 No such user")."""
        self._script["rcpt"].append(reply)

    def reply_to_data(self, reply: str) -> None:
        """Answer the next DATA with `reply` (e.g. "451 4.3.0 Try again later")."""
        self._script["data"].append(reply)

    def _next(self, stage: str) -> str:
        with self._lock:
            queue = self._script[stage]
            return queue.popleft() if queue else ""

    def mailers(self) -> dict:
        """A MAILERS setting that sends through this server."""
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": self.host, "port": self.port, "timeout": 5},
            }
        }

    def __enter__(self) -> SMTPServer:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()
