"""Importing and screening a 5,000-person manifest on a box with 1,000,000 listed persons (goal: <= 30 s).

    nice -n 10 .venv/bin/python bench/manifests_scale.py build      # once, cached in bench/out/
    nice -n 10 .venv/bin/python bench/manifests_scale.py run --persons 5000

``build`` makes a data directory (default ``bench/out/manifests-1m``, gitignored) with a
synthetic watchlist of ``--listed`` people (three names each) loaded through the store's
``apply_changes`` in chunks (the screening index kept by ``reindex`` as in production) and a
lost/stolen documents list; it is skipped when the directory already holds the list, and can
be continued with ``--start``. People come from ``bench/screening_data.py``'s generator, not
from the code under test.

``run`` writes a PAXLST interchange (D05B, two parts with a common access reference, 1 % crew)
of ``--persons`` people with this script's own writer — non-listed travellers from a
different seed, plus 1 % listed people and 0.5 % lost documents — then times the real
command ``appliance manifests import FILE --json`` in a fresh process (start-up, parsing,
screening every person, the transaction) and checks the counts; the CPU time of the command
and its screening workers is reported next to the wall time. Each run uses a new voyage
number. A JSON line per step goes to ``<dir>/results.ndjson``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from screening_data import PeopleGenerator  # noqa: E402

DEFAULT_DIR = ROOT / "bench" / "out" / "manifests-1m"


def listed_people(n: int, seed: int = 23):
    """Yield (WatchlistEntry dict, person) for ``n`` synthetic listed people."""
    gen = PeopleGenerator(seed=seed)
    rng = random.Random(seed)
    for i in range(n):
        p = gen.person()
        names = [{"name": f"{p['surname']}, {p['given_names']}", "kind": "primary"},
                 {"name": f"{gen.name(p['culture'])[1]}, {p['given_names'].split()[0]}", "kind": "alias",
                  "quality": "good"},
                 {"name": f"{p['given_names'].split()[0]} {p['surname'].split()[0]}", "kind": "alias",
                  "quality": "low" if rng.random() < 0.3 else "good"}]
        dobs = [{"date_from": p["birth_date"], "date_to": p["birth_date"], "precision": "exact"}]
        yield {"entry_id": f"L{i:07d}", "entity_type": "individual", "names": names, "dates_of_birth": dobs,
               "nationalities": [p["nationality"]], "sex": p["sex"]}, p


def lost_documents(n: int, seed: int = 5):
    """Yield (record, state, number) of ``n`` lost/stolen passports."""
    rng = random.Random(seed)
    states = ["UTO", "D", "FRA", "GBR", "USA", "RUS", "CHN", "IND", "NGA", "BRA", "TUR", "PAK"]
    for i in range(n):
        state, num = rng.choice(states), rng.choice("ABCDEFGHKLMN") + f"{rng.randrange(10**8):08d}"
        yield {"issuing_state": state, "document_type": "P", "document_number": num,
               "status": rng.choice(("lost", "stolen")), "reference": f"R{i}"}


def record(directory: Path, data: dict) -> None:
    """Print a result and append it to results.ndjson."""
    print(json.dumps(data), flush=True)
    with open(directory / "results.ndjson", "a") as fh:
        fh.write(json.dumps(data) + "\n")


def build(args) -> None:
    """Create (or continue) the cached data directory with the big lists."""
    from appliance.store.changes import apply_changes
    from appliance.store.db import connect, database_path

    d = Path(args.dir)
    d.mkdir(parents=True, exist_ok=True)
    db = connect(database_path(d))
    have = db.conn.execute("SELECT persons FROM lists WHERE name = 'synthetic'").fetchone()
    if have and have[0] >= args.listed and not args.start:
        print(f"{d}: already holds {have[0]} listed persons (cached)")
        return
    published = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    t0, chunk, done = time.perf_counter(), [], args.start
    for i, (entry, _) in enumerate(listed_people(args.listed)):
        if i < args.start:
            continue
        chunk.append(entry)
        if len(chunk) >= args.chunk:
            apply_changes(db, "synthetic", kind="watchlist", version="1", upserts=chunk, published_at=published)
            done += len(chunk)
            chunk = []
            print(f"{done} persons, {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    if chunk:
        apply_changes(db, "synthetic", kind="watchlist", version="1", upserts=chunk, published_at=published)
    t_list = time.perf_counter() - t0
    t1 = time.perf_counter()
    apply_changes(db, "sltd", kind="documents", version="1", upserts=lost_documents(args.documents), full=True,
                  published_at=published, hashing=False)
    persons = db.conn.execute("SELECT persons FROM lists WHERE name = 'synthetic'").fetchone()[0]
    db.conn.close()
    record(d, {"step": "build", "listed_persons": persons, "documents": args.documents,
               "watchlist_s": round(t_list, 1), "documents_s": round(time.perf_counter() - t1, 1)})


def _seg(*elements) -> str:
    """One segment with '?' releasing the service characters in data."""
    def esc(x):
        return "".join("?" + c if c in "?:+'" else c for c in str(x))
    return "+".join(":".join(esc(c) for c in (e if isinstance(e, tuple) else (e,))) for e in elements) + "'\n"


def write_paxlst(path: Path, persons: list[dict], voyage: str, arrival: dt.datetime) -> None:
    """A two-part D05B PAXLST interchange of ``persons`` (this script's own writer)."""
    half = len(persons) // 2
    out = ["UNA:+.? '\n", _seg("UNB", ("UNOA", "4"), "BENCHLINES", "XXPORT", ("350101", "0000"), "B1")]
    for part, (flag, group) in enumerate((("C", persons[:half]), ("F", persons[half:])), start=1):
        body = [_seg("BGM", "745"), _seg("TDT", "20", voyage, "1", "", ("BLN", "172", "20"), "", "", ("9000001", "146", "11", "MV BENCH")),
                _seg("LOC", "125", "UTPRT"), _seg("DTM", ("189", arrival.strftime("%Y%m%d0600"), "203")),
                _seg("LOC", "87", "XXHBR"), _seg("DTM", ("232", arrival.strftime("%Y%m%d%H%M"), "203"))]
        for p in group:
            body.append(_seg("NAD", "FM" if p["crew"] else "FL", "", "", (p["surname"], p["given_names"])))
            body.append(_seg("ATT", "2", "", p["sex"]))
            body.append(_seg("DTM", ("329", p["birth_date"].replace("-", ""), "102")))
            body.append(_seg("NAT", "2", p["nationality"]))
            body.append(_seg("DOC", ("P", "110", "111"), p["number"]))
            body.append(_seg("DTM", ("36", "20380101", "102")))
            body.append(_seg("LOC", "91", p["state"]))
        body.append(_seg("CNT", ("42", str(sum(not p["crew"] for p in group)))))
        out.append(_seg("UNH", f"M{part}", ("PAXLST", "D", "05B", "UN", "IATA"), voyage, (f"{part:02d}", flag)))
        out += body
        out.append(_seg("UNT", str(len(body) + 2), f"M{part}"))
    out.append(_seg("UNZ", "2", "B1"))
    path.write_text("".join(out), encoding="ascii", errors="replace")


def make_people(n: int, listed_total: int, seed: int) -> tuple[list[dict], int, int]:
    """(persons, listed among them, lost documents among them)."""
    rng = random.Random(seed)
    gen = PeopleGenerator(seed=seed)
    want_listed = sorted(rng.sample(range(min(listed_total, 1_000_000)), max(1, n // 100)))
    picks = []
    wanted = set(want_listed)
    for i, (_, p) in enumerate(listed_people(max(want_listed) + 1)):
        if i in wanted:
            picks.append(p)
    lost = list(lost_documents(2000))
    people, n_lost = [], 0
    for i in range(n):
        if picks and i % 100 == 7:
            p = dict(picks.pop())
        else:
            p = gen.person()
        state, number = p["nationality"], gen.document_number()
        if i % 200 == 11:
            rec = rng.choice(lost)
            state, number = rec["issuing_state"], rec["document_number"]
            n_lost += 1
        people.append({**p, "crew": i % 100 == 0, "state": state, "number": number})
    return people, n // 100, n_lost


def run(args) -> None:
    """Write a manifest and time ``appliance manifests import`` on the cached box."""
    d = Path(args.dir)
    listed = json.loads([x for x in (d / "results.ndjson").read_text().splitlines() if '"build"' in x][-1])
    people, n_listed, n_lost = make_people(args.persons, listed["listed_persons"], args.seed)
    voyage = f"BV{int(time.time()) % 10**6:06d}"
    path = d / f"manifest-{args.persons}.edi"
    write_paxlst(path, people, voyage, dt.datetime(2035, 1, 1, 14, 0))
    env = dict(os.environ, APPLIANCE_DATA_DIR=str(d))
    cmd = [sys.executable, "-c", "from appliance.cli import main; main()", "manifests", "import", str(path), "--json"]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr, file=sys.stderr)
        raise SystemExit(proc.returncode)
    r = json.loads(proc.stdout)
    assert r["persons"] == args.persons, r
    record(d, {"step": "run", "persons": args.persons, "listed_persons_on_box": listed["listed_persons"],
               "file_bytes": path.stat().st_size, "wall_s": round(wall, 2),
               "cpu_s_all_processes": round(cpu, 1), "max_rss_mb": round(after.ru_maxrss / 1024), "screened": r["screened"],
               "listed_in_manifest": n_listed, "lost_documents_in_manifest": n_lost, "workers": args.workers or "auto",
               "load_avg": [round(x, 1) for x in os.getloadavg()]})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=("build", "run"))
    ap.add_argument("--dir", default=str(DEFAULT_DIR))
    ap.add_argument("--listed", type=int, default=1_000_000)
    ap.add_argument("--documents", type=int, default=100_000)
    ap.add_argument("--chunk", type=int, default=50_000)
    ap.add_argument("--start", type=int, default=0, help="continue a build stopped after this many persons")
    ap.add_argument("--persons", type=int, default=5000)
    ap.add_argument("--workers", type=int, default=0, help="--workers of the import (0: its default)")
    ap.add_argument("--seed", type=int, default=99)
    args = ap.parse_args()
    {"build": build, "run": run}[args.step](args)


if __name__ == "__main__":
    main()
