"""Payloads: gzip-compressed NDJSON change sets, hashed with SHA-256 over the compressed bytes.

Line 1 is a header ``{"list", "version", "base_version", "full"}``; then one ``{"r": key}`` line
per removal, then one ``{"u": record}`` line per upsert. Removals come first so a box can
apply a payload while inflating it (:func:`open_payload`), without holding every record in memory.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from typing import Iterable, Iterator

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
    for key in removals:
        parts.append(comp.compress(canonical_json({"r": key}) + b"\n"))
    for rec in upserts:
        parts.append(comp.compress(canonical_json({"u": rec}) + b"\n"))
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


def _lines(data: bytes, max_inflated: int) -> Iterator[bytes]:
    """Inflate ``data`` incrementally and yield its lines (PayloadError when corrupt, truncated or too big)."""
    decomp = zlib.decompressobj(31)
    pending = b""
    total = 0
    pos = 0
    step = 1 << 20
    try:
        while pos < len(data) or decomp.unconsumed_tail:
            if decomp.unconsumed_tail:
                chunk = decomp.decompress(decomp.unconsumed_tail, step)
            else:
                chunk = decomp.decompress(data[pos:pos + step], step)
                pos += step
            total += len(chunk)
            if total > max_inflated:
                raise PayloadError("payload inflates beyond the allowed size")
            pending += chunk
            *complete, pending = pending.split(b"\n")
            yield from complete
            if decomp.eof:
                break
        pending += decomp.flush()
    except zlib.error:
        raise PayloadError("payload is not valid gzip data") from None
    if not decomp.eof:
        raise PayloadError("payload is truncated")
    if pending:
        yield pending


def _item(line: bytes) -> dict:
    try:
        item = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        raise PayloadError("payload line is not valid JSON") from None
    if not isinstance(item, dict):
        raise PayloadError("payload line is not an object")
    return item


def open_payload(data: bytes, *, max_inflated: int = MAX_INFLATED_BYTES) -> tuple[dict, list[str], Iterator[dict]]:
    """Start reading payload bytes: (header, removals, lazy iterator of upsert records).

    The iterator inflates as it goes and raises PayloadError on corruption, so a caller that
    applies it inside a transaction rolls back on a bad payload.
    """
    lines = _lines(data, max_inflated)
    first = next(lines, None)
    if first is None:
        raise PayloadError("payload is empty")
    header = _item(first)
    removals: list[str] = []
    first_upsert: dict | None = None
    for line in lines:
        item = _item(line)
        if isinstance(item.get("r"), str):
            removals.append(item["r"])
        elif isinstance(item.get("u"), dict):
            first_upsert = item["u"]
            break
        else:
            raise PayloadError("payload line is neither an upsert nor a removal")

    def upserts() -> Iterator[dict]:
        if first_upsert is not None:
            yield first_upsert
        for line in lines:
            item = _item(line)
            if not isinstance(item.get("u"), dict):
                raise PayloadError("payload has a removal or unknown line after its upserts")
            yield item["u"]

    return header, removals, upserts()
