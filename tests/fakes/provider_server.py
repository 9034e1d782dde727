"""A small HTTP server on loopback that stands in for a provider's API (Twilio, Meta, X, Google).

It records every request exactly as received and answers from a queue of scripted responses,
so a test can assert the precise request an adapter sent and script a 429 before a success:

    with ProviderServer() as api:
        api.respond(429, {"error": "slow down"}, headers={"Retry-After": "1"})
        api.respond(201, {"sid": "SM123"})
        settings.TWILIO_API_BASE = api.url
        ...
        assert api.requests[-1].form["Body"] == "Hello"
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body or b"null")

    @property
    def form(self) -> dict:
        return {k: v[0] if len(v) == 1 else v for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Scripted:
    status: int
    body: bytes
    headers: dict = field(default_factory=dict)
    path_prefix: str = ""


class ProviderServer:
    def __init__(self, default_status: int = 200, default_body: dict | None = None):
        self.requests: list[Recorded] = []
        self._script: deque[Scripted] = deque()
        self._default = Scripted(default_status, json.dumps(default_body or {}).encode())
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                with server._lock:
                    server.requests.append(
                        Recorded(
                            method=self.command,
                            path=parts.path,
                            query={k: v[0] for k, v in parse_qs(parts.query).items()},
                            headers={k.lower(): v for k, v in self.headers.items()},
                            body=body,
                        )
                    )
                    reply = server._next(parts.path)
                self.send_response(reply.status)
                reply_headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in reply_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, *args):  # keep test output quiet
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def respond(self, status: int = 200, body=None, *, headers=None, path_prefix: str = "") -> None:
        """Queue the next response (optionally only for requests under `path_prefix`)."""
        raw = body if isinstance(body, bytes) else json.dumps(body if body is not None else {}).encode()
        self._script.append(Scripted(status, raw, headers or {}, path_prefix))

    def _next(self, path: str) -> Scripted:
        for scripted in list(self._script):
            if not scripted.path_prefix or path.startswith(scripted.path_prefix):
                self._script.remove(scripted)
                return scripted
        return self._default

    def __enter__(self) -> ProviderServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
