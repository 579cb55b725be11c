"""Screening accuracy: labelled MRZ queries from the UN and OFAC lists plus synthetic travellers.

    nice -n 10 .venv/bin/python bench/screening_accuracy.py [--negatives 100000] [--baseline-negatives 20000]

Positives: for every listed individual, MRZ queries (TD3, or TD1 for the truncated variant)
built from the list: exact, one wrong character, truncated, surname and given names swapped,
a (good) alias, a transliteration variant, and, for people with a name in the original
script, the Latin MRZ against an index holding *only* the original-script names.
Negatives: synthetic travellers from eleven cultures, a fifth of them hard (they share a
given name or a surname with a listed person). Both go through the real pipeline: compose
the MRZ, parse it with the MRZ engine, screen against the index. The brute-force baseline
is rapidfuzz token_sort_ratio of the full name against every listed name.
Prints a Markdown report; needs ../shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import json
import random
import re
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from rapidfuzz import fuzz, process  # noqa: E402

from appliance.lists.importers import read_records  # noqa: E402
from appliance.screening.index import index_entries  # noqa: E402
from appliance.screening.matcher import QueryDocument, match_watchlists  # noqa: E402
from appliance.screening.names import GROUP_OF, VARIANT_GROUPS, canonical, tokens_of  # noqa: E402
from appliance.screening.translit import latin_variants, script_of  # noqa: E402
from firmware_bridge.mrz import compose, parse_mrz  # noqa: E402
from screening_data import PeopleGenerator  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpus" / "watchlists"
TODAY = dt.date(2026, 11, 27)
REVIEW = 0.75  # the default screening.review_threshold
LISTS = {
    "un": ("un-xml", sorted(glob.glob(str(SHARED / "un_consolidated" / "*.xml")))),
    "ofac-sdn": ("ofac-csv", sorted(glob.glob(str(SHARED / "ofac_sdn_2021" / "*.csv")))),
    "ofac-cons": ("ofac-csv", sorted(glob.glob(str(SHARED / "ofac_cons_2025" / "*.csv")))),
}


def mrz_parts(name: str) -> tuple[str, str]:
    """(surname, given names) in MRZ space from a listed name, using the list's conventions."""
    if "," in name:
        sur, _, given = name.partition(",")
        return latin_variants(sur)[0] if sur.strip() else "", latin_variants(given)[0] if given.strip() else ""
    words = name.split()
    upper = [w for w in words if w.isupper() and len(w) > 1]
    if upper and len(upper) < len(words):  # OFAC style: "Manuel Antonio NORIEGA"
        sur = " ".join(w for w in words if w in upper)
        given = " ".join(w for w in words if w not in upper)
    elif len(words) > 1:  # UN style: "ERIC BADEGE" (first name first)
        given, sur = words[0], " ".join(words[1:])
    else:
        given, sur = "", name
    sv, gv = latin_variants(sur), latin_variants(given) if given else [""]
    return (sv[0] if sv else ""), (gv[0] if gv else "")


def birth_of(entry, rng) -> str:
    """A birth date consistent with the first listed date of birth (random within a range)."""
    if not entry.dates_of_birth:
        return (dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(50 * 365))).isoformat()
    d = entry.dates_of_birth[0]
    lo, hi = dt.date.fromisoformat(d.date_from), dt.date.fromisoformat(d.date_to)
    return (lo + dt.timedelta(days=rng.randrange((hi - lo).days + 1))).isoformat()


def make_mrz(surname, given, birth, nat, sex, fmt="TD3", number="X1234567"):
    """A valid MRZ for a traveller."""
    return compose(fmt, issuing_state=nat or "XXA", surname=surname, given_names=given, document_number=number,
                   nationality=nat or "XXA", birth_date=birth, sex=sex or "<", expiry_date="2031-01-01")


def one_wrong_char(surname: str, given: str, rng) -> tuple[str, str] | None:
    """Change one letter of one name token (3+ letters) to another letter."""
    toks = [(0, i, t) for i, t in enumerate(surname.split())] + [(1, i, t) for i, t in enumerate(given.split())]
    toks = [x for x in toks if len(x[2]) >= 3]
    if not toks:
        return None
    part, i, t = rng.choice(toks)
    pos = rng.randrange(len(t))
    new = t[:pos] + rng.choice([c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c != t[pos]]) + t[pos + 1:]
    words = (surname if part == 0 else given).split()
    words[i] = new
    return (" ".join(words), given) if part == 0 else (surname, " ".join(words))


_RULES = [("OU", "U"), ("U", "OU"), ("KH", "H"), ("DJ", "J"), ("J", "DJ"), ("EI", "AY"), ("IA", "YA"), ("YA", "IA"),
          ("IE", "YE"), ("Q", "K"), ("K", "Q"), ("DH", "D"), ("ZH", "J"), ("SS", "S"), ("MM", "M"), ("LL", "L"),
          ("EE", "I"), ("OO", "U"), ("Y", "I"), ("I", "Y"), ("E", "A"), ("TS", "C"), ("W", "V"), ("V", "W")]


def transliteration_variant(surname: str, given: str, rng) -> tuple[str, str] | None:
    """Respell one token as another transliteration would (MOHAMMED->MUHAMMAD, OU->U, KH->H ...)."""
    groups = {canonical(w): VARIANT_GROUPS[k].split() for k, line in enumerate(VARIANT_GROUPS) for w in line.split()[:1]}
    toks = [(0, i, t) for i, t in enumerate(surname.split())] + [(1, i, t) for i, t in enumerate(given.split())]
    rng.shuffle(toks)
    for part, i, t in toks:
        if len(t) < 3:
            continue
        if t in GROUP_OF:
            new = rng.choice([w for w in groups[GROUP_OF[t]] if w != t] or [t])
        else:
            rules = [(a, b) for a, b in _RULES if a in t[1:]]
            if not rules:
                continue
            a, b = rng.choice(rules)
            new = t[0] + t[1:].replace(a, b, 1)
        if new == t:
            continue
        words = (surname if part == 0 else given).split()
        words[i] = new
        return (" ".join(words), given) if part == 0 else (surname, " ".join(words))
    return None


def load_lists():
    """{list: [individual WatchlistEntry]}."""
    out = {}
    for name, (fmt, files) in LISTS.items():
        out[name] = [e for e in read_records(fmt, files) if e.entity_type == "individual"]
    return out


def new_db():
    """A fresh database with the screening tables."""
    import sqlite_utils

    from appliance.screening.migrations import migrations

    path = tempfile.mktemp(suffix=".db")
    db = sqlite_utils.Database(sqlite3.connect(path))
    migrations.apply(db)
    return db


def screen(db, mrz: str):
    """(matches, elapsed seconds) of one MRZ through parse + match."""
    t = time.perf_counter()
    doc = parse_mrz(mrz, today=TODAY).to_dict()
    q = QueryDocument.from_mrz(doc)
    matches, _ = match_watchlists(db.conn, q, today=TODAY, max_candidates=200, report_threshold=REVIEW)
    return matches, time.perf_counter() - t, doc


def build_positives(lists, rng):
    """Labelled queries: (variant, script, list, entry_id, surname, given, birth, nat, sex, fmt)."""
    out = []
    for lname, entries in lists.items():
        for e in entries:
            primary = e.primary_name
            sur, giv = mrz_parts(primary)
            if not (sur or giv):
                continue
            script = next((script_of(n.name) for n in e.names if script_of(n.name) != "latin"), "latin")
            birth = birth_of(e, rng)
            nat = e.nationalities[0] if e.nationalities else None
            base = (lname, e.entry_id, birth, nat, e.sex)

            def add(variant, s, g, fmt="TD3"):
                out.append((variant, script, *base[:2], s, g, *base[2:], fmt))

            add("exact", sur, giv)
            w = one_wrong_char(sur, giv, rng)
            if w:
                add("one_wrong_char", *w)
            if len(sur) + len(giv) + 2 > 30:
                add("truncated", sur, giv, "TD1")
            if sur and giv:
                add("swapped", giv, sur)
            aliases = [n for n in e.names if n.kind == "alias" and (n.quality or "good") != "low" and script_of(n.name) == "latin"]
            if aliases:
                a = rng.choice(aliases)
                s, g = mrz_parts(a.name)
                if s or g:
                    add("alias", s, g)
            tv = transliteration_variant(sur, giv, rng)
            if tv:
                add("transliteration", *tv)
    return out


def build_negatives(n, lists, rng, listed_sets):
    """Synthetic non-listed travellers (a fifth hard: sharing a listed given name or surname)."""
    gen = PeopleGenerator(seed=rng.randrange(1 << 30))
    listed_tokens = []
    for entries in lists.values():
        for e in entries:
            s, g = mrz_parts(e.primary_name)
            listed_tokens.append((s, g))
    out, twins = [], 0
    while len(out) < n:
        p = gen.person()
        kind = "synthetic"
        if rng.random() < 0.2:
            s, g = rng.choice(listed_tokens)
            if rng.random() < 0.5 and g:
                p["given_names"] = g.split()[0] + (" " + p["given_names"].split()[0] if rng.random() < 0.5 else "")
                kind = "hard_shared_given"
            elif s:
                p["surname"] = s
                kind = "hard_shared_surname"
        toks, _ = tokens_of(p["surname"] + " " + p["given_names"])
        if frozenset(canonical(t) for t in toks) in listed_sets:
            twins += 1  # the same name as a listed person: not a non-listed traveller
            continue
        out.append((kind, p))
    return out, twins


def baseline_setup(lists):
    """All listed names (MRZ-space, given-first) with their (list, entry_id), for brute force."""
    names, owners = [], []
    for lname, entries in lists.items():
        for e in entries:
            for n in e.names:
                s, g = mrz_parts(n.name) if script_of(n.name) == "latin" else (n.name, "")
                names.append(f"{g} {s}".strip())
                owners.append((lname, e.entry_id))
    return names, owners


def baseline(names, owners, surname, given, cutoff):
    """(set of (list, entry_id) scoring >= cutoff, elapsed) with token_sort_ratio brute force."""
    t = time.perf_counter()
    found = process.extract(f"{given} {surname}".strip(), names, scorer=fuzz.token_sort_ratio,
                            score_cutoff=cutoff, limit=50)
    return {owners[i] for _, _, i in found}, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--negatives", type=int, default=100_000)
    ap.add_argument("--baseline-negatives", type=int, default=20_000)
    ap.add_argument("--baseline-cutoff", type=float, default=85.0)
    ap.add_argument("--baseline-every", type=int, default=1, help="run the baseline on every n-th positive")
    ap.add_argument("--seed", type=int, default=2396)
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--show-misses", type=int, default=0)
    ap.add_argument("--skip-positives", action="store_true", help="only screen negatives (for sharded runs)")
    ap.add_argument("--combine", nargs="+", metavar="JSON", help="print one report from several --json outputs")
    args = ap.parse_args()
    if args.combine:
        combine(args, args.combine)
        return
    if not SHARED.is_dir():
        sys.exit("../shared is not present")
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    lists = load_lists()
    db = new_db()
    with db.conn:
        for lname, entries in lists.items():
            index_entries(db, lname, entries)
    t_index = time.perf_counter() - t0
    n_names = db.conn.execute("SELECT COUNT(*) FROM screening_names").fetchone()[0]
    listed_sets = {frozenset(canonical(t) for t in row[0].split())
                   for row in db.conn.execute("SELECT tokens FROM screening_names")}
    # original-script-only index
    odb = new_db()
    orig_entries = []
    for lname, entries in lists.items():
        for e in entries:
            native = [n for n in e.names if script_of(n.name) != "latin"]
            if native:
                d = e.to_dict()
                d["names"] = [n.to_dict() for n in native]
                orig_entries.append((lname, d))
    with odb.conn:
        for lname in lists:
            index_entries(odb, lname, [d for ln, d in orig_entries if ln == lname])
    positives = [] if args.skip_positives else build_positives(lists, rng)
    for lname, d in ([] if args.skip_positives else orig_entries):
        e = next(x for x in lists[lname] if x.entry_id == d["entry_id"])
        sur, giv = mrz_parts(e.primary_name)
        if sur or giv:
            script = script_of(d["names"][0]["name"])
            positives.append(("original_script", script, lname, e.entry_id, sur, giv, birth_of(e, rng),
                              e.nationalities[0] if e.nationalities else None, e.sex, "TD3"))
    negatives, twins = build_negatives(args.negatives, lists, random.Random(args.seed + 1), listed_sets)
    bnames, bowners = baseline_setup(lists)

    stats = defaultdict(lambda: [0, 0, 0, 0])  # found, total, baseline found, baseline total
    times, btimes = [], []
    misses = []
    for i, (variant, script, lname, eid, sur, giv, birth, nat, sex, fmt) in enumerate(positives):
        mrz = make_mrz(sur, giv, birth, nat, sex, fmt)
        matches, el, doc = screen(odb if variant == "original_script" else db, mrz)
        times.append(el)
        ok = any(m["list"] == lname and m["entry_id"] == eid for m in matches)
        for key in (("variant", variant), ("script", f"{variant}/{script}")):
            stats[key][0] += ok
            stats[key][1] += 1
        if not ok and len(misses) < args.show_misses:
            misses.append((variant, lname, eid, doc["surname"], doc["given_names"], [(m["entry_id"], m["score"]) for m in matches[:2]]))
        if variant != "original_script" and i % args.baseline_every == 0:
            bfound, bel = baseline(bnames, bowners, doc["surname"], doc["given_names"], args.baseline_cutoff)
            btimes.append(bel)
            stats[("variant", variant)][2] += (lname, eid) in bfound
            stats[("variant", variant)][3] += 1
    neg = defaultdict(lambda: [0, 0, 0, 0])  # flagged, total, baseline flagged, baseline total
    for i, (kind, p) in enumerate(negatives):
        mrz = make_mrz(p["surname"], p["given_names"], p["birth_date"], p["nationality"], p["sex"])
        matches, el, doc = screen(db, mrz)
        times.append(el)
        for key in (kind, "all"):
            neg[key][0] += bool(matches)
            neg[key][1] += 1
        if i < args.baseline_negatives:
            bfound, bel = baseline(bnames, bowners, doc["surname"], doc["given_names"], args.baseline_cutoff)
            btimes.append(bel)
            for key in (kind, "all"):
                neg[key][2] += bool(bfound)
                neg[key][3] += 1
        if matches and args.show_misses and len(misses) < 2 * args.show_misses:
            misses.append(("FP", kind, doc["surname"], doc["given_names"], [(m["matched_name"], m["score"]) for m in matches[:2]]))
    report(args, stats, neg, times, btimes, t_index, n_names, len(positives), twins)
    for m in misses:
        print("  ", m)
    if args.json:
        Path(args.json).write_text(json.dumps({
            "positives": {f"{k[0]}:{k[1]}": v for k, v in stats.items()}, "negatives": neg,
            "times": times, "btimes": btimes, "t_index": t_index, "n_names": n_names, "n_pos": len(positives),
            "twins": twins}))


def combine(args, files) -> None:
    """Sum several runs' figures (e.g. one run of positives and shards of negatives) into one report."""
    stats = defaultdict(lambda: [0, 0, 0, 0])
    neg = defaultdict(lambda: [0, 0, 0, 0])
    times, btimes, n_pos, twins, t_index, n_names = [], [], 0, 0, 0.0, 0
    for f in files:
        d = json.loads(Path(f).read_text())
        for k, v in d["positives"].items():
            kind, _, name = k.partition(":")
            stats[(kind, name)] = [a + b for a, b in zip(stats[(kind, name)], v)]
        for k, v in d["negatives"].items():
            neg[k] = [a + b for a, b in zip(neg[k], v)]
        times += d["times"]
        btimes += d["btimes"]
        n_pos += d["n_pos"]
        twins += d["twins"]
        t_index, n_names = d["t_index"], d["n_names"]
    report(args, stats, neg, times, btimes, t_index, n_names, n_pos, twins)


def report(args, stats, neg, times, btimes, t_index, n_names, n_pos, twins) -> None:
    """Print the Markdown tables."""
    def pct(a, b):
        return f"{a / b:.4f}" if b else "-"

    times.sort()
    btimes.sort()
    print(f"index: {n_names} names in {t_index:.1f} s; {n_pos} labelled positives; "
          f"{sum(v[1] for k, v in neg.items() if k != 'all')} negatives ({twins} name twins of listed people skipped)")
    print(f"\nrecall (right entry_id in HIT or POSSIBLE_MATCH; engine at review {REVIEW}, "
          f"baseline token_sort_ratio >= {args.baseline_cutoff:g})\n")
    print("| variant | queries | engine recall | baseline recall |")
    print("| --- | --- | --- | --- |")
    for (kind, name), (f, t, bf, bt) in sorted(stats.items()):
        if kind == "variant":
            print(f"| {name} | {t} | {pct(f, t)} | {pct(bf, bt)} |")
    print("\n| variant / script of the listed person's original name | queries | engine recall |")
    print("| --- | --- | --- |")
    for (kind, name), (f, t, _, _) in sorted(stats.items()):
        if kind == "script":
            print(f"| {name} | {t} | {pct(f, t)} |")
    print("\n| non-listed travellers | queries | engine flagged (FPR) | baseline queries | baseline flagged (FPR) |")
    print("| --- | --- | --- | --- | --- |")
    for kind, (f, t, bf, bt) in sorted(neg.items()):
        print(f"| {kind} | {t} | {f} ({pct(f, t)}) | {bt} | {bf} ({pct(bf, bt)}) |")
    tp = sum(v[0] for k, v in stats.items() if k[0] == "variant")
    fp = neg["all"][0]
    print(f"\nengine precision over this set: {pct(tp, tp + fp)}")
    if times:
        print(f"engine per query (parse + match, ~{n_names} names): p50 {times[len(times) // 2] * 1000:.2f} ms, "
              f"p99 {times[int(len(times) * 0.99)] * 1000:.2f} ms")
    if btimes:
        print(f"baseline per query: p50 {btimes[len(btimes) // 2] * 1000:.2f} ms, p99 {btimes[int(len(btimes) * 0.99)] * 1000:.2f} ms")


if __name__ == "__main__":
    main()
