"""Benchmark of the operations tools: backup and restore of a busy box, and /metrics scrapes.

Builds a data directory with N fictitious scans (and an audit record per scan), then times
``appliance backup`` (plain and encrypted), ``appliance restore`` and scrapes of /metrics
(the first one reads every scan and verifies the audit chain; later ones read only what is
new). Prints a Markdown table for docs/benchmarks.md.

    nice -n 10 .venv/bin/python bench/ops_backup_metrics.py --scans 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MRZ = "P<UTOFICTITIOUS<<TRAVELLER<<<<<<<<<<<<<<<<<<\nX000000000UTO8001014F3501011<<<<<<<<<<<<<<02"


def populate(data_dir: Path, count: int) -> None:
    """Write ``count`` scans with realistic result JSON, an audit record each, in batches."""
    from appliance.config import load_config
    from appliance.web.context import Appliance

    ctx = Appliance(load_config(data_dir=data_dir), data_dir)
    result = json.dumps({"decision": "CLEAR", "reasons": [], "matches": [], "lists": {"un": "2026-11-01"},
                         "document": {"surname": "FICTITIOUS", "given_names": "TRAVELLER", "pad": "x" * 600}})
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    batch = 5000
    for base in range(0, count, batch):
        with ctx.write() as db:
            rows = [(f"bench-{n}", f"lane{n % 4 + 1}", "serial", (start + dt.timedelta(seconds=n)).isoformat(),
                     "CLEAR" if n % 50 else "POSSIBLE_MATCH", f"UTO:X{n:09d}", MRZ, result, 5 + n % 300, "token:1")
                    for n in range(base, min(count, base + batch))]
            db.conn.executemany(
                "INSERT INTO scans (read_id, lane, source, created_at, decision, doc_key, mrz, result, elapsed_ms, submitted_by)"
                " VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
            for r in rows:
                ctx.audit.append(db, "token:1", "scan.create", r[0])
    ctx.close()


def populate_more(app, count: int) -> None:
    """Add ``count`` scans through the running app's writer."""
    ctx = app.extensions["appliance"]
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    with ctx.write() as db:
        db.conn.executemany(
            "INSERT INTO scans (read_id, lane, source, created_at, decision, doc_key, mrz, result, elapsed_ms, submitted_by)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(f"more-{n}", "lane1", "serial", now, "CLEAR", None, MRZ, "{}", 7.0, "token:1") for n in range(count)])


def timed(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=100_000)
    args = parser.parse_args()

    from appliance.ops.backup import create_backup, restore_backup
    from appliance.web import create_app

    with tempfile.TemporaryDirectory(prefix="bench-ops-") as tmp:
        tmp = Path(tmp)
        data = tmp / "data"
        data.mkdir()
        os.environ["APPLIANCE_DATA_DIR"] = str(data)
        _, t_pop, _ = timed(lambda: populate(data, args.scans))
        db_mb = (data / "appliance.db").stat().st_size / 1e6
        rows = []
        _, w, c = timed(lambda: create_backup(data, tmp / "plain.bak"))
        rows.append(("backup, plain", w, c, (tmp / "plain.bak").stat().st_size / 1e6))
        _, w, c = timed(lambda: create_backup(data, tmp / "enc.bak", passphrase="bench passphrase"))
        rows.append(("backup, encrypted", w, c, (tmp / "enc.bak").stat().st_size / 1e6))
        _, w, c = timed(lambda: restore_backup(tmp / "plain.bak", tmp / "r1"))
        rows.append(("restore, plain (into an empty box)", w, c, None))
        _, w, c = timed(lambda: restore_backup(tmp / "enc.bak", data, passphrase="bench passphrase"))
        rows.append(("restore, encrypted (over the live box)", w, c, None))

        app = create_app({"DATA_DIR": str(data), "TESTING": True})
        client = app.test_client()
        scrape = lambda: client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})  # noqa: E731
        resp, w, c = timed(scrape)
        assert resp.status_code == 200
        rows.append(("/metrics, first scrape (all scans, audit chain verified)", w, c, len(resp.data) / 1e6))
        _, w, c = timed(scrape)
        rows.append(("/metrics, next scrape (nothing new, audit result cached)", w, c, None))
        populate_more(app, 1000)
        _, w, c = timed(scrape)
        rows.append(("/metrics, scrape after 1,000 new scans", w, c, None))
        time.sleep(3)
        body = scrape().data.decode()
        took = next(line.split()[-1] for line in body.splitlines() if line.startswith("appliance_audit_verify_duration_seconds "))
        rows.append((f"audit chain verification (background thread, {args.scans:,} records)", float(took), float("nan"), None))
        app.extensions["appliance"].close()

    print(f"{args.scans:,} scans with an audit record each; database {db_mb:.0f} MB (built in {t_pop:.0f} s); "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB\n")
    print("| operation | wall s | CPU s | output MB |")
    print("| --- | ---: | ---: | ---: |")
    for name, w, c, size in rows:
        cpu = "" if c != c else f"{c:.2f}"
        print(f"| {name} | {w:.2f} | {cpu} | {'' if size is None else f'{size:.1f}'} |")


if __name__ == "__main__":
    main()
