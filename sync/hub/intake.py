"""What the hub derives from uploaded records, in the upload's own transaction.

An encounter with a HIT or POSSIBLE_MATCH becomes a row of the hit desk (``hits``), with the
hit card as the booth saw it; an officer's disposition updates it; every encounter counts in
the hourly per-post totals of the fleet chart; a new hit queues its notifications. Because
all of it happens in the transaction that stores the record, a record stored once (records
are de-duplicated per box and key) yields exactly one hit and one notification per channel.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid

from ..protocol.canonical import parse_iso

log = logging.getLogger(__name__)

#: Record kinds that carry one screening (``encounter`` from the booth; ``scan`` from older tools).
ENCOUNTER_KINDS = ("encounter", "scan")
DESK_DECISIONS = ("HIT", "POSSIBLE_MATCH")
MAX_TEXT = 200


def now_ms() -> str:
    """Current UTC time, ISO 8601 with milliseconds (hit desk and notification times)."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _text(value, limit: int = MAX_TEXT) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _time(value) -> str | None:
    """An ISO 8601 time from the box, normalised to UTC ``...Z``; None when unusable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        t = parse_iso(value)
    except ValueError:
        return None
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def scan_of(kind: str, payload: dict) -> dict | None:
    """The screening inside an encounter record (``payload.scan``, or the payload itself), else None."""
    if kind not in ENCOUNTER_KINDS or not isinstance(payload, dict):
        return None
    scan = payload.get("scan")
    return scan if isinstance(scan, dict) else payload


def read_time(scan: dict, fallback: str) -> str:
    """When the document was read: the booth's ``read_at``, else when the box stored the scan."""
    for key in ("read_at", "received_at", "created_at"):
        t = _time(scan.get(key))
        if t:
            return t
    return fallback


def match_lists(scan: dict) -> list[str]:
    """Names of the lists the matches came from."""
    out = []
    for m in scan.get("matches") or []:
        if isinstance(m, dict):
            name = m.get("list") or m.get("list_name")
            if isinstance(name, str) and name and name not in out:
                out.append(name[:64])
    return out


def card_of(scan: dict, payload: dict) -> dict:
    """The hit card as the booth saw it: traveller, matches with evidence, reasons, list versions."""
    keep = ("id", "read_id", "lane", "source", "created_at", "read_at", "decision", "reasons", "document",
            "matches", "lists", "stale", "elapsed_ms", "dispositions", "final_decision", "disposition")
    card = {k: scan[k] for k in keep if k in scan}
    if "doc_key" in payload:
        card["doc_key"] = payload["doc_key"]
    return card


def _hour(stamp: str) -> str:
    return stamp[:13] + ":00Z"


def derive(cur, appliance_id: int, appliance: str, post: str, stored: list[tuple], received_at: str, notify: dict) -> list[int]:
    """Hits, dispositions, hourly counts and notifications for newly stored records; return new hit ids."""
    counts: dict[str, list[int]] = {}
    new_hits: list[int] = []
    for key, kind, _priority, created, payload_json in stored:
        payload = json.loads(payload_json)
        if kind == "disposition":
            _disposition(cur, appliance_id, key, payload, received_at)
            continue
        scan = scan_of(kind, payload)
        if scan is None:
            continue
        decision = _text(scan.get("decision"), 32)
        read_at = read_time(scan, _time(created) or received_at)
        # a box clock running ahead must not put encounters in the future: count them when received
        c = counts.setdefault(_hour(min(read_at, received_at)), [0, 0, 0])
        c[0] += 1
        c[1] += decision == "HIT"
        c[2] += decision == "POSSIBLE_MATCH"
        if decision in DESK_DECISIONS:
            hit_id = _hit(cur, appliance_id, appliance, post, key, scan, payload, decision, read_at, received_at, notify)
            if hit_id is not None:
                new_hits.append(hit_id)
    if counts:
        cur.executemany(
            "INSERT INTO encounter_counts (hour, appliance_id, post, encounters, hits, possible) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (hour, appliance_id) DO UPDATE SET encounters = encounter_counts.encounters + excluded.encounters, "
            "hits = encounter_counts.hits + excluded.hits, possible = encounter_counts.possible + excluded.possible, "
            "post = excluded.post",
            [(hour, appliance_id, post, c[0], c[1], c[2]) for hour, c in sorted(counts.items())],
        )
        # the chart's totals per post: written last, so the row lock is held for the shortest time
        cur.executemany(
            "INSERT INTO post_counts (hour, post, encounters, hits, possible) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (hour, post) DO UPDATE SET encounters = post_counts.encounters + excluded.encounters, "
            "hits = post_counts.hits + excluded.hits, possible = post_counts.possible + excluded.possible",
            [(hour, post, c[0], c[1], c[2]) for hour, c in sorted(counts.items())],
        )
    return new_hits


def _hit(cur, appliance_id, appliance, post, key, scan, payload, decision, read_at, received_at, notify) -> int | None:
    read_id = _text(scan.get("read_id")) or key
    lists = match_lists(scan)
    scan_id = scan.get("id")
    row = cur.execute(
        "INSERT INTO hits (appliance_id, read_id, record_key, scan_id, decision, post, lane, read_at, received_at, lists, card, "
        "state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', ?) ON CONFLICT (appliance_id, read_id) DO NOTHING RETURNING id",
        [appliance_id, read_id, key, None if scan_id is None else str(scan_id)[:64], decision, post, _text(scan.get("lane"), 64) or "?",
         read_at, received_at, "," + ",".join(lists) + ",", json.dumps(card_of(scan, payload), separators=(",", ":")), received_at],
    ).fetchone()
    if row is None:
        return None
    hit_id = int(row[0])
    latest = cur.execute(
        "SELECT action FROM booth_dispositions WHERE appliance_id = ? AND read_id = ? ORDER BY at DESC, record_key DESC LIMIT 1",
        [appliance_id, read_id],
    ).fetchone()
    if latest:  # the disposition travelled ahead of its encounter
        cur.execute("UPDATE hits SET booth_action = ? WHERE id = ?", [latest[0], hit_id])
    cur.execute("INSERT INTO desk_events (hit_id, kind, at) VALUES (?, 'new', ?)", [hit_id, received_at])
    _queue_notifications(cur, hit_id, appliance, post, scan, decision, lists, read_at, received_at, notify)
    return hit_id


def _disposition(cur, appliance_id: int, key: str, payload: dict, received_at: str) -> None:
    read_id = _text(payload.get("read_id"))
    action = _text(payload.get("action"), 64)
    if not read_id or not action:
        return
    at = _time(payload.get("at")) or received_at
    officer = _text(payload.get("by"), 64)
    cur.execute(
        "INSERT INTO booth_dispositions (appliance_id, record_key, read_id, action, referred, reason, officer, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (appliance_id, record_key) DO NOTHING",
        [appliance_id, key, read_id, action, 1 if payload.get("referred") else 0, _text(payload.get("reason"), 1000), officer, at],
    )
    row = cur.execute("SELECT id FROM hits WHERE appliance_id = ? AND read_id = ?", [appliance_id, read_id]).fetchone()
    if row is None:
        return
    hit_id = int(row[0])
    cur.execute("UPDATE hits SET booth_action = ?, updated_at = ? WHERE id = ?", [action, received_at, hit_id])
    detail = {"action": action, "referred": bool(payload.get("referred")), "reason": _text(payload.get("reason"), 1000), "at": at}
    cur.execute("INSERT INTO hit_history (hit_id, at, actor, action, detail) VALUES (?, ?, ?, 'booth_disposition', ?)",
                [hit_id, received_at, f"booth:{officer or '?'}", json.dumps(detail, sort_keys=True)])
    cur.execute("INSERT INTO desk_events (hit_id, kind, at) VALUES (?, 'update', ?)", [hit_id, received_at])


def wanted(notify: dict, decision: str, lists: list[str]) -> bool:
    """True when ``[notify]`` asks for a notification of this verdict on these lists."""
    if decision not in notify.get("decisions", ()):
        return False
    only = notify.get("lists") or []
    return not only or any(name in only for name in lists)


def event_body(event_id: str, hit_id: int, appliance: str, post: str, scan: dict, decision: str, read_at: str,
               received_at: str, notify: dict) -> dict:
    """The webhook's JSON object for one hit; names only when ``notify.personal_data = "names"``."""
    names = notify.get("personal_data") == "names"
    matches = []
    for m in scan.get("matches") or []:
        if not isinstance(m, dict):
            continue
        item = {"list": m.get("list") or m.get("list_name"), "entry_id": None if m.get("entry_id") is None else str(m.get("entry_id")),
                "score": m.get("score") if isinstance(m.get("score"), (int, float)) else None}
        if names and isinstance(m.get("matched_name"), str):
            item["name"] = m["matched_name"]
        matches.append(item)
    body = {"event": "hit", "id": event_id, "hit_id": hit_id, "appliance": appliance, "scan_id": scan.get("id"),
            "decision": decision, "received_at": received_at, "read_at": read_at, "post": post, "lane": scan.get("lane"),
            "matches": matches}
    base = (notify.get("_public_url") or "").rstrip("/")
    if base:
        body["url"] = f"{base}/desk?hit={hit_id}"
    doc = scan.get("document")
    if names and isinstance(doc, dict):
        body["traveller"] = {k: doc.get(k) for k in ("surname", "given_names", "nationality", "issuing_state") if doc.get(k)}
    return body


def _queue_notifications(cur, hit_id, appliance, post, scan, decision, lists, read_at, received_at, notify) -> None:
    channels = [c for c, on in (("webhook", notify.get("webhook_url")), ("email", notify.get("smtp_host"))) if on]
    if not channels or not wanted(notify, decision, lists):
        return
    for channel in channels:
        event_id = str(uuid.uuid4())
        body = event_body(event_id, hit_id, appliance, post, scan, decision, read_at, received_at, notify)
        cur.execute(
            "INSERT INTO notifications (hit_id, channel, event_id, body, state, attempts, next_at, created_at) "
            "VALUES (?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (hit_id, channel) DO NOTHING",
            [hit_id, channel, event_id, json.dumps(body, separators=(",", ":"), sort_keys=True), received_at, received_at],
        )
