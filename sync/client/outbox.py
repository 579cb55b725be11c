"""The box's outbox: records for the hub, enqueued in the caller's transaction, sent in batches."""

from __future__ import annotations

import datetime as dt
import json

#: Priority of hits: pushed ahead of routine traffic.
PRIORITY_HIT = 10
PRIORITY_ROUTINE = 0


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


#: Verdicts that go to the hub's hit desk: their encounters travel with hit priority.
DESK_DECISIONS = ("HIT", "POSSIBLE_MATCH")


def _desk_priority(kind: str, payload: dict, priority: int) -> int:
    """A POSSIBLE_MATCH waits for a person at the hub as a HIT does: push it ahead of routine records."""
    scan = payload.get("scan") if isinstance(payload.get("scan"), dict) else payload
    if kind in ("encounter", "scan") and isinstance(scan, dict) and scan.get("decision") in DESK_DECISIONS:
        return max(int(priority), PRIORITY_HIT)
    return int(priority)


def enqueue(db, *, kind: str, record_key: str, payload: dict, priority: int = PRIORITY_ROUTINE) -> None:
    """Add one record to the outbox; the caller owns the transaction. Idempotent per key."""
    priority = _desk_priority(kind, payload, priority)
    db.execute(
        "INSERT OR IGNORE INTO outbox (kind, record_key, priority, payload, created_at) VALUES (?, ?, ?, ?, ?)",
        [
            kind,
            record_key,
            int(priority),
            json.dumps(payload, separators=(",", ":"), sort_keys=True),
            _now(),
        ],
    )


def depth(db) -> int:
    """Number of records not yet delivered."""
    return db.execute("SELECT count(*) FROM outbox WHERE delivered_at IS NULL").fetchone()[0]


def pending_hits(db) -> int:
    """Number of undelivered, sendable records with hit priority."""
    return db.execute(
        "SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND rejected_at IS NULL AND priority >= ?", [PRIORITY_HIT]
    ).fetchone()[0]


def pending(db, limit: int, *, min_priority: int | None = None) -> list[dict]:
    """The next records to send: hits first, then oldest first; rejected records are skipped."""
    sql = "SELECT seq, kind, record_key, priority, payload, created_at FROM outbox WHERE delivered_at IS NULL AND rejected_at IS NULL"
    params: list = []
    if min_priority is not None:
        sql += " AND priority >= ?"
        params.append(min_priority)
    sql += " ORDER BY priority DESC, seq LIMIT ?"
    params.append(int(limit))
    return [
        {"seq": r[0], "kind": r[1], "key": r[2], "priority": r[3], "payload": json.loads(r[4]), "created_at": r[5]}
        for r in db.execute(sql, params).fetchall()
    ]


def mark_delivered(db, keys: list[str]) -> None:
    """Mark records acknowledged by the hub as delivered (one transaction)."""
    now = _now()
    with db.conn:
        db.conn.executemany(
            "UPDATE outbox SET delivered_at = ?, attempts = attempts + 1 WHERE record_key = ? AND delivered_at IS NULL",
            [(now, k) for k in keys],
        )


def mark_attempt(db, keys: list[str], error: str) -> None:
    """Count a failed delivery attempt for these records."""
    with db.conn:
        db.conn.executemany(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE record_key = ?", [(error[:200], k) for k in keys]
        )


def mark_rejected(db, key: str, error: str) -> None:
    """Set aside a record the hub refuses outright, so it does not block the queue."""
    with db.conn:
        db.execute(
            "UPDATE outbox SET rejected_at = ?, last_error = ?, attempts = attempts + 1 WHERE record_key = ?",
            [_now(), error[:200], key],
        )


def rejected(db) -> int:
    """Number of records the hub refused (kept for the technician)."""
    return db.execute("SELECT count(*) FROM outbox WHERE rejected_at IS NOT NULL AND delivered_at IS NULL").fetchone()[0]


def oldest_pending(db) -> str | None:
    """Creation time of the oldest undelivered record."""
    row = db.execute("SELECT min(created_at) FROM outbox WHERE delivered_at IS NULL").fetchone()
    return row[0] if row else None
