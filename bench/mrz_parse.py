"""MRZ parse throughput (documents per second, one core).

Usage: python bench/mrz_parse.py [--count N] [--repeat R] [--json]

Builds N fictitious documents per format with ``compose`` (fixed seed), then times
``parse_mrz`` over them: each of the five formats, a mix, OCR-noisy inputs that need
digit corrections, and read errors. Reports the best of R runs per workload.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from firmware_bridge.mrz import compose, parse_mrz  # noqa: E402

TODAY = dt.date(2026, 11, 27)
FORMATS = ("TD1", "TD2", "TD3", "MRVA", "MRVB")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def make_documents(fmt: str, count: int, rng: random.Random) -> list[str]:
    """Return ``count`` valid MRZ texts of one format."""
    docs = []
    for _ in range(count):
        birth = TODAY - dt.timedelta(days=rng.randint(1, 36000))
        expiry = TODAY + dt.timedelta(days=rng.randint(-3000, 3600))
        docs.append(compose(
            fmt,
            issuing_state=rng.choice(["UTO", "D", "FRA", "NLD", "GBR", "USA"]),
            nationality=rng.choice(["UTO", "D", "FRA", "NLD", "GBR", "XXX"]),
            surname="".join(rng.choices(LETTERS, k=rng.randint(3, 12))),
            given_names="".join(rng.choices(LETTERS, k=rng.randint(3, 9))),
            document_number="".join(rng.choices(LETTERS + "0123456789", k=9)),
            birth_date=birth, expiry_date=expiry, sex=rng.choice("MFX<"),
            optional_data="".join(rng.choices("0123456789", k=rng.randint(0, 7))),
        ))
    return docs


def noisy(text: str, rng: random.Random) -> str:
    """Put one O/0-style confusion into the birth date and lowercase the text."""
    lines = text.split("\n")
    li, pos = (1, 0) if len(lines) == 3 else (1, 13)
    row = lines[li]
    swap = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"}
    for i in range(pos, pos + 6):
        if row[i] in swap:
            row = row[:i] + swap[row[i]] + row[i + 1:]
            break
    lines[li] = row
    return "\r\n".join(lines).lower()


def time_workload(docs: list[str], repeat: int) -> tuple[float, float]:
    """Best documents per wall-clock second and per CPU second over ``repeat`` runs."""
    best_wall = best_cpu = 0.0
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        for text in docs:
            parse_mrz(text, today=TODAY)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        best_wall = max(best_wall, len(docs) / wall)
        best_cpu = max(best_cpu, len(docs) / max(cpu, 1e-9))
    return best_wall, best_cpu


def main(argv=None) -> int:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=2000, help="documents per format (default 2000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per workload, best is kept (default 3)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    rng = random.Random(2396)
    per_format = {fmt: make_documents(fmt, args.count, rng) for fmt in FORMATS}
    mixed = [doc for docs in per_format.values() for doc in docs]
    rng.shuffle(mixed)
    workloads = {fmt: docs for fmt, docs in per_format.items()}
    workloads["mixed"] = mixed
    workloads["ocr_noisy"] = [noisy(doc, rng) for doc in mixed[: args.count]]
    workloads["read_error"] = [doc[:-3] + "*" + doc[-2:] for doc in mixed[: args.count]]
    for check in workloads["ocr_noisy"][:50]:
        assert parse_mrz(check, today=TODAY).valid
    figures = {name: time_workload(docs, args.repeat) for name, docs in workloads.items()}
    meta = {"python": platform.python_version(), "machine": platform.machine(), "count": args.count}
    if args.json:
        print(json.dumps({
            "documents_per_second": {k: round(v[0]) for k, v in figures.items()},
            "documents_per_cpu_second": {k: round(v[1]) for k, v in figures.items()},
            **meta,
        }))
    else:
        print(f"MRZ parse throughput, one core ({meta['python']}, {meta['machine']}, {args.count}/format)")
        print(f"  {'workload':<11}{'docs/s':>10}{'docs/CPU-s':>12}")
        for name, (wall, cpu) in figures.items():
            print(f"  {name:<11}{round(wall):>10,}{round(cpu):>12,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
