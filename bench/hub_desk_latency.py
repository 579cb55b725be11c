"""Benchmark: from a box's sync sending a hit to the webhook's delivery and to the hit desk's live feed (goal p95 <= 2 s).

Run (about 3-4 minutes on the 2-core development machine):

    nice -n 10 .venv/bin/python bench/hub_desk_latency.py

A throwaway database on the PostgreSQL at 127.0.0.1:5432 (``--pg``), ``screening-hub serve``
(waitress, 16 threads, its live feed and notification worker running) on a free port, and in
this process: a webhook receiver that checks every ``X-Hub-Signature-256``, and an operator's
hit desk stream (the server-sent events the desk page listens to). 1,000 simulated boxes are
enrolled; 24 client threads keep them uploading routine encounters in batches of 100, as fast as
the hub takes them (the load of ``bench/hub_fleet.py``). Meanwhile every ``--interval`` seconds
a random box sends one hit the way ``appliance sync`` pushes hits (a batch of one). The clock
starts just before that POST and stops when the webhook receiver has the notification, and when
the desk stream has the event.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import requests
import tomli_w

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sync.hub import accounts, appliances, keys as hub_keys, schema  # noqa: E402
from sync.hub.service import Hub  # noqa: E402
from sync.hub.settings import load_settings  # noqa: E402

SECRET = "bench-webhook-secret"
USER, PASSWORD = "bench-operator", "bench-operator-pass"


def free_port() -> int:
    """A free TCP port on localhost."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values, p):
    """The p-th percentile of values."""
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def encounter(box: int, i: int, decision: str = "CLEAR") -> dict:
    """A booth-shaped encounter record with a fictitious traveller."""
    rnd = random.Random(box * 1_000_003 + i)
    read_id = f"{box}-{i}-{uuid.UUID(int=rnd.getrandbits(128))}"
    matches = [] if decision == "CLEAR" else [{"list": "un", "kind": "watchlist", "entry_id": f"QDi.{rnd.randrange(999)}",
                                                "score": 0.95, "matched_name": "LISTED NAME", "evidence": {}}]
    scan = {"id": i, "read_id": read_id, "lane": f"lane-{rnd.randrange(1, 4)}", "source": "serial",
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()), "decision": decision, "reasons": [],
            "document": {"surname": f"SURNAME{rnd.randrange(10**6)}", "given_names": "GIVEN", "document_number": f"X{rnd.randrange(10**8):08d}",
                         "issuing_state": "UTO", "nationality": "UTO", "birth_date": "1980-01-01", "sex": "F", "document_code": "P"},
            "matches": matches, "lists": [{"name": "un", "version": "4", "age_seconds": 60}], "stale": False, "elapsed_ms": 12.5}
    return {"key": f"encounter/{read_id}", "kind": "encounter", "priority": 0 if decision == "CLEAR" else 10,
            "created_at": scan["created_at"], "payload": {"scan": scan, "doc_key": read_id[:16]}}


class Receiver:
    """Webhook receiver: verifies the signature, records when each scan's notification arrived."""

    def __init__(self):
        self.arrived: dict[str, float] = {}
        self.bad = 0
        me = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                now = time.perf_counter()
                good = hmac.compare_digest("sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest(),
                                           self.headers.get("X-Hub-Signature-256", ""))
                if good:
                    me.arrived.setdefault(json.loads(body)["appliance"] + "/" + str(json.loads(body)["scan_id"]), now)
                else:
                    me.bad += 1
                self.send_response(204 if good else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def desk_stream(base: str, seen: dict, stop: threading.Event, ready: threading.Event) -> None:
    """The hit desk's live feed, as the page's EventSource gets it."""
    s = requests.Session()
    html = s.get(base + "/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    s.post(base + "/login", data={"username": USER, "password": PASSWORD, "csrf_token": token}, allow_redirects=False, timeout=30)
    head = s.get(base + "/console/api/hits", timeout=30).json()["feed_seq"]
    try:
        with s.get(base + f"/console/api/stream?after={head}", stream=True, timeout=(10, 120)) as resp:
            ready.set()
            for line in resp.iter_lines(decode_unicode=True):
                if stop.is_set():
                    return
                if line and line.startswith("data: "):
                    ev = json.loads(line[6:])
                    if ev["kind"] == "new":
                        seen.setdefault(ev["hit"]["appliance"] + "/" + str(ev["hit"]["scan_id"]), time.perf_counter())
    except requests.RequestException:
        if not stop.is_set():
            print("the desk stream broke off", file=sys.stderr)


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boxes", type=int, default=1000)
    ap.add_argument("--hits", type=int, default=200)
    ap.add_argument("--interval", type=float, default=0.5, help="seconds between two hits")
    ap.add_argument("--batch", type=int, default=100, help="routine records per upload")
    ap.add_argument("--clients", type=int, default=24, help="client threads driving the routine uploads")
    ap.add_argument("--hub-threads", type=int, default=16)
    ap.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres", help="maintenance database URL")
    args = ap.parse_args()

    name = f"hub_bench_latency_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = args.pg.rsplit("/", 1)[0] + "/" + name
    tmp = Path(tempfile.mkdtemp(prefix="hub-bench-latency-"))
    receiver = Receiver()
    proc = None
    stop = threading.Event()
    try:
        settings = load_settings(tmp, url, must_exist=False)
        doc = {"hub": settings.hub_values(), "console": dict(settings.console),
               "notify": {**settings.notify, "webhook_url": receiver.url, "webhook_secret": SECRET, "decisions": ["HIT", "POSSIBLE_MATCH"]}}
        (tmp / "hub.toml").write_text(tomli_w.dumps(doc), encoding="utf-8")
        settings = load_settings(tmp)
        hub = Hub(settings)
        schema.create(hub.db)
        hub_keys.ensure_key(settings, hub.db)
        with hub.db.tx(write=True) as cur:
            accounts.create_user(cur, USER, PASSWORD, "operator")
        tokens = [appliances.add(hub.db, f"box-{i:04d}", token_hours=1)["token"] for i in range(args.boxes)]
        hub.close()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(tmp / "hub.log", "ab")
        proc = subprocess.Popen([str(Path(sys.executable).parent / "screening-hub"), "serve", "--data-dir", str(tmp),
                                 "--port", str(port), "--threads", str(args.hub_threads)], stdout=log, stderr=log)
        for _ in range(300):
            try:
                if requests.get(base + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        local = threading.local()

        def session() -> requests.Session:
            if not hasattr(local, "s"):
                local.s = requests.Session()
            return local.s

        def enroll(i):
            r = session().post(base + "/api/v1/enroll", json={"token": tokens[i]}, timeout=60)
            r.raise_for_status()
            return {"Authorization": f"Bearer {r.json()['credential']}"}

        with ThreadPoolExecutor(args.clients) as pool:
            creds = list(pool.map(enroll, range(args.boxes)))
        print(f"hub on PostgreSQL, {args.hub_threads} threads; {args.boxes} boxes enrolled; {args.clients} client threads of routine uploads")

        uploaded = [0]
        lock = threading.Lock()

        def routine(worker: int) -> None:
            n = 0
            rnd = random.Random(worker)
            while not stop.is_set():
                box = rnd.randrange(args.boxes)
                batch = [encounter(box, 10**7 + worker * 10**6 + n + j) for j in range(args.batch)]
                n += args.batch
                try:
                    r = session().post(base + "/api/v1/records", json={"records": batch, "box": {"post": f"Post {box % 60:02d}"}},
                                       headers=creds[box], timeout=60)
                    r.raise_for_status()
                except requests.RequestException:
                    continue
                with lock:
                    uploaded[0] += len(batch)

        seen: dict[str, float] = {}
        ready = threading.Event()
        threading.Thread(target=desk_stream, args=(base, seen, stop, ready), daemon=True).start()
        ready.wait(30)
        workers = [threading.Thread(target=routine, args=(w,), daemon=True) for w in range(args.clients)]
        for w in workers:
            w.start()
        time.sleep(5)  # let the load settle
        sent: dict[str, float] = {}
        upload_ms = []
        rnd = random.Random(1)
        load_start, count_start = time.perf_counter(), uploaded[0]
        hit_session = requests.Session()
        for h in range(args.hits):
            box = rnd.randrange(args.boxes)
            rec = encounter(box, h, "HIT" if h % 3 else "POSSIBLE_MATCH")
            t0 = time.perf_counter()
            r = hit_session.post(base + "/api/v1/records", json={"records": [rec], "box": {"post": f"Post {box % 60:02d}"}},
                                 headers=creds[box], timeout=60)
            upload_ms.append((time.perf_counter() - t0) * 1000)
            r.raise_for_status()
            sent[f"box-{box:04d}/{h}"] = t0
            time.sleep(max(0.0, args.interval - (time.perf_counter() - t0)))
        load_rate = (uploaded[0] - count_start) / (time.perf_counter() - load_start)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (len(receiver.arrived) < len(sent) or len([k for k in sent if k in seen]) < len(sent)):
            time.sleep(0.2)
        stop.set()
        hook = [(receiver.arrived[k] - t0) for k, t0 in sent.items() if k in receiver.arrived]
        desk = [(seen[k] - t0) for k, t0 in sent.items() if k in seen]
        print(f"routine load during the run: {load_rate:,.0f} encounter records/s from {args.boxes} boxes")
        print(f"hit upload (POST of a batch of one) p50 {statistics.median(upload_ms):.0f} ms, p95 {pct(upload_ms, 0.95):.0f} ms")
        for label, values in (("webhook delivered", hook), ("on the hit desk feed", desk)):
            print(f"{label}: {len(values)}/{len(sent)} hits; p50 {statistics.median(values):.2f} s, p95 {pct(values, 0.95):.2f} s, "
                  f"max {max(values):.2f} s")
        print(f"bad signatures at the receiver: {receiver.bad}")
    finally:
        stop.set()
        if proc:
            proc.terminate()
            proc.wait(30)
        receiver.server.shutdown()
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name])
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
