"""Browser tests: Debian's Chromium driven by Playwright's sync API against pytest-django's
`live_server` (the app in a thread of this process, on the test database).

One Chromium for the package; each persona gets a fresh browser context and signs in through
the real login form. Every page reports its console and its uncaught exceptions: a
Content-Security-Policy violation ("Refused to …"), any other console error, or a JavaScript
error fails the test that caused it. Screenshots land in test-artifacts/screenshots/.
Without Chromium (`apt-get install chromium`; .ci/run installs it) the tests skip, except
under CI, where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.db import connection

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, QUICK_MS, Browsers, Gate, Live
from tests.webhooks import TWILIO_TOKEN


def _ci() -> bool:
    return os.environ.get("CI", "").lower() not in {"", "0", "false", "no"}


@pytest.fixture(scope="package")
def chromium():
    """One headless Chromium for every e2e test; closed, with its processes, at the end."""
    if not os.access(CHROMIUM, os.X_OK):
        reason = f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
        if _ci():
            pytest.fail(f"{reason} (CI is set, so browser tests may not skip)", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    # Every `expect(...)` waits this long unless it names its own timeout (the live polls).
    expect.set_options(timeout=QUICK_MS)

    with pytest.MonkeyPatch.context() as patch:
        # The sync API keeps an asyncio loop on this thread, and Django's ORM refuses to run
        # where a loop runs. Safe here: the loop only drives the browser, never the ORM.
        # Package scope: the flag is gone again before any other test runs in this process.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()


@pytest.fixture
def live(live_server, settings, monkeypatch) -> Iterator[Live]:
    """The live server with this test's settings, tasks run in-process, requests gated."""
    from cx_hub.celery import app as celery_app

    settings.PUBLIC_BASE_URL = live_server.url  # what a Twilio signature is computed over
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    # No worker: tasks (ingesting a webhook, sending a reply) run in the server's thread.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    httpd = live_server.thread.httpd
    app = httpd.get_app()
    gate = Gate(app, serial=connection.vendor == "sqlite")
    httpd.set_app(gate)
    try:
        yield Live(url=live_server.url, gate=gate)
    finally:
        gate.drain()
        httpd.set_app(app)


@pytest.fixture
def browsers(chromium, live) -> Iterator[Browsers]:
    """`browsers.open_as(user)`: a page signed in as `user`, in a context of its own. The test
    fails on any CSP violation, console error or JavaScript error its pages reported."""
    opened = Browsers(browser=chromium, live=live)
    try:
        yield opened
    finally:
        opened.close()
        live.gate.drain()  # before the database is flushed under the last requests
    if opened.problems:
        pytest.fail("The browser reported:\n" + "\n".join(opened.problems), pytrace=False)
