"""The console's commands: users, audit verify (tamper evident), notify status; schema upgrade; the box's side of the upload."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sync.client import outbox
from sync.client.runner import SyncSettings, sync_once
from sync.hub import schema
from sync.hub.cli import cli, main
from sync.hub.errors import HubConfigError

from .test_sync_e2e import enrolled_box, hub_cmd


def run(hub_dir, *args, input=None):
    return CliRunner().invoke(cli, list(args), env={"SCREENING_HUB_DATA_DIR": str(hub_dir)}, input=input)


def test_users_and_audit_commands(hub_dir, hub, monkeypatch, capsys):
    assert run(hub_dir, "users", "add", "chief", "--role", "admin", "--password", "chief-pass-01").exit_code == 0
    prompted = run(hub_dir, "users", "add", "op1", "--role", "operator", input="op1-password-1\nop1-password-1\n")
    assert prompted.exit_code == 0, prompted.output
    monkeypatch.setenv("SCREENING_HUB_DATA_DIR", str(hub_dir))
    for args, says in ((["users", "add", "op2", "--role", "operator", "--password", "short"], "at least 10"),
                       (["users", "add", "op1", "--role", "operator", "--password", "op1-password-1"], "already exists"),
                       (["users", "disable", "ghost"], "no user")):
        with pytest.raises(SystemExit) as exc:
            main(args)
        err = capsys.readouterr().err
        assert exc.value.code != 0 and says in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert run(hub_dir, "users", "disable", "op1").exit_code == 0
    rows = json.loads(run(hub_dir, "users", "list", "--json").output)
    assert [(u["username"], u["role"], u["disabled"]) for u in rows] == [("chief", "admin", False), ("op1", "operator", True)]
    assert run(hub_dir, "users", "enable", "op1").exit_code == 0
    assert run(hub_dir, "users", "password", "op1", "--password", "another-pass-1").exit_code == 0
    ok = run(hub_dir, "audit", "verify", "--json")
    assert ok.exit_code == 0 and json.loads(ok.output)["records"] == 5
    assert "every notification has been delivered" in run(hub_dir, "notify", "status").output
    with hub.db.tx(write=True) as cur:  # someone with database rights rewrites history, triggers and all
        if hub.db.dialect == "postgresql":
            cur.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        else:
            cur.execute("DROP TRIGGER audit_log_no_update")
        cur.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2")
    bad = run(hub_dir, "audit", "verify")
    assert bad.exit_code == 3 and "record 2: content does not match its hash (edited)" in bad.output


def test_an_older_schema_is_refused_until_init_upgrades_it(hub_dir, hub):
    with hub.db.tx(write=True) as cur:
        cur.execute("UPDATE hub_meta SET value = '1' WHERE key = 'schema_version'")
    with pytest.raises(HubConfigError, match="screening-hub init"):
        schema.check(hub.db)
    assert run(hub_dir, "init").exit_code == 0
    schema.check(hub.db)


def test_the_box_sends_its_post_clock_readers_and_pushes_possible_matches_first(hub_dir, served_hub, tmp_path):
    box = enrolled_box(hub_dir, tmp_path, served_hub.url)
    with box.db.conn:
        box.db.execute("CREATE TABLE IF NOT EXISTS lane_status (lane TEXT PRIMARY KEY, state TEXT NOT NULL, profile TEXT, port TEXT, "
                       "last_read_at TEXT, reads INTEGER, read_errors INTEGER, detail TEXT, reported_at TEXT NOT NULL)")
        box.db.execute("INSERT INTO lane_status (lane, state, detail, reported_at) VALUES ('lane-1', 'disconnected', 'unplugged', '2030-01-01')")
        for i, decision in enumerate(("CLEAR", "POSSIBLE_MATCH", "HIT")):
            outbox.enqueue(box.db, kind="encounter", record_key=f"encounter/r{i}",
                           payload={"scan": {"id": i, "read_id": f"r{i}", "lane": "lane-1", "decision": decision, "matches": []}})
    assert [r["key"] for r in outbox.pending(box.db, 10, min_priority=outbox.PRIORITY_HIT)] == ["encounter/r1", "encounter/r2"]
    settings = SyncSettings(connect_timeout=2.0, read_timeout=20.0, post="Harbour east")
    result = sync_once(box.db, box.data_dir, settings, delays=())
    assert result["hits_sent"] == 2 and result["records_sent"] == 3
    row = json.loads(hub_cmd(hub_dir, "appliances", "list", "--json"))[0]
    assert row["hits"] == 2  # both went with hit priority
    from sync.hub.db import HubDatabase
    from sync.hub.settings import load_settings

    db = HubDatabase(load_settings(hub_dir).database_url)
    with db.tx() as cur:
        status = json.loads(cur.execute("SELECT status FROM appliances").fetchone()[0])
        posts = [r[0] for r in cur.execute("SELECT post FROM hits ORDER BY id").fetchall()]
    db.close()
    assert status["post"] == "Harbour east" and abs(status["clock_offset_seconds"]) < 5
    assert status["lanes"] == [{"name": "lane-1", "state": "disconnected", "detail": "unplugged", "reported_at": "2030-01-01"}]
    assert posts == ["Harbour east", "Harbour east"]
