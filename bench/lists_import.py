"""Import time of the shared UN and OFAC files (goal: under 5 s each); figures go to docs/benchmarks.md.

    nice -n 10 .venv/bin/python bench/lists_import.py [--shared ../shared] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    """Import each shared list ``--repeat`` times into a fresh store; print the best and worst times."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import appliance.store.changes as changes
    from appliance.store.db import connect, database_path
    from appliance.store.importing import import_list

    # time the screening engine's reindex (called inside the import) separately
    reindex_seconds = [0.0]
    original = changes.reindex

    def timed_reindex(db, name, ids):
        t = time.perf_counter()
        try:
            return original(db, name, ids)
        finally:
            reindex_seconds[0] += time.perf_counter() - t

    changes.reindex = timed_reindex

    w = Path(args.shared) / "corpus" / "watchlists"
    cases = {
        "un-xml": [w / "un_consolidated" / "UN_consolidated_2026-02-27.xml"],
        "ofac-csv (SDN 2021)": sorted((w / "ofac_sdn_2021").glob("*.csv")),
        "ofac-csv (consolidated 2025)": sorted((w / "ofac_cons_2025").glob("*.csv")),
    }
    out = {}
    for label, files in cases.items():
        fmt = label.split()[0]
        times, cpu, reindex = [], [], []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as d:
                db = connect(database_path(d))
                reindex_seconds[0] = 0.0
                t, c = time.perf_counter(), time.process_time()
                report = import_list(db, "bench", fmt, files)
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
                reindex.append(reindex_seconds[0])
                db.conn.close()
        shown = report.list
        best = times.index(min(times))
        out[label] = {"best_s": round(times[best], 2), "worst_s": round(max(times), 2),
                      "best_cpu_s": round(min(cpu), 2), "screening_reindex_s_in_best": round(reindex[best], 2),
                      "persons": shown["persons"],
                      "entities": shown["entities"], "names": shown["names"], "documents": shown["documents"]}
    out["load_average"] = os.getloadavg()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
