"""Prometheus ``/metrics`` for the appliance (blueprint ``bp``, registered by create_app).

Everything is read from the store at scrape time, so the figures survive restarts of the
web service and tell the truth about what the bridge and the sync job wrote. Counters of
scans and the latency histogram are kept incrementally (only rows newer than the last
scrape are read), so purging old encounters never makes them go backwards. Any part whose
table does not exist yet, or fails, is skipped and counted in
``appliance_metrics_collect_errors_total``; a scrape never fails because of one part.

Access: loopback, the networks in ``metrics.allow_from``, or a signed-in principal with
the ``status`` permission. No personal data is exported: lanes, lists and counts only.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import shutil
import sqlite3
import threading
import time
from pathlib import Path

from flask import Blueprint, Response, current_app, g, jsonify, request
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from .system import version

log = logging.getLogger(__name__)

bp = Blueprint("metrics", __name__)

#: Upper bounds (seconds) of the screening latency histogram buckets.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
READER_STATES = ("connected", "disconnected", "error", "unknown")
_EXT = "ops.metrics"


def _parse_ts(value) -> float | None:
    """Seconds since the epoch for an ISO 8601 string (naive means UTC), else None."""
    if not value:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        stamp = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return stamp.timestamp()


def _list_size(item: dict, kind: str) -> int | None:
    """Records in a `lists show --json` object: documents of a documents list, else persons and entities."""
    keys = ("documents",) if kind == "documents" else ("persons", "entities")
    counts = [item[k] for k in keys if isinstance(item.get(k), int)]
    return sum(counts) if counts else None


def _has_table(db, name: str) -> bool:
    """True when the table exists in the database."""
    return db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", [name]).fetchone() is not None


class ScanTally:
    """Monotonic scan counters and latency buckets, fed by scans newer than the last seen id."""

    def __init__(self):
        self.lock = threading.Lock()
        self.last_id = 0
        self.counts: dict[tuple[str, str], int] = {}
        self.buckets: dict[str, list[int]] = {}
        self.sums: dict[str, float] = {}
        self.last_scan: dict[str, float] = {}
        self.last_created = ""

    def update(self, db) -> None:
        """Read the scans added since the previous call."""
        with self.lock:
            top = db.execute("SELECT max(id) FROM scans").fetchone()[0] or 0
            if top < self.last_id:
                # ids started again (every scan purged, or a restore): skip what was counted
                seen = db.execute("SELECT max(id) FROM scans WHERE created_at <= ?", [self.last_created]).fetchone()[0]
                self.last_id = seen or 0
            if top <= self.last_id:
                return
            span = [self.last_id, top]
            for lane, decision, n, last in db.execute(
                "SELECT lane, decision, count(*), max(created_at) FROM scans WHERE id > ? AND id <= ? GROUP BY lane, decision",
                span,
            ):
                self.counts[(lane, decision)] = self.counts.get((lane, decision), 0) + n
                ts = _parse_ts(last)
                if ts is not None:
                    self.last_scan[lane] = max(ts, self.last_scan.get(lane, 0.0))
                if last and last > self.last_created:
                    self.last_created = last
            cols = ", ".join(f"sum(elapsed_ms <= {b * 1000!r})" for b in LATENCY_BUCKETS)
            for row in db.execute(
                f"SELECT lane, {cols}, count(elapsed_ms), total(elapsed_ms) FROM scans "
                "WHERE id > ? AND id <= ? AND elapsed_ms IS NOT NULL GROUP BY lane",
                span,
            ):
                lane, le_counts, count, total = row[0], row[1:-2], row[-2], row[-1]
                acc = self.buckets.setdefault(lane, [0] * (len(LATENCY_BUCKETS) + 1))
                for i, c in enumerate(le_counts):
                    acc[i] += c or 0
                acc[-1] += count
                self.sums[lane] = self.sums.get(lane, 0.0) + (total or 0.0) / 1000
            self.last_id = top

    def families(self):
        """The scan counter, the latency histogram and last-scan gauges."""
        with self.lock:
            scans = CounterMetricFamily("appliance_scans", "Documents screened, by lane and verdict.", labels=["lane", "decision"])
            for (lane, decision), n in sorted(self.counts.items()):
                scans.add_metric([lane, decision], n)
            yield scans
            hist = HistogramMetricFamily(
                "appliance_screening_latency_seconds", "Time from read to verdict, by lane.", labels=["lane"])
            for lane, acc in sorted(self.buckets.items()):
                pairs = [(repr(b), acc[i]) for i, b in enumerate(LATENCY_BUCKETS)] + [("+Inf", acc[-1])]
                hist.add_metric([lane], pairs, self.sums.get(lane, 0.0))
            yield hist
            last = GaugeMetricFamily("appliance_last_scan_timestamp_seconds", "Time of the newest scan, by lane.", labels=["lane"])
            for lane, ts in sorted(self.last_scan.items()):
                last.add_metric([lane], ts)
            yield last


class ApplianceCollector:
    """Collects every appliance metric from the store of one app."""

    def __init__(self, app):
        self.app = app
        self.tally = ScanTally()
        self.errors: dict[str, int] = {}
        self._audit: tuple[float, dict] | None = None
        self._audit_lock = threading.Lock()
        self._audit_done = threading.Event()

    def describe(self):
        """Nothing up front: families depend on what the store holds."""
        return []

    def collect(self):
        """Yield every metric family; a failing part is skipped and counted."""
        ctx = self.app.extensions.get("appliance")
        now = time.time()
        info = GaugeMetricFamily("appliance_info", "Version and site of this box.", labels=["version", "site"])
        info.add_metric([version(), str(ctx.config["appliance"]["site_name"]) if ctx else ""], 1)
        yield info
        if ctx is None:
            return
        yield GaugeMetricFamily("appliance_start_time_seconds", "When the web service started.", value=ctx.started)
        db = ctx.reader()
        for name, part in (
            ("scans", self._scans), ("readers", self._readers), ("lists", self._lists),
            ("sync", self._sync), ("audit", self._audit_chain), ("disk", self._disk), ("backups", self._backups),
        ):
            try:
                yield from list(part(ctx, db, now))
            except Exception as exc:  # one broken part must not break the scrape
                self.errors[name] = self.errors.get(name, 0) + 1
                log.warning("metrics: %s could not be collected: %s", name, type(exc).__name__)
                log.debug("metrics: %s failed", name, exc_info=True)
        errs = CounterMetricFamily("appliance_metrics_collect_errors", "Failures while collecting a part of /metrics.", labels=["part"])
        for name, n in sorted(self.errors.items()):
            errs.add_metric([name], n)
        yield errs

    def _scans(self, ctx, db, now):
        if _has_table(db, "scans"):
            self.tally.update(db)
        yield from self.tally.families()

    def _readers(self, ctx, db, now):
        rows = {}
        if _has_table(db, "lane_status"):
            cols = [d[1] for d in db.execute("PRAGMA table_info(lane_status)")]
            for row in db.execute("SELECT * FROM lane_status"):
                rows[row[0]] = dict(zip(cols, row))
        state = GaugeMetricFamily("appliance_reader_state", "Reader state by lane (1 for the current state).", labels=["lane", "state"])
        up = GaugeMetricFamily("appliance_reader_connected", "1 when the lane's reader is connected.", labels=["lane"])
        reads = GaugeMetricFamily("appliance_reader_reads", "Reads reported by the bridge since it started.", labels=["lane"])
        errors = GaugeMetricFamily("appliance_reader_read_errors", "Bad reads reported by the bridge since it started.", labels=["lane"])
        age = GaugeMetricFamily("appliance_reader_report_age_seconds", "Seconds since the bridge last reported the lane.", labels=["lane"])
        for lane in sorted(set(rows) | set(ctx.config.lanes)):
            row = rows.get(lane, {})
            current = row.get("state") if row.get("state") in READER_STATES else "unknown"
            for s in READER_STATES:
                state.add_metric([lane, s], 1 if s == current else 0)
            up.add_metric([lane], 1 if current == "connected" else 0)
            if row.get("reads") is not None:
                reads.add_metric([lane], row["reads"])
            if row.get("read_errors") is not None:
                errors.add_metric([lane], row["read_errors"])
            ts = _parse_ts(row.get("reported_at"))
            if ts is not None:
                age.add_metric([lane], max(0.0, now - ts))
        yield from (state, up, reads, errors, age)

    def _lists(self, ctx, db, now):
        try:
            from appliance.store.lists import list_lists
        except ImportError:
            return
        age = GaugeMetricFamily("appliance_list_age_seconds", "Age of the list's published version.", labels=["list", "kind"])
        entries = GaugeMetricFamily("appliance_list_entries", "Records in the list.", labels=["list", "kind"])
        stale = GaugeMetricFamily("appliance_list_stale", "1 when screening treats the list as stale (too old, or its hub manifest expired).",
                                  labels=["list", "kind"])
        max_age = float(ctx.config["screening"]["max_list_age_hours"]) * 3600
        from .system import lists_info

        staleness = {i["name"]: i["stale"] for i in lists_info(ctx)}  # the booth's and `appliance status`'s own rule
        for item in list_lists(db):
            name = str(item.get("name") or item.get("list") or "")
            kind = str(item.get("kind") or "")
            ts = next((t for t in (_parse_ts(item.get(k)) for k in (
                "published_at", "version_published_at", "updated_at", "imported_at", "applied_at")) if t is not None), None)
            count = _list_size(item, kind)
            if ts is not None:
                age.add_metric([name, kind], max(0.0, now - ts))
            if count is not None:
                entries.add_metric([name, kind], count)
            is_stale = staleness.get(name, item.get("stale"))
            if is_stale is None and ts is not None:
                is_stale = now - ts > max_age
            if is_stale is not None:
                stale.add_metric([name, kind], 1 if is_stale else 0)
        yield from (age, entries, stale)

    def _sync(self, ctx, db, now):
        if _has_table(db, "outbox"):
            depth = GaugeMetricFamily("appliance_sync_queue_depth", "Outbox records not yet delivered to the hub.", labels=["priority"])
            hits, routine, oldest = db.execute(
                "SELECT total(priority >= 10), total(priority < 10), min(created_at) FROM outbox WHERE delivered_at IS NULL"
            ).fetchone()
            depth.add_metric(["hit"], hits or 0)
            depth.add_metric(["routine"], routine or 0)
            yield depth
            oldest_ts = _parse_ts(oldest)
            yield GaugeMetricFamily(
                "appliance_sync_lag_seconds", "Age of the oldest record waiting for the hub (0 when none waits).",
                value=max(0.0, now - oldest_ts) if oldest_ts else 0.0)
        try:
            from sync.client.state import summary
        except ImportError:
            return
        info = summary(db) or {}
        for keys, metric, what in (
            (("last_success", "last_success_at"), "appliance_sync_last_success_age_seconds", "last successful exchange"),
            (("last_attempt", "last_attempt_at"), "appliance_sync_last_attempt_age_seconds", "last attempted exchange"),
        ):
            ts = next((t for t in (_parse_ts(info.get(k)) for k in keys) if t is not None), None)
            if ts is not None:
                yield GaugeMetricFamily(metric, f"Seconds since the {what} with the hub.", value=max(0.0, now - ts))
        if isinstance(info.get("enrolled"), bool):
            yield GaugeMetricFamily("appliance_sync_enrolled", "1 when the box is enrolled with a hub.", value=int(info["enrolled"]))
        if info.get("state"):
            yield GaugeMetricFamily("appliance_sync_online", "1 when the last exchange with the hub succeeded.",
                                    value=int(info["state"] == "online"))
        for key, metric, doc in (
            ("consecutive_failures", "appliance_sync_consecutive_failures", "Failed exchanges since the last success."),
            ("rejected_records", "appliance_sync_rejected_records", "Outbox records the hub refused."),
            ("alarm_count", "appliance_sync_alarms", "Open sync alarms."),
        ):
            if isinstance(info.get(key), int):
                yield GaugeMetricFamily(metric, doc, value=info[key])

    def _audit_chain(self, ctx, db, now):
        audit = getattr(ctx, "audit", None)
        if audit is None or not _has_table(db, "audit_log"):
            return
        every = float(ctx.config["metrics"]["audit_verify_seconds"])
        cached = self._audit
        if (cached is None or now - cached[0] >= every) and self._audit_lock.acquire(blocking=False):
            # verifying a long chain takes seconds on a Pi: do it beside the scrape, never in it
            threading.Thread(target=self._verify_audit, args=(ctx, audit), name="metrics-audit", daemon=True).start()
            if cached is None:  # the very first scrape waits a little for a first answer
                self._audit_done.wait(timeout=2.0)
                cached = self._audit
        if cached is None:
            return
        at, res = cached
        yield GaugeMetricFamily("appliance_audit_chain_ok", "1 when the audit chain verified intact.", value=int(res["ok"]))
        yield GaugeMetricFamily("appliance_audit_records", "Records in the audit chain at the last check.", value=res["records"])
        yield GaugeMetricFamily("appliance_audit_verified_timestamp_seconds", "When the audit chain was last verified.", value=at)
        yield GaugeMetricFamily("appliance_audit_verify_duration_seconds", "How long the last verification took.", value=res["seconds"])

    def _verify_audit(self, ctx, audit) -> None:
        """Verify the whole chain on a connection of its own; keep the result for the scrapes."""
        from appliance.store import db as store_db

        try:
            started = time.monotonic()
            conn = store_db.connect(ctx.db_path, migrate=False)
            try:
                report = audit.verify(conn)
            finally:
                conn.conn.close()
            self._audit = (time.time(), {"ok": report.ok, "records": report.count, "seconds": time.monotonic() - started})
            if not report.ok:
                log.error("audit chain verification failed: %s", "; ".join(report.problems[:3]))
        except Exception as exc:  # reported as a collection error, retried at the next interval
            self.errors["audit"] = self.errors.get("audit", 0) + 1
            log.warning("metrics: the audit chain could not be verified: %s", type(exc).__name__)
            log.debug("audit verification failed", exc_info=True)
        finally:
            self._audit_done.set()
            self._audit_lock.release()

    def _backups(self, ctx, db, now):
        setting = ctx.config["metrics"]["backup_dir"]
        folder = Path(setting) if setting else None
        # no folder (no backup taken yet) counts as none, so "no recent backup" alerts fire
        found = [p.stat().st_mtime for p in folder.glob("appliance-*Z.bak")] if folder and folder.is_dir() else []
        yield GaugeMetricFamily("appliance_backups", "Backups in metrics.backup_dir.", value=len(found))
        if found:
            yield GaugeMetricFamily("appliance_backup_last_timestamp_seconds", "When the newest backup was written.",
                                    value=max(found))

    def _disk(self, ctx, db, now):
        usage = shutil.disk_usage(ctx.data_dir)
        yield GaugeMetricFamily("appliance_data_disk_free_bytes", "Free space where the data directory lives.", value=usage.free)
        yield GaugeMetricFamily("appliance_data_disk_size_bytes", "Size of the file system holding the data directory.", value=usage.total)
        db_file = ctx.data_dir / "appliance.db"
        if db_file.exists():
            yield GaugeMetricFamily("appliance_database_bytes", "Size of the database file.", value=db_file.stat().st_size)


def _registry(app) -> CollectorRegistry:
    """The app's own registry (one per app, so test apps never share state)."""
    reg = app.extensions.get(_EXT)
    if reg is None:
        reg = CollectorRegistry(auto_describe=False)
        reg.register(ApplianceCollector(app))
        app.extensions[_EXT] = reg
    return reg


def _allowed() -> bool:
    """Loopback, a network in metrics.allow_from, or a principal with the status permission."""
    try:
        addr = ipaddress.ip_address((request.remote_addr or "").split("%")[0])
    except ValueError:
        addr = None
    if addr is not None:
        if getattr(addr, "ipv4_mapped", None):
            addr = addr.ipv4_mapped
        if addr.is_loopback:
            return True
        ctx = current_app.extensions.get("appliance")
        for net in (ctx.config["metrics"]["allow_from"] if ctx else []):
            try:
                if addr in ipaddress.ip_network(str(net), strict=False):
                    return True
            except ValueError:
                log.warning("metrics.allow_from: %r is not a network", net)
    principal = g.get("principal")
    return bool(principal is not None and principal.can("status"))


@bp.get("/metrics")
def metrics():
    """Prometheus text exposition of the appliance's state."""
    ctx = current_app.extensions.get("appliance")
    if ctx is not None and not ctx.config["metrics"]["enabled"]:
        return jsonify({"error": "not_found", "message": "metrics are disabled (metrics.enabled)"}), 404
    if not _allowed():
        return jsonify({"error": "forbidden", "message": "metrics are served to loopback, metrics.allow_from or a technician"}), 403
    try:
        body = generate_latest(_registry(current_app))
    except sqlite3.Error as exc:
        log.error("metrics: the database could not be read: %s", exc)
        return jsonify({"error": "unavailable", "message": "the database could not be read"}), 503
    except Exception as exc:  # a scrape never answers 500: the monitoring system sees "unavailable"
        log.error("metrics: the scrape failed: %s", type(exc).__name__)
        log.debug("metrics scrape failure", exc_info=True)
        return jsonify({"error": "unavailable", "message": "metrics could not be collected; see the service log"}), 503
    return Response(body, mimetype=None, content_type=CONTENT_TYPE_LATEST)
