"""What the console and ``appliance status`` show: lanes, lists, sync, disk, memory, clock, charts."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import time
from importlib import metadata
from pathlib import Path

from .accounts import iso, parse_iso, utcnow

log = logging.getLogger(__name__)

#: A reader that has not reported for this long is shown as silent.
LANE_STALE_SECONDS = 90


def version() -> str:
    """The installed version of the appliance."""
    try:
        return metadata.version("border-screening-appliance")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def health(ctx) -> dict:
    """Liveness: the database answers. No credentials, no personal data."""
    try:
        ctx.reader().execute("SELECT 1").fetchone()
        db_ok = True
    except Exception:  # noqa: BLE001 - reported, not raised
        db_ok = False
    return {
        "status": "ok" if db_ok else "error",
        "database": "ok" if db_ok else "unavailable",
        "version": version(),
        "time": iso(utcnow()),
        "uptime_s": int(time.time() - ctx.started),
    }


def record_lane_status(ctx, lane: str, body: dict) -> None:
    """Store a bridge's report of its reader; log once when a reader goes away and once when it returns."""
    now = iso(utcnow())
    with ctx.write() as db:
        row = db.execute("SELECT state FROM lane_status WHERE lane = ?", [lane]).fetchone()
        db.execute(
            "INSERT INTO lane_status (lane, state, profile, port, last_read_at, reads, read_errors, detail, reported_at)"
            " VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(lane) DO UPDATE SET state=excluded.state, profile=excluded.profile,"
            " port=excluded.port, last_read_at=excluded.last_read_at, reads=excluded.reads, read_errors=excluded.read_errors,"
            " detail=excluded.detail, reported_at=excluded.reported_at",
            [lane, body["state"], body.get("profile"), body.get("port"), body.get("last_read_at"), body.get("reads"),
             body.get("read_errors"), (body.get("detail") or "")[:500], now],
        )
    before = row[0] if row else None
    if before != body["state"]:
        level = logging.WARNING if body["state"] != "connected" and before == "connected" else logging.INFO
        log.log(level, "lane %s reader %s", lane, body["state"])


def reader_state(ctx, lane: str) -> dict:
    """The lane's reader for a booth: ``state`` (connected, disconnected, error, silent, unknown, none) and when it was reported.

    ``none``: the lane has no reader configured (manual entry and images only); ``unknown``: a
    reader is configured but its bridge never reported; ``silent``: no report for 90 s.
    """
    row = ctx.reader().execute("SELECT state, reported_at FROM lane_status WHERE lane = ?", [lane]).fetchone()
    configured = ctx.config.lanes.get(lane)
    if row is None:
        return {"state": "none" if configured is not None and not configured.get("port") else "unknown", "reported_at": None}
    state, reported_at = row
    reported = parse_iso(reported_at)
    if reported is None or (utcnow() - reported).total_seconds() > LANE_STALE_SECONDS:
        state = "silent"
    return {"state": state, "reported_at": reported_at}


def lanes(ctx) -> list[dict]:
    """Every lane: configured ones, ones whose bridge reports, ones with scans."""
    db = ctx.reader()
    out: dict[str, dict] = {}
    for name, settings in ctx.config.lanes.items():
        out[name] = {"name": name, "configured": True, "description": settings.get("description", ""),
                     "profile": settings.get("profile"), "port": settings.get("port") or None}
    cols = ("lane", "state", "profile", "port", "last_read_at", "reads", "read_errors", "detail", "reported_at")
    now = utcnow()
    for r in db.execute(f"SELECT {', '.join(cols)} FROM lane_status"):
        d = dict(zip(cols, r))
        entry = out.setdefault(d["lane"], {"name": d["lane"], "configured": False, "description": ""})
        reported = parse_iso(d["reported_at"])
        silent = reported is None or (now - reported).total_seconds() > LANE_STALE_SECONDS
        entry.update({k: d[k] for k in cols[1:] if d[k] is not None or k not in entry})
        entry["silent"] = silent
    day_ago = iso(now - dt.timedelta(hours=24))
    for lane, count, last in db.execute(
        "SELECT lane, count(*), max(created_at) FROM scans WHERE created_at > ? GROUP BY lane", [day_ago]
    ):
        entry = out.setdefault(lane, {"name": lane, "configured": False, "description": ""})
        entry["scans_24h"] = count
        entry["last_scan_at"] = last
    for name, entry in out.items():
        entry.setdefault("state", "unknown")
        entry.setdefault("scans_24h", 0)
        entry["subscribers"] = ctx.events.subscribers(name)
    return sorted(out.values(), key=lambda e: e["name"])


def lists_info(ctx) -> list[dict]:
    """The lists on the box (``lists show --json`` objects) with age, staleness as screening sees it, and officer settings.

    A list is stale when it is older than ``screening.max_list_age_hours`` or, for a list held
    from the hub, when its last signed manifest has expired; an empty list is ``empty`` (the
    screening engine treats it as missing).
    """
    try:
        from ..screening.engine import hub_fresh_until
        from ..store.lists import list_lists
    except ImportError:
        return []
    db = ctx.reader()
    try:
        items = list_lists(db)
        fresh_until = hub_fresh_until(db)
    except Exception:  # noqa: BLE001 - the console must still render
        log.warning("cannot read the list summary", exc_info=False)
        return []
    max_hours = float(ctx.config["screening"]["max_list_age_hours"])
    settings = list_settings(ctx)
    now = dt.datetime.now(dt.timezone.utc)
    out = []
    for item in items:
        item = dict(item)
        as_of = _aware(item.get("published_at")) or _aware(item.get("imported_at"))
        age = (now - as_of).total_seconds() if as_of else None
        until = fresh_until.get(item.get("name"))
        if until is not None:
            stale, stale_at = until <= now, until
        else:
            stale = age is None or age > max_hours * 3600
            stale_at = as_of + dt.timedelta(hours=max_hours) if as_of else None
        size = sum(int(item.get(k) or 0) for k in ("persons", "entities", "documents")) or int(item.get("names") or 0)
        own = settings.get(item.get("name"), {})
        item.update({
            "as_of": as_of.isoformat(timespec="seconds") if as_of else None,
            "age_hours": round(age / 3600, 2) if age is not None else None,
            "age_minutes": int(age // 60) if age is not None else None,
            "stale": bool(stale) and size > 0,  # an empty list counts as missing, not as stale
            "stale_after_hours": max_hours if until is None else None,
            "stale_at": stale_at.isoformat(timespec="seconds") if stale_at else None,
            "fresh_until": until.isoformat(timespec="seconds") if until else None,
            "empty": size == 0,
            "title": own.get("title") or item.get("name"),
            "handling": handling_for(ctx, item.get("name"), item.get("kind")),
            "own_handling": own.get("handling") or "",
        })
        out.append(item)
    return out


def _aware(stamp) -> dt.datetime | None:
    """An aware UTC datetime from ISO text, or None."""
    if not isinstance(stamp, str) or not stamp:
        return None
    try:
        when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def list_settings(ctx) -> dict:
    """The ``[lists.<name>]`` tables of the configuration."""
    try:
        return ctx.config["lists"] or {}
    except KeyError:
        return {}


def handling_for(ctx, list_name: str | None, kind: str | None) -> str:
    """Handling instructions for a match on ``list_name``: its own ``[lists.<name>] handling``, else the booth default."""
    own = list_settings(ctx).get(list_name or "", {})
    if own.get("handling"):
        return own["handling"]
    booth = ctx.config["booth"]
    return booth["documents_handling"] if kind == "documents" else booth["watchlist_handling"]


def staleness(lists: list[dict]) -> dict:
    """``{"stale": bool, "stale_lists": [...], "empty_lists": [...]}`` for status and metrics."""
    stale = [i["name"] for i in lists if i.get("stale")]
    return {"stale": bool(stale), "stale_lists": stale, "empty_lists": [i["name"] for i in lists if i.get("empty")]}


def list_ages(ctx) -> dict:
    """List name -> {kind, version, age_hours, stale} for hit cards."""
    return {i.get("name"): {"kind": i.get("kind"), "version": i.get("version"), "age_hours": i.get("age_hours"),
                            "stale": i.get("stale")} for i in lists_info(ctx)}


def sync_info(ctx) -> dict:
    """The sync client's summary and the outbox depth."""
    from sync.client.outbox import depth

    db = ctx.reader()
    info: dict = {"outbox_depth": depth(db)}
    row = db.execute("SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND priority > 0").fetchone()
    info["outbox_priority_depth"] = row[0]
    try:
        from sync.client.state import summary
    except ImportError:
        info["state"] = None
        return info
    try:
        info["state"] = summary(db)
    except Exception:  # noqa: BLE001 - the console must still render
        log.warning("cannot read the sync state")
        info["state"] = {"error": "unavailable"}
    return info


def machine(ctx) -> dict:
    """Disk, memory, load and clock of the box."""
    disk = shutil.disk_usage(ctx.data_dir)
    mem = {}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("MemTotal", "MemAvailable"):
                mem[key] = int(rest.split()[0]) * 1024
    except OSError:
        pass
    rss = None
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        db_bytes = sum(p.stat().st_size for p in ctx.data_dir.glob("appliance.db*"))
    except OSError:
        db_bytes = None
    synced = Path("/run/systemd/timesync/synchronized").exists()
    return {
        "disk": {"path": str(ctx.data_dir), "total": disk.total, "free": disk.free, "used_pct": round(100 * (1 - disk.free / disk.total), 1) if disk.total else None},
        "database_bytes": db_bytes,
        "memory": {"total": mem.get("MemTotal"), "available": mem.get("MemAvailable"), "process_rss": rss},
        "load": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "clock": {"utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "ntp_synchronized": synced},
        "uptime_s": int(time.time() - ctx.started),
    }


def stats(ctx, hours: int = 24) -> dict:
    """Per hour: reads, read errors, the verdict mix, screening latency and the sync backlog; lists and disk now."""
    now = utcnow().replace(minute=0, second=0)
    start = now - dt.timedelta(hours=hours - 1)
    buckets = {iso(start + dt.timedelta(hours=i))[:13]: {"hour": iso(start + dt.timedelta(hours=i)), "verdicts": {}, "latencies": []}
               for i in range(hours)}
    db = ctx.reader()
    for created, decision, elapsed in db.execute(
        "SELECT created_at, decision, elapsed_ms FROM scans WHERE created_at >= ?", [iso(start)]
    ):
        b = buckets.get(created[:13])
        if b is None:
            continue
        b["verdicts"][decision] = b["verdicts"].get(decision, 0) + 1
        if elapsed is not None:
            b["latencies"].append(float(elapsed))
    out = []
    for b in buckets.values():
        lat = sorted(b.pop("latencies"))
        b["count"] = b["reads"] = sum(b["verdicts"].values())
        b["read_errors"] = b["verdicts"].get("READ_ERROR", 0)
        b["latency_p50_ms"] = round(lat[len(lat) // 2], 2) if lat else None
        b["latency_p95_ms"] = round(lat[min(len(lat) - 1, int(len(lat) * 0.95))], 2) if lat else None
        out.append(b)
    _sync_backlog(db, out)
    m = machine(ctx)
    lists = [{"name": i["name"], "title": i.get("title"), "kind": i.get("kind"), "age_hours": i.get("age_hours"),
              "stale": i.get("stale"), "stale_after_hours": i.get("stale_after_hours"), "fresh_until": i.get("fresh_until")}
             for i in lists_info(ctx)]
    return {"hours": out, "lists": lists, "disk": m["disk"], "database_bytes": m["database_bytes"]}


def _sync_backlog(db, hours: list[dict]) -> None:
    """Add ``sync_backlog``: outbox records waiting for the hub at the end of each hour."""
    if not hours:
        return
    start = hours[0]["hour"]
    try:
        rows = db.execute("SELECT created_at, delivered_at FROM outbox WHERE delivered_at IS NULL OR delivered_at >= ?",
                          [start]).fetchall()
    except Exception:  # noqa: BLE001 - no outbox table: nothing waits
        rows = []
    for b in hours:
        end = iso(parse_iso(b["hour"]) + dt.timedelta(hours=1))
        b["sync_backlog"] = sum(1 for created, delivered in rows if created < end and (delivered is None or delivered >= end))


def status(ctx) -> dict:
    """The whole status document (``GET /api/v1/status``, ``appliance status --json``)."""
    db = ctx.reader()
    counts = {r[0]: r[1] for r in db.execute(
        "SELECT decision, count(*) FROM scans WHERE created_at > ? GROUP BY decision", [iso(utcnow() - dt.timedelta(hours=24))])}
    pending = db.execute("SELECT count(*) FROM suppressions WHERE status = 'pending'").fetchone()[0]
    lists = lists_info(ctx)
    from .decisions import queue

    _, undecided = queue(db, None, 1)
    return {
        "site_name": ctx.config["appliance"]["site_name"],
        "version": version(),
        "health": health(ctx),
        "lanes": lanes(ctx),
        "lists": lists,
        **staleness(lists),
        "max_list_age_hours": float(ctx.config["screening"]["max_list_age_hours"]),
        "sync": sync_info(ctx),
        "machine": machine(ctx),
        "scans_24h": counts,
        "pending_suppressions": pending,
        "needs_decision": undecided,
        "event_subscribers": ctx.events.subscribers(),
        "audit_records": db.execute("SELECT count(*) FROM audit_log").fetchone()[0],
    }


def wait_for_streams(ctx, timeout: float = 2.0) -> bool:
    """After ``ctx.events.close()``: wait until every live screen's stream has ended (before the server closes)."""
    deadline = time.monotonic() + timeout
    while ctx.events.subscribers() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)  # let the ended responses be handed back to the server's loop
    return ctx.events.subscribers() == 0


def to_json(obj) -> str:
    """Pretty JSON for the CLI."""
    return json.dumps(obj, indent=2, sort_keys=True, default=str)
