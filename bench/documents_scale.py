"""Benchmark of the lost/stolen document store at scale (figures go to docs/benchmarks.md).

    nice -n 10 .venv/bin/python bench/documents_scale.py --records 10000000 --workdir /tmp/docbench

Generates a fictitious documents-csv file, imports it with ``import_list`` (the code behind
``appliance lists import``), then measures bytes per record on disk, lookup latency (warm and
cold page cache), resident memory while serving lookups, and a 100,000-record change set.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STATES = ["FRA", "D", "GBR", "ITA", "ESP", "USA", "CAN", "NLD", "BEL", "POL", "TUR", "IND", "CHN", "BRA",
          "MEX", "RUS", "UKR", "ROU", "PRT", "SWE", "AUS", "JPN", "KOR", "ZAF", "NGA", "EGY", "PAK", "IDN"]
STATUSES = ["lost"] * 5 + ["stolen"] * 4 + ["stolen_blank", "revoked", "invalidated"]


def number(rng: random.Random, i: int) -> str:
    """A fictitious document number in one of the shapes real passports use."""
    shape = i % 10
    if shape < 4:
        return f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{rng.randrange(10**7):07d}"
    if shape < 7:
        return f"{rng.randrange(10**8, 10**9)}"
    if shape < 9:
        return f"{rng.choice('CGKLMNPTX')}{rng.randrange(10**8):08d}"
    return f"{rng.randrange(10**8):09d}"  # leading zeros possible


def generate(path: Path, n: int, seed: int = 7) -> None:
    """Write ``n`` fictitious records as documents-csv."""
    rng = random.Random(seed)
    with open(path, "w", encoding="ascii") as fh:
        buf = []
        for i in range(n):
            y, m, d = 2010 + i % 15, 1 + i % 12, 1 + i % 28
            buf.append(f"{rng.choice(STATES)},{'P' if i % 7 else 'I'},{number(rng, i)},{rng.choice(STATUSES)},"
                       f"{y}-{m:02d}-{d:02d}\n")
            if len(buf) >= 100_000:
                fh.write("".join(buf))
                buf.clear()
        fh.write("".join(buf))


def sample_queries(path: Path, k: int, seed: int = 11) -> list[tuple[str, str, str]]:
    """``k`` queries: half records from the file (hits), half random numbers (mostly misses)."""
    rng = random.Random(seed)
    size = path.stat().st_size
    out = []
    with open(path, "rb") as fh:
        while len(out) < k // 2:
            fh.seek(rng.randrange(size))
            fh.readline()
            line = fh.readline().decode().strip()
            if line:
                state, dtype, num = line.split(",")[:3]
                out.append((state, num, dtype))
    out += [(rng.choice(STATES), number(rng, i), "P") for i in range(k - len(out))]
    rng.shuffle(out)
    return out


def pct(values: list[float], p: float) -> float:
    """The p-th percentile of ``values``."""
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * p / 100))]


def serve(data_dir: str, queries_file: str, mode: str) -> None:
    """Child process: answer the queries, print latencies (µs) and RSS as JSON.

    ``mode`` "0": warm; "1": the list file evicted from the OS page cache and SQLite's cache
    emptied before every lookup (worst case); "2": evicted once before the series (a cold start).
    """
    cold = mode == "1"
    from appliance.store.db import connect, database_path
    from appliance.store import docfiles
    from appliance.store.documents import check

    db = connect(database_path(data_dir))
    queries = json.loads(Path(queries_file).read_text())
    storage = db.execute("SELECT storage FROM lists WHERE kind = 'documents'").fetchone()[0]
    list_file = Path(data_dir) / "lists" / storage
    fd = os.open(list_file, os.O_RDONLY)
    check(db, "FRA", "WARMUP")  # opens the list file
    if mode == "2":
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        docfiles.reader(str(list_file)).execute("PRAGMA shrink_memory")
    times, cpu, hits = [], [], 0
    for state, num, dtype in queries:
        if cold:
            # drop the list file from the OS page cache and SQLite's own page cache
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            docfiles.reader(str(list_file)).execute("PRAGMA shrink_memory")
        t, c = time.perf_counter(), time.thread_time()
        found = check(db, state, num, dtype)
        times.append((time.perf_counter() - t) * 1e6)
        cpu.append((time.thread_time() - c) * 1e6)
        hits += bool(found)
    status = Path("/proc/self/status").read_text()
    rss_mb = int(status.split("VmRSS:")[1].split()[0]) / 1024
    print(json.dumps({"n": len(times), "hits": hits, "p50_us": round(pct(times, 50)), "p99_us": round(pct(times, 99)),
                      "max_us": round(max(times)), "cpu_p50_us": round(pct(cpu, 50)), "cpu_p99_us": round(pct(cpu, 99)),
                      "rss_mb": round(rss_mb, 1)}))


def main() -> None:
    """Run the whole benchmark and print one JSON object of figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--workdir", default="/tmp/docbench")
    ap.add_argument("--queries", type=int, default=20000)
    ap.add_argument("--cold-queries", type=int, default=1000)
    ap.add_argument("--changes", type=int, default=100_000)
    ap.add_argument("--hashing", action="store_true", help="Store numbers as keyed hashes.")
    ap.add_argument("--reuse", action="store_true", help="Reuse the data dir of an earlier run (no import).")
    ap.add_argument("--workers", type=int, default=0, help="Import processes (default: usable CPUs, at most 4).")
    ap.add_argument("--serve", nargs=3, metavar=("DATA_DIR", "QUERIES", "COLD"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve[0], args.serve[1], args.serve[2])
        return

    from appliance.lists.model import DocumentRecord
    from appliance.store.changes import apply_changes
    from appliance.store.db import connect, database_path
    from appliance.store.importing import import_list

    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / f"documents-{args.records}.csv"
    if not csv_path.exists():
        generate(csv_path, args.records)
    data_dir = work / f"data-{args.records}{'-hashed' if args.hashing else ''}"
    figures: dict = {"records_in_file": args.records, "hashing": args.hashing}
    if args.reuse and data_dir.exists():
        db = connect(database_path(data_dir))
        records = db.execute("SELECT documents FROM lists WHERE name = 'sltd'").fetchone()[0]
        figures["records"] = records
    else:
        if data_dir.exists():
            subprocess.run(["rm", "-rf", str(data_dir)], check=True)
        data_dir.mkdir()
        db = connect(database_path(data_dir))
        from appliance.store.docfiles import PARALLEL_MIN_BYTES, default_workers

        workers = args.workers or default_workers()
        if csv_path.stat().st_size < PARALLEL_MIN_BYTES:
            workers = 1
        os.sync()  # the generated CSV's dirty pages are not the import's to write
        figures["load_average_before_import"] = [round(x, 2) for x in os.getloadavg()]
        t, c0 = time.perf_counter(), os.times()
        report = import_list(db, "sltd", "documents-csv", [csv_path], hashing=args.hashing, workers=workers)
        wall, c1 = time.perf_counter() - t, os.times()
        main_cpu = (c1.user + c1.system) - (c0.user + c0.system)
        worker_cpu = (c1.children_user + c1.children_system) - (c0.children_user + c0.children_system)
        cpu = main_cpu + worker_cpu
        records = report.records
        figures.update(records=records, import_workers=workers, import_seconds=round(wall, 2),
                       import_cpu_seconds=round(cpu, 2), import_cpu_main=round(main_cpu, 2),
                       import_cpu_workers=round(worker_cpu, 2), import_rate_per_s=int(records / wall),
                       import_rate_per_cpu_s=int(records / cpu),
                       load_average_after_import=[round(x, 2) for x in os.getloadavg()])
    storage = db.execute("SELECT storage FROM lists WHERE name = 'sltd'").fetchone()[0]
    list_file = data_dir / "lists" / storage
    size = sum(p.stat().st_size for p in list_file.parent.iterdir() if p.name.startswith(storage))
    figures.update(file_bytes=size, bytes_per_record=round(size / records, 2))

    queries = sample_queries(csv_path, args.queries)
    qfile = work / "queries.json"
    runs = (("warm", queries, "0"), ("cold_start", queries[: args.cold_queries], "2"),
            ("cold_every_lookup", queries[: args.cold_queries], "1"))
    for label, qs, cold in runs:
        qfile.write_text(json.dumps(qs))
        out = subprocess.run([sys.executable, __file__, "--serve", str(data_dir), str(qfile), cold],
                             check=True, capture_output=True, text=True).stdout
        figures[f"lookup_{label}"] = json.loads(out)

    rng = random.Random(5)
    upserts = [DocumentRecord(rng.choice(STATES), "P", f"ZZ{i:07d}", "stolen", "2026-01-01", None)
               for i in range(args.changes // 2)]
    existing = [q for q in sample_queries(csv_path, args.changes, seed=99) if not q[1].startswith("ZZ")]
    removals = [{"issuing_state": s, "document_type": d, "document_number": n} for s, n, d in existing[: args.changes // 4]]
    removals += [{"issuing_state": "FRA", "document_type": "P", "document_number": f"YY{i:07d}"}
                 for i in range(args.changes // 2 - len(removals))]
    t, c = time.perf_counter(), time.process_time()
    shown = apply_changes(db, "sltd", kind="documents", version="bench-2", upserts=upserts, removals=removals)
    figures.update(change_set_records=len(upserts) + len(removals), change_set_seconds=round(time.perf_counter() - t, 2),
                   change_set_cpu_seconds=round(time.process_time() - c, 2), records_after_changes=shown["documents"])
    figures["load_average"] = os.getloadavg()
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
