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
    from appliance.store.db import connect, database_path
    from appliance.store.importing import import_list

    w = Path(args.shared) / "corpus" / "watchlists"
    cases = {
        "un-xml": [w / "un_consolidated" / "UN_consolidated_2026-02-27.xml"],
        "ofac-csv (SDN 2021)": sorted((w / "ofac_sdn_2021").glob("*.csv")),
        "ofac-csv (consolidated 2025)": sorted((w / "ofac_cons_2025").glob("*.csv")),
    }
    out = {}
    for label, files in cases.items():
        fmt = label.split()[0]
        times = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as d:
                db = connect(database_path(d))
                t = time.perf_counter()
                report = import_list(db, "bench", fmt, files)
                times.append(time.perf_counter() - t)
                db.conn.close()
        shown = report.list
        out[label] = {"best_s": round(min(times), 2), "worst_s": round(max(times), 2), "persons": shown["persons"],
                      "entities": shown["entities"], "names": shown["names"], "documents": shown["documents"]}
    out["load_average"] = os.getloadavg()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
