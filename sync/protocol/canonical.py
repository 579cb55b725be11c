"""Canonical JSON: the exact bytes that are signed and hashed."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any


def canonical_json(value: Any) -> bytes:
    """Serialise ``value`` as UTF-8 JSON with sorted keys and no insignificant whitespace."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC, to the second."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def iso(ts: dt.datetime) -> str:
    """Format a UTC timestamp as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return ts.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> dt.datetime:
    """Parse a timestamp written by :func:`iso` (or any ISO 8601 with offset); naive means UTC."""
    value = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value
