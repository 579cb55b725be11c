"""MRZ from images: this project's reader against stock PassportEye, side by side in one run.

    nice -n 10 .venv/bin/python bench/ocr_compare.py [--generated 50] [--level moderate] [--json out.json]

Two sets: the 40 public images in ../shared/corpus/images (truth where it is known) and
generated documents (bench/ocr_imagegen.py, every format, random degradations). For each
image both readers run one after the other, so machine load hits both alike. Counted:
exact reads (reported valid, and document number, dates, names, states and sex all equal
to the truth), wrong-but-valid reads (reported valid but some of those fields differ: must
be zero), valid reads where no truth is known, and the wall time per image. PassportEye
counts as reporting valid when its valid_score is 100.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from firmware_bridge.mrz import parse_mrz  # noqa: E402
from firmware_bridge.ocr import ImageError, read_mrz_image  # noqa: E402

SHARED = Path(os.environ.get("SCREENING_SHARED_DIR", ROOT.parent / "shared")) / "corpus" / "images"
ICAO_TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
ICAO_TD2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6"


def shared_truth(entry: dict) -> str | None:
    """The MRZ printed on a shared image, when it is known and its checks pass; else None."""
    name = entry["file"]
    if name.startswith("passporteye__passport-td3"):
        return ICAO_TD3
    if name.startswith("passporteye__passport-td2"):
        return ICAO_TD2
    if name == "arg0s1080__ICAO_Example.png":
        return ICAO_TD3
    text = entry.get("expected_mrz") or entry.get("associated_mrz")
    if not text:
        return None
    try:
        return text if parse_mrz(text).valid else None
    except Exception:  # noqa: BLE001 - not an MRZ at all
        return None


def key_of_text(text: str | None) -> tuple | None:
    """The fields that matter, from MRZ text (via the MRZ engine)."""
    if not text:
        return None
    d = parse_mrz(text).to_dict()
    ymd = lambda v: (v or "").replace("-", "")[2:]  # noqa: E731
    return (d["document_number"], ymd(d["birth_date"]), ymd(d["expiry_date"]), d["surname"],
            d["given_names"], d["issuing_state"], d["nationality"], d["sex"])


def key_of_passporteye(mrz) -> tuple:
    """The same fields from a PassportEye MRZ object."""
    d = mrz.to_dict()
    clean = lambda v: (v or "").replace("<", " ").strip()  # noqa: E731
    return (clean(d.get("number")), d.get("date_of_birth"), d.get("expiration_date"), clean(d.get("surname")),
            clean(d.get("names")), clean(d.get("country")), clean(d.get("nationality")), d.get("sex"))


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (PassportEye runs tesseract)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_ours(data: bytes) -> tuple[tuple | None, float, float]:
    """(fields if read with every check passing, else None; wall seconds; CPU seconds)."""
    started, cpu = time.perf_counter(), _cpu()
    try:
        read = read_mrz_image(data)
    except ImageError:
        return None, time.perf_counter() - started, _cpu() - cpu
    elapsed = time.perf_counter() - started
    return (key_of_text(read.mrz) if read.status == "ok" else None), elapsed, _cpu() - cpu


def run_passporteye(data: bytes) -> tuple[tuple | None, float, float]:
    """(fields if PassportEye reports valid_score 100, else None; wall seconds; CPU seconds)."""
    from passporteye import read_mrz

    started, cpu = time.perf_counter(), _cpu()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            mrz = read_mrz(io.BytesIO(data))
        except Exception:  # noqa: BLE001 - stock PassportEye raises on odd images
            mrz = None
    elapsed, used = time.perf_counter() - started, _cpu() - cpu
    if mrz is None or mrz.valid_score != 100:
        return None, elapsed, used
    return key_of_passporteye(mrz), elapsed, used


def tally(rows: list[dict], who: str) -> dict:
    """Exact, wrong-but-valid, read errors and median time for one reader."""
    known = [r for r in rows if r["truth"]]
    exact = sum(1 for r in known if r[who] == r["truth"])
    wrong = sum(1 for r in known if r[who] is not None and r[who] != r["truth"])
    valid_unknown = sum(1 for r in rows if not r["truth"] and r[who] is not None)
    times = [r[f"{who}_s"] for r in rows]
    cpu = [r[f"{who}_cpu"] for r in rows]
    return {"images": len(rows), "with_truth": len(known), "exact": exact, "wrong_but_valid": wrong,
            "valid_without_truth": valid_unknown, "median_s": round(statistics.median(times), 3),
            "mean_s": round(statistics.mean(times), 3), "median_cpu_s": round(statistics.median(cpu), 3)}


def compare(items, label: str) -> dict:
    """Run both readers over (name, bytes, truth) items and print a line per image."""
    rows = []
    for name, data, truth_text in items:
        truth = key_of_text(truth_text)
        ours, t_ours, c_ours = run_ours(data)
        pe, t_pe, c_pe = run_passporteye(data)
        rows.append({"name": name, "truth": truth, "ours": ours, "ours_s": t_ours, "ours_cpu": c_ours,
                     "pe": pe, "pe_s": t_pe, "pe_cpu": c_pe})
        mark = lambda got: "-" if got is None else ("exact" if got == truth else ("valid?" if not truth else "WRONG"))  # noqa: E731
        print(f"  {label:9} {name[:44]:44} ours {mark(ours):6} {t_ours:6.2f}s ({c_ours:5.2f} cpu)   "
              f"passporteye {mark(pe):6} {t_pe:6.2f}s ({c_pe:5.2f} cpu)", flush=True)
    return {"ours": tally(rows, "ours"), "passporteye": tally(rows, "pe"), "rows": rows}


def shared_items():
    """The shared images with their truth."""
    index = SHARED / "index.jsonl"
    if not index.exists():
        return []
    out = []
    for line in index.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        out.append((entry["file"], (SHARED / entry["file"]).read_bytes(), shared_truth(entry)))
    return out


def generated_items(count: int, level: str, seed: int):
    """Generated documents as PNG bytes with their MRZ."""
    from ocr_imagegen import generate

    return [(doc.name, doc.png(), doc.mrz) for doc in generate(count, seed=seed, level=level)]


def main(argv=None) -> int:
    """Run the comparison and print the summary table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--generated", type=int, default=50, help="generated documents (default 50)")
    ap.add_argument("--level", default="moderate", choices=("clean", "moderate", "heavy"))
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--skip-shared", action="store_true")
    ap.add_argument("--json", type=Path, help="write the figures (and per-image rows) here")
    args = ap.parse_args(argv)
    # warm both readers once (model load, imports) so the first image is not charged for it
    with tempfile.TemporaryDirectory():
        from ocr_imagegen import make

        warm = make("TD3", 0, "clean").png()
        run_ours(warm)
        run_passporteye(warm)
    results = {}
    if not args.skip_shared:
        items = shared_items()
        if items:
            print(f"shared images: {len(items)}")
            results["shared"] = compare(items, "shared")
    print(f"generated documents: {args.generated} at level {args.level}")
    results["generated"] = compare(generated_items(args.generated, args.level, args.seed), "generated")
    print()
    print(f"{'set':10} {'reader':12} {'exact':>12} {'wrong-valid':>12} {'valid, no truth':>16} {'median s':>9} "
          f"{'mean s':>8} {'median cpu s':>13}")
    for set_name, res in results.items():
        for who, label in (("ours", "this reader"), ("passporteye", "PassportEye")):
            t = res[who]
            print(f"{set_name:10} {label:12} {t['exact']:>5} / {t['with_truth']:<5} {t['wrong_but_valid']:>12} "
                  f"{t['valid_without_truth']:>16} {t['median_s']:>9.3f} {t['mean_s']:>8.3f} {t['median_cpu_s']:>13.3f}")
        ratio = res["passporteye"]["median_s"] / max(res["ours"]["median_s"], 1e-9)
        cpu_ratio = res["passporteye"]["median_cpu_s"] / max(res["ours"]["median_cpu_s"], 1e-9)
        print(f"{set_name:10} median speed-up over PassportEye: {ratio:.1f}x wall, {cpu_ratio:.1f}x CPU")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
