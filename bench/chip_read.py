"""Chip benchmark: CPU time of verification, and a whole read through pcscd with a 20 KB DG2.

    .venv/bin/python bench/chip_read.py [--runs 200] [--reads 10]

Part 1 needs nothing running. Part 2 needs pcscd with vsmartcard-vpcd (scripts/setup --test
starts it) and uses reader slot 1 ("Virtual PCD 00 01").
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from firmware_bridge.chip.access import AccessKey
from firmware_bridge.chip.passive import verify_passive
from firmware_bridge.chip.pki import create_pki
from firmware_bridge.chip.simulator.personalise import default_face, personalise
from firmware_bridge.chip.trust import TrustStore
from firmware_bridge.mrz.compose import compose

MRZ = compose("TD3", issuing_state="UTO", surname="ERIKSSON", given_names="ANNA MARIA", document_number="L898902C3",
              nationality="UTO", birth_date="740812", sex="F", expiry_date="340415", optional_data="ZE184226B")


def face_of_size(target: int) -> bytes:
    """A JPEG portrait of about ``target`` bytes (grain added until it is that large)."""
    noise = 500
    while True:
        data = default_face((300, 400), quality=90, noise=noise)
        if len(data) >= target:
            return data
        noise = int(noise * 1.3)


def verification(runs: int, algorithm: str, face: bytes) -> dict:
    with tempfile.TemporaryDirectory() as d:
        create_pki(d, algorithm=algorithm)
        trust = TrustStore.from_dir(Path(d) / "trust")
        profile = personalise(MRZ, d, face=face)
        groups = {int(k[2:]): v for k, v in profile.files.items() if k.startswith("DG")}
        times = []
        for _ in range(runs):
            start = time.process_time()
            result = verify_passive(profile.files["SOD"], groups, trust)
            times.append((time.process_time() - start) * 1000)
        assert result.status == "valid", result.problems
    times.sort()
    return {"median": statistics.median(times), "p95": times[int(len(times) * 0.95) - 1], "max": times[-1]}


def whole_reads(reads: int, face: bytes, extended: bool) -> dict:
    from firmware_bridge.chip.reader import read_chip

    with tempfile.TemporaryDirectory() as d:
        create_pki(d)
        (Path(d) / "mrz.txt").write_text(MRZ)
        (Path(d) / "face.jpg").write_bytes(face)
        args = [sys.executable, "-m", "firmware_bridge.cli", "chip", "simulate", "--mrz-file", f"{d}/mrz.txt", "--pki", d,
                "--face", f"{d}/face.jpg", "--slot", "1"] + ([] if extended else ["--no-extended-length"])
        sim = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        try:
            assert sim.stdout.readline().strip() == "ready"
            trust = TrustStore.from_dir(Path(d) / "trust")
            wall, cpu, dg2 = [], [], 0
            for _ in range(reads):
                c0 = time.process_time()
                r = read_chip(MRZ, "Virtual PCD 00 01", trust)
                cpu.append((time.process_time() - c0) * 1000)
                assert r.exit_code == 0, r.to_dict()
                wall.append(r.elapsed_ms)
        finally:
            sim.terminate()
            sim.wait()
    return {"wall_median": statistics.median(wall), "wall_max": max(wall), "cpu_median": statistics.median(cpu)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--reads", type=int, default=10)
    ap.add_argument("--skip-pcsc", action="store_true")
    a = ap.parse_args()
    face = face_of_size(20_000)
    print(f"DG2 face image: {len(face)} bytes JPEG")
    for algorithm in ("ecdsa", "rsa", "rsa-pss"):
        v = verification(a.runs, algorithm, face)
        print(f"verification ({algorithm} PKI): CPU median {v['median']:.2f} ms, p95 {v['p95']:.2f} ms, max {v['max']:.2f} ms over {a.runs} runs")
    if a.skip_pcsc:
        return
    AccessKey.from_mrz(MRZ)
    for extended in (True, False):
        w = whole_reads(a.reads, face, extended)
        mode = "extended-length reads" if extended else "short reads (223-byte chunks)"
        print(f"whole read through pcscd, PACE + PA + AA + CA, {mode}: wall median {w['wall_median']:.0f} ms, "
              f"max {w['wall_max']:.0f} ms; reader CPU median {w['cpu_median']:.0f} ms over {a.reads} reads")


if __name__ == "__main__":
    main()
