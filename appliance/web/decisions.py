"""Officers' decisions on scans: one per scan, changed only with a reason, and the needs-decision queue.

Every HIT, POSSIBLE_MATCH and DOCUMENT_INVALID waits on its lane until an officer records a
decision (``confirmed``: referred to secondary; ``false_positive``: not the listed person, or
the document is acceptable, with a reason). A scan has one current decision. Changing it
needs a reason and the id of the decision being replaced (so two screens never overwrite
each other blindly); after ``booth.decision_change_minutes`` only a supervisor may change it.
Every decision and change is audited and queued for the hub.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3

from . import suppress
from .accounts import iso, parse_iso, utcnow
from .errors import Conflict, Forbidden, Unavailable, ValidationError

log = logging.getLogger(__name__)

#: Verdicts an officer must decide on.
NEEDS_DECISION = ("HIT", "POSSIBLE_MATCH", "DOCUMENT_INVALID")
ACTIONS = ("confirmed", "false_positive")
_COLS = ("id", "scan_id", "action", "reason", "referred", "username", "created_at", "replaces", "change_reason", "superseded_at")


def _row(r) -> dict:
    d = dict(zip(_COLS, r))
    d["referred"] = bool(d["referred"])
    d["current"] = d["superseded_at"] is None
    return d


def history(db, scan_id: int) -> list[dict]:
    """Every decision on a scan, oldest first; the last one with ``current`` true is in force."""
    rows = db.execute(f"SELECT {', '.join(_COLS)} FROM dispositions WHERE scan_id = ? ORDER BY id", [scan_id])
    return [_row(r) for r in rows]


def current(db, scan_id: int) -> dict | None:
    """The decision in force on a scan, or None."""
    r = db.execute(f"SELECT {', '.join(_COLS)} FROM dispositions WHERE scan_id = ? AND superseded_at IS NULL",
                   [scan_id]).fetchone()
    return _row(r) if r else None


def is_supervisor(principal) -> bool:
    """True for people who approve suppressions (supervisors)."""
    return principal.can("suppression.approve")


def _text(body: dict, key: str, limit: int = 1000) -> str:
    value = body.get(key) or ""
    if not isinstance(value, str) or len(value) > limit:
        raise ValidationError(f"{key}: text up to {limit} characters", code=f"invalid_{key}")
    return value.strip()


def check_body(body, max_days: int) -> dict:
    """Validate a disposition request; return its cleaned fields."""
    if not isinstance(body, dict):
        raise ValidationError("expected a JSON object", code="invalid_json")
    action = body.get("action")
    if action not in ACTIONS:
        raise ValidationError("action must be 'confirmed' or 'false_positive'", code="invalid_action")
    reason = _text(body, "reason")
    change_reason = _text(body, "change_reason")
    referred = body.get("referred", action == "confirmed")
    if not isinstance(referred, bool):
        raise ValidationError("referred must be true or false", code="invalid_referred")
    if action == "false_positive" and not reason:
        raise ValidationError("a false positive needs a reason", code="reason_required")
    replaces = body.get("replaces")
    if replaces is not None and (isinstance(replaces, bool) or not isinstance(replaces, int) or replaces < 1):
        raise ValidationError("replaces: the id of the decision being changed", code="invalid_replaces")
    suppress_days = body.get("suppress_days")
    if suppress_days is not None:
        if action != "false_positive":
            raise ValidationError("only a false positive can be suppressed", code="invalid_suppression")
        if isinstance(suppress_days, bool) or not isinstance(suppress_days, int) or not 1 <= suppress_days <= max_days:
            raise ValidationError(f"suppress_days: a whole number from 1 to {max_days}", code="invalid_suppression")
    return {"action": action, "reason": reason, "referred": referred, "replaces": replaces,
            "change_reason": change_reason, "suppress_days": suppress_days}


def _check_change(db, principal, scan_id: int, req: dict, now: dt.datetime, change_minutes: int) -> dict | None:
    """The decision being replaced (None for a first decision); raise when this change is not allowed."""
    cur = current(db, scan_id)
    if cur is None:
        if req["replaces"] is not None:
            raise Conflict("this scan has no decision to change; reload it", code="decision_changed", current=None)
        return None
    if req["replaces"] is None:
        raise Conflict(f"this scan was already decided by {cur['username']} ({cur['action'].replace('_', ' ')}); "
                       "change the decision with a reason instead", code="already_disposed", current=cur)
    if req["replaces"] != cur["id"]:
        raise Conflict(f"the decision was changed meanwhile by {cur['username']}; look at it again",
                       code="decision_changed", current=cur)
    if not req["change_reason"]:
        raise ValidationError("say why the decision changes", code="change_reason_required")
    if cur["action"] == req["action"] and cur["referred"] == req["referred"] and cur["reason"] == req["reason"]:
        raise ValidationError("that is already the decision", code="no_change")
    first = db.execute("SELECT min(created_at) FROM dispositions WHERE scan_id = ?", [scan_id]).fetchone()[0]
    age = (now - parse_iso(first)).total_seconds() / 60 if first else 0.0
    if age > change_minutes and not is_supervisor(principal):
        raise Forbidden(f"the first decision is more than {change_minutes} minutes old: a supervisor changes it now",
                        code="supervisor_required")
    return cur


def dispose(ctx, principal, scan: dict, body) -> dict:
    """Record the decision on ``scan`` (a first one, or a change with a reason) in one transaction."""
    max_days = int(ctx.config["security"]["suppression_max_days"])
    req = check_body(body, max_days)
    if scan["decision"] not in NEEDS_DECISION:
        raise Conflict("only a HIT, POSSIBLE MATCH or DOCUMENT INVALID needs a decision", code="nothing_to_dispose")
    scan_id = scan["id"]
    change_minutes = int(ctx.config["booth"]["decision_change_minutes"])
    try:
        return _record(ctx, principal, scan, req, change_minutes)
    except sqlite3.IntegrityError:  # the one-current-decision index: another screen won a race the lock did not see
        raise Conflict("this scan was decided on another screen at the same moment; look at it again",
                       code="decision_changed", current=current(ctx.reader(), scan_id)) from None
    except sqlite3.OperationalError as exc:  # database locked or full: nothing recorded, the officer tries again
        log.error("cannot record a decision: %s", exc)
        raise Unavailable("the decision could not be saved just now; try again", code="database_busy") from None


def _record(ctx, principal, scan: dict, req: dict, change_minutes: int) -> dict:
    """Check and write one decision, its audit record and its outbox record in one transaction."""
    from sync.client.outbox import PRIORITY_HIT, enqueue

    scan_id = scan["id"]
    with ctx.write() as db:
        now = utcnow()
        stamp = iso(now)
        before = _check_change(db, principal, scan_id, req, now, change_minutes)
        if before is not None:
            db.execute("UPDATE dispositions SET superseded_at = ? WHERE id = ?", [stamp, before["id"]])
        cur = db.execute(
            "INSERT INTO dispositions (scan_id, action, reason, referred, username, created_at, replaces, change_reason)"
            " VALUES (?,?,?,?,?,?,?,?)",
            [scan_id, req["action"], req["reason"], int(req["referred"]), principal.actor, stamp,
             before["id"] if before else None, req["change_reason"] or None],
        )
        disp_id = cur.lastrowid
        requests = []
        if req["suppress_days"]:
            requests = suppress.request(db, scan, req["reason"], req["suppress_days"], principal.actor, stamp)
        detail = {"action": req["action"], "referred": req["referred"], "disposition": disp_id,
                  "suppressions": [r["id"] for r in requests]}
        if before is not None:
            detail.update({"replaces": before["id"], "previous_action": before["action"], "previous_by": before["username"]})
        ctx.audit.append(db, principal.actor, "disposition.change" if before else "disposition", f"scan:{scan_id}", detail)
        enqueue(db, kind="disposition", record_key=f"disposition/{scan['read_id']}/{disp_id}",
                payload={"read_id": scan["read_id"], "scan_id": scan_id, "action": req["action"], "referred": req["referred"],
                         "reason": req["reason"], "by": principal.actor, "at": stamp,
                         "replaces": before["id"] if before else None, "change_reason": req["change_reason"] or None},
                priority=PRIORITY_HIT)
        out = current(db, scan_id)
    log.info("scan %s decided: %s%s", scan_id, req["action"], " (changed)" if before else "")
    out["suppressions"] = requests
    return out


def queue(db, lane: str | None = None, limit: int = 100) -> tuple[list[dict], int]:
    """Scans that still need a decision (oldest first), on one lane or all; and how many there are."""
    from .scans import _SCAN_COLS, _row_scan

    marks = ",".join("?" * len(NEEDS_DECISION))
    where = (f"s.decision IN ({marks}) AND NOT EXISTS (SELECT 1 FROM dispositions d WHERE d.scan_id = s.id"
             " AND d.superseded_at IS NULL)")
    args: list = list(NEEDS_DECISION)
    if lane:
        where += " AND s.lane = ?"
        args.append(lane)
    total = db.execute(f"SELECT count(*) FROM scans s WHERE {where}", args).fetchone()[0]
    cols = ", ".join(f"s.{c.strip()}" for c in _SCAN_COLS.split(","))
    rows = db.execute(f"SELECT {cols} FROM scans s WHERE {where} ORDER BY s.id LIMIT ?", args + [int(limit)])
    return [_row_scan(r) for r in rows], total


def recent_decisions(db, lane: str | None = None, limit: int = 50) -> list[dict]:
    """The newest decisions in force (with their scan's lane and verdict), newest first."""
    sql = (f"SELECT {', '.join('d.' + c for c in _COLS)}, s.lane, s.decision FROM dispositions d JOIN scans s ON s.id = d.scan_id"
           " WHERE d.superseded_at IS NULL")
    args: list = []
    if lane:
        sql += " AND s.lane = ?"
        args.append(lane)
    sql += " ORDER BY d.id DESC LIMIT ?"
    args.append(int(limit))
    out = []
    for r in db.execute(sql, args):
        d = _row(r[: len(_COLS)])
        d["lane"], d["decision"] = r[len(_COLS)], r[len(_COLS) + 1]
        out.append(d)
    return out
