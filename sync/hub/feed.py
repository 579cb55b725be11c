"""The hit desk's live feed, shared by every hub replica through the database.

Every change to a hit appends a row to ``desk_events`` (an indexed sequence, written in the
same transaction as the change). Each hub process polls it every ``console.feed_poll_seconds``
(at once when its own API just stored a hit) and fans the events out to its open event
streams. A sequence number can commit after a higher one (two replicas writing at once), so a
gap is re-read for ``GAP_SECONDS`` before it is given up as a rolled-back insert.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from . import desk

log = logging.getLogger(__name__)

GAP_SECONDS = 30.0
MAX_BACKLOG = 500
BATCH = 500
_CLOSED = object()


class Subscription:
    """One event stream's queue."""

    def __init__(self, feed: "Feed"):
        self.feed = feed
        self.queue: queue.Queue = queue.Queue(maxsize=MAX_BACKLOG)

    def get(self, timeout: float):
        """The next event, None on timeout; StopIteration when the feed closed or this stream fell behind."""
        try:
            item = self.queue.get(timeout=timeout)
        except queue.Empty:
            return None
        if item is _CLOSED:
            raise StopIteration
        return item

    def close(self) -> None:
        """Stop receiving events."""
        self.feed.unsubscribe(self)


class Feed:
    """Polls ``desk_events`` and delivers each event to every subscriber of this process."""

    def __init__(self, db, poll_seconds: float = 0.5):
        self.db = db
        self.poll_seconds = poll_seconds
        self.last: int | None = None
        self.gaps: dict[int, float] = {}
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def head(self) -> int:
        """The newest event number in the database (0 when none)."""
        with self.db.tx() as cur:
            row = cur.execute("SELECT max(seq) FROM desk_events").fetchone()
        return int(row[0] or 0)

    def subscribe(self) -> Subscription:
        """Start receiving events."""
        sub = Subscription(self)
        with self._lock:
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Stop delivering to ``sub``."""
        with self._lock:
            self._subs.discard(sub)

    def subscribers(self) -> int:
        """Open streams in this process."""
        with self._lock:
            return len(self._subs)

    def wake(self) -> None:
        """Poll now (this process just stored something)."""
        self._wake.set()

    def events_after(self, after: int, limit: int = BATCH) -> list[dict]:
        """Stored events after ``after`` (a stream resuming with Last-Event-ID)."""
        with self.db.tx() as cur:
            rows = cur.execute("SELECT seq, hit_id, kind FROM desk_events WHERE seq > ? ORDER BY seq LIMIT ?", [after, limit]).fetchall()
            return self._build(cur, rows)

    def _build(self, cur, rows) -> list[dict]:
        out = []
        cache: dict[int, dict | None] = {}
        for seq, hit_id, kind in rows:
            hit_id = int(hit_id)
            if hit_id not in cache:
                cache[hit_id] = desk.summary(cur, hit_id)
            if cache[hit_id] is not None:
                out.append({"seq": int(seq), "kind": kind, "hit": cache[hit_id]})
        return out

    def poll_once(self) -> int:
        """Read new events (and late ones filling gaps) and deliver them; return how many."""
        if self.last is None:
            self.last = self.head()
            return 0
        now = time.monotonic()
        self.gaps = {s: d for s, d in self.gaps.items() if d > now}
        with self.db.tx() as cur:
            rows = cur.execute("SELECT seq, hit_id, kind FROM desk_events WHERE seq > ? ORDER BY seq LIMIT ?",
                               [self.last, BATCH]).fetchall()
            if self.gaps:
                gap_list = sorted(self.gaps)[:200]
                rows += cur.execute(f"SELECT seq, hit_id, kind FROM desk_events WHERE seq IN ({','.join('?' * len(gap_list))})",
                                    gap_list).fetchall()
            events = self._build(cur, sorted(rows, key=lambda r: int(r[0])))
        expected = self.last + 1
        for r in sorted(rows, key=lambda r: int(r[0])):
            seq = int(r[0])
            self.gaps.pop(seq, None)
            if seq > self.last:
                for missing in range(expected, seq):
                    if seq - missing < 10_000:
                        self.gaps[missing] = now + GAP_SECONDS
                expected = seq + 1
                self.last = seq
        for event in events:
            self.publish(event)
        return len(events)

    def publish(self, event: dict) -> None:
        """Deliver one event to every subscriber; a stream that fell far behind is closed (it reconnects)."""
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            try:
                sub.queue.put_nowait(event)
            except queue.Full:
                self.unsubscribe(sub)
                try:
                    sub.queue.get_nowait()
                    sub.queue.put_nowait(_CLOSED)
                except (queue.Empty, queue.Full):
                    pass

    def start(self) -> None:
        """Poll in a daemon thread until :meth:`stop`."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hub-feed", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        failing = False
        while not self._stop.is_set():
            try:
                self.poll_once()
                if failing:
                    log.info("hit desk feed reads the database again")
                failing = False
            except Exception as exc:  # the database away for a moment: say it once, keep polling
                if not failing:
                    log.warning("hit desk feed cannot read the database: %s", type(exc).__name__)
                failing = True
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def stop(self) -> None:
        """Stop polling and end every stream."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        with self._lock:
            subs, self._subs = list(self._subs), set()
        for sub in subs:
            try:
                sub.queue.put_nowait(_CLOSED)
            except queue.Full:
                pass
