"""The screening service: MRZ in, verdict out (READ_ERROR, DOCUMENT_INVALID, HIT, POSSIBLE_MATCH, CLEAR)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ScreeningError
from .matcher import QueryDocument, match_watchlists
from .source import list_metadata

log = logging.getLogger(__name__)

DECISIONS = ("READ_ERROR", "DOCUMENT_INVALID", "HIT", "POSSIBLE_MATCH", "CLEAR")
#: longest input accepted (a few MRZs with wire noise; anything larger is not a scan)
MAX_INPUT_CHARS = 4096


@dataclass
class ScreeningResult:
    """A verdict with everything the officer and the audit trail need."""

    decision: str
    reasons: list[str] = field(default_factory=list)
    document: dict | None = None
    matches: list[dict] = field(default_factory=list)
    lists: list[dict] = field(default_factory=list)
    stale: bool = False
    elapsed_ms: float = 0.0

    def to_dict(self) -> dict:
        """JSON-ready dict with the contract keys."""
        return {
            "decision": self.decision,
            "reasons": list(self.reasons),
            "document": self.document,
            "matches": self.matches,
            "lists": self.lists,
            "stale": self.stale,
            "elapsed_ms": self.elapsed_ms,
        }

    def __repr__(self) -> str:  # no personal data in accidental log lines
        return f"ScreeningResult(decision={self.decision!r}, matches={len(self.matches)})"


def screening_policy(config: Any) -> dict:
    """The ``[screening]`` settings from a Config, a dict of overrides, or None (defaults)."""
    from appliance.config.sections import SCREENING

    if hasattr(config, "section"):
        return dict(config.section("screening"))
    raw = dict(config or {})
    if "screening" in raw and isinstance(raw["screening"], dict):
        raw = raw["screening"]
    return SCREENING.build("screening", raw)


def _now(now: dt.datetime | None) -> dt.datetime:
    """An aware 'now' (UTC when naive or absent)."""
    if now is None:
        return dt.datetime.now(dt.timezone.utc)
    return now if now.tzinfo else now.replace(tzinfo=dt.timezone.utc)


class Screener:
    """Screens MRZ text against the local lists. Thread-safe: one SQLite connection per thread."""

    def __init__(self, db_path: str | Path, config: Any = None):
        self.db_path = str(db_path)
        self.policy = screening_policy(config)
        self._local = threading.local()
        if not Path(self.db_path).parent.is_dir():
            raise ScreeningError(f"no data directory for the database {self.db_path}")
        self._ensure_index()

    # --- connections -----------------------------------------------------------------
    def _db(self):
        """This thread's database (sqlite_utils.Database), opened on first use."""
        db = getattr(self._local, "db", None)
        if db is None:
            from appliance.store.db import connect

            db = connect(self.db_path, migrate=False)
            self._local.db = db
        return db

    def _ensure_index(self) -> None:
        """Migrate the database and index any watchlist whose index is missing."""
        from appliance.store.db import connect

        from .index import reindex

        db = connect(self.db_path)
        try:
            conn = db.conn
            for meta in list_metadata(db):
                if meta["kind"] != "watchlist" or not meta["persons"]:
                    continue
                have = conn.execute(
                    "SELECT 1 FROM screening_entries WHERE list_name = ? LIMIT 1", (meta["name"],)
                ).fetchone()
                if not have:
                    with conn:
                        reindex(db, meta["name"], None)
        finally:
            db.conn.close()

    # --- screening ---------------------------------------------------------------------
    def screen(self, mrz_text: Any, *, now: dt.datetime | None = None) -> ScreeningResult:
        """Screen one MRZ (text as read by a scanner) and return the verdict."""
        started = time.perf_counter()
        now = _now(now)
        result = self._screen(mrz_text, now)
        result.elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
        log.info("screening verdict %s (%d matches, %.1f ms)", result.decision, len(result.matches), result.elapsed_ms)
        return result

    def _screen(self, mrz_text: Any, now: dt.datetime) -> ScreeningResult:
        """The verdict without timing."""
        from firmware_bridge.mrz import parse_mrz
        from firmware_bridge.mrz.errors import NotAnMRZ

        lists, list_reasons, stale = self._lists(now)
        if isinstance(mrz_text, bytes):
            try:
                mrz_text = mrz_text.decode("ascii")
            except UnicodeDecodeError:
                return ScreeningResult("READ_ERROR", ["not_an_mrz", "binary_input"], None, [], lists, stale)
        if not isinstance(mrz_text, str) or not mrz_text.strip():
            return ScreeningResult("READ_ERROR", ["not_an_mrz", "empty_input"], None, [], lists, stale)
        if len(mrz_text) > MAX_INPUT_CHARS:
            return ScreeningResult("READ_ERROR", ["not_an_mrz", "input_too_large"], None, [], lists, stale)
        try:
            parsed = parse_mrz(mrz_text, today=now.date())
        except NotAnMRZ:
            return ScreeningResult("READ_ERROR", ["not_an_mrz"], None, [], lists, stale)
        doc = parsed.to_dict()
        if parsed.status == "read_error":
            reasons = ["read_error"] + [f"read_error:{e}" for e in doc.get("errors") or []]
            return ScreeningResult("READ_ERROR", reasons, doc, [], lists, stale)
        reasons: list[str] = []
        invalid = self._invalid_reasons(doc, now.date())
        query = QueryDocument.from_mrz(doc)
        matches, _ = match_watchlists(
            self._db().conn, query, today=now.date(), max_candidates=self.policy["max_candidates"],
            report_threshold=self.policy["review_threshold"],
        )
        doc_matches = self._document_matches(query, doc)
        matches = doc_matches + matches
        hit = bool(doc_matches) or any(m["score"] >= self.policy["hit_threshold"] for m in matches)
        for m in doc_matches:
            reasons.append(f"document_{m['evidence']['status']}")
        if any(m["kind"] == "watchlist" and m["score"] >= self.policy["hit_threshold"] for m in matches):
            reasons.append("watchlist_hit")
        elif any(m["kind"] == "watchlist" for m in matches):
            reasons.append("watchlist_possible_match")
        reasons.extend(invalid)
        if hit:
            decision = "HIT"
        elif invalid:
            decision = "DOCUMENT_INVALID"
        elif matches:
            decision = "POSSIBLE_MATCH"
        else:
            decision = "CLEAR"
        reasons.extend(list_reasons)
        if decision == "CLEAR":
            if stale and self.policy["stale_action"] == "possible_match":
                decision = "POSSIBLE_MATCH"
            if "lists_missing" in list_reasons and self.policy["missing_list_action"] == "possible_match":
                decision = "POSSIBLE_MATCH"
        return ScreeningResult(decision, reasons, doc, matches, lists, stale)

    def _invalid_reasons(self, doc: dict, today: dt.date) -> list[str]:
        """Why a document is invalid (failed checks, impossible dates, expiry), or []."""
        reasons = []
        if doc.get("status") == "invalid" or not doc.get("valid", True):
            failed = [name for name, ok in (doc.get("checks") or {}).items() if ok is False]
            reasons += [f"check_digit_failed:{name}" for name in failed]
            reasons += [f"invalid:{e}" for e in doc.get("errors") or []]
            if not reasons:
                reasons.append("document_invalid")
        expiry = doc.get("expiry_date")
        if self.policy["expired_is_invalid"] and expiry:
            try:
                if dt.date.fromisoformat(expiry) < today and "expired" not in " ".join(reasons):
                    reasons.append("expired")
            except ValueError:
                pass
        return list(dict.fromkeys(reasons))

    def _document_matches(self, query: QueryDocument, doc: dict) -> list[dict]:
        """Lost/stolen document records for this document number (via the store)."""
        if not query.document_number:
            return []
        try:
            from appliance.store.documents import check
        except ImportError:
            return []
        try:
            found = check(self._db(), query.issuing_state or "", query.document_number, (doc.get("document_code") or "")[:1] or None)
        except Exception as exc:  # noqa: BLE001 - the store's errors must not hide a verdict
            log.warning("document check failed: %s", type(exc).__name__)
            return []
        out = []
        for rec in found or []:
            out.append({
                "list": rec.get("list"),
                "kind": "document",
                "entry_id": rec.get("reference") or rec.get("document_number"),
                "score": 1.0,
                "matched_name": None,
                "evidence": {"status": rec.get("status"), "document_number": rec.get("document_number"),
                             "issuing_state": rec.get("issuing_state"), "document_type": rec.get("document_type")},
            })
        return out

    def _lists(self, now: dt.datetime) -> tuple[list[dict], list[str], bool]:
        """The lists consulted with versions and ages, the list-related reasons, and staleness."""
        try:
            metas = list_metadata(self._db())
        except Exception:  # noqa: BLE001 - no lists table yet means no lists
            log.debug("cannot read list metadata", exc_info=True)
            metas = []
        max_age = self.policy["max_list_age_hours"] * 3600
        fresh_until = hub_fresh_until(self._db())
        out, reasons, stale = [], [], False
        kinds = {"watchlist": 0, "documents": 0}
        for m in metas:
            age = (now - m["as_of"]).total_seconds() if m["as_of"] else None
            out.append({"name": m["name"], "version": m["version"], "age_seconds": None if age is None else round(age)})
            if not m["size"]:
                reasons.append(f"list_empty:{m['name']}")
                continue
            kinds[m["kind"]] = kinds.get(m["kind"], 0) + 1
            until = fresh_until.get(m["name"])
            if until is not None:  # held from the hub: fresh while its signed manifest says so
                is_stale = until <= now
            else:
                is_stale = age is None or age > max_age
            if is_stale:
                stale = True
                reasons.append(f"list_stale:{m['name']}")
        if not kinds["watchlist"]:
            reasons.append("no_watchlist")
        if not kinds["documents"]:
            reasons.append("no_document_list")
        if not kinds["watchlist"] or not kinds["documents"]:
            reasons.insert(0, "lists_missing")
        if stale:
            reasons.insert(0, "lists_stale")
        return out, reasons, stale


def hub_fresh_until(db) -> dict[str, dt.datetime]:
    """When each list held from the hub stops being fresh (its last signed manifest's expiry).

    A list the hub keeps confirming is fresh however long ago it was published; a box cut
    off from the hub sees its lists go stale when the manifests expire (no freeze).
    """
    try:
        rows = db.execute("SELECT list_name, fresh_until FROM sync_lists WHERE fresh_until IS NOT NULL").fetchall()
    except Exception:  # noqa: BLE001 - no sync table: the box was never enrolled
        return {}
    out = {}
    for name, value in rows:
        try:
            when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            continue
        out[name] = when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
    return out
