"""Encounter records uploaded by boxes: validated per batch, de-duplicated per (box, key)."""

from __future__ import annotations

import json
import logging

from ..protocol.canonical import iso, utcnow
from . import intake
from .db import HubDatabase
from .errors import ApiError
from .jsonbody import storable

log = logging.getLogger(__name__)

MAX_KEY = 200
MAX_KIND = 64


def validate_batch(body, max_records: int) -> list[tuple]:
    """Check a whole batch before anything is stored; return rows or raise a 400/413."""
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise ApiError(400, "malformed_batch", "expected a JSON object with a 'records' list")
    items = body["records"]
    if len(items) > max_records:
        raise ApiError(413, "batch_too_large", f"at most {max_records} records per batch")
    rows = []
    seen = set()
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ApiError(400, "malformed_record", f"record {i} is not an object")
        key, kind, payload = item.get("key"), item.get("kind"), item.get("payload")
        priority, created = item.get("priority", 0), item.get("created_at", "")
        if not storable(key, MAX_KEY):
            raise ApiError(400, "malformed_record", f"record {i} has no valid 'key' (idempotency key)")
        if not storable(kind, MAX_KIND):
            raise ApiError(400, "malformed_record", f"record {i} has no valid 'kind'")
        if not isinstance(payload, dict):
            raise ApiError(400, "malformed_record", f"record {i} has no 'payload' object")
        if isinstance(priority, bool) or not isinstance(priority, int) or not -100 <= priority <= 100:
            raise ApiError(400, "malformed_record", f"record {i} has an invalid 'priority'")
        if not isinstance(created, str) or (created and not storable(created, 40)):
            raise ApiError(400, "malformed_record", f"record {i} has an invalid 'created_at'")
        if key in seen:
            continue
        seen.add(key)
        rows.append((key, kind, priority, created, json.dumps(payload, sort_keys=True, separators=(",", ":"))))
    return rows


#: rows per multi-row INSERT (7 parameters each: well under SQLite's variable limit)
_CHUNK = 500


def ingest(db: HubDatabase, appliance_id: int, rows: list[tuple], *, box: dict | None = None, notify: dict | None = None) -> dict:
    """Store a validated batch in one transaction; repeated keys are acknowledged, not stored twice.

    Newly stored records feed the hit desk, the hourly counts and the notification queue in
    the same transaction (:mod:`sync.hub.intake`).
    """
    now = iso(utcnow())
    received = intake.now_ms()
    box = box or {}
    new_hits: list[int] = []
    with db.tx(write=True) as cur:
        stored: list[tuple] = []
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start:start + _CHUNK]
            values = ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
            params: list = []
            for (k, kind, p, c, payload) in chunk:
                params += [appliance_id, k, kind, p, c, now, payload]
            keys = {r[0] for r in cur.execute(
                "INSERT INTO records (appliance_id, record_key, kind, priority, created_at, received_at, payload) "
                f"VALUES {values} ON CONFLICT (appliance_id, record_key) DO NOTHING RETURNING record_key", params).fetchall()}
            stored += [r for r in chunk if r[0] in keys]
        row = cur.execute("SELECT name, status FROM appliances WHERE id = ?", [appliance_id]).fetchone()
        name = row[0] if row else str(appliance_id)
        post = box.get("post") or _post_of(row[1] if row else None) or name
        if stored:
            new_hits = intake.derive(cur, appliance_id, name, post, stored, received, notify or {})
        cur.execute("UPDATE appliances SET last_seen = ? WHERE id = ?", [now, appliance_id])
    if new_hits:
        log.info("%d new hit(s) from %s", len(new_hits), name)
    return {"received": len(rows), "stored": len(stored), "duplicates": len(rows) - len(stored),
            "acknowledged": [r[0] for r in rows]}


def _post_of(status_json: str | None) -> str | None:
    """The post a box last reported at check-in."""
    try:
        post = json.loads(status_json or "{}").get("post")
    except (ValueError, AttributeError):
        return None
    return post if isinstance(post, str) and post else None


def query(db: HubDatabase, *, appliance: str | None = None, hits_only: bool = False, limit: int = 100) -> list[dict]:
    """Received records, newest first (for `screening-hub records list`)."""
    where, params = [], []
    if appliance:
        where.append("a.name = ?")
        params.append(appliance)
    if hits_only:
        where.append("r.priority >= 10")
    sql = (
        "SELECT a.name AS appliance, r.record_key AS key, r.kind, r.priority, r.created_at, r.received_at, r.payload "
        "FROM records r JOIN appliances a ON a.id = r.appliance_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY r.received_at DESC, r.record_key LIMIT ?"
    )
    with db.tx() as cur:
        rows = cur.execute(sql, params + [int(limit)]).dicts()
    for r in rows:
        r["payload"] = json.loads(r["payload"])
    return rows


def count_for(db: HubDatabase, appliance_id: int) -> dict:
    """How many records and hits one box has delivered."""
    with db.tx() as cur:
        row = cur.execute(
            "SELECT count(*), coalesce(sum(CASE WHEN priority >= 10 THEN 1 ELSE 0 END), 0) FROM records WHERE appliance_id = ?",
            [appliance_id],
        ).fetchone()
    return {"records": int(row[0]), "hits": int(row[1])}
