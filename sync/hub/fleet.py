"""The fleet as the operator sees it: every box's link, lists, queue, alarms, readers and clock, in words."""

from __future__ import annotations

import datetime as dt
import json

from ..protocol.canonical import parse_iso, utcnow

#: A box clock this far from the hub's is flagged.
CLOCK_TOLERANCE_SECONDS = 60.0


def _ago(seconds: float) -> str:
    """A duration in words: '4 min', '3 h 12 min', '2 days'."""
    s = int(max(seconds, 0))
    if s < 90:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 2 * 86400:
        return f"{s // 3600} h {s % 3600 // 60} min"
    return f"{s // 86400} days"


def _status(text: str | None) -> dict:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def box_view(row: dict, published: dict[str, int], silent_minutes: float, now: dt.datetime, totals: dict) -> dict:
    """One box with its problems spelt out (``problems`` is empty for a healthy box)."""
    status = _status(row["status"])
    problems: list[str] = []
    seen = parse_iso(row["last_seen"]) if row["last_seen"] else None
    if row["disabled"]:
        link = "DISABLED"
        problems.append("disabled on the hub")
    elif not row["enrolled_at"]:
        link = "NOT ENROLLED"
        problems.append("enrollment token issued, box never connected")
    elif seen is None or (now - seen).total_seconds() > silent_minutes * 60:
        link = f"SILENT for {_ago((now - seen).total_seconds())}" if seen else "SILENT (never seen)"
        problems.append(link.lower())
    else:
        link = "online"
    held = status.get("lists") if isinstance(status.get("lists"), dict) else {}
    lists = []
    for name, newest in sorted(published.items()):
        version = held.get(name)
        if version is None:
            state = "MISSING"
            problems.append(f"does not hold list {name}")
        elif version < newest:
            state = f"OLD LIST v{version} of v{newest}"
            problems.append(f"old list: {name} v{version}, published v{newest}")
        else:
            state = "current"
        lists.append({"name": name, "held": version, "published": newest, "state": state})
    alarms = [a for a in status.get("alarms") or [] if isinstance(a, str)]
    if alarms:
        problems.append(f"{len(alarms)} alarm(s)")
    lanes = [x for x in status.get("lanes") or [] if isinstance(x, dict)]
    for lane in lanes:
        if lane.get("state") not in ("connected", None, "unknown"):
            problems.append(f"reader on lane {lane.get('name')} {lane.get('state')}")
    offset = status.get("clock_offset_seconds")
    clock = None
    if isinstance(offset, (int, float)):
        clock = "ok" if abs(offset) <= CLOCK_TOLERANCE_SECONDS else f"CLOCK {'AHEAD' if offset > 0 else 'BEHIND'} by {_ago(abs(offset))}"
        if clock != "ok":
            problems.append(clock.lower())
    return {
        "name": row["name"], "post": status.get("post") or row["name"], "software": status.get("software"),
        "enrolled": row["enrolled_at"] is not None, "disabled": bool(row["disabled"]), "last_seen": row["last_seen"],
        "seen_ago": _ago((now - seen).total_seconds()) if seen else None, "link": link, "lists": lists,
        "queue_depth": status.get("queue_depth"), "alarms": alarms, "lanes": lanes,
        "clock_offset_seconds": offset, "clock": clock, "problems": problems,
        "encounters_24h": totals.get(int(row["id"]), (0, 0))[0], "hits_24h": totals.get(int(row["id"]), (0, 0))[1],
    }


def fleet(db, *, silent_minutes: float) -> dict:
    """Every box (boxes with problems first) and a count of each kind of problem."""
    now = utcnow()
    day_ago = (now - dt.timedelta(hours=24)).strftime("%Y-%m-%dT%H:00Z")
    with db.tx() as cur:
        rows = cur.execute("SELECT id, name, created_at, enrolled_at, last_seen, status, disabled FROM appliances ORDER BY name").dicts()
        published = {r[0]: int(r[1]) for r in cur.execute("SELECT name, version FROM lists").fetchall()}
        totals = {int(r[0]): (int(r[1]), int(r[2])) for r in cur.execute(
            "SELECT appliance_id, sum(encounters), sum(hits + possible) FROM encounter_counts WHERE hour >= ? GROUP BY appliance_id",
            [day_ago]).fetchall()}
    boxes = [box_view(r, published, silent_minutes, now, totals) for r in rows]
    boxes.sort(key=lambda b: (not b["problems"], b["name"]))
    summary = {
        "boxes": len(boxes),
        "silent": sum(b["link"].startswith("SILENT") for b in boxes),
        "old_lists": sum(any(x["state"] != "current" for x in b["lists"]) for b in boxes),
        "alarms": sum(bool(b["alarms"]) for b in boxes),
        "healthy": sum(not b["problems"] for b in boxes),
    }
    return {"summary": summary, "published": published, "boxes": boxes, "generated_at": now.strftime("%Y-%m-%dT%H:%M:%SZ")}


def chart(db, *, hours: int = 24) -> dict:
    """Encounters and hits (HIT + POSSIBLE_MATCH) per post and hour over the last ``hours`` (from ``post_counts``)."""
    hours = max(1, min(int(hours), 24 * 31))
    now = utcnow()
    start = (now - dt.timedelta(hours=hours - 1)).strftime("%Y-%m-%dT%H:00Z")
    with db.tx() as cur:
        rows = cur.execute("SELECT post, hour, encounters, hits, possible FROM post_counts WHERE hour >= ?", [start]).fetchall()
    slots = [(now - dt.timedelta(hours=hours - 1 - i)).strftime("%Y-%m-%dT%H:00Z") for i in range(hours)]
    index = {hour: i for i, hour in enumerate(slots)}
    posts: dict[str, dict] = {}
    for post, hour, enc, hits, possible in rows:
        i = index.get(hour)
        if i is None:
            continue
        p = posts.setdefault(post, {"post": post, "encounters": [0] * hours, "hits": [0] * hours})
        p["encounters"][i] += int(enc)
        p["hits"][i] += int(hits) + int(possible)
    return {"hours": slots, "posts": sorted(posts.values(), key=lambda p: -sum(p["encounters"]))}


def holders(db) -> dict[str, dict[str, list[str]]]:
    """For each list: version -> the boxes that hold it (``"none"`` for boxes without it)."""
    with db.tx() as cur:
        rows = cur.execute("SELECT name, status FROM appliances WHERE enrolled_at IS NOT NULL ORDER BY name").fetchall()
        names = [r[0] for r in cur.execute("SELECT name FROM lists ORDER BY name").fetchall()]
    out: dict[str, dict[str, list[str]]] = {n: {} for n in names}
    for box, status in rows:
        held = _status(status).get("lists") or {}
        for n in names:
            v = held.get(n) if isinstance(held, dict) else None
            out[n].setdefault("none" if v is None else str(v), []).append(box)
    return out
