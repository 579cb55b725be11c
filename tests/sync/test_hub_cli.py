"""The ``screening-hub`` administration commands, in-process and as a real console script."""

from __future__ import annotations

import json
import subprocess

from click.testing import CliRunner

import pytest

from sync.hub.cli import cli, main

from .conftest import script
from .helpers import docs, documents_csv


def run(hub_dir, *args):
    return CliRunner().invoke(cli, list(args), env={"SCREENING_HUB_DATA_DIR": str(hub_dir)})


def test_init_is_idempotent_and_keeps_the_key(tmp_path):
    d = tmp_path / "hub"
    first = CliRunner().invoke(cli, ["init", "--data-dir", str(d)])
    assert first.exit_code == 0, first.output
    key = first.output.strip().splitlines()[-1]
    again = CliRunner().invoke(cli, ["init", "--data-dir", str(d)])
    assert again.exit_code == 0 and again.output.strip().splitlines()[-1] == key
    shown = CliRunner().invoke(cli, ["keys", "show"], env={"SCREENING_HUB_DATA_DIR": str(d)})
    assert shown.output.strip() == key and (d / "hub.db").is_file()
    assert "hub.database" not in (d / "hub.toml").read_text() and "[hub]" in (d / "hub.toml").read_text()


def test_publish_show_add_list(hub_dir, tmp_path):
    f = tmp_path / "lost.csv"
    documents_csv(f, docs(20))
    r = run(hub_dir, "lists", "publish", "--list", "lost", "--format", "documents-csv", str(f))
    assert r.exit_code == 0 and "lost version 1: 20 records" in r.output
    r = run(hub_dir, "lists", "publish", "--list", "lost", "--format", "documents-csv", str(f), "--json")
    assert json.loads(r.output)["version"] == 2 and json.loads(r.output)["upserts"] == 0
    history = json.loads(run(hub_dir, "lists", "history", "--list", "lost", "--json").output)
    assert [(h["version"], h["upserts"], h["record_count"]) for h in history] == [(1, 20, 20), (2, 0, 20)]
    assert run(hub_dir, "lists", "history", "--list", "nope").exit_code != 0
    shown = json.loads(run(hub_dir, "lists", "show", "--json").output)
    assert [(x["name"], x["kind"], x["version"], x["records"]) for x in shown] == [("lost", "documents", 2, 20)]
    added = json.loads(run(hub_dir, "appliances", "add", "post-17", "--json").output)
    assert added["name"] == "post-17" and added["token"].startswith("enr_")
    listed = run(hub_dir, "appliances", "list")
    assert "post-17" in listed.output and "token issued" in listed.output
    assert run(hub_dir, "appliances", "disable", "post-17").exit_code == 0
    assert json.loads(run(hub_dir, "appliances", "list", "--json").output)[0]["disabled"] is True
    assert run(hub_dir, "appliances", "enable", "post-17").exit_code == 0
    assert run(hub_dir, "records", "list", "--hits").exit_code == 0


def test_bad_input_gives_one_line_errors_without_traceback(hub_dir, tmp_path, monkeypatch, capsys):
    env_dir = str(hub_dir)
    bad = tmp_path / "bad.csv"
    bad.write_text("not,the,right,columns\n1,2,3,4\n", encoding="utf-8")
    empty = tmp_path / "empty.csv"
    documents_csv(empty, [])
    binary = tmp_path / "scan.csv"
    binary.write_bytes(bytes(range(256)) * 40)
    cases = [
        ["lists", "publish", "--list", "lost", "--format", "csv", str(binary)],
        ["lists", "publish", "--list", "lost", "--format", "documents-csv", str(bad)],
        ["lists", "publish", "--list", "lost", "--format", "documents-csv", str(empty)],
        ["lists", "publish", "--list", "lost", "--format", "nope", str(bad)],
        ["lists", "publish", "--list", "bad name!", "--format", "documents-csv", str(bad)],
        ["appliances", "add", "no spaces allowed"],
        ["appliances", "disable", "ghost"],
        ["keys", "show", "--data-dir", str(tmp_path / "not-a-hub")],
    ]
    monkeypatch.setenv("SCREENING_HUB_DATA_DIR", env_dir)
    for args in cases:  # through the console script's own edge (main), in-process
        with pytest.raises(SystemExit) as exc:
            main(args)
        err = capsys.readouterr().err
        assert exc.value.code != 0, args
        assert "Traceback" not in err and err.strip() and "internal error" not in err, (args, err)
        assert len(err.strip().splitlines()) <= 3, err
        assert all(ch.isprintable() or ch == "\n" for ch in err) and len(err) < 1000, (args, err)
    p = subprocess.run([script("screening-hub"), *cases[0]], capture_output=True, text=True,
                       env={"SCREENING_HUB_DATA_DIR": env_dir, "PATH": "/usr/bin:/bin"}, timeout=60)
    assert p.returncode == 1 and p.stderr.startswith("error: ") and "Traceback" not in p.stderr
    assert json.loads(run(hub_dir, "lists", "show", "--json").output) == []


def test_a_failed_init_can_be_rerun_and_unknown_database_urls_are_refused(tmp_path, capsys):
    d = tmp_path / "hub"
    for url in ("postgresql://nobody@127.0.0.1:1/hub", "mysql://db/hub"):
        with pytest.raises(SystemExit) as exc:
            main(["init", "--data-dir", str(d), "--database", url])
        err = capsys.readouterr().err
        assert exc.value.code == 2 and err.startswith("error: ") and "Traceback" not in err, err
        assert not (d / "hub.toml").exists()  # nothing half-made that blocks the next try
    assert "unsupported database URL" in err and not (d / "mysql:").exists()
    again = CliRunner().invoke(cli, ["init", "--data-dir", str(d)])
    assert again.exit_code == 0 and (d / "hub.toml").is_file() and (d / "hub.db").is_file()
