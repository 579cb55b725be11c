"""Scanner bridge benchmark: frame-to-consumer latency and a 10,000-document run.

Latency: a virtual scanner (pseudo-terminal, real POSIX serial backend) sends documents
one at a time; the time from the moment the frame's last byte was written to the moment
the lane's consumer receives the parsed read is measured per profile (goal: <= 50 ms).
Throughput: 10,000 fictitious documents written back to back through one pty; all must
arrive, in order, once.

    nice -n 10 .venv/bin/python bench/bridge_latency.py [--reads 200] [--bulk 10000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from firmware_bridge.generate import generate_documents  # noqa: E402
from firmware_bridge.lanes import LaneRunner  # noqa: E402
from firmware_bridge.simulate import VirtualScanner  # noqa: E402

PROFILES = ("lines", "access-is", "desko-cute", "rte", "idbox", "auto")


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def latency(profile: str, docs: list[str]) -> dict:
    """Send docs one by one; measure last byte written -> consumer."""
    arrived = threading.Event()
    stamps: list[float] = []

    def on_read(read: dict) -> None:
        stamps.append(time.perf_counter())
        arrived.set()

    with VirtualScanner("access-is" if profile == "auto" else profile, seed=1) as scanner:
        runner = LaneRunner("bench", {"port": scanner.path, "profile": profile, "dedupe_seconds": 0}, on_read).start()
        runner.wait_for_state("connected")
        time.sleep(0.2)
        samples = []
        for doc in docs:
            arrived.clear()
            scanner.send(doc)
            if not arrived.wait(5):
                raise SystemExit(f"{profile}: a read did not arrive")
            samples.append((stamps[-1] - scanner.last_write_at) * 1000)  # last byte written -> consumer
            time.sleep(0.005)
        runner.stop()
    return {
        "profile": profile,
        "n": len(samples),
        "p50": statistics.median(samples),
        "p95": pct(samples, 95),
        "p99": pct(samples, 99),
        "max": max(samples),
    }


def bulk(n: int, profile: str = "access-is") -> dict:
    """Write n documents back to back; check all arrive in order once."""
    docs = generate_documents(n, seed=11)
    got: list[str] = []
    done = threading.Event()

    def on_read(read: dict) -> None:
        got.append(read["mrz"])
        if len(got) == n:
            done.set()

    with VirtualScanner(profile) as scanner:
        runner = LaneRunner("bulk", {"port": scanner.path, "profile": profile}, on_read).start()
        runner.wait_for_state("connected")
        time.sleep(0.2)
        payload = b"".join(scanner.frame_bytes(d) for d in docs)
        start = time.perf_counter()
        scanner.send_bytes(payload)
        ok = done.wait(300)
        elapsed = time.perf_counter() - start
        runner.stop()
    return {
        "profile": profile,
        "documents": n,
        "bytes": len(payload),
        "arrived": len(got),
        "in_order_once": ok and got == docs,
        "seconds": elapsed,
        "per_second": n / elapsed,
    }


def main() -> None:
    """Run both measurements and print a Markdown report."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reads", type=int, default=200, help="documents per profile for the latency run")
    ap.add_argument("--bulk", type=int, default=10_000, help="documents in the back-to-back run")
    args = ap.parse_args()
    docs = generate_documents(args.reads, seed=3)
    print("| profile | reads | p50 ms | p95 ms | p99 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for profile in PROFILES:
        r = latency(profile, docs)
        print(f"| {r['profile']} | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['max']:.1f} |")
    for profile in ("access-is", "lines"):
        b = bulk(args.bulk, profile)
        print(
            f"\n{b['documents']} documents back to back ({profile}, {b['bytes']} bytes): {b['arrived']} arrived, "
            f"in order and once: {b['in_order_once']}; {b['seconds']:.2f} s, {b['per_second']:.0f} documents/s"
        )


if __name__ == "__main__":
    main()
