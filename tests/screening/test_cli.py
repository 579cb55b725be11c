"""``appliance screen``: one MRZ (argument or stdin), --json, --batch NDJSON, bad input, --reindex."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from appliance.store.changes import apply_changes
from appliance.store.db import connect, database_path
from firmware_bridge.mrz import compose

from .conftest import WATCHLIST

PUBLISHED = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def mrz(surname, given, birth, number="X12345678"):
    """A valid TD3 MRZ of a fictitious traveller."""
    return compose("TD3", issuing_state="UTO", surname=surname, given_names=given, document_number=number,
                   nationality="UTO", birth_date=birth, sex="M", expiry_date="2031-01-01")


@pytest.fixture
def store(data_dir):
    """A data directory with the fixture watchlist and a documents list."""
    db = connect(database_path(data_dir))
    apply_changes(db, "wl", kind="watchlist", version="1", upserts=WATCHLIST, full=True, published_at=PUBLISHED)
    apply_changes(db, "sltd", kind="documents", version="1", full=True, published_at=PUBLISHED, hashing=False,
                  upserts=[{"issuing_state": "UTO", "document_type": "P", "document_number": "L898902C3",
                            "status": "lost"}])
    db.conn.close()
    return data_dir


def run(*args, stdin: bytes | str = b"", data_dir=None):
    """Run the real ``appliance`` entry point in a subprocess."""
    env = dict(os.environ)
    if data_dir:
        env["APPLIANCE_DATA_DIR"] = str(data_dir)
    if isinstance(stdin, str):
        stdin = stdin.encode()
    return subprocess.run([sys.executable, "-c", "from appliance.cli import main; main()", "screen", *args],
                          input=stdin, capture_output=True, env=env, timeout=120)


def test_json_verdict_from_argument(store):
    p = run("--json", mrz("BIN LADEN", "USAMA", "1967-03-10"), data_dir=store)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert set(d) == {"decision", "reasons", "document", "matches", "lists", "stale", "elapsed_ms"}
    assert d["decision"] == "HIT" and d["matches"][0]["entry_id"] == "W-002"
    m = d["matches"][0]
    assert set(m) == {"list", "kind", "entry_id", "score", "matched_name", "evidence"}


def test_human_verdict_from_stdin(store):
    p = run(stdin=mrz("OTHERSON", "PETRUS", "1975-07-07") + "\n", data_dir=store)
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode()
    assert out.startswith("CLEAR") and "list wl version 1" in out


def test_batch_ndjson_keeps_ids(store):
    lines = [
        json.dumps({"id": "a", "mrz": mrz("BIN LADEN", "USAMA", "1967-03-10")}),
        json.dumps({"id": 2, "mrz": mrz("OTHERSON", "PETRUS", "1975-07-07")}),
        "not json",
        json.dumps({"id": "c"}),
        json.dumps({"id": "d", "mrz": "garbage"}),
        json.dumps({"id": "e", "mrz": mrz("ERIKSSON", "ANNA", "1974-08-12", number="L898902C3")}),
    ]
    p = run("--batch", stdin="\n".join(lines) + "\n", data_dir=store)
    assert p.returncode == 0, p.stderr
    out = [json.loads(x) for x in p.stdout.decode().splitlines()]
    assert [o.get("id") for o in out] == ["a", 2, None, "c", "d", "e"]
    assert out[0]["decision"] == "HIT" and out[1]["decision"] == "CLEAR"
    assert "error" in out[2] and "error" in out[3]
    assert out[4]["decision"] == "READ_ERROR"
    assert out[5]["decision"] == "HIT" and "document_lost" in out[5]["reasons"]


@pytest.mark.parametrize("stdin", [b"", b"\x00\xff\xfe\x80" * 50, b"A" * 200_000, b"hello"])
def test_bad_input_never_gives_a_traceback(store, stdin):
    p = run("--json", stdin=stdin, data_dir=store)
    assert b"Traceback" not in p.stderr
    if p.returncode == 0:
        assert json.loads(p.stdout)["decision"] == "READ_ERROR"
    else:
        assert p.stderr.startswith(b"error:")


def test_missing_data_dir_is_a_clear_error(tmp_path):
    p = run("--json", "x", "--data-dir", str(tmp_path / "nope"))
    assert p.returncode != 0 and b"Traceback" not in p.stderr and b"does not exist" in p.stderr


def test_reindex_command(store):
    p = run("--reindex", data_dir=store)
    assert p.returncode == 0, p.stderr
    assert b"wl:" in p.stdout and b"names indexed" in p.stdout
