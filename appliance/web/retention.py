"""Retention: purge encounter records older than ``retention.encounter_days`` once the hub has them."""

from __future__ import annotations

import datetime as dt
import logging

from .accounts import iso, utcnow

log = logging.getLogger(__name__)


def purgeable(db, cutoff: str) -> list[int]:
    """Ids of scans created before ``cutoff`` whose outbox record was delivered to the hub."""
    rows = db.execute(
        "SELECT s.id FROM scans s JOIN outbox o ON o.record_key = 'encounter/' || s.read_id"
        " WHERE s.created_at < ? AND o.delivered_at IS NOT NULL ORDER BY s.id",
        [cutoff],
    )
    return [r[0] for r in rows]


def held_back(db, cutoff: str) -> int:
    """Scans past retention that are still waiting for delivery (kept)."""
    return db.execute(
        "SELECT count(*) FROM scans s LEFT JOIN outbox o ON o.record_key = 'encounter/' || s.read_id"
        " WHERE s.created_at < ? AND (o.delivered_at IS NULL)",
        [cutoff],
    ).fetchone()[0]


def purge(ctx, actor: str, *, days: int | None = None, dry_run: bool = False, now: dt.datetime | None = None) -> dict:
    """Delete old, delivered encounters (with their dispositions and outbox rows); audit the purge."""
    days = int(days if days is not None else ctx.config["retention"]["encounter_days"])
    cutoff = iso((now or utcnow()) - dt.timedelta(days=days))
    with ctx.write() as db:
        ids = purgeable(db, cutoff)
        kept = held_back(db, cutoff)
        if not dry_run and ids:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                read_ids = [r[0] for r in db.execute(f"SELECT read_id FROM scans WHERE id IN ({marks})", chunk)]
                db.execute(f"DELETE FROM dispositions WHERE scan_id IN ({marks})", chunk)
                db.execute(f"DELETE FROM scans WHERE id IN ({marks})", chunk)
                keys = ["encounter/" + r for r in read_ids]
                db.execute(f"DELETE FROM outbox WHERE delivered_at IS NOT NULL AND record_key IN ({','.join('?' * len(keys))})", keys)
        result = {"cutoff": cutoff, "days": days, "purged": 0 if dry_run else len(ids), "would_purge": len(ids),
                  "kept_undelivered": kept, "dry_run": dry_run}
        if not dry_run:
            ctx.audit.append(db, actor, "retention.purge", "scans", {k: result[k] for k in ("cutoff", "days", "purged", "kept_undelivered")})
    if not dry_run:
        log.info("retention purge: %d encounters older than %d days removed, %d kept (not yet delivered)", len(ids), days, kept)
    return result
