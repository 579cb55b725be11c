"""Benchmark: the box's side of a big list update (download, verify, apply) and its memory.

Run (about a minute):

    nice -n 10 .venv/bin/python bench/hub_box_apply.py

A hub on SQLite in a temporary directory publishes ``--base`` documents, a box syncs (full
snapshot), then the hub publishes ``--delta`` more and the box syncs again (delta). Each
``appliance sync --once`` runs as its own process, so its peak resident memory (ru_maxrss of the
child) is the box's real footprint for that update.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from hub_fleet import doc  # noqa: E402

from sync.hub import appliances, keys as hub_keys, lists as hub_lists, schema  # noqa: E402
from sync.hub.service import Hub  # noqa: E402
from sync.hub.settings import load_settings  # noqa: E402

BIN = Path(sys.executable).parent


def free_port() -> int:
    """A free TCP port on localhost."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed_child(args: list[str], env: dict) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run a child process; return (seconds, peak RSS in MB of this child, result)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    p = subprocess.run(args, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {p.stderr}")
    return elapsed, max(peak, before) / 1024, p


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=int, default=150_000)
    ap.add_argument("--delta", type=int, default=100_000)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hub-box-bench-"))
    settings = load_settings(tmp / "hub", None, must_exist=False)
    settings.data_dir.mkdir()
    (settings.data_dir / "hub.toml").write_text(settings.to_toml(), encoding="utf-8")
    hub = Hub(settings)
    schema.create(hub.db)
    key = hub_keys.ensure_key(settings, hub.db)
    hub_lists.publish(hub.db, "lost", kind="documents", fmt="documents-csv", records=[doc(i) for i in range(args.base)], source="bench")
    hub_lists.prebuild(hub.db, "lost", settings.full_snapshot_ratio)
    token = appliances.add(hub.db, "bench-box", token_hours=1)["token"]
    port = free_port()
    env = {**os.environ, "SCREENING_HUB_DATA_DIR": str(settings.data_dir), "APPLIANCE_DATA_DIR": str(tmp / "box")}
    env.pop("APPLIANCE_CONFIG", None)
    server = subprocess.Popen([str(BIN / "screening-hub"), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(2)
        url = f"http://127.0.0.1:{port}"
        subprocess.run([str(BIN / "appliance"), "sync", "enroll", "--hub", url, "--token", token, "--hub-key", key.public.text],
                       env=env, check=True, capture_output=True)
        t, rss, _ = timed_child([str(BIN / "appliance"), "sync", "--once", "--json"], env)
        print(f"snapshot of {args.base:,} documents: download + verify + apply {t:.1f} s, peak RSS {rss:.0f} MB")
        hub_lists.publish(hub.db, "lost", kind="documents", fmt="documents-csv",
                          records=[doc(i) for i in range(args.base + args.delta)], source="bench")
        hub_lists.prebuild(hub.db, "lost", settings.full_snapshot_ratio)
        t, rss, p = timed_child([str(BIN / "appliance"), "sync", "--once", "--json"], env)
        applied = json.loads(p.stdout)["applied"]
        shown = json.loads(subprocess.run([str(BIN / "appliance"), "lists", "show", "--json"], env=env, check=True,
                                          capture_output=True, text=True).stdout)
        print(f"delta of {args.delta:,} documents ({applied}): {t:.1f} s, peak RSS of the run so far {rss:.0f} MB; "
              f"box now holds {shown[0]['documents']:,} documents at version {shown[0]['version']}")
    finally:
        server.terminate()
        server.wait(20)
        hub.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
