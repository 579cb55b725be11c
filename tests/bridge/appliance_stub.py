"""A scripted HTTP server for the delivery cases the real appliance cannot produce on demand.

It implements the contract's idempotency (201 for a new read_id, 200 for a repeat) and
can be told to fail the next requests with given status codes (a lost answer: stored,
then 500). Delivery through the real appliance is in ``test_delivery_appliance.py``.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ApplianceStub:
    """Records scans by read_id (in arrival order) and lane status reports."""

    def __init__(self, port: int, token: str = "bridge-secret"):
        self.port = port
        self.token = token
        self.scans: list[dict] = []
        self.by_id: dict[str, dict] = {}
        self.attempts: list[str] = []
        self.idempotency_keys: list[str] = []
        self.status_reports: list[tuple[str, dict]] = []
        #: status codes to answer the next scan requests with (after storing, for "lost answer" 500s)
        self.script: list[int] = []
        self.store_before_failing = False
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """Base URL of the stub."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ApplianceStub":
        """Listen on the port."""
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                if self.headers.get("Authorization") != f"Bearer {stub.token}":
                    return self._answer(401, {"error": "unauthorized"})
                if self.path.startswith("/api/v1/lanes/") and self.path.endswith("/status"):
                    with stub._lock:
                        stub.status_reports.append((self.path.split("/")[4], body))
                    return self._answer(204, None)
                if self.path != "/api/v1/scans":
                    return self._answer(404, {"error": "not_found"})
                with stub._lock:
                    stub.attempts.append(body.get("read_id"))
                    stub.idempotency_keys.append(self.headers.get("Idempotency-Key"))
                    code = stub.script.pop(0) if stub.script else None
                    if code is not None and not (code >= 500 and stub.store_before_failing):
                        return self._answer(code, {"error": "scripted"})
                    known = body["read_id"] in stub.by_id
                    if not known:
                        stub.by_id[body["read_id"]] = body
                        stub.scans.append(body)
                if code is not None:
                    return self._answer(code, {"error": "scripted"})
                self._answer(200 if known else 201, {"read_id": body["read_id"]})

            def _answer(self, code, payload):
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening (the appliance is down)."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
