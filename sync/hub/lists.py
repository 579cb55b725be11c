"""Lists on the hub: monotonic versions, compacted per-version changes, deltas and snapshots.

Each record row carries the version that last changed it and a tombstone flag, so the
change set from any version ``b`` to the newest is "every row changed after ``b``":
one delta, whatever ``b`` is. A box at version 0, at an unknown version, or so far behind
that the delta would be larger than ``hub.full_snapshot_ratio`` of the list gets a full
snapshot instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from typing import Iterable

from ..protocol.canonical import canonical_json, iso, utcnow
from ..protocol.identity import record_key
from ..protocol.payload import encode_payload, sha256_hex
from .db import HubDatabase
from .errors import ApiError, PublishError

log = logging.getLogger(__name__)

LIST_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def check_list_name(name: str) -> str:
    """Return ``name`` if it is a valid list name, else raise PublishError."""
    if not isinstance(name, str) or not LIST_NAME.fullmatch(name):
        raise PublishError(f"invalid list name {name!r}: use letters, digits, '.', '_' or '-' (at most 64)")
    return name


def publish(db: HubDatabase, list_name: str, *, kind: str, fmt: str, records: Iterable[dict], source: str) -> dict:
    """Make a new version of ``list_name`` whose content is exactly ``records``; return a summary."""
    check_list_name(list_name)
    incoming: dict[str, tuple[str, str]] = {}
    for rec in records:
        if not isinstance(rec, dict):
            raise PublishError("a record is not a JSON object")
        text = canonical_json(rec).decode("utf-8")
        incoming[record_key(rec)] = (text, hashlib.sha256(text.encode("utf-8")).hexdigest())
    now = iso(utcnow())
    lock = " FOR UPDATE" if db.dialect == "postgresql" else ""
    with db.tx(write=True) as cur:
        row = cur.execute(f"SELECT kind, format, version FROM lists WHERE name = ?{lock}", [list_name]).fetchone()
        if row and row[0] != kind:
            raise PublishError(f"list {list_name} holds {row[0]} records; this import gives {kind} records")
        version = (row[2] if row else 0) + 1
        existing = {
            r[0]: (r[1], r[2])
            for r in cur.execute("SELECT record_key, data_hash, deleted FROM list_records WHERE list_name = ?", [list_name]).fetchall()
        }
        upserts = [
            (list_name, key, text, digest, version)
            for key, (text, digest) in incoming.items()
            if key not in existing or existing[key][0] != digest or existing[key][1]
        ]
        removals = [(version, list_name, key) for key, (_, deleted) in existing.items() if not deleted and key not in incoming]
        cur.executemany(
            "INSERT INTO list_records (list_name, record_key, data, data_hash, version, deleted) VALUES (?, ?, ?, ?, ?, 0) "
            "ON CONFLICT (list_name, record_key) DO UPDATE SET data = excluded.data, data_hash = excluded.data_hash, "
            "version = excluded.version, deleted = 0",
            upserts,
        )
        cur.executemany("UPDATE list_records SET deleted = 1, version = ? WHERE list_name = ? AND record_key = ?", removals)
        cur.execute(
            "INSERT INTO list_versions (list_name, version, created_at, upserts, removals, record_count, source) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [list_name, version, now, len(upserts), len(removals), len(incoming), source[:500]],
        )
        cur.execute(
            "INSERT INTO lists (name, kind, format, version, record_count, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET format = excluded.format, version = excluded.version, "
            "record_count = excluded.record_count, updated_at = excluded.updated_at",
            [list_name, kind, fmt, version, len(incoming), now],
        )
        cur.execute("DELETE FROM payloads WHERE list_name = ? AND version < ?", [list_name, version])
    log.info("published %s version %d: %d upserts, %d removals, %d records", list_name, version, len(upserts), len(removals), len(incoming))
    return {"list": list_name, "kind": kind, "format": fmt, "version": version, "upserts": len(upserts),
            "removals": len(removals), "records": len(incoming), "created": now}


def list_summaries(db: HubDatabase) -> list[dict]:
    """Every list with its newest version."""
    with db.tx() as cur:
        rows = cur.execute("SELECT name, kind, format, version, record_count, updated_at FROM lists ORDER BY name").dicts()
    return [{"name": r["name"], "kind": r["kind"], "format": r["format"], "version": int(r["version"]),
             "records": int(r["record_count"]), "created": r["updated_at"]} for r in rows]


def versions(db: HubDatabase, list_name: str) -> list[dict]:
    """The version history of one list, oldest first."""
    with db.tx() as cur:
        return cur.execute(
            "SELECT version, created_at, upserts, removals, record_count, source FROM list_versions WHERE list_name = ? ORDER BY version",
            [list_name],
        ).dicts()


def _plan(cur, list_name: str, from_version: int, ratio: float) -> tuple[dict, int]:
    """Return (list row, base version) for an update of ``list_name`` from ``from_version``."""
    row = cur.execute("SELECT name, kind, format, version, record_count, updated_at FROM lists WHERE name = ?", [list_name]).dicts()
    if not row:
        raise ApiError(404, "unknown_list", f"the hub has no list {list_name!r}")
    info = row[0]
    newest = int(info["version"])
    if from_version > newest:
        raise ApiError(409, "box_ahead", f"the box holds version {from_version} of {list_name}, the hub only {newest}")
    if from_version <= 0:
        return info, 0
    known = cur.execute("SELECT 1 FROM list_versions WHERE list_name = ? AND version = ?", [list_name, from_version]).fetchone()
    if not known:
        return info, 0
    changed = cur.execute("SELECT count(*) FROM list_records WHERE list_name = ? AND version > ?", [list_name, from_version]).fetchone()[0]
    if info["record_count"] and changed > ratio * info["record_count"]:
        return info, 0
    return info, from_version


_build_locks: dict[tuple, threading.Lock] = {}
_build_locks_guard = threading.Lock()


def _build_lock(key: tuple) -> threading.Lock:
    """One lock per payload being built, so concurrent requests in a process build it once."""
    with _build_locks_guard:
        if len(_build_locks) > 1000:
            _build_locks.clear()
        return _build_locks.setdefault(key, threading.Lock())


def prebuild(db: HubDatabase, list_name: str, ratio: float) -> list[dict]:
    """Build the payloads most boxes will ask for right after a publish: the snapshot and the delta from the previous version."""
    with db.tx() as cur:
        row = cur.execute("SELECT version FROM lists WHERE name = ?", [list_name]).fetchone()
    if not row:
        return []
    version = int(row[0])
    built = [payload_for(db, list_name, 0, ratio)]
    if version > 1:
        built.append(payload_for(db, list_name, version - 1, ratio))
    return [b for b in built if b]


def payload_for(db: HubDatabase, list_name: str, from_version: int, ratio: float) -> dict | None:
    """Metadata of the payload taking a box from ``from_version`` to the newest (built once, then stored).

    Returns None when the box is already at the newest version.
    """
    for _attempt in range(5):
        with db.tx() as cur:
            info, base = _plan(cur, list_name, from_version, ratio)
            version = int(info["version"])
            if from_version == version:
                return None
            meta = cur.execute(
                "SELECT sha256, size, record_count, upserts, removals, full_snapshot FROM payloads "
                "WHERE list_name = ? AND version = ? AND base_version = ?",
                [list_name, version, base],
            ).dicts()
            created = cur.execute(
                "SELECT created_at FROM list_versions WHERE list_name = ? AND version = ?", [list_name, version]
            ).fetchone()[0]
        common = {"list": list_name, "kind": info["kind"], "format": info["format"], "version": version,
                  "base_version": base, "created": created}
        if meta:
            m = meta[0]
            return {**common, "sha256": m["sha256"], "size": int(m["size"]), "record_count": int(m["record_count"]),
                    "upserts": int(m["upserts"]), "removals": int(m["removals"]), "full": bool(m["full_snapshot"])}
        with _build_lock((db.url, list_name, version, base)):
            with db.tx() as cur:
                done = cur.execute(
                    "SELECT 1 FROM payloads WHERE list_name = ? AND version = ? AND base_version = ?", [list_name, version, base]
                ).fetchone()
            if done:
                continue  # another thread built it while we waited: read its metadata
            built = _build(db, list_name, version, base)
        if built is not None:
            return {**common, **built}
    raise ApiError(503, "busy", f"list {list_name} is being published; retry shortly")


def _build(db: HubDatabase, list_name: str, version: int, base: int) -> dict | None:
    """Build and store the payload (list, version, base); None if a newer publish raced us."""
    with db.tx() as cur:
        if base == 0:
            rows = cur.execute(
                "SELECT record_key, data, version, deleted FROM list_records WHERE list_name = ? AND deleted = 0 ORDER BY record_key",
                [list_name],
            ).fetchall()
        else:
            rows = cur.execute(
                "SELECT record_key, data, version, deleted FROM list_records WHERE list_name = ? AND version > ? ORDER BY record_key",
                [list_name, base],
            ).fetchall()
    if any(int(r[2]) > version for r in rows):
        return None


    upserts = [json.loads(r[1]) for r in rows if not r[3]]
    removals = [r[0] for r in rows if r[3]]
    header = {"list": list_name, "version": version, "base_version": base, "full": base == 0}
    data = encode_payload(header, upserts, removals)
    digest = sha256_hex(data)
    with db.tx(write=True) as cur:
        cur.execute(
            "INSERT INTO payloads (sha256, list_name, version, base_version, full_snapshot, size, record_count, upserts, removals, data, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [digest, list_name, version, base, 1 if base == 0 else 0, len(data), len(upserts), len(upserts), len(removals), data, iso(utcnow())],
        )
    log.info("built payload %s v%d from v%d: %d bytes", list_name, version, base, len(data))
    return {"sha256": digest, "size": len(data), "record_count": len(upserts), "upserts": len(upserts),
            "removals": len(removals), "full": base == 0}


def payload_bytes(db: HubDatabase, sha256: str) -> bytes | None:
    """The stored payload with this hash, or None."""
    with db.tx() as cur:
        row = cur.execute("SELECT data FROM payloads WHERE sha256 = ?", [sha256]).fetchone()
    return db.blob(row[0]) if row else None


def preview(db: HubDatabase, list_name: str, *, kind: str, records: Iterable[dict]) -> dict:
    """What publishing ``records`` as ``list_name`` would change, without changing anything."""
    check_list_name(list_name)
    incoming: dict[str, str] = {}
    for rec in records:
        if not isinstance(rec, dict):
            raise PublishError("a record is not a JSON object")
        text = canonical_json(rec).decode("utf-8")
        incoming[record_key(rec)] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with db.tx() as cur:
        row = cur.execute("SELECT kind, version FROM lists WHERE name = ?", [list_name]).fetchone()
        existing = {r[0]: (r[1], r[2]) for r in cur.execute(
            "SELECT record_key, data_hash, deleted FROM list_records WHERE list_name = ?", [list_name]).fetchall()}
    if row and row[0] != kind:
        raise PublishError(f"list {list_name} holds {row[0]} records; this file gives {kind} records")
    live = {k for k, (_, deleted) in existing.items() if not deleted}
    added = sum(1 for k in incoming if k not in live)
    changed = sum(1 for k, h in incoming.items() if k in live and existing[k][0] != h)
    return {"list": list_name, "kind": kind, "current_version": int(row[1]) if row else 0,
            "next_version": (int(row[1]) if row else 0) + 1, "records": len(incoming), "added": added, "changed": changed,
            "removed": len(live - set(incoming)), "unchanged": len(incoming) - added - changed}
