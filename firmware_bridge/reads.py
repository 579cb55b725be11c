"""From a decoded frame to the read object every consumer sees (``listen --stdout`` JSON).

``{"lane", "read_id", "received_at", "profile", "status", "mrz", "document"}``: status is
"read_error" when the frame was damaged (reject characters, missing lines, BCC) or the
MRZ engine says so, else "ok"; ``document`` is the MRZ engine's result (None for text
that is not an MRZ at all).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections import OrderedDict

from .profiles.base import MRZ_CHARS, Frame

log = logging.getLogger(__name__)


def utc_now_iso() -> str:
    """Current UTC time in ISO 8601 with milliseconds."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def parse_document(text: str) -> tuple[str, dict | None]:
    """Run the MRZ engine on ``text``; return (status, document dict or None)."""
    try:
        from .mrz import NotAnMRZ, parse_mrz
    except ImportError:  # the MRZ engine is not part of this build
        return ("ok" if _looks_whole(text) else "read_error"), None
    try:
        result = parse_mrz(text)
    except NotAnMRZ:
        return "read_error", None
    except Exception:  # the engine must never take a lane down
        log.warning("MRZ engine failed on a read; reported as read_error")
        log.debug("MRZ engine failure", exc_info=True)
        return "read_error", None
    document = result.to_dict()
    status = "read_error" if getattr(result, "status", document.get("status")) == "read_error" else "ok"
    return status, document


def _looks_whole(text: str) -> bool:
    """Fallback check without the engine: whole layout, MRZ characters only."""
    lines = text.split("\n")
    return (
        (len(lines), len(lines[0])) in {(3, 30), (2, 36), (2, 44)}
        and all(len(line) == len(lines[0]) and set(line) <= MRZ_CHARS for line in lines)
    )


def make_read(lane: str, frame: Frame, profile: str | None = None, *, source: str = "serial") -> dict:
    """Build the read object for one frame."""
    text = frame.text
    status, document = parse_document(text) if text else ("read_error", None)
    if frame.error:
        status = "read_error"
    return new_read(lane, profile=profile or frame.profile, status=status, mrz=text, document=document, source=source)


def new_read(lane: str, *, profile: str, status: str, mrz: str, document: dict | None, source: str = "serial", **extra) -> dict:
    """A read object with a fresh read_id and timestamp; ``source`` (when not serial) and ``extra`` keys follow."""
    read = {
        "lane": lane,
        "read_id": str(uuid.uuid4()),
        "received_at": utc_now_iso(),
        "profile": profile,
        "status": status,
        "mrz": mrz,
        "document": document,
    }
    if source != "serial":
        read["source"] = source
    read.update(extra)
    return read


def describe(read: dict) -> str:
    """A log-safe one-line summary of a read (no personal data)."""
    doc = read.get("document") or {}
    return (
        f"lane={read.get('lane')} read_id={read.get('read_id')} status={read.get('status')} "
        f"profile={read.get('profile')} format={doc.get('format')} valid={doc.get('valid')}"
    )


class Deduper:
    """Remember recent MRZ texts; a repeat within ``window`` seconds is a duplicate."""

    def __init__(self, window: float, *, clock=time.monotonic, max_entries: int = 256):
        self.window = window
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._max = max_entries

    def is_duplicate(self, text: str) -> bool:
        """True when ``text`` was seen less than ``window`` seconds ago (then the timer restarts)."""
        if self.window <= 0:
            return False
        now = self._clock()
        while self._seen:
            oldest, at = next(iter(self._seen.items()))
            if now - at < self.window and len(self._seen) <= self._max:
                break
            self._seen.popitem(last=False)
        seen = text in self._seen
        self._seen[text] = now
        self._seen.move_to_end(text)
        return seen
