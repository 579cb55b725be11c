"""Encounters: screen a read, store it with its outbox record in one transaction, publish it live."""

from __future__ import annotations

import datetime as dt
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
    unknown = set(body) - {"lane", "mrz", "source", "read_id", "read_at", "received_at", "profile", "port", "raw", "meta"}
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


#: A read time may be this far ahead of the box's clock (a bridge on another machine) before it is refused.
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)


def read_time(body: dict) -> str | None:
    """When the reader read the document (``read_at``, or an older bridge's ``received_at``), as UTC ISO 8601.

    A malformed ``read_at`` is refused (400 ``invalid_read_at``); a malformed ``received_at`` is
    ignored, as it always was. None when the sender did not say (manual entry, old bridges).
    """
    for key, strict in (("read_at", True), ("received_at", False)):
        raw = body.get(key)
        if raw is None:
            continue
        when = _parse_time(raw)
        if when is None or when > utcnow() + MAX_CLOCK_SKEW:
            if strict:
                raise ValidationError(f"{key}: an ISO 8601 time with a time zone, not in the future", code="invalid_read_at")
            continue
        return when.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds")
    return None


def _parse_time(raw) -> dt.datetime | None:
    """An aware datetime from ISO 8601 text (naive means UTC), or None."""
    if not isinstance(raw, str) or not 10 <= len(raw) <= 40:
        return None
    try:
        when = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


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


_SCAN_KEYS = ("id", "read_id", "lane", "source", "created_at", "decision", "doc_key", "result", "submitted_by", "read_at")
_SCAN_COLS = ", ".join(_SCAN_KEYS)


def _row_scan(row) -> dict:
    d = dict(zip(_SCAN_KEYS, row))
    d["result"] = json.loads(d["result"])
    return d


def summarise_match(m: dict) -> dict:
    """A match without the listed person's details (those are in the audited hit card)."""
    return {k: m[k] for k in SUMMARY_MATCH_KEYS if k in m}


def scan_view(row: dict, *, full: bool = False, dispositions: list | None = None) -> dict:
    """The JSON of a scan: id, lane, source, time and the screening result (matches summarised)."""
    result = dict(row["result"])
    if not full:
        result["matches"] = [summarise_match(m) for m in result.get("matches") or []]
    out = {"id": row["id"], "read_id": row["read_id"], "lane": row["lane"], "source": row["source"], "created_at": row["created_at"],
           "read_at": row.get("read_at") or row["created_at"], "delivered_at": row["created_at"]}
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
    """Officers' decisions on one scan, oldest first (the one with ``current`` true is in force)."""
    from .decisions import history

    return history(db, scan_id)


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


def submit(ctx, principal, lane: str, mrz: str, source: str, read_id: str | None, read_at: str | None = None) -> tuple[dict, bool]:
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
    read_at = min(read_at or now, now, key=_parse_time)  # a read is never later than its delivery
    read_id = read_id or f"auto-{uuid.uuid4().hex}"
    try:
        with ctx.write() as db:
            result = suppress.apply(db, result, key, now)
            cur = db.execute(
                "INSERT INTO scans (read_id, lane, source, created_at, decision, doc_key, mrz, result, elapsed_ms, submitted_by, read_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [read_id, lane, source, now, result["decision"], key, mrz, json.dumps(result, separators=(",", ":")),
                 result.get("elapsed_ms"), principal.actor, read_at],
            )
            scan_id = cur.lastrowid
            row = {"id": scan_id, "read_id": read_id, "lane": lane, "source": source, "created_at": now,
                   "decision": result["decision"], "doc_key": key, "result": result, "submitted_by": principal.actor, "read_at": read_at}
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


def dispose(ctx, principal, scan_id: int, body) -> dict:
    """Record an officer's decision on a scan (see :mod:`appliance.web.decisions`)."""
    from .decisions import dispose as decide

    return decide(ctx, principal, get_scan_row(ctx.reader(), scan_id), body)
