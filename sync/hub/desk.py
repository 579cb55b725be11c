"""The hit desk: hits from every box with filters, the hit card, and what operators do with a hit."""

from __future__ import annotations

import datetime as dt
import json
import re

from .accounts import AccountError
from .intake import now_ms

STATES = ("new", "acknowledged", "closed")
OUTCOMES = ("confirmed_match", "false_positive", "referred", "no_action", "duplicate")
MAX_NOTE = 2000
PAGE = 50
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_SUMMARY = ("h.id, a.name, h.read_id, h.scan_id, h.decision, h.post, h.lane, h.read_at, h.received_at, h.lists, "
            "h.state, h.assignee, h.outcome, h.booth_action, h.updated_at")


class DeskError(AccountError):
    """A hit desk request is refused (``code``, ``status``)."""


def _summary(row) -> dict:
    keys = ("id", "appliance", "read_id", "scan_id", "decision", "post", "lane", "read_at", "received_at", "lists",
            "state", "assignee", "outcome", "booth_action", "updated_at")
    d = dict(zip(keys, row))
    d["id"] = int(d["id"])
    d["lists"] = [x for x in (d["lists"] or "").split(",") if x]
    return d


def _time_filter(value: str | None, name: str) -> str | None:
    if not value:
        return None
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise DeskError(f"{name}: expected a date or time like 2030-01-31 or 2030-01-31T08:00", "bad_filter") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def filters_from(args) -> dict:
    """Checked filters from query arguments: post, list, decision, state, appliance, since, until, before."""
    out: dict = {}
    for name in ("post", "list", "appliance"):
        value = (args.get(name) or "").strip()
        if value:
            if len(value) > 120 or any(ord(c) < 32 for c in value) or (name == "list" and not _NAME.fullmatch(value)):
                raise DeskError(f"{name}: not a usable value", "bad_filter")
            out[name] = value
    decision = args.get("decision") or ""
    if decision:
        if decision not in ("HIT", "POSSIBLE_MATCH"):
            raise DeskError("decision: HIT or POSSIBLE_MATCH", "bad_filter")
        out["decision"] = decision
    state = args.get("state") or ""
    if state:
        if state not in STATES + ("open",):
            raise DeskError("state: new, acknowledged, open or closed", "bad_filter")
        out["state"] = state
    out["since"] = _time_filter(args.get("since"), "since")
    out["until"] = _time_filter(args.get("until"), "until")
    before = args.get("before") or ""
    if before:
        if not before.isdigit() or len(before) > 18:
            raise DeskError("before: a hit number", "bad_filter")
        out["before"] = int(before)
    return {k: v for k, v in out.items() if v is not None}


def where_sql(filters: dict) -> tuple[str, list]:
    """The SQL condition (on ``hits h`` joined with ``appliances a``) and arguments of the desk's filters."""
    where, args = [], []
    for key, sql in (("post", "h.post = ?"), ("decision", "h.decision = ?"), ("appliance", "a.name = ?"),
                     ("since", "h.read_at >= ?"), ("until", "h.read_at < ?"), ("before", "h.id < ?")):
        if key in filters:
            where.append(sql)
            args.append(filters[key])
    if "list" in filters:
        where.append("h.lists LIKE ?")
        args.append(f"%,{filters['list']},%")
    if filters.get("state") == "open":
        where.append("h.state IN ('new', 'acknowledged')")
    elif "state" in filters:
        where.append("h.state = ?")
        args.append(filters["state"])
    return " AND ".join(where), args


def list_hits(db, filters: dict, limit: int = PAGE) -> list[dict]:
    """Hits newest first, filtered; ``before`` pages back by hit number."""
    where, args = where_sql(filters)
    sql = (f"SELECT {_SUMMARY} FROM hits h JOIN appliances a ON a.id = h.appliance_id"
           + (" WHERE " + where if where else "") + " ORDER BY h.id DESC LIMIT ?")
    with db.tx() as cur:
        return [_summary(r) for r in cur.execute(sql, args + [int(limit)]).fetchall()]


def summary(cur, hit_id: int) -> dict | None:
    """One hit's row as the desk list shows it."""
    row = cur.execute(f"SELECT {_SUMMARY} FROM hits h JOIN appliances a ON a.id = h.appliance_id WHERE h.id = ?", [hit_id]).fetchone()
    return _summary(row) if row else None


def counts(db) -> dict:
    """Open hits by state (for the desk's header)."""
    with db.tx() as cur:
        rows = cur.execute("SELECT state, count(*) FROM hits WHERE state IN ('new', 'acknowledged') GROUP BY state").fetchall()
    return {r[0]: int(r[1]) for r in rows}


def _listed(cur, card: dict) -> list[dict]:
    """The listed entries behind the matches, as the hub publishes them now."""
    out = []
    for m in card.get("matches") or []:
        if not isinstance(m, dict) or not m.get("list"):
            continue
        ev = m.get("evidence") if isinstance(m.get("evidence"), dict) else {}
        if m.get("kind") == "document" and ev.get("document_number"):
            key = f"doc:{ev.get('issuing_state') or ''}:{ev.get('document_type') or ''}:{ev['document_number']}"
        else:
            key = f"id:{m.get('entry_id')}"
        row = cur.execute("SELECT data, version, deleted FROM list_records WHERE list_name = ? AND record_key = ?",
                          [str(m["list"]), key]).fetchone()
        if row:
            out.append({"list": m["list"], "entry_id": m.get("entry_id"), "record": json.loads(row[0]),
                        "changed_in_version": int(row[1]), "removed": bool(row[2])})
    return out


def detail(db, hit_id: int) -> dict:
    """The full hit: card as the booth saw it, listed entries, booth dispositions, desk history, box's lists."""
    with db.tx() as cur:
        head = summary(cur, hit_id)
        if head is None:
            raise DeskError(f"no hit {hit_id}", "hit_not_found", 404)
        row = cur.execute("SELECT h.card, h.appliance_id, a.status FROM hits h JOIN appliances a ON a.id = h.appliance_id WHERE h.id = ?",
                          [hit_id]).fetchone()
        card = json.loads(row[0])
        dispositions = [dict(zip(("action", "referred", "reason", "officer", "at"), r)) for r in cur.execute(
            "SELECT action, referred, reason, officer, at FROM booth_dispositions WHERE appliance_id = ? AND read_id = ? ORDER BY at",
            [row[1], head["read_id"]]).fetchall()]
        history = [{"at": r[0], "actor": r[1], "action": r[2], "detail": json.loads(r[3])} for r in cur.execute(
            "SELECT at, actor, action, detail FROM hit_history WHERE hit_id = ? ORDER BY id", [hit_id]).fetchall()]
        listed = _listed(cur, card)
        published = {r[0]: int(r[1]) for r in cur.execute("SELECT name, version FROM lists").fetchall()}
        notes = [{"channel": r[0], "state": r[1], "attempts": int(r[2]), "delivered_at": r[3], "last_error": r[4]} for r in cur.execute(
            "SELECT channel, state, attempts, delivered_at, last_error FROM notifications WHERE hit_id = ? ORDER BY channel",
            [hit_id]).fetchall()]
    for d in dispositions:
        d["referred"] = bool(d["referred"])
    return {**head, "card": card, "listed": listed, "booth_dispositions": dispositions, "history": history,
            "published": published, "notifications": notes}


def _event(cur, hit_id: int, actor: str, action: str, detail: dict) -> None:
    at = now_ms()
    cur.execute("INSERT INTO hit_history (hit_id, at, actor, action, detail) VALUES (?, ?, ?, ?, ?)",
                [hit_id, at, actor, action, json.dumps(detail, sort_keys=True)])
    cur.execute("UPDATE hits SET updated_at = ? WHERE id = ?", [at, hit_id])
    cur.execute("INSERT INTO desk_events (hit_id, kind, at) VALUES (?, 'update', ?)", [hit_id, at])


def _state(cur, hit_id: int) -> str:
    lock = " FOR UPDATE" if getattr(cur, "_pg", False) else ""
    row = cur.execute(f"SELECT state FROM hits WHERE id = ?{lock}", [hit_id]).fetchone()
    if not row:
        raise DeskError(f"no hit {hit_id}", "hit_not_found", 404)
    return row[0]


def act(db, audit, actor: str, hit_id: int, action: str, body: dict) -> dict:
    """Acknowledge, assign, note or close a hit (audited); return the hit's new row."""
    if not isinstance(body, dict):
        raise DeskError("expected a JSON object", "malformed_json")
    note = body.get("note") or ""
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise DeskError(f"note: text of at most {MAX_NOTE} characters", "bad_note")
    note = note.strip()
    with db.tx(write=True) as cur:
        state = _state(cur, hit_id)
        if action == "acknowledge":
            if state != "new":
                raise DeskError(f"this hit is already {state}", "wrong_state", 409)
            cur.execute("UPDATE hits SET state = 'acknowledged' WHERE id = ?", [hit_id])
            detail: dict = {}
        elif action == "assign":
            who = body.get("assignee")
            if who in (None, ""):
                who = None
            elif not isinstance(who, str) or not cur.execute(
                    "SELECT 1 FROM console_users WHERE username = ? AND disabled = 0", [who]).fetchone():
                raise DeskError("assignee: not an active console user", "bad_assignee")
            if state == "closed":
                raise DeskError("this hit is closed", "wrong_state", 409)
            cur.execute("UPDATE hits SET assignee = ? WHERE id = ?", [who, hit_id])
            detail = {"assignee": who}
        elif action == "note":
            if not note:
                raise DeskError("note: write something", "bad_note")
            detail = {"note": note}
        elif action == "close":
            outcome = body.get("outcome")
            if outcome not in OUTCOMES:
                raise DeskError(f"outcome: one of {', '.join(OUTCOMES)}", "bad_outcome")
            if state == "closed":
                raise DeskError("this hit is already closed", "wrong_state", 409)
            cur.execute("UPDATE hits SET state = 'closed', outcome = ? WHERE id = ?", [outcome, hit_id])
            detail = {"outcome": outcome, **({"note": note} if note else {})}
        elif action == "reopen":
            if state != "closed":
                raise DeskError("only a closed hit can be reopened", "wrong_state", 409)
            cur.execute("UPDATE hits SET state = 'acknowledged', outcome = NULL WHERE id = ?", [hit_id])
            detail = {"note": note} if note else {}
        else:
            raise DeskError(f"unknown action {action!r}", "bad_action", 404)
        _event(cur, hit_id, actor, action, detail)
        audit.append(cur, actor, f"hit.{action}", f"hit:{hit_id}", {k: v for k, v in detail.items() if k != "note"})
        return summary(cur, hit_id)
