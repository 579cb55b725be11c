"""Live verdicts per lane for server-sent events: a queue per subscriber, fan-out on publish."""

from __future__ import annotations

import json
import queue
import threading
from collections import defaultdict

#: Seconds between keep-alive comments on an idle event stream.
HEARTBEAT_SECONDS = 15.0
#: Events kept for a slow subscriber before it is cut off (it reconnects with Last-Event-ID).
MAX_BACKLOG = 200

_CLOSED = object()


class Subscription:
    """One client's queue of events for one lane."""

    def __init__(self, hub: "EventHub", lane: str):
        self.hub = hub
        self.lane = lane
        self.queue: queue.Queue = queue.Queue(maxsize=MAX_BACKLOG)
        self.overflowed = False

    def get(self, timeout: float):
        """Next event dict, None on timeout, or raise StopIteration when the hub closed."""
        try:
            item = self.queue.get(timeout=timeout)
        except queue.Empty:
            return None
        if item is _CLOSED:
            raise StopIteration
        return item

    def close(self) -> None:
        """Stop receiving events."""
        self.hub.unsubscribe(self)


class EventHub:
    """Fan-out of scan events to the subscribers of each lane."""

    def __init__(self):
        self._lock = threading.Lock()
        self._subs: dict[str, set[Subscription]] = defaultdict(set)
        self.closed = False

    def subscribe(self, lane: str) -> Subscription:
        """Start receiving the events of ``lane``."""
        sub = Subscription(self, lane)
        with self._lock:
            self._subs[lane].add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Stop delivering to ``sub``."""
        with self._lock:
            self._subs.get(sub.lane, set()).discard(sub)

    def subscribers(self, lane: str | None = None) -> int:
        """Number of live subscribers (of one lane, or of all)."""
        with self._lock:
            if lane is not None:
                return len(self._subs.get(lane, ()))
            return sum(len(s) for s in self._subs.values())

    def publish(self, lane: str, event: dict) -> int:
        """Deliver one event to every subscriber of ``lane``; return how many got it."""
        with self._lock:
            subs = list(self._subs.get(lane, ()))
        delivered = 0
        for sub in subs:
            try:
                sub.queue.put_nowait(event)
                delivered += 1
            except queue.Full:
                sub.overflowed = True
                self.unsubscribe(sub)
                try:
                    sub.queue.put_nowait(_CLOSED)
                except queue.Full:
                    pass
        return delivered

    def close(self) -> None:
        """End every stream (service shutdown)."""
        self.closed = True
        with self._lock:
            subs = [s for group in self._subs.values() for s in group]
            self._subs.clear()
        for sub in subs:
            try:
                sub.queue.put_nowait(_CLOSED)
            except queue.Full:
                pass


def format_event(event: dict, *, event_id: int | None = None, name: str | None = None) -> str:
    """One server-sent event: ``id:``, optional ``event:`` and a single ``data:`` line of JSON."""
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if name:
        lines.append(f"event: {name}")
    lines.append("data: " + json.dumps(event, separators=(",", ":")))
    return "\n".join(lines) + "\n\n"
