"""Benchmark: 1,000 simulated boxes against a hub on PostgreSQL (encounter ingest and a 100,000-record delta).

Run (about 3-5 minutes on the 2-core development machine):

    nice -n 10 .venv/bin/python bench/hub_fleet.py

It creates a throwaway database on the PostgreSQL at 127.0.0.1:5432 (``--pg`` to use another
server), a hub data directory in a temporary folder, serves the hub with ``screening-hub serve``
(waitress) on a free port, then drives it over HTTP from a pool of client threads, each box
with its own credential:

1. enrollment of every box (one-time tokens);
2. encounter ingest: every box uploads ``--records`` records in batches of ``--batch``;
   repeated once to measure de-duplication of re-sent batches;
3. a documents list published at version 1 (snapshot to every box), then version 2 adding
   100,000 documents: every box fetches the signed index and manifest, downloads the
   delta payload, and verifies signature and SHA-256 exactly as a box does.

The hub and the simulated boxes share the same two cores, so the figures are a lower bound.
"""

from __future__ import annotations

import argparse
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sync.hub import appliances, keys as hub_keys, lists as hub_lists, schema  # noqa: E402
from sync.hub.service import Hub  # noqa: E402
from sync.hub.settings import load_settings  # noqa: E402
from sync.protocol import check_index, check_manifest, sha256_hex  # noqa: E402


def free_port() -> int:
    """A free TCP port on localhost."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_ALNUM = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_STATES = ("UTO", "FRA", "DEU", "GBR", "NLD", "ITA", "ESP", "KEN", "NGA", "BRA", "IND", "PHL")


def doc(i: int) -> dict:
    """A fictitious document record; numbers and dates vary like real ones (so they compress realistically)."""
    rnd = random.Random(i)
    number = "".join(rnd.choice(_ALNUM) for _ in range(9))
    return {"issuing_state": rnd.choice(_STATES), "document_type": rnd.choice("PPPI"), "document_number": number,
            "status": rnd.choice(("stolen", "lost", "revoked")),
            "reported_on": f"20{rnd.randint(15, 29)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
            "reference": f"R{rnd.randint(0, 10**9):09d}"}


def encounter(box: int, i: int) -> dict:
    """One fictitious encounter record as a box uploads it."""
    return {"key": f"scan/{box}/{i}", "kind": "scan", "priority": 10 if i % 50 == 0 else 0,
            "created_at": "2030-01-01T08:00:00+00:00",
            "payload": {"decision": "HIT" if i % 50 == 0 else "CLEAR", "lane": "1", "site": f"post-{box}",
                        "document": {"issuing_state": "UTO", "document_type": "P"}, "reasons": [],
                        "lists": {"lost": 1, "un": 4}, "elapsed_ms": 12.5, "read_id": str(uuid.UUID(int=box * 1_000_000 + i))}}


def pct(values, p):
    """The p-th percentile of values."""
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boxes", type=int, default=1000)
    ap.add_argument("--records", type=int, default=200, help="encounters per box")
    ap.add_argument("--batch", type=int, default=100, help="records per upload request")
    ap.add_argument("--base", type=int, default=150_000, help="documents in version 1 of the list")
    ap.add_argument("--delta", type=int, default=100_000, help="documents added in version 2")
    ap.add_argument("--clients", type=int, default=24, help="client threads driving the boxes")
    ap.add_argument("--hub-threads", type=int, default=16)
    ap.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres", help="maintenance database URL")
    args = ap.parse_args()

    name = f"hub_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = args.pg.rsplit("/", 1)[0] + "/" + name
    tmp = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    proc = None
    try:
        settings = load_settings(tmp, url, must_exist=False)
        (tmp / "hub.toml").write_text(settings.to_toml(), encoding="utf-8")
        hub = Hub(settings)
        schema.create(hub.db)
        key = hub_keys.ensure_key(settings, hub.db)
        ring = {key.key_id: key.public}
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(tmp / "hub.log", "ab")
        proc = subprocess.Popen([str(Path(sys.executable).parent / "screening-hub"), "serve", "--data-dir", str(tmp),
                                 "--port", str(port), "--threads", str(args.hub_threads)], stdout=log, stderr=log)
        for _ in range(200):
            try:
                if requests.get(base + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        print(f"hub on PostgreSQL ({name}), {args.hub_threads} waitress threads; {args.boxes} boxes, {args.clients} client threads")

        local = threading.local()

        def session() -> requests.Session:
            if not hasattr(local, "s"):
                local.s = requests.Session()
            return local.s

        # 1. enrollment
        tokens = [appliances.add(hub.db, f"box-{i:04d}", token_hours=1)["token"] for i in range(args.boxes)]
        t0 = time.perf_counter()

        def enroll(i):
            r = session().post(base + "/api/v1/enroll", json={"token": tokens[i]}, timeout=30)
            r.raise_for_status()
            return r.json()["credential"]

        with ThreadPoolExecutor(args.clients) as pool:
            creds = list(pool.map(enroll, range(args.boxes)))
        t_enroll = time.perf_counter() - t0
        print(f"enrollment: {args.boxes} boxes in {t_enroll:.1f} s ({args.boxes / t_enroll:.0f}/s)")

        # 2. ingest
        def upload(i, resend=False):
            h = {"Authorization": f"Bearer {creds[i]}"}
            stored = 0
            lat = []
            for start in range(0, args.records, args.batch):
                batch = [encounter(i, j) for j in range(start, min(start + args.batch, args.records))]
                t = time.perf_counter()
                r = session().post(base + "/api/v1/records", json={"records": batch}, headers=h, timeout=60)
                r.raise_for_status()
                lat.append(time.perf_counter() - t)
                stored += r.json()["stored"]
                assert len(r.json()["acknowledged"]) == len(batch)
            return stored, lat

        for label, resend in (("ingest", False), ("re-sent (all duplicates)", True)):
            t0 = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                results = list(pool.map(lambda i: upload(i, resend), range(args.boxes)))
            dt_ = time.perf_counter() - t0
            total = args.boxes * args.records
            stored = sum(r[0] for r in results)
            lats = [x for r in results for x in r[1]]
            print(f"{label}: {total} records in {dt_:.1f} s = {total / dt_:,.0f} records/s; stored {stored}; "
                  f"batch latency p50 {statistics.median(lats) * 1000:.0f} ms, p95 {pct(lats, 0.95) * 1000:.0f} ms")
        with hub.db.tx() as cur:
            assert cur.execute("SELECT count(*) FROM records").fetchone()[0] == args.boxes * args.records

        # 3. lists: v1 snapshot to all, then the big delta
        t0 = time.perf_counter()
        hub_lists.publish(hub.db, "lost", kind="documents", fmt="documents-csv", records=[doc(i) for i in range(args.base)], source="bench")
        t_pub1 = time.perf_counter() - t0

        def fetch(i, held):
            h = {"Authorization": f"Bearer {creds[i]}"}
            s = session()
            t = time.perf_counter()
            index = check_index(s.get(base + "/api/v1/lists", headers=h, timeout=60).json(), ring)
            assert index["lists"][0]["version"] == held + 1
            m = check_manifest(s.get(base + "/api/v1/lists/lost/update", params={"from": held}, headers=h, timeout=60).json(),
                               ring, list_name="lost", held_version=held)
            data = s.get(base + f"/api/v1/payloads/{m['payload_sha256']}", headers=h, timeout=120).content
            assert len(data) == m["payload_size"] and sha256_hex(data) == m["payload_sha256"]
            return time.perf_counter() - t, len(data), m

        lat_s, size_s, _ = fetch(0, 0)
        lat_s2, _, _ = fetch(1, 0)
        print(f"snapshot v1: {args.base:,} documents, {size_s / 1e6:.2f} MB compressed; first fetch (builds it) {lat_s:.2f} s, "
              f"next {lat_s2:.2f} s")
        t0 = time.perf_counter()
        big = hub_lists.publish(hub.db, "lost", kind="documents", fmt="documents-csv",
                                records=[doc(i) for i in range(args.base + args.delta)], source="bench")
        t_pub2 = time.perf_counter() - t0
        print(f"publish: v1 {args.base:,} documents in {t_pub1:.1f} s; v2 (+{big['upserts']:,} documents) in {t_pub2:.1f} s")
        lat0, size, m = fetch(0, 1)  # the first request builds and stores the payload
        assert not m["full"] and m["upserts"] == args.delta
        print(f"delta payload v1->v2: {m['upserts']:,} upserts, {size / 1e6:.2f} MB compressed; first request (builds it) {lat0:.2f} s")
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            res = list(pool.map(lambda i: fetch(i, 1), range(1, args.boxes)))
        dt_ = time.perf_counter() - t0
        lats = [r[0] for r in res]
        served = sum(r[1] for r in res)
        print(f"delta to {args.boxes - 1} more boxes: {dt_:.1f} s, {served / 1e9:.2f} GB served ({served / dt_ / 1e6:.0f} MB/s), "
              f"{(args.boxes - 1) / dt_:.1f} boxes/s; per box p50 {statistics.median(lats):.2f} s, p95 {pct(lats, 0.95):.2f} s")
        hub.close()
    finally:
        if proc:
            proc.terminate()
            proc.wait(20)
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name])
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
