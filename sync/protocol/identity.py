"""Stable identity of a list record, the key that deltas upsert and remove by."""

from __future__ import annotations

import hashlib

from .canonical import canonical_json

#: Fields that name a watchlist entry at its source, tried in this order.
_ID_FIELDS = ("key", "entry_id", "reference", "ref", "source_id", "uid", "id")


def record_key(record: dict) -> str:
    """The record's identity: document state/type/number, else its source id, else a content hash."""
    number = record.get("document_number") or record.get("number")
    if number:
        state = record.get("issuing_state") or ""
        dtype = record.get("document_type") or ""
        return f"doc:{state}:{dtype}:{number}"
    for name in _ID_FIELDS:
        value = record.get(name)
        if value not in (None, ""):
            return f"id:{value}"
    return "sha:" + hashlib.sha256(canonical_json(record)).hexdigest()[:32]
