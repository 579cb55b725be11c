"""The firmware-bridge command, run as a real process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from firmware_bridge.lanes import LaneRunner

from .conftest import wait_until

READ_KEYS = {"lane", "read_id", "received_at", "profile", "status", "mrz", "document"}


@pytest.fixture
def env(data_dir, tmp_path):
    e = dict(os.environ)
    e["APPLIANCE_DATA_DIR"] = str(data_dir)
    e.pop("APPLIANCE_CONFIG", None)
    e["PYTHONUNBUFFERED"] = "1"
    return e


def bridge(*args, env, timeout=60, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "firmware_bridge.cli", *args], env=env, capture_output=True, text=True, timeout=timeout, **kw)


_STARTED: list[subprocess.Popen] = []


def start(*args, env) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "firmware_bridge.cli", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    _STARTED.append(proc)
    return proc


@pytest.fixture(autouse=True)
def _no_process_left_behind():
    """Kill any bridge process a failed test left running."""
    yield
    while _STARTED:
        proc = _STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            try:
                stream.close()
            except Exception:
                pass


class LineCollector:
    """Read a process's output lines on a thread, so a test can wait for them."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self.thread.start()

    def _pump(self, stream):
        for line in stream:
            self.lines.append(line)

    def text(self) -> str:
        return "".join(self.lines)


def lanes_open(err: LineCollector, *names: str) -> bool:
    """Wait until the process logged that each lane opened its port."""
    return wait_until(lambda: all(f"lane {n}: reading" in err.text() for n in names), timeout=20)


def finish(proc: subprocess.Popen, sig=signal.SIGTERM, err: LineCollector | None = None) -> tuple[int, str]:
    proc.send_signal(sig)
    try:
        rc = proc.wait(15)
    finally:
        if proc.poll() is None:
            proc.kill()
    if err is not None:
        err.thread.join(5)
        text = err.text()
    else:
        text = proc.stderr.read()
    time.sleep(0.05)  # let the stdout collector see end of file
    for stream in (proc.stdout, proc.stderr):
        try:
            stream.close()
        except Exception:
            pass
    return rc, text


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_listen_stdout_prints_one_json_object_per_read_and_exits_0(sig, env, documents, scanner_factory):
    scanner = scanner_factory("access-is")
    proc = start("listen", "--port", scanner.path, "--profile", "auto", "--lane", "booth7", "--stdout", env=env)
    out, log = LineCollector(proc.stdout), LineCollector(proc.stderr)
    assert lanes_open(log, "booth7")
    for doc in documents[:3]:
        scanner.send(doc, faults=("split",))
    assert wait_until(lambda: len(out.lines) == 3, timeout=15)  # flushed as they come
    rc, err = finish(proc, sig, log)
    assert rc == 0, err
    reads = [json.loads(line) for line in out.lines]
    assert all(set(r) == READ_KEYS for r in reads)
    assert [r["mrz"] for r in reads] == documents[:3]
    assert {(r["lane"], r["profile"], r["status"]) for r in reads} == {("booth7", "access-is", "ok")}
    assert all(r["document"]["valid"] for r in reads)
    assert "Traceback" not in err
    for doc in documents[:3]:  # no personal data in the logs at the default level
        for line in doc.split("\n"):
            assert line not in err


def test_simulate_prints_its_path_and_serves_an_idbox(env, tmp_path):
    link = tmp_path / "idbox"
    proc = start("simulate", "--profile", "idbox", "--generate", "3", "--interval", "0", "--link", str(link), env=env)
    path = proc.stdout.readline().strip()
    assert path == str(link)
    got: list[dict] = []
    runner = LaneRunner("sim", {"port": path, "profile": "idbox"}, got.append).start()
    try:
        assert wait_until(lambda: len(got) == 3, timeout=15)  # each one only after re-arming
    finally:
        runner.stop()
    assert {r["document"]["format"] for r in got} == {"TD3", "TD1", "TD2"}
    rc, err = finish(proc, signal.SIGINT)
    assert rc == 0, err
    assert not link.exists()


def test_simulate_sends_documents_from_a_file(env, tmp_path, documents):
    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps({"mrz": d}) + "\n" for d in documents[:2]))
    link = tmp_path / "scanner"
    got: list[dict] = []
    runner = LaneRunner("f", {"port": str(link), "profile": "auto", "reconnect_max_seconds": 0.5}, got.append).start()
    try:
        proc = start("simulate", "--profile", "rte", "--documents", str(docs), "--interval", "0.5", "--loop", "--link", str(link), env=env)
        assert wait_until(lambda: len(got) >= 2, timeout=20)
        rc, err = finish(proc)
    finally:
        runner.stop()
    assert rc == 0, err
    assert got[0]["profile"] == "rte" and {r["mrz"] for r in got} <= set(documents[:2])


def test_simulate_rejects_unknown_faults(env):
    r = bridge("simulate", "--faults", "garble,melt", env=env)
    assert r.returncode == 1
    assert "unknown fault(s) melt" in r.stderr and "Traceback" not in r.stderr


def write_config(path: Path, lanes: dict) -> Path:
    lines = []
    for name, settings in lanes.items():
        lines.append(f"[lanes.{name}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_run_serves_every_configured_lane_or_one(env, tmp_path, documents, scanner_factory):
    north, south = scanner_factory("lines"), scanner_factory("rte")
    cfg = write_config(tmp_path / "appliance.toml", {
        "north": {"port": north.path, "profile": "lines"},
        "south": {"port": south.path, "profile": "auto", "description": "arrivals"},
    })
    env["APPLIANCE_CONFIG"] = str(cfg)
    proc = start("run", "--stdout", env=env)
    out, log = LineCollector(proc.stdout), LineCollector(proc.stderr)
    assert lanes_open(log, "north", "south")  # bytes sent before a port opens are flushed by the open
    north.send(documents[0])
    south.send(documents[1])
    assert wait_until(lambda: len(out.lines) == 2, timeout=15)
    rc, err = finish(proc, err=log)
    assert rc == 0, err
    lanes = {json.loads(line)["lane"]: json.loads(line)["mrz"] for line in out.lines}
    assert lanes == {"north": documents[0], "south": documents[1]}

    proc = start("run", "--lane", "south", "--stdout", env=env)  # a systemd template instance
    out, log = LineCollector(proc.stdout), LineCollector(proc.stderr)
    assert lanes_open(log, "south")
    north.send(documents[2])
    south.send(documents[3])
    assert wait_until(lambda: len(out.lines) == 1, timeout=15)
    rc, err = finish(proc, err=log)
    assert "lane north" not in err
    assert rc == 0
    assert json.loads(out.lines[0])["lane"] == "south"


def test_run_errors_are_one_clear_line(env, tmp_path):
    r = bridge("run", "--stdout", env=env)
    assert r.returncode == 1 and "no lanes configured" in r.stderr and "Traceback" not in r.stderr
    cfg = write_config(tmp_path / "a.toml", {"x": {"port": "loop://", "speed": 9600}})
    r = bridge("--config", str(cfg), "run", env=env)
    assert r.returncode == 1 and "lanes.x.speed: unknown setting" in r.stderr
    cfg = write_config(tmp_path / "b.toml", {"x": {"port": "loop://"}})
    r = bridge("--config", str(cfg), "run", "--lane", "y", env=env)
    assert "unknown lane(s) y" in r.stderr
    r = bridge("--config", str(cfg), "run", env=env)
    assert "no bridge token" in r.stderr and "--stdout" in r.stderr
    r = bridge("listen", "--port", "loop://", "--profile", "zebra", env=env)
    assert r.returncode == 2 and "zebra" in r.stderr


def test_ports_lists_serial_ports(env):
    r = bridge("ports", "--json", env=env)
    assert r.returncode == 0
    for port in json.loads(r.stdout):
        assert set(port) >= {"device", "by_id", "vid_pid", "description"}
    assert bridge("ports", env=env).returncode == 0


def test_doctor_masks_the_mrz_unless_asked(env, documents, scanner_factory):
    doc = documents[0]
    for flag in ([], ["--show-raw"]):
        scanner = scanner_factory("access-is", documents=[doc], interval=0.1)  # sends once the port is open
        r = bridge("doctor", scanner.path, "--timeout", "20", *flag, env=env)
        assert r.returncode == 0, r.stderr
        assert "detected access-is" in r.stdout and "Reader works" in r.stdout
        shown = doc.split("\n")[1] in r.stdout
        assert shown == bool(flag)
        assert "hex dump" in r.stdout


def test_doctor_explains_silence_and_garbage(env, scanner_factory):
    scanner = scanner_factory("lines")
    r = bridge("doctor", scanner.path, "--timeout", "1", env=env)
    assert r.returncode == 2 and "No data arrived" in r.stdout

    def garble_when_open():
        if wait_until(scanner.host_connected, timeout=20):
            time.sleep(0.3)  # let the host finish opening (it flushes its input)
            scanner.send_bytes(bytes(range(0x80, 0xFF)))

    sender = threading.Thread(target=garble_when_open)
    sender.start()
    r = bridge("doctor", scanner.path, "--timeout", "20", "--json", env=env)
    sender.join()
    report = json.loads(r.stdout)
    assert r.returncode == 3 and "baud rate" in report["diagnosis"]
    r = bridge("doctor", "/dev/does-not-exist", env=env)
    assert r.returncode == 1 and "no such port" in r.stderr and "Traceback" not in r.stderr


def test_watch_moves_every_file_and_never_loses_one(env, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "notes.txt").write_text("not an image")
    (inbox / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    r = bridge("watch", str(inbox), "--lane", "desk", "--stdout", "--once", env=env)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == []
    failed = sorted(p.name for p in (inbox / "failed").iterdir())
    assert failed == ["broken.png", "broken.png.reason.txt", "notes.txt", "notes.txt.reason.txt"]
    assert "not an image" in (inbox / "failed" / "notes.txt.reason.txt").read_text()
    r = bridge("watch", str(tmp_path / "inbx"), "--lane", "desk", "--stdout", "--once", env=env)
    assert r.returncode == 1 and "no such folder" in r.stderr and not (tmp_path / "inbx").exists()


def test_queue_command_shows_the_queue(env):
    r = bridge("queue", "--json", env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["pending"] == 0
    assert "pending:" in bridge("queue", env=env).stdout


def test_listen_stops_quietly_when_its_reader_goes_away(env, documents, scanner_factory):
    scanner = scanner_factory("lines", documents=documents, interval=0.05, loop=True)
    shell = f"{sys.executable} -m firmware_bridge.cli --quiet listen --port {scanner.path} --stdout | head -n 2"
    r = subprocess.run(["bash", "-o", "pipefail", "-c", shell], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr  # `listen | head` ends like any Unix filter
    assert [json.loads(line)["lane"] for line in r.stdout.splitlines()] == ["cli", "cli"]
    assert "Traceback" not in r.stderr
