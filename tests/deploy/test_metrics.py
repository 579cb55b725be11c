"""Prometheus /metrics: figures from the store, robust to missing tables, loopback-only by default."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from appliance.config import load_config

from .conftest import ScanWriter, run_appliance


def make_app(data_dir, settings=None):
    """The real create_app when the web service is complete, else the blueprint on the real context."""
    try:
        from appliance.web import create_app

        return create_app({"DATA_DIR": str(data_dir), "TESTING": True, "SETTINGS": settings or {}})
    except ImportError:
        from appliance.web.context import Appliance
        from appliance.web.metrics import bp

        app = Flask("metrics-test")
        app.extensions["appliance"] = Appliance(load_config(data_dir=data_dir, overrides=settings), data_dir)
        app.register_blueprint(bp)
        return app


@pytest.fixture
def box(data_dir):
    """A scan writer and an app over the same data directory."""
    writer = ScanWriter(data_dir)
    app = make_app(data_dir, {"lanes": {}})
    yield writer, app
    writer.stop()
    app.extensions["appliance"].close()


def scrape(app, remote="127.0.0.1") -> dict:
    """GET /metrics and parse it: {(name, labels...): value}."""
    resp = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": remote})
    assert resp.status_code == 200, resp.data
    assert resp.content_type.startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(resp.data.decode()):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))))


def test_scans_verdicts_and_latency_by_lane(box):
    """Scan counters by lane and verdict and the latency histogram follow the scans table."""
    writer, app = box
    for n in range(10):
        writer.write_one(n)  # lanes lane1/lane2, every fifth a POSSIBLE_MATCH, 3-12 ms
    m = scrape(app)
    assert value(m, "appliance_scans_total", lane="lane1", decision="CLEAR") == 4
    assert value(m, "appliance_scans_total", lane="lane1", decision="POSSIBLE_MATCH") == 1
    assert value(m, "appliance_scans_total", lane="lane2", decision="CLEAR") == 4
    assert value(m, "appliance_screening_latency_seconds_count", lane="lane1") == 5
    assert value(m, "appliance_screening_latency_seconds_bucket", lane="lane1", le="0.005") == 2  # lane1 has n = 0, 2, 4, 6, 8: 3, 5, 7, 9, 11 ms
    assert value(m, "appliance_screening_latency_seconds_bucket", lane="lane1", le="+Inf") == 5
    assert value(m, "appliance_screening_latency_seconds_sum", lane="lane1") == pytest.approx((3 + 5 + 7 + 9 + 11) / 1000)
    writer.write_one(10)
    m = scrape(app)
    assert value(m, "appliance_scans_total", lane="lane1", decision="CLEAR") == 4
    assert value(m, "appliance_scans_total", lane="lane1", decision="POSSIBLE_MATCH") == 2


def scrape_around_a_purge(box, written: int, delete: str, then: tuple[int, ...]) -> tuple[dict, dict]:
    """Write ``written`` scans and scrape; purge with ``delete``, write scans ``then`` and scrape again."""
    writer, app = box
    for n in range(written):
        writer.write_one(n)
    before = scrape(app)
    with writer.ctx.write() as db:
        db.execute(delete)
    for n in then:
        writer.write_one(n)
    return before, scrape(app)


def test_purged_scans_do_not_make_counters_go_backwards(box):
    """Counters only grow: purging old encounters does not reset them."""
    before, after = scrape_around_a_purge(box, 6, "DELETE FROM scans WHERE id <= 4", (6,))
    total = lambda m: sum(v for (n, _), v in m.items() if n == "appliance_scans_total")  # noqa: E731
    assert total(after) == total(before) + 1


def test_counting_goes_on_when_ids_start_again(box):
    """After every scan was purged SQLite reuses ids from 1: new scans are still counted, old ones not twice."""
    before, after = scrape_around_a_purge(box, 4, "DELETE FROM scans", (10, 12))
    assert value(after, "appliance_scans_total", lane="lane1", decision="POSSIBLE_MATCH") == \
        value(before, "appliance_scans_total", lane="lane1", decision="POSSIBLE_MATCH") + 1  # n=10
    assert value(after, "appliance_scans_total", lane="lane1", decision="CLEAR") == \
        value(before, "appliance_scans_total", lane="lane1", decision="CLEAR") + 1  # n=12


def test_reader_state_sync_queue_audit_and_disk(box):
    """Reader state per lane, outbox depth and lag, audit chain status and free disk are exported."""
    writer, app = box
    now = dt.datetime.now(dt.timezone.utc)
    with writer.ctx.write() as db:
        db.execute("INSERT INTO lane_status (lane, state, profile, port, reads, read_errors, reported_at) VALUES (?,?,?,?,?,?,?)",
                   ["lane1", "connected", "access-is", "/dev/mrz-lane1", 12, 1, now.isoformat()])
        db.execute("INSERT INTO lane_status (lane, state, reads, read_errors, reported_at) VALUES (?,?,?,?,?)",
                   ["lane2", "error", 0, 3, (now - dt.timedelta(minutes=5)).isoformat()])
        from sync.client.outbox import PRIORITY_HIT, enqueue

        enqueue(db, kind="encounter", record_key="encounter/a", payload={"x": 1})
        enqueue(db, kind="encounter", record_key="encounter/b", payload={"x": 2}, priority=PRIORITY_HIT)
        writer.ctx.audit.append(db, "admin", "config.write", "server.port")
    m = scrape(app)
    assert value(m, "appliance_reader_connected", lane="lane1") == 1
    assert value(m, "appliance_reader_connected", lane="lane2") == 0
    assert value(m, "appliance_reader_state", lane="lane2", state="error") == 1
    assert value(m, "appliance_reader_reads", lane="lane1") == 12
    assert value(m, "appliance_reader_read_errors", lane="lane2") == 3
    assert 290 <= value(m, "appliance_reader_report_age_seconds", lane="lane2") <= 900
    assert value(m, "appliance_sync_queue_depth", priority="hit") == 1
    assert value(m, "appliance_sync_queue_depth", priority="routine") == 1
    assert value(m, "appliance_sync_lag_seconds") >= 0
    assert value(m, "appliance_audit_chain_ok") == 1
    assert value(m, "appliance_audit_records") == 1
    assert value(m, "appliance_data_disk_free_bytes") > 0
    assert value(m, "appliance_info", version=value and next(
        dict(k[1])["version"] for k in m if k[0] == "appliance_info"), site="Border post") == 1


def test_broken_audit_chain_shows(data_dir):
    """An edited audit record turns appliance_audit_chain_ok to 0."""
    writer = ScanWriter(data_dir)
    try:
        writer.write_one(1)
        with writer.ctx.write() as db:
            db.execute("DROP TRIGGER audit_log_no_update")
            db.execute("UPDATE audit_log SET target = 'tampered'")
        app = make_app(data_dir)
        assert value(scrape(app), "appliance_audit_chain_ok") == 0
        app.extensions["appliance"].close()
    finally:
        writer.stop()


def test_missing_tables_do_not_break_the_scrape(box):
    """A table another area has not created yet is skipped; a part that fails is counted, not fatal."""
    writer, app = box
    writer.write_one(1)
    with writer.ctx.write() as db:
        db.execute("DROP TABLE lane_status")
    m = scrape(app)
    assert not [k for k in m if k[0] == "appliance_metrics_collect_errors_total"]
    assert not [k for k in m if k[0] == "appliance_reader_state"]
    with writer.ctx.write() as db:
        db.execute("DROP TABLE outbox")
    m = scrape(app)
    assert ("appliance_sync_queue_depth", (("priority", "hit"),)) not in m
    assert value(m, "appliance_scans_total", lane="lane2", decision="CLEAR") == 1
    assert value(m, "appliance_audit_chain_ok") == 1


def test_configured_lane_without_a_report_is_unknown(data_dir):
    """A lane in the configuration that the bridge never reported shows as unknown."""
    writer = ScanWriter(data_dir)
    app = make_app(data_dir, {"lanes": {"north": {"port": "/dev/mrz-north"}}})
    try:
        m = scrape(app)
        assert value(m, "appliance_reader_state", lane="north", state="unknown") == 1
        assert value(m, "appliance_reader_connected", lane="north") == 0
    finally:
        app.extensions["appliance"].close()
        writer.stop()


def test_access_is_loopback_or_allowed_networks(data_dir):
    """Other addresses get 403 unless metrics.allow_from lists their network."""
    writer = ScanWriter(data_dir)
    app = make_app(data_dir)
    allowed = make_app(data_dir, {"metrics": {"allow_from": ["10.1.0.0/16"]}})
    try:
        assert app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403
        assert app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
        scrape(allowed, remote="10.1.2.3")
        assert allowed.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "10.2.0.1"}).status_code == 403
    finally:
        for a in (app, allowed):
            a.extensions["appliance"].close()
        writer.stop()


def test_backup_age_is_reported(data_dir, tmp_path):
    """The newest backup in metrics.backup_dir and the number kept are exported."""
    from appliance.ops.backup import create_backup, timestamped_name

    writer = ScanWriter(data_dir)
    folder = tmp_path / "backups"
    folder.mkdir()
    app = make_app(data_dir, {"metrics": {"backup_dir": str(folder)}})
    try:
        assert value(scrape(app), "appliance_backups") == 0
        writer.write_one(1)
        create_backup(data_dir, folder / timestamped_name())
        m = scrape(app)
        assert value(m, "appliance_backups") == 1
        assert abs(value(m, "appliance_backup_last_timestamp_seconds") - dt.datetime.now().timestamp()) < 600
    finally:
        app.extensions["appliance"].close()
        writer.stop()


def test_list_sizes_and_ages(data_dir, tmp_path):
    """Each list's size (persons and entities, or documents), age and staleness, labelled by list and kind."""
    writer = ScanWriter(data_dir)
    (tmp_path / "wl.csv").write_text("entry_id,name,entity_type\nE1,Ivan Fictitious,individual\n"
                                     "E2,Fictitious Shipping Ltd,entity\nE3,Anna Invented,\n")
    (tmp_path / "docs.csv").write_text("UTO,P,X12345678,stolen,2024-01-01\nUTO,P,X12345679,lost,\n")
    for name, fmt, path in (("national", "csv", "wl.csv"), ("sltd", "documents-csv", "docs.csv")):
        out = run_appliance("lists", "import", "--list", name, "--format", fmt, str(tmp_path / path), data_dir=data_dir)
        assert out.returncode == 0, out.stderr
    app = make_app(data_dir)
    try:
        m = scrape(app)
        assert value(m, "appliance_list_entries", list="national", kind="watchlist") == 3
        assert value(m, "appliance_list_entries", list="sltd", kind="documents") == 2
        assert 0 <= value(m, "appliance_list_age_seconds", list="sltd", kind="documents") < 600
        assert value(m, "appliance_list_stale", list="national", kind="watchlist") == 0
    finally:
        app.extensions["appliance"].close()
        writer.stop()


def test_no_backup_folder_counts_as_no_backups(data_dir, tmp_path):
    """Before the first nightly backup the folder may not exist: 0 backups, not a missing metric."""
    writer = ScanWriter(data_dir)
    app = make_app(data_dir, {"metrics": {"backup_dir": str(tmp_path / "not-yet")}})
    try:
        m = scrape(app)
        assert value(m, "appliance_backups") == 0
        assert not [k for k in m if k[0] == "appliance_backup_last_timestamp_seconds"]
    finally:
        app.extensions["appliance"].close()
        writer.stop()
