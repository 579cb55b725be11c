"""Fixtures of the deployment tests: a data directory written by the real service code."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPLIANCE = [sys.executable, "-m", "appliance.cli"] if not (ROOT / ".venv/bin/appliance").exists() else [str(ROOT / ".venv/bin/appliance")]


def run_appliance(*args: str, data_dir: Path | None = None, input: str | None = None, env: dict | None = None,
                  timeout: float = 60) -> subprocess.CompletedProcess:
    """Run the ``appliance`` command in a subprocess (its own data directory, no config file)."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("APPLIANCE_CONFIG", "NOTIFY_SOCKET")}
    if data_dir is not None:
        full_env["APPLIANCE_DATA_DIR"] = str(data_dir)
    full_env.update(env or {})
    return subprocess.run([*APPLIANCE, *args], capture_output=True, text=True, input=input, env=full_env,
                          timeout=timeout, stdin=None if input is not None else subprocess.DEVNULL)


class ScanWriter:
    """Writes fictitious scans (and their audit records) the way the web service does."""

    def __init__(self, data_dir: Path):
        from appliance.config import load_config
        from appliance.web.context import Appliance

        self.ctx = Appliance(load_config(data_dir=data_dir), data_dir)
        self.committed = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def write_one(self, n: int) -> int:
        """Store one scan and an audit record in one transaction; return the scan id."""
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
        with self.ctx.write() as db:
            cur = db.execute(
                "INSERT INTO scans (read_id, lane, source, created_at, decision, doc_key, mrz, result, elapsed_ms, submitted_by)"
                " VALUES (?,?,?,?,?,?,?,?,?,?)",
                [f"test-{n}", f"lane{n % 2 + 1}", "serial", now, "CLEAR" if n % 5 else "POSSIBLE_MATCH", f"UTO:X{n:08d}",
                 "P<UTOFICTITIOUS<<TRAVELLER<<<<<<<<<<<<<<<<<<\nX000000000UTO0001014F3001011<<<<<<<<<<<<<<02",
                 json.dumps({"decision": "CLEAR"}), 3.0 + n % 40, "token:1"],
            )
            self.ctx.audit.append(db, "token:1", "scan.create", str(cur.lastrowid))
        return cur.lastrowid

    def _run(self) -> None:
        n = 1000
        while not self._stop.is_set():
            self.write_one(n)
            self.committed = n
            n += 1

    def start(self) -> None:
        """Keep writing in a background thread."""
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop writing and close the database."""
        self._stop.set()
        if self._thread:
            self._thread.join(10)
        self.ctx.close()


@pytest.fixture
def scan_writer(data_dir):
    """A data directory with the service's database, and a writer for scans."""
    writer = ScanWriter(data_dir)
    yield writer
    writer.stop()
