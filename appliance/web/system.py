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
    """The lists on the box (``lists show --json`` objects), with their age in hours."""
    try:
        from ..store.lists import list_lists
    except ImportError:
        return []
    try:
        items = list_lists(ctx.reader())
    except Exception:  # noqa: BLE001 - the console must still render
        log.warning("cannot read the list summary", exc_info=False)
        return []
    now = utcnow()
    out = []
    for item in items:
        item = dict(item)
        stamp = next((item.get(k) for k in ("updated_at", "applied_at", "imported_at", "published_at") if item.get(k)), None)
        try:
            when = parse_iso(stamp) if isinstance(stamp, str) else None
            if when is not None and when.tzinfo is None:
                when = when.replace(tzinfo=dt.timezone.utc)
        except ValueError:
            when = None
        item.setdefault("age_hours", round((now - when).total_seconds() / 3600, 1) if when else None)
        out.append(item)
    return out


def list_ages(ctx) -> dict:
    """List name -> {kind, version, age_hours} for hit cards."""
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
    """Scans per hour by verdict and screening latency per hour, for the console's charts."""
    now = utcnow().replace(minute=0, second=0)
    start = now - dt.timedelta(hours=hours - 1)
    buckets = {iso(start + dt.timedelta(hours=i))[:13]: {"hour": iso(start + dt.timedelta(hours=i)), "verdicts": {}, "latencies": []}
               for i in range(hours)}
    for created, decision, elapsed in ctx.reader().execute(
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
        b["count"] = sum(b["verdicts"].values())
        b["latency_p50_ms"] = round(lat[len(lat) // 2], 2) if lat else None
        b["latency_p95_ms"] = round(lat[min(len(lat) - 1, int(len(lat) * 0.95))], 2) if lat else None
        out.append(b)
    return {"hours": out}


def status(ctx) -> dict:
    """The whole status document (``GET /api/v1/status``, ``appliance status --json``)."""
    db = ctx.reader()
    counts = {r[0]: r[1] for r in db.execute(
        "SELECT decision, count(*) FROM scans WHERE created_at > ? GROUP BY decision", [iso(utcnow() - dt.timedelta(hours=24))])}
    pending = db.execute("SELECT count(*) FROM suppressions WHERE status = 'pending'").fetchone()[0]
    return {
        "site_name": ctx.config["appliance"]["site_name"],
        "version": version(),
        "health": health(ctx),
        "lanes": lanes(ctx),
        "lists": lists_info(ctx),
        "sync": sync_info(ctx),
        "machine": machine(ctx),
        "scans_24h": counts,
        "pending_suppressions": pending,
        "event_subscribers": ctx.events.subscribers(),
        "audit_records": db.execute("SELECT count(*) FROM audit_log").fetchone()[0],
    }


def to_json(obj) -> str:
    """Pretty JSON for the CLI."""
    return json.dumps(obj, indent=2, sort_keys=True, default=str)
