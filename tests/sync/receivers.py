"""Real receivers for the notification tests: a webhook endpoint that checks signatures, and an SMTP server."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that verifies ``X-Hub-Signature-256`` and records what it accepted.

    ``fail`` answers that many requests with 503 first; ``down`` answers every request with 500.
    """

    def __init__(self, secret: str):
        self.secret = secret.encode()
        self.accepted: list[dict] = []
        self.refused = 0
        self.bad_signatures = 0
        self.fail = 0
        self.down = False
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                expected = "sha256=" + hmac.new(receiver.secret, body, hashlib.sha256).hexdigest()
                given = self.headers.get("X-Hub-Signature-256", "")
                with receiver.lock:
                    if not hmac.compare_digest(expected, given):
                        receiver.bad_signatures += 1
                        status = 401
                    elif receiver.down or receiver.fail > 0:
                        receiver.fail = max(receiver.fail - 1, 0)
                        receiver.refused += 1
                        status = 503 if not receiver.down else 500
                    else:
                        receiver.accepted.append({"body": json.loads(body), "headers": dict(self.headers)})
                        status = 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def ids(self) -> list[str]:
        """Idempotency ids of the accepted deliveries, in order."""
        with self.lock:
            return [a["body"]["id"] for a in self.accepted]

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


class MailSink:
    """aiosmtpd on 127.0.0.1 collecting every message it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
                from email import message_from_bytes, policy

                sink.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
                return "250 OK"

        from .conftest import free_port

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def close(self) -> None:
        """Stop the server."""
        self.controller.stop()
