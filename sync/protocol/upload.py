"""What a box says about itself when it uploads and checks in (optional fields: older boxes omit them).

Record upload ``POST /api/v1/records``::

    {"records": [{key, kind, priority, created_at, payload}, ...],
     "box": {"post": "North gate", "sent_at": "2030-01-01T08:00:00Z", "software": "0.1.0"}}

Check-in ``POST /api/v1/checkin`` adds the same ``post``, ``sent_at`` and ``software`` next to
``lists``, ``queue_depth`` and ``alarms``, plus ``lanes``: the reader state of every lane
(``[{"name", "state", "detail", "reported_at"}]``). The hub ignores keys it does not know, so
either side can add fields without breaking the other.
"""

from __future__ import annotations

import datetime as dt

from ..errors import ProtocolError

MAX_POST = 120
MAX_LANES = 64
LANE_STATES = ("connected", "disconnected", "error", "unknown")


def box_header(post: str | None, software: str | None = None) -> dict:
    """The ``box`` object a box sends with each upload."""
    header = {"sent_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"}
    if post:
        header["post"] = post[:MAX_POST]
    if software:
        header["software"] = software[:40]
    return header


def _short(value, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit or any(ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        raise ProtocolError(f"expected text of at most {limit} printable characters")
    return value


def read_box_header(obj) -> dict:
    """Check a ``box`` object (or the same keys of a check-in) from a box; ProtocolError when malformed."""
    if obj is None:
        return {}
    if not isinstance(obj, dict):
        raise ProtocolError("'box' must be an object")
    out = {}
    for key, limit in (("post", MAX_POST), ("sent_at", 40), ("software", 40)):
        try:
            value = _short(obj.get(key), limit)
        except ProtocolError as exc:
            raise ProtocolError(f"'{key}': {exc}") from None
        if value:
            out[key] = value
    if "sent_at" in out:
        try:
            t = dt.datetime.fromisoformat(out["sent_at"].replace("Z", "+00:00"))
        except ValueError:
            raise ProtocolError("'sent_at' is not an ISO 8601 time") from None
        if t.tzinfo is None:
            raise ProtocolError("'sent_at' needs a time zone")
    return out


def read_lanes(value) -> list[dict]:
    """Check the ``lanes`` of a check-in: a short list of ``{name, state, detail, reported_at}``."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_LANES:
        raise ProtocolError(f"'lanes' must be a list of at most {MAX_LANES} objects")
    out = []
    for item in value:
        if not isinstance(item, dict):
            raise ProtocolError("each lane must be an object")
        try:
            name = _short(item.get("name"), 64)
            state = _short(item.get("state"), 32) or "unknown"
            detail = _short(item.get("detail"), 300) or ""
            reported = _short(item.get("reported_at"), 40)
        except ProtocolError as exc:
            raise ProtocolError(f"lane: {exc}") from None
        if not name:
            raise ProtocolError("each lane needs a 'name'")
        out.append({"name": name, "state": state if state in LANE_STATES else "unknown", "detail": detail, "reported_at": reported})
    return out
