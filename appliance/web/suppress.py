"""Time-limited suppression of a confirmed false positive: same document, same listed entry.

An officer who marks a watchlist match as a false positive may ask for it to be suppressed;
a supervisor (not the same person) approves it for at most ``security.suppression_max_days``.
While it lasts, that match is marked ``suppressed`` on later scans of the same document, and
a verdict that rested only on suppressed matches becomes CLEAR with a reason saying so.
Lost/stolen document matches are facts about the document and are never suppressed.
"""

from __future__ import annotations

import datetime as dt

from .accounts import iso, parse_iso, utcnow
from .errors import Conflict, Forbidden, NotFound, ValidationError

_INVALID_REASONS = ("check_digit_failed", "invalid:", "expired", "document_invalid")
_DOCUMENT_KINDS = {"document", "documents", "lost_stolen", "lost-stolen", "sltd", "document_list"}


def match_ref(m: dict) -> tuple[str, str] | None:
    """(list name, entry reference) of a watchlist match, or None for a document-list match."""
    kind = str(m.get("kind") or m.get("list_kind") or m.get("type") or "").lower()
    if kind in _DOCUMENT_KINDS:
        return None
    entry = m.get("entry") if isinstance(m.get("entry"), dict) else {}
    ref = m.get("entry_id") or m.get("entry_key") or m.get("reference") or entry.get("id") or entry.get("reference")
    lst = m.get("list") or m.get("list_name") or entry.get("list")
    if ref is None or lst is None:
        return None
    return str(lst), str(ref)


def active(db, key: str, now: str) -> dict[tuple[str, str], dict]:
    """Approved, unexpired suppressions of one document, by (list, entry)."""
    out = {}
    for sid, lst, ref, expires, by in db.execute(
        "SELECT id, list_name, entry_ref, expires_at, decided_by FROM suppressions"
        " WHERE doc_key = ? AND status = 'approved' AND expires_at > ?",
        [key, now],
    ):
        out[(lst, ref)] = {"id": sid, "expires_at": expires, "approved_by": by}
    return out


def apply(db, result: dict, key: str | None, now: str) -> dict:
    """Mark suppressed matches; a verdict resting only on them becomes CLEAR."""
    matches = result.get("matches") or []
    if not key or not matches or result.get("decision") not in ("HIT", "POSSIBLE_MATCH"):
        return result
    sup = active(db, key, now)
    if not sup:
        return result
    result = dict(result)
    new_matches, remaining = [], 0
    for m in matches:
        ref = match_ref(m)
        if ref is not None and ref in sup:
            m = {**m, "suppressed": sup[ref]}
        else:
            remaining += 1
        new_matches.append(m)
    result["matches"] = new_matches
    if remaining == 0:
        reasons = [r for r in result.get("reasons") or [] if isinstance(r, str)]
        invalid = any(r.startswith(_INVALID_REASONS) for r in reasons)
        result["suppressed_decision"] = result["decision"]
        result["decision"] = "DOCUMENT_INVALID" if invalid else ("POSSIBLE_MATCH" if result.get("stale") else "CLEAR")
        result["reasons"] = list(result.get("reasons") or []) + ["suppressed_false_positive"]
    return result


def request(db, scan: dict, reason: str, days: int, actor: str, now: str) -> list[dict]:
    """File pending suppression requests for every watchlist match of a scan."""
    if not scan.get("doc_key"):
        raise ValidationError("this scan has no document number to suppress for", code="invalid_suppression")
    refs = {r for r in (match_ref(m) for m in scan["result"].get("matches") or []) if r}
    if not refs:
        raise ValidationError("this scan has no watchlist match to suppress", code="invalid_suppression")
    out = []
    for lst, ref in sorted(refs):
        cur = db.execute(
            "INSERT INTO suppressions (doc_key, list_name, entry_ref, scan_id, reason, days, status, requested_by, requested_at)"
            " VALUES (?,?,?,?,?,?, 'pending', ?, ?)",
            [scan["doc_key"], lst, ref, scan["id"], reason, days, actor, now],
        )
        out.append(get(db, cur.lastrowid))
    return out


_COLS = "id, doc_key, list_name, entry_ref, scan_id, reason, days, status, requested_by, requested_at, decided_by, decided_at, expires_at"


def get(db, sup_id: int) -> dict:
    """One suppression record."""
    if not 0 < sup_id < 2**63:
        raise NotFound(f"no suppression {sup_id}", code="suppression_not_found")
    row = db.execute(f"SELECT {_COLS} FROM suppressions WHERE id = ?", [sup_id]).fetchone()
    if not row:
        raise NotFound(f"no suppression {sup_id}", code="suppression_not_found")
    return dict(zip(_COLS.split(", "), row))


def listing(db, status: str | None = None, limit: int = 200) -> list[dict]:
    """Suppressions, newest first, optionally of one status."""
    sql = f"SELECT {_COLS} FROM suppressions"
    args: list = []
    if status:
        sql += " WHERE status = ?"
        args.append(status)
    sql += " ORDER BY id DESC LIMIT ?"
    args.append(limit)
    return [dict(zip(_COLS.split(", "), r)) for r in db.execute(sql, args)]


def decide(db, sup_id: int, actor: str, approve: bool, days: int | None, max_days: int) -> dict:
    """A supervisor approves (for ``days``) or rejects a pending request; not one's own."""
    sup = get(db, sup_id)
    if sup["status"] != "pending":
        raise Conflict(f"suppression {sup_id} is already {sup['status']}", code="already_decided")
    if sup["requested_by"] == actor:
        raise Forbidden("a suppression must be approved by another person", code="four_eyes")
    now = utcnow()
    if approve:
        days = sup["days"] if days is None else days
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= max_days:
            raise ValidationError(f"days: a whole number from 1 to {max_days}", code="invalid_suppression")
        expires = iso(now + dt.timedelta(days=days))
        db.execute("UPDATE suppressions SET status='approved', days=?, decided_by=?, decided_at=?, expires_at=? WHERE id=?",
                   [days, actor, iso(now), expires, sup_id])
    else:
        db.execute("UPDATE suppressions SET status='rejected', decided_by=?, decided_at=? WHERE id=?", [actor, iso(now), sup_id])
    return get(db, sup_id)


def is_active(sup: dict, now: dt.datetime | None = None) -> bool:
    """True for an approved suppression that has not expired."""
    exp = parse_iso(sup.get("expires_at"))
    return sup.get("status") == "approved" and exp is not None and exp > (now or utcnow())
