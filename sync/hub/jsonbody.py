"""Strict JSON request bodies for the hub API: bad input is a clear 400, never a 500.

Standard JSON only (no ``NaN``/``Infinity``), UTF-8, nested at most ``MAX_DEPTH`` levels,
and text that both database backends can store (no NUL, no lone surrogates).
"""

from __future__ import annotations

import json
import re

from .errors import ApiError

MAX_DEPTH = 64
#: text a TEXT column on SQLite and PostgreSQL accepts: no NUL or other C0 control, no lone surrogate
_STORABLE = re.compile(r"[^\x00-\x1f\x7f\ud800-\udfff]*")


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")


def _too_deep(value, limit: int) -> bool:
    """True when ``value`` nests lists/objects deeper than ``limit`` (iterative, no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def parse_json(data: bytes) -> object:
    """Decode a request body or raise ``ApiError(400, "malformed_json")``."""
    try:
        body = json.loads(data.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(400, "malformed_json", "the request body is not valid UTF-8 JSON") from None
    if _too_deep(body, MAX_DEPTH):
        raise ApiError(400, "malformed_json", f"the request body nests deeper than {MAX_DEPTH} levels")
    return body


def storable(text: object, max_len: int) -> bool:
    """True for a non-empty string of at most ``max_len`` characters that every backend stores as is."""
    return isinstance(text, str) and 0 < len(text) <= max_len and _STORABLE.fullmatch(text) is not None
