"""The ``appliance lists`` and ``appliance documents`` commands, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from appliance.cli import main
from tests.store.conftest import write


def run(capsys, *args) -> tuple[int, str, str]:
    """Run the appliance command in-process; returns (exit status, stdout, stderr)."""
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_import_show_check_remove(capsys, data_dir, files):
    code, out, err = run(capsys, "lists", "import", "--list", "un", "--format", "un-xml", *map(str, files["un-xml"]))
    assert code == 0 and "2 persons, 1 entity" in out and "0 rows rejected" in out
    code, out, _ = run(capsys, "lists", "import", "--list", "sltd", "--format", "documents-csv",
                       str(files["documents-csv"][0]), "--data-dir", str(data_dir))
    assert code == 0 and "5 documents" in out
    code, out, _ = run(capsys, "lists", "show", "--json")
    shown = json.loads(out)
    assert [s["name"] for s in shown] == ["sltd", "un"]
    assert set(shown[0]) == {"name", "kind", "version", "source", "format", "imported_at", "published_at",
                             "persons", "entities", "names", "documents"}
    code, out, _ = run(capsys, "lists", "show")
    assert code == 0 and "un  [watchlist, un-xml]" in out
    code, out, _ = run(capsys, "documents", "check", "--state", "GBR", "--number", "ABC123456", "--type", "P", "--json")
    assert code == 0 and json.loads(out) == {"found": True, "matches": [{
        "list": "sltd", "issuing_state": "GBR", "document_type": "P", "document_number": "ABC1234567890",
        "status": "revoked", "reference": "R3"}]}
    code, out, _ = run(capsys, "documents", "check", "--state", "GBR", "--number", "NOPE1", "--json")
    assert code == 1 and json.loads(out) == {"found": False, "matches": []}
    code, out, _ = run(capsys, "documents", "check", "--state", "IRN", "--number", "K-348486")
    assert code == 0 and "listed_person" in out
    code, out, _ = run(capsys, "lists", "remove", "sltd")
    assert code == 0 and "removed list sltd" in out
    code, _, err = run(capsys, "lists", "remove", "sltd")
    assert code == 1 and "no list named" in err and "Traceback" not in err


def test_rejected_rows_are_listed_and_nothing_changes(capsys, data_dir, tmp_path):
    bad = write(tmp_path / "d.csv", "FRA,P,111111111,lost,,\nFRA,P,222222222,gone,,\nFRA,P,333,lost,2020-02-31,\n")
    code, _, err = run(capsys, "lists", "import", "--list", "sltd", "--format", "documents-csv", str(bad))
    assert code == 2 and "rejected d.csv:2: status must be one of" in err and "d.csv:3" not in err
    assert "the store is unchanged" in err and "Traceback" not in err
    code, out, _ = run(capsys, "lists", "show", "--json")
    assert json.loads(out) == []
    code, out, err = run(capsys, "lists", "import", "--list", "sltd", "--format", "documents-csv", "--max-errors", "5",
                         "--json", str(bad))
    report = json.loads(out)
    assert code == 0 and report["records"] == 1 and [r["line"] for r in report["rejected"]] == [2, 3]


def test_user_errors_have_messages_not_tracebacks(capsys, data_dir, tmp_path, files):
    code, _, err = run(capsys, "lists", "import", "--list", "x", "--format", "un-xml", str(tmp_path / "missing.xml"))
    assert code == 2 and "cannot read" in err
    code, _, err = run(capsys, "lists", "show", "--data-dir", str(tmp_path / "nowhere"))
    assert code == 2 and "does not exist" in err
    code, _, err = run(capsys, "lists", "import", "--list", "x", "--format", "pdf", str(files["csv"][0]))
    assert code == 2 and "Invalid value" in err
    truncated = write(tmp_path / "t.xml", files["un-xml"][0].read_text()[:500])
    code, _, err = run(capsys, "lists", "import", "--list", "x", "--format", "un-xml", str(truncated))
    assert code == 2 and "t.xml:" in err and "not well-formed" in err


def test_console_script_exit_status(data_dir, files):
    env = {**os.environ, "APPLIANCE_DATA_DIR": str(data_dir)}
    cmd = [sys.executable, "-c", "from appliance.cli import main; main()"]
    subprocess.run(cmd + ["lists", "import", "--list", "sltd", "--format", "documents-csv", str(files["documents-csv"][0])],
                   env=env, check=True, capture_output=True)
    found = subprocess.run(cmd + ["documents", "check", "--state", "D", "--number", "C01X00T47"], env=env, capture_output=True)
    missing = subprocess.run(cmd + ["documents", "check", "--state", "D", "--number", "C01X00T48"], env=env, capture_output=True)
    assert (found.returncode, missing.returncode) == (0, 1)


def test_check_validates_its_input(capsys, data_dir):
    code, _, err = run(capsys, "documents", "check", "--state", "12", "--number", "A1")
    assert code == 2 and "not an ICAO state code" in err
    code, _, err = run(capsys, "documents", "check", "--state", "FRA", "--number", "<<-")
    assert code == 2 and "no letters or digits" in err


def test_progress_bar_on_a_terminal(data_dir, tmp_path):
    import pty

    big = write(tmp_path / "d.csv", "".join(f"FRA,P,N{i:08d},lost,,\n" for i in range(20000)))
    master, slave = pty.openpty()
    env = {**os.environ, "APPLIANCE_DATA_DIR": str(data_dir)}
    proc = subprocess.Popen([sys.executable, "-c", "from appliance.cli import main; main()", "lists", "import",
                             "--list", "sltd", "--format", "documents-csv", str(big)],
                            env=env, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    out, _ = proc.communicate(timeout=120)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.returncode == 0 and b"20000 documents" in out
    assert b"importing sltd" in seen
