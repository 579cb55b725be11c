"""Export of hits and encounters as CSV or NDJSON, streamed page by page (any size, constant memory).

By default an export holds references only (box, post, lane, times, verdict, list and entry
ids, scores, desk state). ``personal=True`` adds the traveller's name, nationality, birth date
and document: the console allows it to users with the ``export`` permission and audits who
exported what. See docs/hub.md for the fields and the legal basis of sharing them.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Iterator

from .intake import ENCOUNTER_KINDS, read_time, scan_of

HIT_FIELDS = ("hit_id", "appliance", "post", "lane", "decision", "read_at", "received_at", "lists", "matches", "state",
              "assignee", "outcome", "booth_action", "scan_id")
ENCOUNTER_FIELDS = ("appliance", "record_key", "decision", "lane", "read_at", "received_at", "lists", "matches")
PERSONAL_FIELDS = ("surname", "given_names", "nationality", "birth_date", "sex", "issuing_state", "document_number", "document_code")
PAGE = 2000


def _matches(scan: dict) -> str:
    parts = []
    for m in scan.get("matches") or []:
        if isinstance(m, dict):
            parts.append(f"{m.get('list')}:{m.get('entry_id')}:{m.get('score')}")
    return " ".join(parts)


def _personal(scan: dict) -> dict:
    doc = scan.get("document") if isinstance(scan.get("document"), dict) else {}
    return {k: doc.get(k) for k in PERSONAL_FIELDS}


def hits(db, filters_sql: tuple[str, list], *, personal: bool) -> Iterator[dict]:
    """Hits matching the desk's filters, oldest first."""
    where, args = filters_sql
    last = 0
    while True:
        with db.tx() as cur:
            rows = cur.execute(
                "SELECT h.id, a.name, h.post, h.lane, h.decision, h.read_at, h.received_at, h.lists, h.card, h.state, h.assignee, "
                "h.outcome, h.booth_action, h.scan_id FROM hits h JOIN appliances a ON a.id = h.appliance_id WHERE h.id > ?"
                + (" AND " + where if where else "") + " ORDER BY h.id LIMIT ?", [last] + args + [PAGE]).fetchall()
        if not rows:
            return
        for r in rows:
            card = json.loads(r[8])
            item = {"hit_id": int(r[0]), "appliance": r[1], "post": r[2], "lane": r[3], "decision": r[4], "read_at": r[5],
                    "received_at": r[6], "lists": " ".join(x for x in r[7].split(",") if x), "matches": _matches(card),
                    "state": r[9], "assignee": r[10], "outcome": r[11], "booth_action": r[12], "scan_id": r[13]}
            if personal:
                item.update(_personal(card))
            yield item
        last = int(rows[-1][0])


def encounters(db, since: str, until: str | None, *, personal: bool) -> Iterator[dict]:
    """Encounter records received in [since, until), in the order received."""
    cursor = (since, -1, "")
    kinds = list(ENCOUNTER_KINDS)
    while True:
        with db.tx() as cur:
            rows = cur.execute(
                "SELECT r.received_at, r.appliance_id, r.record_key, a.name, r.kind, r.created_at, r.payload FROM records r "
                "JOIN appliances a ON a.id = r.appliance_id WHERE r.received_at >= ? AND (r.received_at > ? OR "
                "(r.received_at = ? AND (r.appliance_id > ? OR (r.appliance_id = ? AND r.record_key > ?))))"
                + (" AND r.received_at < ?" if until else "") + f" AND r.kind IN ({','.join('?' * len(kinds))})"
                " ORDER BY r.received_at, r.appliance_id, r.record_key LIMIT ?",
                [since, cursor[0], cursor[0], cursor[1], cursor[1], cursor[2]] + ([until] if until else []) + kinds + [PAGE],
            ).fetchall()
        if not rows:
            return
        for received, _aid, key, name, kind, created, payload in rows:
            scan = scan_of(kind, json.loads(payload)) or {}
            lists = sorted({str(m.get("list")) for m in scan.get("matches") or [] if isinstance(m, dict) and m.get("list")})
            item = {"appliance": name, "record_key": key, "decision": scan.get("decision"), "lane": scan.get("lane"),
                    "read_at": read_time(scan, created or received), "received_at": received, "lists": " ".join(lists),
                    "matches": _matches(scan)}
            if personal:
                item.update(_personal(scan))
            yield item
        last = rows[-1]
        cursor = (last[0], int(last[1]), last[2])


def as_ndjson(items: Iterator[dict]) -> Iterator[str]:
    """One JSON object per line."""
    for item in items:
        yield json.dumps(item, separators=(",", ":"), ensure_ascii=False) + "\n"


def as_csv(items: Iterator[dict], fields: tuple[str, ...]) -> Iterator[str]:
    """A header line, then one CSV row per item (cells that a spreadsheet would run as formulas are quoted with ')."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(fields), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    yield buf.getvalue()
    for item in items:
        buf.seek(0)
        buf.truncate()
        writer.writerow({k: _cell(v) for k, v in item.items()})
        yield buf.getvalue()


def _cell(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
