"""Killing an import with SIGKILL at any moment leaves the previous version of the list intact."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from appliance.store.db import connect, database_path
from appliance.store.documents import check
from appliance.store.lists import list_lists
from tests.store.conftest import snapshot, write

pytestmark = pytest.mark.slow


def _state(data_dir):
    dump, files = snapshot(data_dir)
    return dump, {k: v for k, v in files.items() if k.endswith(".db")}


def _import_cmd(name, fmt, path):
    return [sys.executable, "-c", "from appliance.cli import main; main()",
            "lists", "import", "--list", name, "--format", fmt, str(path)]


def _kill_when(cmd, env, condition, delay: float = 0.0) -> bool:
    """Start ``cmd``; SIGKILL it once ``condition()`` holds (after ``delay`` s); True when it was still running."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + delay
    while proc.poll() is None and not (time.monotonic() >= deadline and condition()):
        time.sleep(0.002)
    alive = proc.poll() is None
    if alive:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return alive


def _size(path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _moments(data_dir, fmt, duration):
    """Conditions at which to kill: seen on disk (mid-write), and at fractions of a whole import."""
    lists_dir = data_dir / "lists"
    wal = data_dir / "appliance.db-wal"
    base = _size(wal)

    def staging():
        return lists_dir.is_dir() and any(p.name.endswith(".stage") for p in lists_dir.iterdir())

    def finishing():
        return lists_dir.is_dir() and any(p.name.endswith(".part") and _size(p) > 65536 for p in lists_dir.iterdir())

    def writing_main():
        return _size(wal) > base + 65536

    always = lambda: True  # noqa: E731
    observed = [(staging, 0.0), (finishing, 0.0)] if fmt == "documents-csv" else [(writing_main, 0.0)]
    return observed + [(always, duration * f) for f in (0.3, 0.5, 0.7, 0.85)]


@pytest.mark.parametrize("fmt", ["documents-csv", "ndjson"])
def test_sigkill_during_import_keeps_previous_version(data_dir, tmp_path, fmt):
    env = {**os.environ, "APPLIANCE_DATA_DIR": str(data_dir)}
    if fmt == "documents-csv":
        small = write(tmp_path / "v1.csv", "FRA,P,OLD000001,lost,2020-01-01,v1\n")
        big = write(tmp_path / "v2.csv", "".join(f"FRA,P,N{i:08d},stolen,2024-01-01,\n" for i in range(40_000)))
    else:
        small = write(tmp_path / "v1.ndjson", json.dumps({"entry_id": "OLD", "name": "Old Person",
                      "documents": [{"document_type": "P", "number": "OLD000001", "issuing_state": "FRA"}]}) + "\n")
        big = write(tmp_path / "v2.ndjson", "".join(json.dumps({
            "entry_id": f"E{i}", "name": f"Person Number {i}", "aliases": [f"Alias {i}"], "dates_of_birth": ["1970"],
            "documents": [{"document_type": "P", "number": f"N{i:08d}", "issuing_state": "FRA"}]}) + "\n"
            for i in range(1500)))
    # how long a whole import takes here, measured in a scratch data directory
    scratch = {**env, "APPLIANCE_DATA_DIR": str(tmp_path / "scratch")}
    (tmp_path / "scratch").mkdir()  # only `appliance init` makes a data directory
    started = time.monotonic()
    subprocess.run(_import_cmd("target", fmt, big), env=scratch, check=True, capture_output=True)
    duration = time.monotonic() - started

    subprocess.run(_import_cmd("target", fmt, small), env=env, check=True, capture_output=True)
    before = _state(data_dir)
    killed = 0
    full = 40_000 if fmt == "documents-csv" else 1500
    for condition, delay in _moments(data_dir, fmt, duration):
        still_running = _kill_when(_import_cmd("target", fmt, big), env, condition, delay)
        db = connect(database_path(data_dir))
        shown = list_lists(db)[0]
        committed = (shown["documents"] if fmt == "documents-csv" else shown["persons"]) == full
        if committed:
            # the import had committed before the kill landed: then it is whole, never partial
            assert check(db, "FRA", "N00000001") and not check(db, "FRA", "OLD000001")
        else:
            assert still_running
            killed += 1
            assert _state(data_dir) == before
            assert check(db, "FRA", "OLD000001") and not check(db, "FRA", "N00000001")
        db.conn.close()
        if committed:  # put the old version back for the next attempt
            subprocess.run(_import_cmd("target", fmt, small), env=env, check=True, capture_output=True)
            before = _state(data_dir)
    assert killed >= 2
    subprocess.run(_import_cmd("target", fmt, big), env=env, check=True, capture_output=True)
    db = connect(database_path(data_dir))
    assert check(db, "FRA", "N00000001") and not check(db, "FRA", "OLD000001")
    assert [r["name"] for r in list_lists(db)] == ["target"]
    lists_dir = data_dir / "lists"
    leftovers = [p.name for p in lists_dir.iterdir() if ".part" in p.name or ".stage" in p.name] if lists_dir.is_dir() else []
    assert leftovers == []
