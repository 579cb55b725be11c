"""Encounters: screen a read, store it with its outbox record in one transaction, publish it live."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
import time
import uuid

from . import suppress
from ..errors import ApplianceError
from .accounts import iso, utcnow
from .errors import Conflict, NotFound, Unavailable, ValidationError

log = logging.getLogger(__name__)

SOURCES = ("serial", "image", "manual")
DECISIONS = ("CLEAR", "HIT", "POSSIBLE_MATCH", "DOCUMENT_INVALID", "READ_ERROR")
MAX_MRZ_CHARS = 400
_LANE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_READ_ID = re.compile(r"^[\x21-\x7e]{1,128}$")

#: Keys of a match shown outside the (audited) hit card: which list and how strong, no names.
SUMMARY_MATCH_KEYS = ("list", "list_name", "list_kind", "kind", "type", "score", "decision", "status", "suppressed")


def valid_lane(lane) -> str:
    """Return ``lane`` when it is an acceptable lane name, else raise ValidationError."""
    if not isinstance(lane, str) or not _LANE.match(lane):
        raise ValidationError("lane: 1-64 letters, digits, dot, dash or underscore", code="invalid_lane")
    return lane


def parse_scan_body(body) -> tuple[str, str, str, str | None]:
    """Check a ``POST /scans`` body; return (lane, mrz, source, read_id)."""
    if not isinstance(body, dict):
        raise ValidationError("expected a JSON object", code="invalid_json")
    unknown = set(body) - {"lane", "mrz", "source", "read_id", "received_at", "profile", "port", "raw", "meta"}
    if unknown:
        raise ValidationError(f"unknown field(s): {', '.join(sorted(unknown))}", code="unknown_field")
    lane = valid_lane(body.get("lane"))
    source = body.get("source", "serial")
    if source not in SOURCES:
        raise ValidationError(f"source must be one of {', '.join(SOURCES)}", code="invalid_source")
    mrz = body.get("mrz")
    if not isinstance(mrz, str):
        raise ValidationError("mrz: the MRZ text is required", code="invalid_mrz")
    if not mrz.strip() and source == "manual":  # an empty reader read is a READ ERROR to show
        raise ValidationError("mrz: type the MRZ lines", code="invalid_mrz")
    if len(mrz) > MAX_MRZ_CHARS:
        raise ValidationError(f"mrz: longer than {MAX_MRZ_CHARS} characters", code="invalid_mrz")
    read_id = body.get("read_id")
    if read_id is not None and (not isinstance(read_id, str) or not _READ_ID.match(read_id)):
        raise ValidationError("read_id: 1-128 printable characters without spaces", code="invalid_read_id")
    return lane, mrz.strip("\r\n"), source, read_id


def doc_key(document: dict | None) -> str | None:
    """A stable key of one travel document (issuer, number, birth date), hashed."""
    if not document or not document.get("document_number"):
        return None
    parts = [str(document.get(k) or "") for k in ("issuing_state", "document_number", "birth_date")]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def read_error_result(message: str, elapsed_ms: float) -> dict:
    """The result of a read that is not an MRZ at all."""
    return {
        "decision": "READ_ERROR",
        "reasons": ["not_an_mrz"],
        "document": None,
        "matches": [],
        "lists": [],
        "stale": False,
        "elapsed_ms": round(elapsed_ms, 2),
    }


def screen(ctx, mrz: str) -> dict:
    """Screen MRZ text; a read that is no MRZ becomes a READ_ERROR result."""
    from firmware_bridge.errors import BridgeError

    t0 = time.perf_counter()
    try:
        screener = ctx.screener
    except ImportError:
        raise Unavailable("the screening engine is not installed", code="screening_unavailable") from None
    try:
        result = screener.screen(mrz)
    except BridgeError as exc:  # NotAnMRZ and other reader-side failures
        log.info("read is not an MRZ: %s", type(exc).__name__)
        return read_error_result(str(exc) or "not an MRZ", (time.perf_counter() - t0) * 1000)
    except (ApplianceError, sqlite3.OperationalError) as exc:  # the sender keeps the read and retries
        log.error("screening failed: %s", type(exc).__name__)
        raise Unavailable("screening failed for now; send the read again", code="screening_failed") from None
    return result.to_dict() if hasattr(result, "to_dict") else dict(result)


def _row_scan(row) -> dict:
    keys = ("id", "read_id", "lane", "source", "created_at", "decision", "doc_key", "result", "submitted_by")
    d = dict(zip(keys, row))
    d["result"] = json.loads(d["result"])
    return d


_SCAN_COLS = "id, read_id, lane, source, created_at, decision, doc_key, result, submitted_by"


def summarise_match(m: dict) -> dict:
    """A match without the listed person's details (those are in the audited hit card)."""
    return {k: m[k] for k in SUMMARY_MATCH_KEYS if k in m}


def scan_view(row: dict, *, full: bool = False, dispositions: list | None = None) -> dict:
    """The JSON of a scan: id, lane, source, time and the screening result (matches summarised)."""
    result = dict(row["result"])
    if not full:
        result["matches"] = [summarise_match(m) for m in result.get("matches") or []]
    out = {"id": row["id"], "read_id": row["read_id"], "lane": row["lane"], "source": row["source"], "created_at": row["created_at"]}
    out.update(result)
    out["decision"] = row["decision"]
    if dispositions is not None:
        out["dispositions"] = dispositions
    return out


#: Largest id SQLite can hold; larger path parameters are simply not found.
MAX_ID = 2**63 - 1


def get_scan_row(db, scan_id: int) -> dict:
    """One stored scan."""
    if not 0 < scan_id <= MAX_ID:
        raise NotFound(f"no scan {scan_id}", code="scan_not_found")
    row = db.execute(f"SELECT {_SCAN_COLS} FROM scans WHERE id = ?", [scan_id]).fetchone()
    if not row:
        raise NotFound(f"no scan {scan_id}", code="scan_not_found")
    return _row_scan(row)


def find_read(db, read_id: str) -> dict | None:
    """The scan stored for ``read_id``, if any."""
    row = db.execute(f"SELECT {_SCAN_COLS} FROM scans WHERE read_id = ?", [read_id]).fetchone()
    return _row_scan(row) if row else None


def dispositions_of(db, scan_id: int) -> list[dict]:
    """Officers' dispositions of one scan, oldest first."""
    keys = ("id", "action", "reason", "referred", "username", "created_at")
    rows = db.execute(f"SELECT {', '.join(keys)} FROM dispositions WHERE scan_id = ? ORDER BY id", [scan_id])
    out = []
    for r in rows:
        d = dict(zip(keys, r))
        d["referred"] = bool(d["referred"])
        out.append(d)
    return out


def list_scans(db, *, lane: str | None = None, after_id: int = 0, limit: int = 50, decision: str | None = None) -> list[dict]:
    """Recent scans, newest first (or, with ``after_id``, those after it, oldest first)."""
    sql = f"SELECT {_SCAN_COLS} FROM scans WHERE id > ?"
    args: list = [after_id]
    if lane:
        sql += " AND lane = ?"
        args.append(lane)
    if decision:
        sql += " AND decision = ?"
        args.append(decision)
    sql += " ORDER BY id ASC LIMIT ?" if after_id else " ORDER BY id DESC LIMIT ?"
    args.append(int(limit))
    return [_row_scan(r) for r in db.execute(sql, args)]


def submit(ctx, principal, lane: str, mrz: str, source: str, read_id: str | None) -> tuple[dict, bool]:
    """Screen and store one read; return (full scan JSON, created). A known read_id returns the stored scan."""
    from sync.client.outbox import PRIORITY_HIT, PRIORITY_ROUTINE, enqueue

    if read_id:
        existing = find_read(ctx.reader(), read_id)
        if existing:
            return _same_read(existing, lane, mrz), False
    result = screen(ctx, mrz)
    key = doc_key(result.get("document"))
    decision = result.get("decision")
    if decision not in DECISIONS:
        log.warning("screening returned an unknown decision %r", decision)
    now = iso(utcnow())
    read_id = read_id or f"auto-{uuid.uuid4().hex}"
    try:
        with ctx.write() as db:
            result = suppress.apply(db, result, key, now)
            cur = db.execute(
                "INSERT INTO scans (read_id, lane, source, created_at, decision, doc_key, mrz, result, elapsed_ms, submitted_by)"
                " VALUES (?,?,?,?,?,?,?,?,?,?)",
                [read_id, lane, source, now, result["decision"], key, mrz, json.dumps(result, separators=(",", ":")),
                 result.get("elapsed_ms"), principal.actor],
            )
            scan_id = cur.lastrowid
            row = {"id": scan_id, "read_id": read_id, "lane": lane, "source": source, "created_at": now,
                   "decision": result["decision"], "doc_key": key, "result": result, "submitted_by": principal.actor}
            enqueue(
                db,
                kind="encounter",
                record_key=f"encounter/{read_id}",
                payload={"scan": scan_view(row, full=True), "doc_key": key},
                priority=PRIORITY_HIT if result["decision"] == "HIT" else PRIORITY_ROUTINE,
            )
    except sqlite3.IntegrityError:  # the same read_id won a race
        existing = find_read(ctx.reader(), read_id)
        if existing is None:
            raise
        return _same_read(existing, lane, mrz), False
    except sqlite3.OperationalError as exc:  # database locked or full: nothing stored, the sender retries
        log.error("cannot store a scan: %s", exc)
        raise Unavailable("the database is busy; send the read again", code="database_busy") from None
    log.info("scan %s on lane %s: %s", scan_id, lane, result["decision"])
    ctx.events.publish(lane, scan_view(row))
    return scan_view(row, full=True), True


def _same_read(existing: dict, lane: str, mrz: str) -> dict:
    """A repeated read_id: the stored scan, unless it was for another lane."""
    if existing["lane"] != lane:
        raise Conflict("read_id already used on another lane", code="read_id_conflict")
    return scan_view(existing, full=True)


DISPOSITIONS = ("confirmed", "false_positive")


def dispose(ctx, principal, scan_id: int, body) -> dict:
    """Record an officer's disposition of a scan (and a suppression request for a false positive)."""
    from sync.client.outbox import PRIORITY_HIT, enqueue

    if not isinstance(body, dict):
        raise ValidationError("expected a JSON object", code="invalid_json")
    action = body.get("action")
    if action not in DISPOSITIONS:
        raise ValidationError("action must be 'confirmed' or 'false_positive'", code="invalid_action")
    reason = body.get("reason") or ""
    if not isinstance(reason, str) or len(reason) > 1000:
        raise ValidationError("reason: text up to 1000 characters", code="invalid_reason")
    referred = body.get("referred", action == "confirmed")
    if not isinstance(referred, bool):
        raise ValidationError("referred must be true or false", code="invalid_referred")
    suppress_days = body.get("suppress_days")
    if action == "false_positive" and not reason.strip():
        raise ValidationError("a false positive needs a reason", code="reason_required")
    max_days = int(ctx.config["security"]["suppression_max_days"])
    if suppress_days is not None:
        if action != "false_positive":
            raise ValidationError("only a false positive can be suppressed", code="invalid_suppression")
        if isinstance(suppress_days, bool) or not isinstance(suppress_days, int) or not 1 <= suppress_days <= max_days:
            raise ValidationError(f"suppress_days: a whole number from 1 to {max_days}", code="invalid_suppression")
    scan = get_scan_row(ctx.reader(), scan_id)
    if scan["decision"] not in ("HIT", "POSSIBLE_MATCH"):
        raise Conflict("only a HIT or POSSIBLE_MATCH can be disposed", code="nothing_to_dispose")
    now = iso(utcnow())
    with ctx.write() as db:
        cur = db.execute(
            "INSERT INTO dispositions (scan_id, action, reason, referred, username, created_at) VALUES (?,?,?,?,?,?)",
            [scan_id, action, reason.strip(), int(referred), principal.actor, now],
        )
        disp_id = cur.lastrowid
        requests = []
        if suppress_days:
            requests = suppress.request(db, scan, reason.strip(), suppress_days, principal.actor, now)
        ctx.audit.append(db, principal.actor, "disposition", f"scan:{scan_id}",
                         {"action": action, "referred": referred, "disposition": disp_id, "suppressions": [r["id"] for r in requests]})
        enqueue(db, kind="disposition", record_key=f"disposition/{scan['read_id']}/{disp_id}",
                payload={"read_id": scan["read_id"], "scan_id": scan_id, "action": action, "referred": referred,
                         "reason": reason.strip(), "by": principal.actor, "at": now},
                priority=PRIORITY_HIT)
    return {"id": disp_id, "scan_id": scan_id, "action": action, "referred": referred, "reason": reason.strip(),
            "username": principal.actor, "created_at": now, "suppressions": requests}
