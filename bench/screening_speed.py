"""Screening speed at national-watchlist scale, side by side with a brute-force rapidfuzz baseline.

    nice -n 10 .venv/bin/python bench/screening_speed.py build --persons 1000000 --documents 10000000
    nice -n 10 .venv/bin/python bench/screening_speed.py query --queries 2000
    nice -n 10 .venv/bin/python bench/screening_speed.py baseline --queries 20

``build`` makes a data directory (default /tmp/screening-speed) with a synthetic watchlist of
``--persons`` people (about three names each: primary, a respelled alias, and a second
alias, some weak) loaded through the store's ``apply_changes`` in chunks (so the screening
index is maintained by ``reindex`` exactly as in production), plus a lost/stolen documents
list of ``--documents`` numbers through the store's bulk loader. ``query`` screens MRZs in a
fresh process through ``Screener.screen`` (parse, candidates, scoring, document check,
list ages): half non-listed travellers, a quarter listed people exactly, a quarter with one
wrong character; it prints p50/p99, recall on the listed ones and the peak RSS.
A build can be split over several runs (each under ten minutes): ``--start N`` continues the
same deterministic list from person N. ``baseline`` scores the same kind of queries by brute force (token_sort_ratio over every
listed name) and prints its time and recall. Each step writes a JSON line to
``<dir>/results.ndjson``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from screening_data import PeopleGenerator  # noqa: E402

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)
_RESPELL = [("OU", "U"), ("U", "OU"), ("KH", "H"), ("Y", "I"), ("I", "Y"), ("EE", "I"), ("SS", "S"), ("E", "A")]


def respell(word: str, rng: random.Random) -> str:
    """Another transliteration of a word (one rule), or the word itself."""
    rules = [(a, b) for a, b in _RESPELL if a in word[1:]]
    if not rules:
        return word
    a, b = rng.choice(rules)
    return word[0] + word[1:].replace(a, b, 1)


def synthetic_entries(n: int, seed: int = 11):
    """Yield ``n`` synthetic listed people (dicts like WatchlistEntry.to_dict()) and their query data."""
    gen = PeopleGenerator(seed=seed)
    rng = random.Random(seed)
    for i in range(n):
        p = gen.person()
        names = [{"name": f"{p['surname']}, {p['given_names']}", "kind": "primary"}]
        names.append({"name": f"{' '.join(respell(w, rng) for w in p['given_names'].split())} "
                              f"{' '.join(respell(w, rng) for w in p['surname'].split())}",
                      "kind": "alias", "quality": "good"})
        if rng.random() < 0.7:
            _, other, _ = gen.name(p["culture"])
            names.append({"name": f"{other}, {p['given_names'].split()[0]}", "kind": "alias", "quality": "good"})
        else:
            names.append({"name": gen.name(p["culture"])[2].split()[0] + " " + p["surname"].split()[0],
                          "kind": "alias", "quality": "low"})
        if rng.random() < 0.7:
            dobs = [{"date_from": p["birth_date"], "date_to": p["birth_date"], "precision": "exact"}]
        else:
            y = p["birth_date"][:4]
            dobs = [{"date_from": f"{y}-01-01", "date_to": f"{y}-12-31", "precision": "year"}]
        yield {"entry_id": f"S{i:07d}", "entity_type": "individual", "names": names, "dates_of_birth": dobs,
               "nationalities": [p["nationality"]], "sex": p["sex"]}, p


def documents(n: int, seed: int = 5):
    """Yield ``n`` lost/stolen document records."""
    rng = random.Random(seed)
    states = ["UTO", "D", "FRA", "GBR", "USA", "RUS", "CHN", "IND", "NGA", "BRA", "SAU", "TUR", "IRN", "PAK"]
    for i in range(n):
        num = rng.choice("ABCDEFGHKLMNPRSTUVXYZ") + f"{rng.randrange(10**8):08d}"
        yield {"issuing_state": rng.choice(states), "document_type": "P", "document_number": num,
               "status": rng.choice(("lost", "stolen")), "reference": f"R{i}"}


def record(directory: Path, data: dict) -> None:
    """Print a result and append it to results.ndjson."""
    print(json.dumps(data))
    with open(directory / "results.ndjson", "a") as fh:
        fh.write(json.dumps(data) + "\n")


def rss_mb() -> float:
    """Peak resident set size of this process in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(args) -> None:
    """Create the data directory with the synthetic watchlist and documents list."""
    from appliance.store.changes import apply_changes
    from appliance.store.db import connect, database_path

    d = Path(args.dir)
    d.mkdir(parents=True, exist_ok=True)
    db = connect(database_path(d))
    published = NOW.isoformat()
    t0 = time.perf_counter()
    chunk, done = [], 0
    for i, (entry, _) in enumerate(synthetic_entries(args.start + args.persons)):
        if i < args.start:
            continue  # built by an earlier run (--start): same deterministic people
        chunk.append(entry)
        if len(chunk) >= args.chunk:
            apply_changes(db, "synthetic", kind="watchlist", version="1", upserts=chunk, published_at=published)
            done += len(chunk)
            chunk = []
            print(f"{done} persons, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if chunk:
        apply_changes(db, "synthetic", kind="watchlist", version="1", upserts=chunk, published_at=published)
    t_list = time.perf_counter() - t0
    names = db.conn.execute("SELECT COUNT(*) FROM screening_names").fetchone()[0]
    t1 = time.perf_counter()
    if args.documents:
        apply_changes(db, "sltd", kind="documents", version="1", upserts=documents(args.documents), full=True,
                      published_at=published, hashing=False)
    t_docs = time.perf_counter() - t1
    db.conn.close()
    size = sum(f.stat().st_size for f in d.rglob("*") if f.is_file())
    record(d, {"step": "build", "persons": args.start + args.persons, "added_persons": args.persons,
               "indexed_names": names, "documents": args.documents,
               "watchlist_load_and_index_s": round(t_list, 1), "documents_load_s": round(t_docs, 1),
               "disk_mb": round(size / 2**20), "rss_mb": round(rss_mb())})


def queries(n_persons: int, count: int, seed: int = 99):
    """(kind, expected entry_id or None, surname, given, birth, nationality, sex) test queries."""
    rng = random.Random(seed)
    wanted = {}
    for _ in range(count // 2):
        wanted[rng.randrange(n_persons)] = rng.choice(("exact", "one_wrong_char"))
    out = []
    for i, (entry, p) in enumerate(synthetic_entries(max(wanted) + 1 if wanted else 0)):
        if i in wanted:
            sur, giv = p["surname"], p["given_names"]
            if wanted[i] == "one_wrong_char":
                words = (sur + " " + giv).split()
                k = rng.randrange(len(words))
                w = words[k]
                if len(w) >= 3:
                    pos = rng.randrange(len(w))
                    w = w[:pos] + rng.choice([c for c in "ABCDEFGHIJKLMNOPRSTUVWYZ" if c != w[pos]]) + w[pos + 1:]
                ns = len(sur.split())
                words[k] = w
                sur, giv = " ".join(words[:ns]), " ".join(words[ns:])
            out.append((wanted[i], entry["entry_id"], sur, giv, p["birth_date"], p["nationality"], p["sex"]))
    gen = PeopleGenerator(seed=seed + 1)
    while len(out) < count:
        p = gen.person()
        out.append(("non_listed", None, p["surname"], p["given_names"], p["birth_date"], p["nationality"], p["sex"]))
    rng.shuffle(out)
    return out


def make_mrz(sur, giv, birth, nat, sex, number):
    """A valid TD3 MRZ."""
    from firmware_bridge.mrz import compose

    return compose("TD3", issuing_state=nat, surname=sur, given_names=giv, document_number=number,
                   nationality=nat, birth_date=birth, sex=sex, expiry_date="2031-01-01")


def query(args) -> None:
    """Screen queries through Screener.screen in this (fresh) process."""
    from appliance.screening import Screener
    from appliance.store.db import database_path

    d = Path(args.dir)
    built = [json.loads(x) for x in (d / "results.ndjson").read_text().splitlines() if '"build"' in x][-1]
    qs = queries(built["persons"], args.queries)
    policy = {"max_list_age_hours": 87600}
    if args.max_candidates:
        policy["max_candidates"] = args.max_candidates
    s = Screener(database_path(d), {"screening": policy})
    rng = random.Random(3)
    mrzs = [(q, make_mrz(*q[2:], rng.choice("ABCDEFGHKLMN") + f"{rng.randrange(10**8):08d}")) for q in qs]
    s.screen(mrzs[0][1], now=NOW)  # open the connection
    times, cpu, found, listed, flagged, non_listed, by_kind = [], [], 0, 0, 0, 0, {}
    for q, text in mrzs:
        t, c = time.perf_counter(), time.process_time()
        r = s.screen(text, now=NOW)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        kind, eid = q[0], q[1]
        if eid:
            ok = any(m["entry_id"] == eid for m in r.matches if m["kind"] == "watchlist")
            found += ok
            listed += 1
            by_kind.setdefault(kind, [0, 0])
            by_kind[kind][0] += ok
            by_kind[kind][1] += 1
        else:
            non_listed += 1
            flagged += r.decision in ("HIT", "POSSIBLE_MATCH")
    times.sort()
    cpu.sort()
    record(d, {"step": "query", "queries": len(times), "max_candidates": s.policy["max_candidates"],
               "cpu_p50_ms": round(cpu[len(cpu) // 2] * 1000, 2), "cpu_p99_ms": round(cpu[int(len(cpu) * 0.99)] * 1000, 2),
               "p50_ms": round(times[len(times) // 2] * 1000, 2),
               "p99_ms": round(times[int(len(times) * 0.99)] * 1000, 2), "max_ms": round(times[-1] * 1000, 1),
               "mean_ms": round(sum(times) / len(times) * 1000, 2),
               "recall_listed": round(found / max(listed, 1), 4),
               "recall_by_kind": {k: round(a / b, 4) for k, (a, b) in by_kind.items()},
               "flagged_non_listed": f"{flagged}/{non_listed}", "rss_mb": round(rss_mb())})


def baseline(args) -> None:
    """Brute force: token_sort_ratio of the query against every listed name (rapidfuzz, one core)."""
    import sqlite3

    from rapidfuzz import fuzz, process

    from appliance.screening.translit import latin_variants
    from appliance.store.db import database_path

    d = Path(args.dir)
    built = [json.loads(x) for x in (d / "results.ndjson").read_text().splitlines() if '"build"' in x][-1]
    conn = sqlite3.connect(database_path(d))
    names, owners = [], []
    for name, eid in conn.execute(
        "SELECT n.name, e.entry_id FROM watchlist_names n JOIN watchlist_entries e ON e.id = n.entry"
    ):
        names.append(latin_variants(name.replace(",", " "))[0])
        owners.append(eid)
    qs = queries(built["persons"], args.queries)
    times, cpu, found, listed = [], [], 0, 0
    for kind, eid, sur, giv, *_ in qs:
        t, c = time.perf_counter(), time.process_time()
        res = process.extract(f"{giv} {sur}", names, scorer=fuzz.token_sort_ratio, score_cutoff=args.cutoff, limit=10)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        if eid:
            listed += 1
            found += any(owners[i] == eid for _, _, i in res)
    times.sort()
    cpu.sort()
    record(d, {"step": "baseline", "names": len(names), "queries": len(times),
               "cpu_p50_ms": round(cpu[len(cpu) // 2] * 1000, 1), "cpu_p99_ms": round(cpu[int(len(cpu) * 0.99)] * 1000, 1),
               "p50_ms": round(times[len(times) // 2] * 1000, 1), "p99_ms": round(times[int(len(times) * 0.99)] * 1000, 1),
               "recall_listed": round(found / max(listed, 1), 4), "cutoff": args.cutoff, "rss_mb": round(rss_mb())})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=("build", "query", "baseline"))
    ap.add_argument("--dir", default="/tmp/screening-speed")
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--documents", type=int, default=10_000_000)
    ap.add_argument("--chunk", type=int, default=50_000)
    ap.add_argument("--start", type=int, default=0, help="continue a list built by an earlier run from this person")
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--cutoff", type=float, default=85.0)
    ap.add_argument("--max-candidates", type=int, default=0, help="screening.max_candidates (0: default)")
    args = ap.parse_args()
    {"build": build, "query": query, "baseline": baseline}[args.step](args)


if __name__ == "__main__":
    main()
