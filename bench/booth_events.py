"""Booth event latency: a scan posted to the API reaches a subscribed booth screen (SSE) how fast?

Starts ``appliance serve`` (waitress, a separate process) on a fresh data directory with the
demo lists, subscribes one server-sent-event client per lane, then posts scans (the demo's
fictitious documents) round-robin over the lanes at a steady rate, as bridges would. For each
scan it records the time from the start of ``POST /api/v1/scans`` to the moment the SSE client of
that lane has the event (end to end, screening included), plus the POST's own time.

    nice -n 10 .venv/bin/python bench/booth_events.py --lanes 20 --scans 600 --rate 10
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(data_dir: Path, lanes: list[str], threads: int) -> dict:
    """Data directory with demo lists, an admin, and bridge/terminal tokens for every lane."""
    import tomli_w

    from appliance.cli.service import initialise
    from appliance.demo import data
    from appliance.store.db import connect
    from appliance.store.importing import import_list
    from appliance.web import accounts

    (data_dir / "appliance.toml").write_text(tomli_w.dumps({
        "appliance": {"log_level": "WARNING"},
        "server": {"threads": threads},
        "lanes": {lane: {"port": ""} for lane in lanes},
    }))
    app, _ = initialise(data_dir, "admin", "bench-admin-password")
    wl, docs = data.write_lists(data_dir / "lists-src")
    db = connect(app.db_path)
    import_list(db, data.WATCHLIST_NAME, "csv", [wl])
    import_list(db, data.DOCUMENTS_NAME, "documents-csv", [docs])
    db.conn.close()
    with app.write() as wdb:
        bridge, _ = accounts.create_token(wdb, "bridge", ["*"], label="bench")
        terminal, _ = accounts.create_token(wdb, "terminal", ["*"], label="bench")
    app.close()
    return {"bridge": bridge, "terminal": terminal}


class Subscriber(threading.Thread):
    """One booth screen: reads a lane's event stream and stamps each scan's arrival."""

    def __init__(self, url: str, lane: str, token: str, arrivals: dict, lock: threading.Lock, heartbeat: bool = False):
        super().__init__(daemon=True, name=f"sse-{lane}")
        self.url, self.lane, self.token, self.arrivals, self.lock = url, lane, token, arrivals, lock
        self.query = "?heartbeat=1" if heartbeat else ""  # as the booth page asks: an "alive" event every 0.5 s
        self.ready = threading.Event()
        self.stop = False

    def run(self) -> None:
        """Read events until told to stop (the stream ending at shutdown is expected)."""
        try:
            self._read()
        except requests.RequestException:
            if not self.stop:
                raise

    def _read(self) -> None:
        with requests.get(f"{self.url}/api/v1/lanes/{self.lane}/events{self.query}", headers={"Authorization": f"Bearer {self.token}"},
                          stream=True, timeout=(5, 60)) as resp:
            resp.raise_for_status()
            self.ready.set()
            buf = b""
            for chunk in resp.iter_content(chunk_size=None):
                if self.stop:
                    return
                now = time.perf_counter()
                buf += chunk
                while b"\n\n" in buf:
                    block, buf = buf.split(b"\n\n", 1)
                    if b"event: alive" in block:
                        continue
                    for line in block.split(b"\n"):
                        if line.startswith(b"data: "):
                            event = json.loads(line[6:])
                            with self.lock:
                                self.arrivals[event["read_id"]] = (now, event["lane"])


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))]


def main(argv=None) -> int:
    """Run the benchmark and print the figures (JSON and a Markdown row)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lanes", type=int, default=20)
    ap.add_argument("--scans", type=int, default=600, help="scans posted in total")
    ap.add_argument("--rate", type=float, default=10.0, help="scans per second over all lanes")
    ap.add_argument("--posters", type=int, default=4, help="concurrent posting clients (bridges)")
    ap.add_argument("--threads", type=int, default=48, help="waitress threads of the service")
    ap.add_argument("--heartbeat", action="store_true", help="subscribe as booth pages do (an 'alive' event every 0.5 s)")
    args = ap.parse_args(argv)

    from appliance.demo.data import travellers

    lanes = [f"lane-{i:02d}" for i in range(1, args.lanes + 1)]
    docs = [t.mrz for t in travellers()]
    with tempfile.TemporaryDirectory(prefix="bench-booth-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        tokens = prepare(data_dir, lanes, args.threads)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "APPLIANCE_DATA_DIR": str(data_dir)}
        exe = Path(sys.executable).parent / "appliance"
        server = subprocess.Popen([str(exe), "serve", "--port", str(port)],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if requests.get(f"{url}/api/v1/health", timeout=1).ok:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    print("the service did not start:", server.stderr.read().decode()[-2000:] if server.poll() is not None else "", file=sys.stderr)
                    return 1
                time.sleep(0.2)
            arrivals: dict = {}
            lock = threading.Lock()
            subs = [Subscriber(url, lane, tokens["terminal"], arrivals, lock, args.heartbeat) for lane in lanes]
            for s in subs:
                s.start()
            for s in subs:
                s.ready.wait(10)
            sent: dict = {}
            answered: list[float] = []
            errors: list[str] = []
            interval = args.posters / args.rate
            counter = iter(range(args.scans))
            counter_lock = threading.Lock()

            def poster(k: int) -> None:
                sess = requests.Session()
                sess.headers["Authorization"] = f"Bearer {tokens['bridge']}"
                next_at = time.perf_counter() + k * interval / args.posters
                while True:
                    with counter_lock:
                        i = next(counter, None)
                    if i is None:
                        return
                    delay = next_at - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    next_at += interval
                    rid = f"bench-{uuid.uuid4().hex}"
                    body = {"lane": lanes[i % len(lanes)], "mrz": docs[i % len(docs)], "source": "serial", "read_id": rid}
                    t0 = time.perf_counter()
                    resp = sess.post(f"{url}/api/v1/scans", json=body, timeout=10)
                    t1 = time.perf_counter()
                    if resp.status_code != 201:
                        errors.append(f"{resp.status_code} {resp.text[:100]}")
                        continue
                    sent[rid] = t0
                    answered.append((t1 - t0) * 1000)

            started = time.perf_counter()
            posters = [threading.Thread(target=poster, args=(k,)) for k in range(args.posters)]
            for t in posters:
                t.start()
            for t in posters:
                t.join()
            wall = time.perf_counter() - started
            time.sleep(1.0)
            with lock:
                lat = [(arrivals[r][0] - t0) * 1000 for r, t0 in sent.items() if r in arrivals]
            missing = len(sent) - len(lat)
            for s in subs:
                s.stop = True
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
    result = {
        "lanes": args.lanes, "scans": len(sent), "rate_per_s": round(len(sent) / wall, 1), "errors": len(errors),
        "events_missing": missing,
        "post_to_event_ms": {"p50": round(pct(lat, 50), 1), "p95": round(pct(lat, 95), 1), "p99": round(pct(lat, 99), 1),
                             "max": round(max(lat), 1) if lat else None, "mean": round(statistics.fmean(lat), 1) if lat else None},
        "post_answer_ms": {"p50": round(pct(answered, 50), 1), "p95": round(pct(answered, 95), 1)},
    }
    print(json.dumps(result, indent=2))
    e = result["post_to_event_ms"]
    print(f"| {args.lanes} | {len(sent)} | {result['rate_per_s']} | {e['p50']} | {e['p95']} | {e['p99']} | {e['max']} | "
          f"{result['post_answer_ms']['p95']} | {missing} |")
    if errors:
        print("errors:", errors[:5], file=sys.stderr)
    return 0 if not errors and not missing else 1


if __name__ == "__main__":
    sys.exit(main())
