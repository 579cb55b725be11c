"""The box's sync state: enrollment, link state, lists held, alarms; ``summary`` for the console."""

from __future__ import annotations

import datetime as dt
import json
import logging

from . import outbox

log = logging.getLogger(__name__)

#: Alarm kinds a refused or failed update raises.
ALARM_KINDS = ("bad_signature", "payload_mismatch", "rollback", "expired", "malformed", "apply_failed", "record_rejected", "key_rotation")


def now_iso() -> str:
    """Current UTC time, ISO 8601 to the second."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _parse(ts: str | None) -> dt.datetime | None:
    if not ts:
        return None
    value = dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def get(db, key: str, default=None):
    """One value of the sync state (JSON-decoded)."""
    try:
        row = db.execute("SELECT value FROM sync_state WHERE key = ?", [key]).fetchone()
    except Exception:  # table missing on a box that never migrated: treat as empty
        return default
    return json.loads(row[0]) if row else default


def put(db, **values) -> None:
    """Set sync state values in one transaction."""
    with db.conn:
        for key, value in values.items():
            db.execute(
                "INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, json.dumps(value)],
            )


def raise_alarm(db, kind: str, detail: str, list_name: str | None = None) -> None:
    """Record an alarm for the console; a repeat of an open alarm (same kind and list) bumps its count."""
    now = now_iso()
    log.warning("sync alarm %s%s: %s", kind, f" ({list_name})" if list_name else "", detail)
    with db.conn:
        row = db.execute(
            "SELECT id FROM sync_alarms WHERE kind = ? AND coalesce(list_name, '') = ? "
            "AND resolved_at IS NULL AND acknowledged_at IS NULL",
            [kind, list_name or ""],
        ).fetchone()
        if row:
            db.execute("UPDATE sync_alarms SET last_at = ?, count = count + 1, detail = ? WHERE id = ?", [now, detail, row[0]])
        else:
            db.execute(
                "INSERT INTO sync_alarms (kind, list_name, detail, first_at, last_at) VALUES (?, ?, ?, ?, ?)",
                [kind, list_name, detail, now, now],
            )


def resolve_alarms(db, list_name: str) -> None:
    """Mark a list's open alarms resolved once a good update has been applied (they stay listed)."""
    with db.conn:
        db.execute(
            "UPDATE sync_alarms SET resolved_at = ? WHERE list_name = ? AND resolved_at IS NULL AND kind != 'record_rejected'",
            [now_iso(), list_name],
        )


def acknowledge_alarms(db, alarm_id: int | None = None) -> int:
    """A technician acknowledges one alarm (or all); acknowledged alarms leave the summary."""
    with db.conn:
        if alarm_id is None:
            cur = db.execute("UPDATE sync_alarms SET acknowledged_at = ? WHERE acknowledged_at IS NULL", [now_iso()])
        else:
            cur = db.execute("UPDATE sync_alarms SET acknowledged_at = ? WHERE id = ? AND acknowledged_at IS NULL", [now_iso(), alarm_id])
    return cur.rowcount


def alarms(db, *, include_acknowledged: bool = False, limit: int = 50) -> list[dict]:
    """Alarms, newest first."""
    sql = "SELECT id, kind, list_name, detail, first_at, last_at, count, resolved_at, acknowledged_at FROM sync_alarms"
    if not include_acknowledged:
        sql += " WHERE acknowledged_at IS NULL"
    sql += " ORDER BY last_at DESC, id DESC LIMIT ?"
    cols = ("id", "kind", "list", "detail", "first_at", "last_at", "count", "resolved_at", "acknowledged_at")
    return [dict(zip(cols, r)) for r in db.execute(sql, [limit]).fetchall()]


def held_lists(db) -> list[dict]:
    """Lists received from the hub with version, signing key and how long they are known fresh."""
    rows = db.execute(
        "SELECT list_name, version, key_id, created, fresh_until, applied_at FROM sync_lists ORDER BY list_name"
    ).fetchall()
    now = dt.datetime.now(dt.timezone.utc)
    out = []
    for name, version, key_id, created, fresh_until, applied_at in rows:
        fu = _parse(fresh_until)
        out.append({"name": name, "version": version, "key_id": key_id, "published_at": created,
                    "fresh_until": fresh_until, "applied_at": applied_at, "stale": fu is None or fu <= now})
    return out


def set_link(db, online: bool, error: str | None = None) -> None:
    """Record the link state; log only when it changes (offline once, online once)."""
    previous = get(db, "link")
    state = "online" if online else "offline"
    values = {"link": state, "last_attempt": now_iso()}
    if online:
        values["last_success"] = now_iso()
        values["last_error"] = None
        values["failures"] = 0
    else:
        values["last_error"] = error
        values["failures"] = int(get(db, "failures", 0) or 0) + 1
    put(db, **values)
    if previous != state:
        if online:
            log.info("hub link is up (%s)", get(db, "hub_url"))
        else:
            log.warning("hub is unreachable: %s", error)


def summary(db) -> dict:
    """What the technician console shows: link state, last success, lag, queue depth, lists, alarms."""
    enrolled = get(db, "credential") is not None
    link = get(db, "link")
    last_success = get(db, "last_success")
    ls = _parse(last_success)
    now = dt.datetime.now(dt.timezone.utc)
    lists = held_lists(db)
    open_alarms = alarms(db)
    problems = [a for a in open_alarms if a["resolved_at"] is None]
    stale = [entry["name"] for entry in lists if entry["stale"]]
    return {
        "enrolled": enrolled,
        "appliance": get(db, "appliance"),
        "hub_url": get(db, "hub_url"),
        "state": "never" if not enrolled or ls is None and link is None else (link or "never"),
        "last_attempt": get(db, "last_attempt"),
        "last_success": last_success,
        "lag_seconds": int((now - ls).total_seconds()) if ls else None,
        "last_error": get(db, "last_error"),
        "consecutive_failures": int(get(db, "failures", 0) or 0),
        "queue_depth": outbox.depth(db),
        "hits_pending": outbox.pending_hits(db),
        "rejected_records": outbox.rejected(db),
        "oldest_pending": outbox.oldest_pending(db),
        "lists": lists,
        "stale_lists": stale,
        "alarms": open_alarms,
        "alarm_count": len(problems),
        "ok": enrolled and link == "online" and not problems and not stale,
    }
