"""A man-in-the-middle between box and hub, on a free port (werkzeug server thread), for fault tests.

It forwards every request to the real hub and lets a test cut the link mid-download or
rewrite answers (tampered payloads and manifests, replayed or expired manifests).
"""

from __future__ import annotations

import threading
import time

import requests
from flask import Flask, Response, request
from werkzeug.serving import make_server


class Proxy:
    """Forward to ``upstream``; ``rewrite(path, status, body) -> (status, body)`` and ``cut_after`` bytes."""

    def __init__(self, upstream: str):
        self.upstream = upstream
        self.rewrite = None
        self.cut_after: int | None = None
        self.seen: list[tuple[str, str | None]] = []
        app = Flask(__name__)
        app.add_url_rule("/<path:path>", "fwd", self._forward, methods=["GET", "POST"])
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _forward(self, path: str):
        self.seen.append((request.path, request.headers.get("Range")))
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("authorization", "range", "content-type")}
        try:
            up = requests.request(request.method, f"{self.upstream}/{path}", params=request.args, data=request.get_data(),
                                  headers=headers, timeout=30)
        except requests.RequestException:
            return Response(status=502)
        status, body = up.status_code, up.content
        if self.rewrite is not None:
            status, body = self.rewrite(request.path, status, body)
        keep = {k: v for k, v in up.headers.items() if k.lower() in ("content-type", "content-range", "accept-ranges")}
        if self.cut_after is not None and "/payloads/" in request.path and len(body) > self.cut_after:
            cut = self.cut_after

            def broken():
                yield body[:cut]
                time.sleep(0.5)  # let waitress put the bytes on the wire, then drop the connection
                raise ConnectionAbortedError("link dropped (test)")

            keep["Content-Length"] = str(len(body))
            return Response(broken(), status=status, headers=keep)
        return Response(body, status=status, headers=keep)

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
