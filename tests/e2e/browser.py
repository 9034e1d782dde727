"""The pieces the e2e fixtures are made of: Chromium's launch, a gate in front of the live
server, signed-in browser contexts that record what their pages report, and screenshots."""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from tests.factories import PASSWORD

# Debian's Chromium: Playwright's own browser download cannot work here.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"

# Playwright waits, in milliseconds: a page answering a click or a key, and a change that only
# a live poll brings (the inbox and presence poll every 5 s: two intervals plus request time).
QUICK_MS = 5_000
POLL_MS = 12_000
DRAIN_S = 10

# What Chromium logs when the Content-Security-Policy blocks something.
CSP_ERROR = re.compile(r"Content Security Policy|Refused to", re.IGNORECASE)


class Gate:
    """Wraps the live server's WSGI app: counts requests in flight and, on SQLite, runs them
    one at a time.

    With SQLite's in-memory test database every server thread shares the test's one
    connection, and Django warns that simultaneous queries on it fail at random (htmx polls
    and page loads do overlap). PostgreSQL gives each thread a connection of its own: no lock.
    """

    def __init__(self, app, *, serial: bool):
        self.app = app
        self.lock = threading.RLock() if serial else None
        self._changed = threading.Condition()
        self.in_flight = 0
        self.last_seen = time.monotonic()

    def __call__(self, environ, start_response):
        with self._changed:
            self.in_flight += 1
        try:
            with self.db():
                # The whole body is produced, and the response closed as WSGI asks (Django's
                # request_finished), inside the lock: no database work escapes it.
                result = self.app(environ, start_response)
                try:
                    return list(result)
                finally:
                    if hasattr(result, "close"):
                        result.close()
        finally:
            with self._changed:
                self.in_flight -= 1
                self.last_seen = time.monotonic()
                self._changed.notify_all()

    def db(self):
        """Hold the server off while the test thread reads the database itself (SQLite)."""
        return self.lock if self.lock is not None else contextlib.nullcontext()

    def drain(self, quiet_s: float = 0.3, timeout_s: float = DRAIN_S) -> None:
        """Wait until no request has run for `quiet_s`, so nothing writes after the flush."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while time.monotonic() < deadline:
                idle = time.monotonic() - self.last_seen
                if self.in_flight == 0 and idle >= quiet_s:
                    return
                self._changed.wait(timeout=max(0.05, quiet_s - idle))
        raise AssertionError(f"the live server was still serving requests after {timeout_s} s")


@dataclass
class Live:
    url: str
    gate: Gate

    def db(self):
        """`with live.db():` around the test's own database reads while pages are open."""
        return self.gate.db()


@dataclass
class Browsers:
    """Opens a signed-in page per persona and keeps what every page reported."""

    browser: object
    live: Live
    contexts: list = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def open_as(self, user, *, password: str = PASSWORD):
        """A new context (own cookies) signed in as `user` through the login form; its page
        is on the inbox, where signing in lands."""
        context = self.browser.new_context(
            base_url=self.live.url, viewport={"width": 1280, "height": 800}
        )
        context.set_default_timeout(2 * QUICK_MS)
        self.contexts.append(context)
        page = context.new_page()
        who = user.email
        page.on("console", lambda message: self._console(who, page, message))
        page.on("pageerror", lambda error: self.problems.append(f"[{who}] JS error: {error}"))
        page.goto("/accounts/login/")
        page.fill("#id_login", user.email)
        page.fill("#id_password", password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/inbox/$"), timeout=2 * QUICK_MS)
        # The keyboard shortcuts come from deferred scripts: wait for them before typing.
        page.wait_for_load_state()
        return page

    def _console(self, who: str, page, message) -> None:
        if message.type == "error" or CSP_ERROR.search(message.text):
            self.problems.append(f"[{who}] console {message.type} on {page.url}: {message.text}")

    def close(self) -> None:
        for context in self.contexts:
            with contextlib.suppress(Exception):  # already gone with a crashed browser
                context.close()
        self.contexts.clear()


def screenshot(page, name: str) -> Path:
    """Save the whole page as test-artifacts/screenshots/<name>.png (a CI artifact)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
