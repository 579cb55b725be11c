"""The box's outbox: records for the hub, enqueued in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import json

#: Priority of hits: pushed ahead of routine traffic.
PRIORITY_HIT = 10
PRIORITY_ROUTINE = 0


def enqueue(db, *, kind: str, record_key: str, payload: dict, priority: int = PRIORITY_ROUTINE) -> None:
    """Add one record to the outbox; the caller owns the transaction. Idempotent per key."""
    db.execute(
        "INSERT OR IGNORE INTO outbox (kind, record_key, priority, payload, created_at) VALUES (?, ?, ?, ?, ?)",
        [
            kind,
            record_key,
            int(priority),
            json.dumps(payload, separators=(",", ":"), sort_keys=True),
            dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        ],
    )


def depth(db) -> int:
    """Number of records not yet delivered."""
    return db.execute("SELECT count(*) FROM outbox WHERE delivered_at IS NULL").fetchone()[0]
