"""The service's commands: init, users, tokens, audit, purge, status (run as a user would, through appliance.cli.run)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from appliance.cli import cli, run


def appliance(capsys, *args) -> tuple[int, str, str]:
    """Run ``appliance ARGS``; return (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exc:
        run(cli, list(args), prog_name="appliance")
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_init_creates_everything_and_prints_the_generated_password_once(tmp_path, capsys):
    d = tmp_path / "box"
    code, out, _ = appliance(capsys, "init", "--data-dir", str(d))
    assert code == 0 and "password (shown once):" in out
    for name in ("appliance.db", "secret_key", "audit.key", "audit.head"):
        assert (d / name).exists(), name
    assert (d / "secret_key").stat().st_mode & 0o077 == 0
    code, out, _ = appliance(capsys, "init", "--data-dir", str(d))
    assert code == 0 and "already initialised" in out and "password" not in out


def test_users_tokens_audit_status_purge(tmp_path, capsys, monkeypatch):
    d = tmp_path / "box"
    monkeypatch.setenv("APPLIANCE_DATA_DIR", str(d))
    assert appliance(capsys, "init", "--admin-password", "first-admin-pw")[0] == 0
    code, out, _ = appliance(capsys, "users", "add", "ana", "--role", "officer", "--password", "ana-password-1")
    assert code == 0 and "added ana" in out
    code, out, err = appliance(capsys, "users", "add", "ana", "--role", "officer", "--password", "ana-password-1")
    assert code == 1 and "already exists" in err and "Traceback" not in err
    code, out, err = appliance(capsys, "users", "add", "bob", "--role", "officer", "--password", "short")
    assert code == 1 and "at least" in err
    code, out, _ = appliance(capsys, "users", "add", "bob", "--role", "supervisor")
    assert code == 0 and "password (shown once)" in out
    assert appliance(capsys, "users", "disable", "bob")[0] == 0
    code, out, _ = appliance(capsys, "users", "list", "--json")
    users = {u["username"]: u for u in json.loads(out)}
    assert users["bob"]["disabled"] is True and users["admin"]["role"] == "admin"
    assert appliance(capsys, "users", "enable", "bob")[0] == 0
    assert appliance(capsys, "users", "password", "bob", "--password", "bob-password-2")[0] == 0
    code, out, _ = appliance(capsys, "users", "list")
    assert "bob" in out and "supervisor" in out

    code, out, _ = appliance(capsys, "tokens", "create", "--role", "bridge", "--lane", "north-1", "--lane", "north-2", "--json")
    tok = json.loads(out)
    assert code == 0 and tok["token"].startswith("bsa_") and tok["lanes"] == ["north-1", "north-2"]
    code, out, _ = appliance(capsys, "tokens", "create", "--role", "terminal", "--lane", "*")
    assert out.strip().startswith("bsa_")
    code, out, _ = appliance(capsys, "tokens", "list", "--json")
    assert len(json.loads(out)) == 2 and tok["token"] not in out
    assert appliance(capsys, "tokens", "revoke", str(tok["id"]))[0] == 0
    code, out, _ = appliance(capsys, "tokens", "list")
    assert "revoked" in out
    assert appliance(capsys, "tokens", "revoke", "999")[0] == 1

    code, out, _ = appliance(capsys, "audit", "verify")
    assert code == 0 and "chain intact" in out
    code, out, _ = appliance(capsys, "audit", "show", "--json", "--limit", "100")
    actions = [r["action"] for r in json.loads(out)]
    assert {"init", "user.add", "user.disable", "token.create", "token.revoke"} <= set(actions)

    code, out, _ = appliance(capsys, "status", "--json")
    status = json.loads(out)
    assert code == 0 and status["health"]["status"] == "ok" and "machine" in status
    code, out, _ = appliance(capsys, "status")
    assert "sync queue" in out and "lists: none loaded" in out

    code, out, _ = appliance(capsys, "purge", "--dry-run", "--json")
    assert json.loads(out)["dry_run"] is True
    code, out, _ = appliance(capsys, "purge")
    assert code == 0 and "purged 0" in out

    conn = sqlite3.connect(d / "appliance.db")
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    conn.commit()
    conn.close()
    code, out, err = appliance(capsys, "audit", "verify")
    assert code == 3 and "PROBLEM: record 2" in out and "does NOT verify" in err
    code, out, _ = appliance(capsys, "audit", "verify", "--json")
    assert code == 3 and json.loads(out)["ok"] is False


MISSING = "does not exist or was never initialised: run `appliance init --data-dir {d}` first, or pass --data-dir / set APPLIANCE_DATA_DIR"


@pytest.mark.parametrize("args", [
    ["status"], ["status", "--json"], ["users", "list"], ["tokens", "list"], ["audit", "verify"], ["purge"],
    ["users", "add", "ana", "--role", "officer", "--password", "ana-password-1"], ["lists", "show"], ["lists", "remove", "x"],
    ["lists", "import", "--list", "x", "--format", "csv", "nothing.csv"], ["documents", "check", "--state", "UTO", "--number", "X1"],
    ["screen", "HELLO"], ["screen", "--reindex"], ["sync", "--once"], ["sync", "status"], ["sync", "alarms"],
    ["sync", "enroll", "--hub", "http://hub", "--token", "t", "--hub-key", "k"], ["backup", "out.bak"], ["serve", "--port", "0"],
], ids=lambda a: " ".join(a[:2]))
def test_every_command_answers_a_missing_data_directory_alike(tmp_path, capsys, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    typo = tmp_path / "tpyo"
    code, out, err = appliance(capsys, *args, "--data-dir", str(typo))
    assert code == 2, (args, err)
    assert err == f"error: data directory {typo} " + MISSING.format(d=typo) + "\n"
    assert not typo.exists() and not (tmp_path / "out.bak").exists()


def test_data_dir_is_accepted_at_every_level(tmp_path, capsys, monkeypatch):
    d = tmp_path / "box"
    monkeypatch.delenv("APPLIANCE_DATA_DIR", raising=False)
    assert appliance(capsys, "init", "--data-dir", str(d), "--admin-password", "first-admin-pw")[0] == 0
    for args in (["--data-dir", str(d), "users", "list"], ["users", "--data-dir", str(d), "list"], ["users", "list", "--data-dir", str(d)]):
        code, out, err = appliance(capsys, *args)
        assert code == 0 and "admin" in out, (args, err)
    for args in (["sync", "status", "--data-dir", str(d)], ["sync", "--data-dir", str(d), "status"], ["--data-dir", str(d), "sync", "status"]):
        code, out, err = appliance(capsys, *args)
        assert code == 0 and "not enrolled" in out, (args, err)
    code, out, _ = appliance(capsys, "sync", "alarms", "--data-dir", str(d))
    assert code == 0 and "no open alarms" in out
    code, _, err = appliance(capsys, "sync", "enroll", "--hub", "ftp://hub", "--token", "enr_x", "--hub-key", "x", "--data-dir", str(d))
    assert code != 0 and "No such option" not in err and err.startswith("error: ")
    code, out, _ = appliance(capsys, "lists", "--data-dir", str(d), "show")
    assert code == 0 and "no lists on this box" in out
    code, out, _ = appliance(capsys, "--data-dir", str(tmp_path / "other"), "users", "list", "--data-dir", str(d))
    assert code == 0, "the innermost --data-dir wins"


def test_init_says_what_to_do_next(tmp_path, capsys):
    d = tmp_path / "box"
    code, out, _ = appliance(capsys, "init", "--data-dir", str(d), "--admin-password", "first-admin-pw")
    assert code == 0 and "next steps:" in out
    for step in (f"appliance users add NAME --role officer|supervisor|technician --data-dir {d}",
                 f"appliance lists import --list NAME --format FORMAT FILE... --data-dir {d}",
                 "appliance tokens create --role bridge --lane NAME", f"appliance serve --data-dir {d}", "firmware-bridge ports"):
        assert step in out, step


def test_screen_exit_status_says_whether_a_verdict_was_given(tmp_path, capsys, documents):
    d = tmp_path / "box"
    assert appliance(capsys, "init", "--data-dir", str(d), "--admin-password", "first-admin-pw")[0] == 0
    code, out, err = appliance(capsys, "screen", "HELLO", "--data-dir", str(d))
    assert code == 3 and out.startswith("READ_ERROR") and "error: no verdict" in err
    code, out, _ = appliance(capsys, "screen", "--json", "HELLO", "--data-dir", str(d))
    assert code == 3 and json.loads(out)["decision"] == "READ_ERROR"
    code, out, _ = appliance(capsys, "screen", "--json", documents["CLEAR"][0].replace("\n", "\\n"), "--data-dir", str(d))
    assert code == 0 and json.loads(out)["decision"] != "READ_ERROR"


def test_importing_a_file_kept_in_the_lists_folder_never_deletes_it(tmp_path, capsys):
    d = tmp_path / "box"
    assert appliance(capsys, "init", "--data-dir", str(d), "--admin-password", "first-admin-pw")[0] == 0
    mine = d / "lists" / "my-watchlist.csv"
    mine.parent.mkdir(exist_ok=True)
    mine.write_text("issuing_state,document_type,document_number,status,reported_on,reference\nUTO,P,X1234567,stolen,,\n")
    (d / "lists" / "notes.txt").write_text("the technician's own notes")
    for _ in range(2):  # the second import replaces the first version's file, and only that
        code, out, err = appliance(capsys, "lists", "import", "--list", "mine", "--format", "documents-csv", str(mine), "--data-dir", str(d))
        assert code == 0, err
        assert ": 1 document; 0 rows rejected" in out
    assert mine.exists() and (d / "lists" / "notes.txt").read_text() == "the technician's own notes"
    assert len(list((d / "lists").glob("mine-*.db"))) == 1
    code, out, _ = appliance(capsys, "lists", "show", "--data-dir", str(d))
    assert "  1 document\n" in out


def _bridge(*args) -> subprocess.CompletedProcess:
    """Run ``firmware-bridge ARGS`` in its own process (it installs signal handlers)."""
    return subprocess.run([sys.executable, "-m", "firmware_bridge.cli", *args], capture_output=True, text=True, timeout=120)


def test_bridge_doctor_says_waiting_only_once_the_port_is_open():
    p = _bridge("doctor", "/dev/ttyUSB-booth-test-missing", "--timeout", "1")
    assert p.returncode != 0 and "waiting" not in p.stderr and "no such port" in p.stderr and "Traceback" not in p.stderr


def test_bridge_ports_explains_when_only_built_in_ports_exist():
    from firmware_bridge.transport import list_ports

    found = list_ports()
    if not found or any(p["vid_pid"] or p["by_id"] for p in found):
        pytest.skip("this machine has no serial port, or has a USB serial device")
    p = _bridge("ports")
    assert p.returncode == 0 and "no USB reader is connected in serial mode" in p.stdout and "keyboard (HID) mode" in p.stdout
