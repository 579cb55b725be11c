"""Document numbers, types and statuses: normalisation and the lookup variants real data needs."""

from __future__ import annotations

import re

_NOT_ALNUM = re.compile(r"[^A-Z0-9]")

STATUSES = ("lost", "stolen", "stolen_blank", "revoked", "invalidated", "listed_person")
STATUS_CODES = {s: i for i, s in enumerate(STATUSES)}
_STATUS_ALIASES = {
    "stolenblank": "stolen_blank",
    "stolen blank": "stolen_blank",
    "blank": "stolen_blank",
    "cancelled": "revoked",
    "canceled": "revoked",
    "invalid": "invalidated",
}

_TYPE_WORDS = (
    ("passport", "P"),
    ("pasaporte", "P"),
    ("passeport", "P"),
    ("identity", "I"),
    ("identification", "I"),
    ("id card", "I"),
    ("national id", "I"),
    ("cedula", "I"),
    ("visa", "V"),
    ("residence", "R"),
    ("crew", "C"),
)

#: Numbers this long or longer spill into optional data in a TD3 MRZ (first 9 in the number field).
MRZ_NUMBER_LENGTH = 9


def normalize_number(number: str | None) -> str:
    """A-Z and 0-9 only: fillers, spaces, hyphens, slashes and the rest removed."""
    if not number:
        return ""
    return _NOT_ALNUM.sub("", number.upper())


def split_prefix(normalized: str) -> tuple[str, str]:
    """Split a normalised number into its leading letters and the rest starting at a digit."""
    rest = normalized.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if not rest or rest == normalized:
        return "", normalized
    return normalized[: len(normalized) - len(rest)], rest


def normalize_type(text: str | None) -> str:
    """One-letter document type (P, I, V, R, C, A...) from a code or a word; '' when unknown."""
    if not text:
        return ""
    raw = text.strip()
    low = " ".join(raw.lower().split())
    for word, code in _TYPE_WORDS:
        if word in low:
            return code
    up = raw.upper().replace("<", "")
    if up.isalpha() and 1 <= len(up) <= 2:
        return up[0]
    return ""


def normalize_status(text: str | None) -> str:
    """One of STATUSES, or raise ValueError."""
    low = (text or "").strip().lower().replace("-", "_")
    low = _STATUS_ALIASES.get(low, low)
    if low not in STATUS_CODES:
        raise ValueError(f"status must be one of {', '.join(STATUSES[:-1])}")
    return low


def type_code(doc_type: str) -> int:
    """Small integer for a one-letter type: 0 unknown, 1..26 for A..Z."""
    return (ord(doc_type[0]) - 64) if doc_type else 0


def type_from_code(code: int) -> str:
    """Inverse of :func:`type_code`."""
    return chr(code + 64) if code else ""


def state_code(state: str) -> int:
    """Small integer for an ICAO state code (base 27, '<' = 0); 0 means unknown state."""
    value = 0
    for ch in (state or "").upper().ljust(3, "<")[:3]:
        value = value * 27 + (0 if ch == "<" else ord(ch) - 64)
    return value


def state_from_code(code: int) -> str:
    """Inverse of :func:`state_code` ('' for 0)."""
    if not code:
        return ""
    chars = []
    for _ in range(3):
        code, r = divmod(code, 27)
        chars.append("<" if r == 0 else chr(r + 64))
    return "".join(reversed(chars)).rstrip("<")
