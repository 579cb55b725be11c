"""The ``appliance mrz parse`` command: output, JSON contract, exit codes, batch, bad input."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pytest
from click.testing import CliRunner

from appliance.cli import cli
from firmware_bridge.mrz import RESULT_KEYS

from .helpers import TD1, TD3, replace_at

TODAY = ["--today", "2026-11-27"]


def run(args, input=None):
    return CliRunner().invoke(cli, ["mrz", "parse", *args], input=input)


def run_process(args, input_bytes):
    """Run the real console entry point in a child process."""
    code = "from appliance.cli import main; main()"
    env = dict(os.environ, PYTHONWARNINGS="error")
    return subprocess.run(
        [sys.executable, "-c", code, "mrz", "parse", *args],
        input=input_bytes, capture_output=True, timeout=60, env=env,
    )


def test_human_output_is_a_field_table():
    res = run([*TODAY, *TD3.split("\n")])
    assert res.exit_code == 0
    out = res.output
    assert "MRZ VALID" in out and "format TD3" in out
    assert "Surname          ERIKSSON" in out and "Given names      ANNA MARIA" in out
    assert "Birth date       1974-08-12" in out and "composite ok" in out
    assert "document expired on 2012-04-15" in out


def test_json_output_from_stdin():
    res = run(["--json", *TODAY], input=TD1 + "\n")
    assert res.exit_code == 0
    d = json.loads(res.output)
    assert tuple(d) == RESULT_KEYS and d["valid"] is True and d["format"] == "TD1"
    assert d["checks"] == {"document_number": True, "birth_date": True, "expiry_date": True, "composite": True}


def test_literal_backslash_n_in_one_argument():
    res = run(["--json", TD3.replace("\n", "\\n")])
    assert res.exit_code == 0 and json.loads(res.output)["document_number"] == "L898902C3"


@pytest.mark.parametrize("text,code,status", [
    (replace_at(TD3, 2, 44, "9"), 1, "invalid"),
    (replace_at(TD3, 2, 3, "*"), 1, "read_error"),
    (TD3.split("\n")[0], 1, "read_error"),
])
def test_exit_status_invalid_and_read_error(text, code, status):
    res = run(["--json", text])
    assert res.exit_code == code and json.loads(res.output)["status"] == status
    human = run([text])
    assert human.exit_code == code
    assert ("READ ERROR" if status == "read_error" else "INVALID") in human.output


@pytest.mark.parametrize("text", ["", "hello world", "THISISNOTVALIDMRZDATA", "\n\n\n"])
def test_not_an_mrz_exits_2(text):
    res = run([], input=text)
    assert res.exit_code == 2
    assert "error: not an MRZ" in res.output and "Traceback" not in res.output


def test_not_an_mrz_json_error_object():
    res = run(["--json", "garbage"])
    assert res.exit_code == 2
    line = [ln for ln in res.output.splitlines() if ln.startswith("{")][0]
    assert json.loads(line)["error"] == "not_an_mrz"


def test_today_option_changes_the_century_and_expiry():
    res = run(["--json", "--today", "2099-01-01", TD3])
    d = json.loads(res.output)
    assert d["birth_date"] == "2074-08-12" and d["expiry_date"] == "2112-04-15"


def test_batch_ndjson():
    lines = [
        json.dumps({"id": 1, "mrz": TD3}),
        json.dumps({"id": "b", "mrz": replace_at(TD3, 2, 44, "9")}),
        "",
        "{not json",
        json.dumps({"id": 3, "mrz": "hello"}),
        json.dumps({"id": 4}),
        json.dumps([1, 2]),
        json.dumps({"id": None, "mrz": TD1.replace("\n", "\r\n")}),
    ]
    res = run(["--batch", *TODAY], input="\n".join(lines) + "\n")
    assert res.exit_code == 0
    out = [json.loads(line) for line in res.output.splitlines()]
    assert [o.get("id") for o in out] == [1, "b", None, 3, 4, None, None]
    assert out[0]["valid"] is True and tuple(out[0])[1:] == RESULT_KEYS and tuple(out[0])[0] == "id"
    assert out[1]["status"] == "invalid"
    assert out[2]["error"] == "bad_json"
    assert out[3]["error"] == "not_an_mrz"
    assert out[4]["error"] == "bad_request" and out[5]["error"] == "bad_request"
    assert out[6]["format"] == "TD1"


def test_batch_rejects_text_argument():
    res = run(["--batch", TD3])
    assert res.exit_code == 2


def test_mrz_group_help_lists_parse():
    res = CliRunner().invoke(cli, ["mrz", "--help"])
    assert res.exit_code == 0 and "parse" in res.output


def test_real_process_binary_input():
    proc = run_process([], bytes(range(256)) * 64)
    assert proc.returncode == 2
    assert b"not an MRZ" in proc.stderr and b"Traceback" not in proc.stderr


def test_real_process_ten_megabytes_of_random_text():
    rng = random.Random(2396)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789< \n"
    data = "".join(rng.choices(alphabet, k=10 * 1024 * 1024)).encode()
    proc = run_process(["--json"], data)
    assert proc.returncode == 2
    assert b"too large" in proc.stderr and b"Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["error"] == "not_an_mrz"


def test_real_process_batch_with_binary_and_huge_lines():
    payload = b"\n".join([
        json.dumps({"id": 1, "mrz": TD3}).encode(),
        b"\xff\xfe\x00garbage",
        json.dumps({"id": 2, "mrz": "x" * 1_000_000}).encode(),
        json.dumps({"id": 3, "mrz": "x" * 10_000}).encode(),
    ]) + b"\n"
    proc = run_process(["--batch"], payload)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o.get("id") for o in out] == [1, None, None, 3]
    assert out[3]["error"] == "not_an_mrz"
    assert out[1]["error"] == "bad_json" and out[2]["error"] == "bad_request"
    assert "longer than" in out[2]["message"]


def test_real_process_batch_into_a_closed_pipe_stops_quietly(tmp_path):
    source = tmp_path / "batch.ndjson"
    source.write_text("".join(json.dumps({"id": i, "mrz": TD3}) + "\n" for i in range(20_000)))
    code = "from appliance.cli import main; main()"
    with open(source, "rb") as stdin:
        proc = subprocess.Popen([sys.executable, "-c", code, "mrz", "parse", "--batch"], stdin=stdin,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ, PYTHONWARNINGS="error"))
        with proc:
            first = proc.stdout.readline()  # like `| head -1`: read one result, then go away
            proc.stdout.close()
            err = proc.stderr.read()
            proc.wait(60)
    assert json.loads(first)["id"] == 0
    assert proc.returncode == 0 and err == b"", err
