"""Delivery of reads to the appliance (``POST /api/v1/scans``) and of reader status.

Reads go through the :class:`~.queue.DeliveryQueue` first, then one sender thread posts
them strictly in order, each with its ``read_id`` as idempotency key:

- 201 or 200: delivered, removed from the queue;
- 409: the appliance already holds that read_id: treated as delivered (but 409
  ``read_id_conflict``, the id names another lane's read, is set aside like a 422);
- 401, 403: the bridge token is refused: kept, retried (logged once);
- 403 ``lane_forbidden``: the token is not allowed on that lane: that lane's reads wait
  (retried with backoff, logged once per lane) while the other lanes' reads go on;
- 404, 408, 425, 429, 5xx, no connection: kept, retried with backoff;
- any other 4xx (400, 413, 422 ...): the appliance will never take it: moved to the
  queue's ``rejected`` table (see ``firmware-bridge queue``), and the next read goes on.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import requests

from .errors import DeliveryError
from .queue import DeliveryQueue

log = logging.getLogger(__name__)
RETRY_CODES = {401, 403, 404, 408, 425, 429}
STATUS_INTERVAL = 30.0


def scan_body(read: dict) -> dict:
    """The POST body for a read: lane, mrz, source, read_id, read_at (when the reader read it) and profile.

    ``read_at`` travels with the read through the on-disk queue, so after an outage the
    appliance knows when each queued document was read, not only when it arrived.
    """
    body = {
        "lane": read["lane"],
        "mrz": read["mrz"],
        "source": read.get("source", "serial"),
        "read_id": read["read_id"],
    }
    for key in ("received_at", "profile"):  # optional keys the scan API accepts
        if read.get(key):
            body[key] = read[key]
    if read.get("received_at"):
        body["read_at"] = read["received_at"]
    return body


def read_token(bridge: dict) -> str:
    """The bridge token from ``bridge.token_file`` or ``bridge.token``."""
    path = bridge.get("token_file")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise DeliveryError(f"bridge.token_file {path}: cannot read: {exc.strerror}") from None
    return (bridge.get("token") or "").strip()


class StdoutSink:
    """Print each read as one JSON line, flushed at once (``--stdout``)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()
        #: set when the reader of our output went away (``listen --stdout | head -3``)
        self.closed = threading.Event()

    def __call__(self, read: dict) -> None:
        """Print one read."""
        line = json.dumps(read, ensure_ascii=False, separators=(", ", ": "))
        with self._lock:
            if self.closed.is_set():
                raise DeliveryError("standard output is closed")
            try:
                self.stream.write(line + "\n")
                self.stream.flush()
            except BrokenPipeError:
                self.closed.set()
                raise DeliveryError("standard output is closed") from None


class Deliverer:
    """Queue reads on disk and post them to the appliance in order, forever."""

    def __init__(self, queue: DeliveryQueue, appliance_url: str, token: str, *, lanes: list[str] | None = None, max_backoff: float = 30.0, timeout=(3.0, 10.0)):
        self.queue = queue
        #: deliver only these lanes' reads (a per-lane systemd instance); None: every read
        self.lanes = lanes
        self.url = appliance_url.rstrip("/") + "/api/v1/scans"
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.session.headers["User-Agent"] = "firmware-bridge"
        self.delivered = 0
        self.rejected = 0
        self.last_error = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._down_logged = False
        #: lane -> (monotonic time until which its reads wait, current hold in seconds)
        self._held: dict[str, tuple[float, float]] = {}

    def __call__(self, read: dict) -> None:
        """Accept a read from a lane (the on_read callback): enqueue it on disk."""
        self.queue.put(scan_body(read))

    def start(self) -> "Deliverer":
        """Start the sender thread."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="deliverer", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop sending (queued reads stay on disk for the next start)."""
        self._stop.set()
        self.queue.changed.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.session.close()

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until the queue is empty (for tests and shutdown); True if it emptied."""
        deadline = time.monotonic() + timeout
        while self.queue.peek(1, self.lanes) and time.monotonic() < deadline:
            time.sleep(0.02)
        return not self.queue.peek(1, self.lanes)

    def _run(self) -> None:
        delay = 0.25
        while not self._stop.is_set():
            now = time.monotonic()
            held = [lane for lane, (until, _) in self._held.items() if until > now]
            items = self.queue.peek(1, self.lanes, exclude=held)
            if not items:
                wake = min((until for until, _ in self._held.values() if until > now), default=now + 1.0)
                self.queue.changed.wait(min(max(wake - now, 0.01), 1.0))
                self.queue.changed.clear()
                continue
            seq, body, _ = items[0]
            outcome = self._post(seq, body)
            if outcome == "retry":
                if self._stop.wait(delay):
                    return
                delay = min(delay * 2, self.max_backoff)
            else:
                delay = 0.25

    def _post(self, seq: int, body: dict) -> str:
        """Post one read; return "done", "rejected", "held" (its lane waits) or "retry"."""
        try:
            resp = self.session.post(
                self.url, json=body, headers={"Idempotency-Key": body["read_id"]}, timeout=self.timeout
            )
        except requests.RequestException as exc:
            self._unreachable(seq, f"appliance unreachable: {type(exc).__name__}")
            return "retry"
        code = resp.status_code
        # 409 read_id_conflict: the id names a read of another lane: never "delivered", set aside below
        conflict = code == 409 and _error_code(resp) == "read_id_conflict"
        if code in (200, 201) or (code == 409 and not conflict):
            self._held.pop(body["lane"], None)
            if code == 409:
                log.warning("read %s: appliance answered 409 (already stored); not sent again", body["read_id"])
            self.queue.ack(seq)
            self.delivered += 1
            self._back()
            return "done"
        if code == 403 and _error_code(resp) == "lane_forbidden":
            self._hold_lane(seq, body["lane"])
            return "held"
        if code in RETRY_CODES or code >= 500:
            hint = " (check bridge.token)" if code in (401, 403) else ""
            self._unreachable(seq, f"appliance answered {code}{hint}")
            return "retry"
        reason = _error_code(resp)
        log.warning("read %s: appliance refused it (%s %s); kept in the rejected list", body["read_id"], code, reason)
        self.queue.reject(seq, code, reason)
        self.rejected += 1
        self._back()
        return "rejected"

    def _hold_lane(self, seq: int, lane: str) -> None:
        """The token may not post reads of ``lane``: park that lane's reads, let the others go on."""
        why = f"the bridge token is not allowed on lane {lane} (check bridge.token)"
        self.last_error = why
        self.queue.failed_attempt(seq, why)
        _, hold = self._held.get(lane, (0.0, 0.0))
        if not hold:
            log.warning("lane %s: %s; its reads wait in the queue, other lanes go on", lane, why)
        hold = min(max(hold * 2, 0.5), self.max_backoff)
        self._held[lane] = (time.monotonic() + hold, hold)

    def _unreachable(self, seq: int, why: str) -> None:
        self.last_error = why
        self.queue.failed_attempt(seq, why)
        if not self._down_logged:
            self._down_logged = True
            log.warning("delivery paused: %s; %d read(s) wait in the queue", why, len(self.queue))
        else:
            log.debug("delivery still paused: %s", why)

    def _back(self) -> None:
        if self._down_logged:
            self._down_logged = False
            log.warning("delivery resumed; %d read(s) still queued", len(self.queue))
        self.last_error = ""


def _error_code(resp) -> str:
    """The appliance's stable error code from a JSON error body, else the reason phrase."""
    try:
        data = resp.json()
        if isinstance(data, dict) and isinstance(data.get("error"), str):
            return data["error"][:80]
    except ValueError:
        pass
    return (resp.reason or "")[:80]


class StatusReporter:
    """Post each lane's status on every change and every 30 s (best effort, latest wins)."""

    def __init__(self, appliance_url: str, token: str, *, interval: float = STATUS_INTERVAL, retry_seconds: float = 2.0, timeout=(3.0, 5.0)):
        self.base = appliance_url.rstrip("/") + "/api/v1/lanes/"
        self.interval = interval
        self.retry_seconds = retry_seconds
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.session.headers["User-Agent"] = "firmware-bridge"
        self._latest: dict[str, dict] = {}
        self._dirty: set[str] = set()
        self._cond = threading.Condition()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._sources: list = []

    def watch(self, runner) -> None:
        """Report ``runner``'s status (a LaneRunner or anything with status()/add_listener)."""
        self._sources.append(runner)
        runner.add_listener(self.update)
        self.update(runner.status())

    def update(self, status: dict) -> None:
        """A state change: post it soon."""
        with self._cond:
            self._latest[status["lane"]] = status
            self._dirty.add(status["lane"])
            self._cond.notify()

    def start(self) -> "StatusReporter":
        """Start the reporting thread."""
        self._thread = threading.Thread(target=self._run, name="status-reporter", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop reporting."""
        with self._cond:
            self._stop = True
            self._cond.notify()
        if self._thread:
            self._thread.join(5)
        self.session.close()

    def _run(self) -> None:
        next_all = time.monotonic() + self.interval
        retry: set[str] = set()
        next_retry = float("inf")
        while True:
            with self._cond:
                while not self._dirty and not self._stop:
                    now = time.monotonic()
                    wake = min(next_all, next_retry)
                    if now >= wake:
                        break
                    self._cond.wait(wake - now)
                if self._stop:
                    batch = [self._latest[lane] for lane in sorted(self._dirty)]
                    self._dirty.clear()
                    for status in batch:  # the last word (e.g. "bridge stopped") still goes out
                        self._post(status)
                    return
                now = time.monotonic()
                if now >= next_all:
                    for src in self._sources:
                        status = src.status()
                        self._latest[status["lane"]] = status
                    self._dirty |= set(self._latest)
                    next_all = now + self.interval
                if now >= next_retry:
                    self._dirty |= retry
                    retry.clear()
                    next_retry = float("inf")
                batch = [self._latest[lane] for lane in sorted(self._dirty)]
                self._dirty.clear()
            failed = {status["lane"] for status in batch if not self._post(status)}
            if failed:
                retry |= failed
                next_retry = time.monotonic() + self.retry_seconds

    def _post(self, status: dict) -> bool:
        """Post one lane's status; False when it should be tried again."""
        body = {k: v for k, v in status.items() if k != "lane"}
        try:
            resp = self.session.post(self.base + quote(status["lane"], safe="") + "/status", json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            log.debug("status report for lane %s failed: %s", status["lane"], type(exc).__name__)
            return False
        if resp.status_code >= 400:
            log.debug("status report for lane %s: HTTP %s", status["lane"], resp.status_code)
            return resp.status_code < 500 and resp.status_code not in RETRY_CODES
        return True
