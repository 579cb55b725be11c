"""The recent log lines shown on the technician console: INFO and above, redacted, in memory."""

from __future__ import annotations

import collections
import datetime as dt
import logging
import threading

from ..ops.logging import RedactingFilter, redact

#: Lines kept for the console.
CAPACITY = 500


class RingBufferHandler(logging.Handler):
    """Keeps the newest log records (already redacted) for the console."""

    def __init__(self, capacity: int = CAPACITY):
        super().__init__(level=logging.INFO)
        self.lines: collections.deque = collections.deque(maxlen=capacity)
        self._lines_lock = threading.Lock()
        self.addFilter(RedactingFilter())

    def emit(self, record: logging.LogRecord) -> None:
        """Store one record as a dict."""
        try:
            message = redact(record.getMessage())
        except Exception:  # noqa: BLE001 - a broken record must not break logging
            message = str(record.msg)
        item = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="seconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        with self._lines_lock:
            self.lines.append(item)

    def recent(self, limit: int = 100, min_level: int = logging.INFO) -> list[dict]:
        """The newest lines, newest last."""
        with self._lines_lock:
            items = [x for x in self.lines if logging.getLevelName(x["level"]) >= min_level]
        return items[-limit:]


_handler: RingBufferHandler | None = None
_lock = threading.Lock()


def install() -> RingBufferHandler:
    """Attach the console's log buffer to the ``appliance``, ``firmware_bridge`` and ``sync`` loggers once."""
    global _handler
    with _lock:
        if _handler is None:
            _handler = RingBufferHandler()
            for name in ("appliance", "firmware_bridge", "sync", "waitress"):
                logger = logging.getLogger(name)
                logger.addHandler(_handler)
                if logger.getEffectiveLevel() > logging.INFO:  # never hide DEBUG that was asked for
                    logger.setLevel(logging.INFO)
        return _handler


def recent(limit: int = 100) -> list[dict]:
    """The newest redacted log lines (empty before :func:`install`)."""
    return _handler.recent(limit) if _handler else []
