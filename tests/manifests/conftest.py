"""Fixtures of the manifests tests: a data directory with a fictitious watchlist and documents list."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
PUBLISHED = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def listed(entry_id, name, dob, nationality, sex, *aliases):
    """A fictitious listed person (WatchlistEntry dict)."""
    names = [{"name": name, "kind": "primary", "quality": None, "script": None}]
    names += [{"name": a, "kind": "original_script", "quality": None, "script": None} for a in aliases]
    return {"entry_id": entry_id, "entity_type": "individual", "names": names,
            "dates_of_birth": [{"date_from": dob, "date_to": dob, "precision": "exact", "approximate": False}],
            "nationalities": [nationality], "sex": sex, "documents": []}


WATCHLIST = [
    listed("M-001", "HADDAD, Abdul Rahman", "1964-12-03", "LBN", "male"),
    listed("M-002", "DANIELSSON, Emma", "1990-09-09", "SWE", "female"),
    listed("M-003", "SHCHERBAKOVA, Yuliya Sergeyevna", "1985-11-04", "RUS", "female", "ЩЕРБАКОВА, Юлия Сергеевна"),
    listed("M-004", "MÜLLER-GÖSSMANN, Jürgen", "1961-03-12", "D", "male"),
]
DOCUMENTS = [
    {"issuing_state": "UTO", "document_type": "P", "document_number": "L898902C3", "status": "lost"},
    {"issuing_state": "D", "document_type": "P", "document_number": "C01X00T47", "status": "stolen"},
]


def load_lists(data_dir: Path, watchlist=WATCHLIST, version="1") -> None:
    """Put the fixture lists into the data directory's store (as the sync client would)."""
    from appliance.store.changes import apply_changes
    from appliance.store.db import connect, database_path

    db = connect(database_path(data_dir))
    apply_changes(db, "wl", kind="watchlist", version=version, upserts=watchlist, full=True, published_at=PUBLISHED)
    apply_changes(db, "sltd", kind="documents", version="1", full=True, published_at=PUBLISHED, hashing=False,
                  upserts=DOCUMENTS)
    db.conn.close()


@pytest.fixture
def box(data_dir):
    """A data directory holding the fixture lists."""
    load_lists(data_dir)
    return data_dir


def run(*args, data_dir=None, check=None):
    """Run the real ``appliance manifests`` command in a subprocess."""
    env = dict(os.environ)
    if data_dir:
        env["APPLIANCE_DATA_DIR"] = str(data_dir)
    p = subprocess.run([sys.executable, "-c", "from appliance.cli import main; main()", "manifests", *map(str, args)],
                       capture_output=True, text=True, env=env, timeout=300)
    if check is not None:
        assert p.returncode == check, (p.returncode, p.stdout, p.stderr)
    return p


def run_json(*args, data_dir=None, check=0):
    """Run a command with --json and decode its output."""
    p = run(*args, "--json", data_dir=data_dir, check=check)
    return json.loads(p.stdout)
