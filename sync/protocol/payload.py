"""Payloads: gzip-compressed NDJSON change sets, hashed with SHA-256 over the compressed bytes.

Line 1 is a header ``{"list", "version", "base_version", "full"}``; every further line is
``{"u": record}`` (upsert) or ``{"r": key}`` (removal).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from typing import Iterable

from ..errors import PayloadError
from .canonical import canonical_json

#: Refuse to inflate a payload beyond this many bytes (zip-bomb guard).
MAX_INFLATED_BYTES = 2 * 1024**3


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data`` as lowercase hex."""
    return hashlib.sha256(data).hexdigest()


def encode_payload(header: dict, upserts: Iterable[dict], removals: Iterable[str], *, level: int = 6) -> bytes:
    """Compress a change set into payload bytes (gzip container, deterministic: no timestamp)."""
    comp = zlib.compressobj(level, zlib.DEFLATED, 31)
    parts = [comp.compress(canonical_json(header) + b"\n")]
    for rec in upserts:
        parts.append(comp.compress(canonical_json({"u": rec}) + b"\n"))
    for key in removals:
        parts.append(comp.compress(canonical_json({"r": key}) + b"\n"))
    parts.append(comp.flush())
    return b"".join(parts)


def decode_payload(data: bytes, *, max_inflated: int = MAX_INFLATED_BYTES) -> tuple[dict, list[dict], list[str]]:
    """Inflate and parse payload bytes into (header, upserts, removals); PayloadError if corrupt."""
    decomp = zlib.decompressobj(31)
    try:
        raw = decomp.decompress(data, max_inflated)
        if decomp.unconsumed_tail:
            raise PayloadError("payload inflates beyond the allowed size")
        raw += decomp.flush()
    except zlib.error:
        raise PayloadError("payload is not valid gzip data") from None
    if not decomp.eof:
        raise PayloadError("payload is truncated")
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if not lines:
        raise PayloadError("payload is empty")
    try:
        header = json.loads(lines[0])
        upserts: list[dict] = []
        removals: list[str] = []
        for line in lines[1:]:
            item = json.loads(line)
            if "u" in item and isinstance(item["u"], dict):
                upserts.append(item["u"])
            elif "r" in item and isinstance(item["r"], str):
                removals.append(item["r"])
            else:
                raise PayloadError("payload line is neither an upsert nor a removal")
    except (ValueError, UnicodeDecodeError):
        raise PayloadError("payload line is not valid JSON") from None
    if not isinstance(header, dict):
        raise PayloadError("payload header is malformed")
    return header, upserts, removals
