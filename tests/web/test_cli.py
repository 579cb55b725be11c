"""The service's commands: init, users, tokens, audit, purge, status (run as a user would, through appliance.cli.run)."""

from __future__ import annotations

import json
import sqlite3

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


def test_commands_refuse_a_data_directory_that_was_never_initialised(tmp_path, capsys):
    typo = tmp_path / "tpyo"
    for args in (["status"], ["status", "--json"], ["users", "list"], ["tokens", "list"], ["audit", "verify"], ["purge"],
                 ["users", "add", "ana", "--role", "officer", "--password", "ana-password-1"]):
        code, _, err = appliance(capsys, *args, "--data-dir", str(typo))
        assert code == 1, args
        assert "appliance init" in err and "Traceback" not in err
    assert not typo.exists()


def test_token_lanes_are_checked_and_empty_listings_say_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("APPLIANCE_DATA_DIR", str(tmp_path / "box"))
    assert appliance(capsys, "init", "--admin-password", "first-admin-pw")[0] == 0
    code, out, err = appliance(capsys, "users", "disable", "admin")
    assert code == 0 and "no active administrator is left" in err
    assert appliance(capsys, "users", "enable", "admin")[0] == 0
    code, out, _ = appliance(capsys, "tokens", "list")
    assert code == 0 and "no tokens yet" in out
    code, out, err = appliance(capsys, "tokens", "create", "--role", "bridge", "--lane", "bad lane!")
    assert code == 1 and "--lane" in err and out == ""
    code, out, err = appliance(capsys, "tokens", "create", "--role", "bridge", "--lane", "lane-9")
    assert code == 0 and out.startswith("bsa_") and "not configured" in err
    code, out, _ = appliance(capsys, "tokens", "create", "--role", "terminal", "--lane", "*", "--json")
    assert code == 0 and json.loads(out)["lanes"] == ["*"]
    token_id = json.loads(out)["id"]
    assert appliance(capsys, "tokens", "revoke", str(token_id))[1] == f"token {token_id} revoked\n"
    code, out, _ = appliance(capsys, "tokens", "revoke", str(token_id))
    assert code == 0 and "already revoked" in out
    code, out, _ = appliance(capsys, "audit", "show", "--action", "token.revoke", "--json")
    assert len(json.loads(out)) == 1  # the second, empty revoke is not audited again


def test_commands_are_registered():
    from click import Context

    ctx = Context(cli)
    for name in ("init", "serve", "demo", "users", "tokens", "audit", "purge", "status"):
        assert cli.get_command(ctx, name) is not None, name


def test_serve_runs_waitress_and_stops_cleanly(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).parent / "appliance"
    env = {**os.environ, "APPLIANCE_DATA_DIR": str(tmp_path / "box")}
    subprocess.run([str(exe), "init", "--admin-password", "serve-admin-pw"], env=env, check=True, capture_output=True)
    with subprocess.Popen([str(exe), "serve", "--host", "127.0.0.1", "--port", "0"], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        _drive(proc)


def _drive(proc) -> None:
    import signal
    import subprocess

    import requests

    try:
        line = proc.stdout.readline()
        assert line.startswith("serving on http://127.0.0.1:"), line + proc.stderr.read()
        url = line.split()[-1]
        resp = requests.get(f"{url}/api/v1/health", timeout=5)
        assert resp.status_code == 200 and resp.json()["status"] == "ok"
        assert "waitress" in resp.headers.get("Server", "") or resp.headers.get("Server") == "border-appliance"
        assert requests.get(f"{url}/api/v1/status", timeout=5).status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert "Traceback" not in proc.stderr.read()


def test_serve_without_init_warns_that_nobody_can_log_in(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).parent / "appliance"
    env = {**os.environ, "APPLIANCE_DATA_DIR": str(tmp_path / "box")}
    with subprocess.Popen([str(exe), "serve", "--host", "127.0.0.1", "--port", "0"], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout.readline().startswith("serving on http://127.0.0.1:")
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(10)
        err = proc.stderr.read()
    assert "nobody can log in" in err and "appliance init" in err and "Traceback" not in err
