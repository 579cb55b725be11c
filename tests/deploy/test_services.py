"""Each long-running unit's ExecStart, started in the foreground as systemd would, answers.

The commands come from the unit files (paths rewritten to this checkout's .venv, data in a
temporary directory). The web service must report READY=1 and watchdog pings over a real
NOTIFY_SOCKET; the bridge must read a pseudo-terminal reader and deliver to the web service,
queueing while the web service restarts; the sync loop must deliver encounters to the hub.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import requests

from .conftest import run_appliance
from .units import SYSTEMD_DIR, VENV_BIN, service_command

pytestmark = pytest.mark.slow


def need(binary: str, *subcommand: str) -> None:
    """Skip (with the reason) when another area's command is not there yet."""
    exe = VENV_BIN / binary
    if not exe.exists():
        pytest.skip(f"{binary} is not installed in .venv yet")
    out = subprocess.run([str(exe), *subcommand, "--help"], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        pytest.skip(f"`{binary} {' '.join(subcommand)}` does not exist yet: {out.stderr.strip()[-200:]}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fictitious_mrz(number: str) -> str:
    """A valid TD3 MRZ of a fictitious traveller."""
    from firmware_bridge.mrz.compose import compose

    return compose("TD3", issuing_state="UTO", surname="FICTITIOUS", given_names="TRAVELLER", document_number=number,
                   nationality="UTO", birth_date="1980-01-01", sex="F", expiry_date="2035-01-01", document_code="P")


class Service:
    """One unit's ExecStart run in the foreground, with the unit's environment."""

    def __init__(self, unit: str, workdir: Path, env: dict[str, str], *, instance: str = ""):
        argv, unit_env = service_command(SYSTEMD_DIR / unit.replace(f"@{instance}", "@") if instance else SYSTEMD_DIR / unit,
                                         instance=instance, env_overrides=env)
        self.argv = argv
        self.name = unit
        base = {k: v for k, v in os.environ.items() if not k.startswith(("APPLIANCE_", "SCREENING_HUB_", "NOTIFY_", "WATCHDOG_"))}
        self.env = {**base, **unit_env}
        self.log = workdir / f"{unit}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Service":
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, timeout: float = 15) -> int | None:
        """SIGTERM (as systemctl stop does) and wait; SIGKILL if it hangs."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            pytest.fail(f"{self.name} did not stop on SIGTERM within {timeout}s")


def wait_for(predicate, what: str, timeout: float = 30, service: Service | None = None):
    """Poll until ``predicate()`` is truthy; fail with the service's log otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if service is not None and not service.alive():
            pytest.fail(f"{service.name} exited ({service.proc.returncode}) while waiting for {what}:\n{service.output()[-3000:]}")
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}" + (f":\n{service.output()[-3000:]}" if service else ""))


def http_ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    """A box laid out like /etc + /var/lib, with one lane on a pseudo-terminal reader."""
    need("appliance", "serve")
    root = tmp_path_factory.mktemp("box")
    data, bridge_data = root / "data", root / "bridge"
    data.mkdir()
    bridge_data.mkdir()
    master, slave = os.openpty()
    os.set_blocking(master, False)
    port = free_port()
    cfg = root / "appliance.toml"
    cfg.write_text(
        f'[appliance]\ndata_dir = "{data}"\n'
        f'[server]\nhost = "127.0.0.1"\nport = {port}\nthreads = 4\n'
        f'[bridge]\nappliance_url = "http://127.0.0.1:{port}"\ntoken_file = "{root / "bridge.token"}"\n'
        f'[sync]\ninterval_seconds = 5\n'
        f'[lanes.lane1]\nport = "{os.ttyname(slave)}"\nprofile = "lines"\nframe_timeout_ms = 100\ndedupe_seconds = 0.0\n'
    )
    out = run_appliance("init", "--admin-password", "a-long-test-password-1", data_dir=data, env={"APPLIANCE_CONFIG": str(cfg)})
    assert out.returncode == 0, out.stderr
    out = run_appliance("tokens", "create", "--role", "bridge", "--lane", "*", "--json", data_dir=data,
                        env={"APPLIANCE_CONFIG": str(cfg)})
    assert out.returncode == 0, out.stderr
    (root / "bridge.token").write_text(json.loads(out.stdout)["token"] + "\n")
    env = {"APPLIANCE_CONFIG": str(cfg), "APPLIANCE_DATA_DIR": str(data)}
    bridge_env = {"APPLIANCE_CONFIG": str(cfg), "APPLIANCE_DATA_DIR": str(bridge_data)}
    started: list[Service] = []
    yield {"root": root, "data": data, "port": port, "env": env, "bridge_env": bridge_env, "pty": master,
           "url": f"http://127.0.0.1:{port}", "started": started}
    for svc in started:
        svc.stop()
    os.close(master)
    os.close(slave)


@pytest.fixture(scope="module")
def notify(box):
    """A NOTIFY_SOCKET like systemd's, collecting what the web service sends."""
    path = box["root"] / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(0.2)
    yield path, sock
    sock.close()


def start_web(box, notify_path=None) -> Service:
    env = dict(box["env"])
    if notify_path:
        env.update(NOTIFY_SOCKET=str(notify_path), WATCHDOG_USEC="1000000")
    svc = Service("border-appliance-web.service", box["root"], env).start()
    box["started"].append(svc)
    return svc


def scans(box) -> list[tuple]:
    conn = sqlite3.connect(box["data"] / "appliance.db", timeout=10)
    try:
        return conn.execute("SELECT lane, source, decision FROM scans ORDER BY id").fetchall()
    finally:
        conn.close()


def received(sock) -> list[bytes]:
    out = []
    while True:
        try:
            out.append(sock.recv(4096))
        except (socket.timeout, BlockingIOError):
            return out


def test_web_service_notifies_ready_pings_the_watchdog_and_answers(box, notify):
    """Type=notify: READY=1 after it listens, WATCHDOG=1 pings, /metrics on its port, clean stop."""
    path, sock = notify
    web = start_web(box, path)
    messages: list[bytes] = []
    wait_for(lambda: messages.extend(received(sock)) or any(m.startswith(b"READY=1") for m in messages), "READY=1", service=web)
    assert http_ok(box["url"] + "/metrics")
    body = requests.get(box["url"] + "/metrics", timeout=5).text
    assert "appliance_info{" in body and "appliance_reader_state" in body
    wait_for(lambda: messages.extend(received(sock)) or b"WATCHDOG=1" in messages, "WATCHDOG=1", service=web)
    # systemd counts exit 0 and death by SIGTERM as a clean stop of the main process
    assert web.stop() in (0, -signal.SIGTERM)
    start_web(box)
    wait_for(lambda: http_ok(box["url"] + "/metrics"), "the web service to answer again")


def test_bridge_delivers_reads_and_queues_while_the_web_service_restarts(box):
    """firmware-bridge.service reads the lane's reader; reads made while the web service is down arrive later."""
    need("firmware-bridge", "run")
    web = next(s for s in reversed(box["started"]) if s.name == "border-appliance-web.service" and s.alive())
    bridge = Service("firmware-bridge.service", box["root"], box["bridge_env"]).start()
    box["started"].append(bridge)
    before = len(scans(box))
    time.sleep(1.0)  # let the bridge open the port
    os.write(box["pty"], fictitious_mrz("X12345671").replace("\n", "\r").encode() + b"\r")
    wait_for(lambda: len(scans(box)) > before, "the read to reach the appliance", timeout=30, service=bridge)
    assert scans(box)[-1][:2] == ("lane1", "serial")

    assert web.stop() in (0, -signal.SIGTERM)
    os.write(box["pty"], fictitious_mrz("X76543217").replace("\n", "\r").encode() + b"\r")
    time.sleep(2.0)
    assert bridge.alive(), bridge.output()[-2000:]
    assert len(scans(box)) == before + 1
    start_web(box)
    wait_for(lambda: len(scans(box)) == before + 2, "the queued read to be delivered", timeout=60, service=bridge)
    assert bridge.stop() == 0
    for line in bridge.output().splitlines():
        assert "FICTITIOUS" not in line and "X7654321" not in line, line


def test_bridge_template_instance_serves_its_lane(box):
    """firmware-bridge@lane1.service runs `firmware-bridge run --lane lane1`."""
    need("firmware-bridge", "run")
    inst = Service("firmware-bridge@lane1.service", box["root"], box["bridge_env"], instance="lane1")
    assert inst.argv[-2:] == ["--lane", "lane1"]
    inst.start()
    box["started"].append(inst)
    before = len(scans(box))
    time.sleep(1.0)
    os.write(box["pty"], fictitious_mrz("X55555553").replace("\n", "\r").encode() + b"\r")
    wait_for(lambda: len(scans(box)) > before, "the instance's read to arrive", timeout=30, service=inst)
    assert inst.stop() == 0


def test_sync_loop_delivers_encounters_to_the_hub(box):
    """screening-hub.service answers on its port; border-appliance-sync-loop.service delivers to it."""
    need("screening-hub", "serve")
    need("appliance", "sync")
    hub_dir = box["root"] / "hub"
    hub_env = {"SCREENING_HUB_DATA_DIR": str(hub_dir), "HUB_HOST": "127.0.0.1", "HUB_PORT": str(free_port())}
    run = lambda *a: subprocess.run([str(VENV_BIN / "screening-hub"), *a], capture_output=True, text=True,  # noqa: E731
                                    env={**os.environ, **hub_env}, timeout=60)
    assert run("init").returncode == 0
    hub = Service("screening-hub.service", box["root"], hub_env)
    assert hub.argv[-4:] == ["--host", "127.0.0.1", "--port", hub_env["HUB_PORT"]]
    hub.start()
    box["started"].append(hub)
    hub_url = f"http://127.0.0.1:{hub_env['HUB_PORT']}"
    wait_for(lambda: _answers(hub_url), "the hub to answer", service=hub)
    token = json.loads(run("appliances", "add", "box1", "--json").stdout)["token"]
    key = run("keys", "show").stdout.split()[-1]
    out = run_appliance("sync", "enroll", "--hub", hub_url, "--token", token, "--hub-key", key,
                        data_dir=box["data"], env=box["env"])
    assert out.returncode == 0, out.stdout + out.stderr
    expected = len(scans(box))
    assert expected >= 1
    loop = Service("border-appliance-sync-loop.service", box["root"], box["env"]).start()
    box["started"].append(loop)

    def delivered():
        out = run("records", "list", "--json", "--limit", "1000")
        return out.returncode == 0 and len(json.loads(out.stdout or "[]")) >= expected

    wait_for(delivered, "encounters at the hub", timeout=60, service=loop)
    assert loop.stop() == 0

    once = Service("border-appliance-sync.service", box["root"], box["env"])
    assert once.argv[-1] == "--once"
    done = subprocess.run(once.argv, env=once.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_purge_oneshot_runs(box):
    """border-appliance-purge.service's command completes."""
    need("appliance", "purge")
    purge = Service("border-appliance-purge.service", box["root"], box["env"])
    done = subprocess.run(purge.argv, env=purge.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def _answers(url: str) -> bool:
    try:
        requests.get(url, timeout=2)
        return True
    except requests.RequestException:
        return False


def test_backup_oneshot_runs(box):
    """border-appliance-backup.service's command writes an encrypted, rotated backup (paths moved to temp)."""
    svc = Service("border-appliance-backup.service", box["root"], box["env"])
    folder, passfile = box["root"] / "backups", box["root"] / "backup.pass"
    folder.mkdir()
    passfile.write_text("a passphrase kept off the box\n")
    moved = {"/var/backups/border-appliance": str(folder), "/etc/border-appliance/backup.pass": str(passfile)}
    argv = [moved.get(a, a) for a in svc.argv]
    assert argv != svc.argv
    done = subprocess.run(argv, env=svc.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    [written] = list(folder.glob("appliance-*Z.bak"))
    from appliance.ops.backup import backup_kind

    assert backup_kind(written) == "encrypted"
