"""Signed documents: list-update manifests and the signed list index.

A manifest says: list ``list`` goes from ``base_version`` (0 with ``full`` = a snapshot)
to ``version``; its payload has ``payload_sha256`` and ``payload_size``; it was published
at ``created`` and must not be used after ``expires``. The box checks all of it before
a single byte of the payload is used.
"""

from __future__ import annotations

import datetime as dt

from ..errors import ManifestRefused, ProtocolError, SignatureError
from .canonical import canonical_json, iso, parse_iso, utcnow
from .keys import HubKey, PublicKey

MANIFEST_TYPE = "list-update"
INDEX_TYPE = "list-index"

_FIELDS = {
    "list": str,
    "kind": str,
    "format": str,
    "version": int,
    "base_version": int,
    "full": bool,
    "payload_sha256": str,
    "payload_size": int,
    "record_count": int,
    "upserts": int,
    "removals": int,
    "created": str,
    "expires": str,
}


def sign_document(body: dict, key: HubKey) -> dict:
    """Return ``body`` with ``key_id`` and an Ed25519 ``signature`` over its canonical form."""
    doc = {k: v for k, v in body.items() if k != "signature"}
    doc["key_id"] = key.key_id
    doc["signature"] = key.sign(canonical_json(doc))
    return doc


def verify_document(doc: dict, keys: dict[str, PublicKey]) -> dict:
    """Verify a signed document against the pinned ``keys`` (key id -> key); return its body."""
    if not isinstance(doc, dict):
        raise ProtocolError("signed document is not a JSON object")
    key = keys.get(str(doc.get("key_id")))
    if key is None:
        raise SignatureError(f"document is signed by unknown key {doc.get('key_id')!r}")
    body = {k: v for k, v in doc.items() if k != "signature"}
    key.verify(doc.get("signature", ""), canonical_json(body))
    return body


def build_manifest(
    *,
    list_name: str,
    kind: str,
    fmt: str,
    version: int,
    base_version: int,
    full: bool,
    payload_sha256: str,
    payload_size: int,
    record_count: int,
    upserts: int,
    removals: int,
    created: dt.datetime,
    ttl: dt.timedelta,
    key: HubKey,
    now: dt.datetime | None = None,
) -> dict:
    """Build and sign a list-update manifest valid for ``ttl`` from now."""
    now = now or utcnow()
    body = {
        "type": MANIFEST_TYPE,
        "list": list_name,
        "kind": kind,
        "format": fmt,
        "version": int(version),
        "base_version": int(base_version),
        "full": bool(full),
        "payload_sha256": payload_sha256,
        "payload_size": int(payload_size),
        "record_count": int(record_count),
        "upserts": int(upserts),
        "removals": int(removals),
        "created": iso(created),
        "expires": iso(now + ttl),
    }
    return sign_document(body, key)


def check_manifest(
    doc: dict,
    keys: dict[str, PublicKey],
    *,
    list_name: str,
    held_version: int,
    now: dt.datetime | None = None,
) -> dict:
    """Verify and judge a manifest for a box holding ``held_version``; return its body.

    Raises SignatureError (tampered or unknown key), ProtocolError (malformed) or
    ManifestRefused (wrong list, expired, rollback/replay, delta from another base).
    """
    body = verify_document(doc, keys)
    if body.get("type") != MANIFEST_TYPE:
        raise ProtocolError("not a list-update manifest")
    for name, typ in _FIELDS.items():
        value = body.get(name)
        if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
            raise ProtocolError(f"manifest field {name!r} is missing or has the wrong type")
    if body["list"] != list_name:
        raise ManifestRefused(f"manifest is for list {body['list']!r}, not {list_name!r}", "wrong_list")
    now = now or utcnow()
    try:
        expires = parse_iso(body["expires"])
    except ValueError:
        raise ProtocolError("manifest expiry is not a timestamp") from None
    if expires <= now:
        raise ManifestRefused(f"manifest for {list_name} version {body['version']} expired at {body['expires']}", "expired")
    if body["version"] <= held_version:
        raise ManifestRefused(
            f"manifest for {list_name} offers version {body['version']}, not newer than held version {held_version} "
            "(rollback or replay refused)",
            "rollback",
        )
    if not body["full"] and body["base_version"] != held_version:
        raise ManifestRefused(
            f"delta for {list_name} starts at version {body['base_version']}, but the box holds {held_version}",
            "wrong_base",
        )
    if body["payload_size"] < 0 or len(body["payload_sha256"]) != 64:
        raise ProtocolError("manifest payload hash or size is malformed")
    return body


def check_index(doc: dict, keys: dict[str, PublicKey], *, now: dt.datetime | None = None) -> dict:
    """Verify the signed list index (what the hub holds now); return its body."""
    body = verify_document(doc, keys)
    if body.get("type") != INDEX_TYPE or not isinstance(body.get("lists"), list):
        raise ProtocolError("not a list index")
    now = now or utcnow()
    try:
        expires = parse_iso(body.get("expires", ""))
    except ValueError:
        raise ProtocolError("index expiry is not a timestamp") from None
    if expires <= now:
        raise ManifestRefused(f"list index expired at {body.get('expires')}", "expired")
    for item in body["lists"]:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not isinstance(item.get("version"), int):
            raise ProtocolError("list index entry is malformed")
    return body
