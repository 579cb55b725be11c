"""Delivery through the real appliance (``appliance.web.create_app`` on waitress).

The data directory is made the way a technician makes it (``appliance init`` and
``appliance tokens create --role bridge``); the bridge reads a virtual scanner through a
pseudo-terminal and posts to ``/api/v1/scans``. The appliance goes down and comes back,
the bridge restarts in between: every read is stored once, in order.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from appliance.config import load_config
from firmware_bridge.delivery import Deliverer, StatusReporter
from firmware_bridge.queue import DeliveryQueue
from firmware_bridge.service import Bridge

from .appliance_stub import free_port
from .conftest import wait_until

APPLIANCE = str(Path(sys.executable).parent / "appliance")
LANE = "north"


def _appliance_cli(data_dir: Path, *args: str) -> str:
    env = {**os.environ, "APPLIANCE_DATA_DIR": str(data_dir)}
    env.pop("APPLIANCE_CONFIG", None)
    done = subprocess.run([APPLIANCE, *args], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> tuple[Path, dict]:
    """An initialised appliance data directory and bridge tokens: lane ``north``, and ``north``+``south`` (made once)."""
    data_dir = tmp_path_factory.mktemp("appliance") / "data"
    _appliance_cli(data_dir, "init", "--admin-password", "bridge-test-admin-1")
    tokens = {}
    for key, lanes in (("north", [LANE]), ("both", [LANE, "south"])):
        args = [a for lane in lanes for a in ("--lane", lane)]
        tokens[key] = json.loads(_appliance_cli(data_dir, "tokens", "create", "--role", "bridge", *args, "--json"))["token"]
    return data_dir, tokens


class RealAppliance:
    """The booth service on waitress at a fixed port, started and stopped at will (the appliance goes down)."""

    def __init__(self, data_dir: Path, port: int):
        self.data_dir = data_dir
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.app = self.server = self.thread = None

    def start(self) -> "RealAppliance":
        """Build the app on the data directory and serve it."""
        import waitress

        from appliance.web import create_app

        self.app = create_app({"DATA_DIR": self.data_dir})
        self.server = waitress.create_server(self.app, host="127.0.0.1", port=self.port, threads=4)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the database (the appliance is down)."""
        if self.server is None:
            return
        from appliance.cli.service import stop_server

        self.app.extensions["appliance"].events.close()
        stop_server(self.server)
        self.thread.join(5)
        self.app.extensions["appliance"].close()
        self.app = self.server = self.thread = None

    def scans(self) -> list[tuple]:
        """(read_id, lane, source, mrz) of every stored scan, in arrival order, straight from its database."""
        with sqlite3.connect(f"file:{self.data_dir / 'appliance.db'}?mode=ro", uri=True) as db:
            return db.execute("SELECT read_id, lane, source, mrz FROM scans ORDER BY id").fetchall()

    def lane_state(self, lane: str, columns: str = "state"):
        """What the bridge last reported for ``lane`` (the ``state`` column, or a row of ``columns``)."""
        with sqlite3.connect(f"file:{self.data_dir / 'appliance.db'}?mode=ro", uri=True) as db:
            row = db.execute(f"SELECT {columns} FROM lane_status WHERE lane = ?", [lane]).fetchone()
        if row is None:
            return None
        return row[0] if "," not in columns else tuple(row)


@pytest.fixture
def appliance(prepared, tmp_path):
    """A private copy of the prepared data directory, served on a free port (not started yet)."""
    import shutil

    src, tokens = prepared
    data_dir = tmp_path / "appliance-data"
    shutil.copytree(src, data_dir)
    real = RealAppliance(data_dir, free_port())
    real.token = tokens["north"]
    real.token_both = tokens["both"]
    yield real
    real.stop()


def _bridge(appliance: RealAppliance, tmp_path: Path, port: str, token: str | None = None) -> Bridge:
    token_file = tmp_path / "bridge.token"
    token_file.write_text((token or appliance.token) + "\n")
    config = load_config(overrides={
        "bridge": {"appliance_url": appliance.url, "token_file": str(token_file), "queue_dir": str(tmp_path / "queue")},
        "lanes": {LANE: {"port": port, "profile": "auto"}},
    })
    bridge = Bridge(config, lanes=config.lanes)
    bridge.deliverer.max_backoff = 0.2
    return bridge.start()


def test_appliance_down_then_up_and_a_bridge_restart_lose_nothing_and_store_nothing_twice(
    appliance, tmp_path, data_dir, documents, scanner_factory,
):
    scanner = scanner_factory("access-is")
    bridge = _bridge(appliance, tmp_path, scanner.path)
    try:
        assert bridge.runners[0].wait_for_state("connected")
        for doc in documents[:3]:  # the appliance is down: reads wait on disk
            scanner.send(doc)
        assert wait_until(lambda: len(bridge.deliverer.queue) == 3)
        assert wait_until(lambda: bridge.deliverer.queue.peek(1)[0][2] >= 1)  # tried and failed
        appliance.start()
        for doc in documents[3:6]:
            scanner.send(doc)
        assert wait_until(lambda: len(appliance.scans()) == 6, timeout=30)
        assert wait_until(lambda: appliance.lane_state(LANE) == "connected", timeout=20)
        appliance.stop()  # down again, and the bridge restarts while reads wait
        for doc in documents[6:8]:
            scanner.send(doc)
        assert wait_until(lambda: len(bridge.deliverer.queue) == 2)
    finally:
        bridge.stop()
    bridge = _bridge(appliance, tmp_path, scanner.path)
    try:
        assert len(bridge.deliverer.queue) == 2  # the queue survived the restart
        appliance.start()
        assert bridge.deliverer.drain(30)
        scanner.send(documents[8])
        assert wait_until(lambda: len(appliance.scans()) == 9, timeout=30)
        assert bridge.deliverer.drain(10)
    finally:
        bridge.stop()
    stored = appliance.scans()
    assert [mrz for _, _, _, mrz in stored] == documents[:9]  # all, in order
    assert len({read_id for read_id, _, _, _ in stored}) == 9  # once each
    assert {(lane, source) for _, lane, source, _ in stored} == {(LANE, "serial")}


def test_a_read_sent_again_after_a_lost_answer_is_stored_once(appliance, tmp_path, data_dir, documents):
    appliance.start()
    queue = DeliveryQueue(tmp_path / "q")
    deliverer = Deliverer(queue, appliance.url, appliance.token, max_backoff=0.2).start()
    body = {"lane": LANE, "mrz": documents[0], "source": "serial", "read_id": "read-0001"}
    try:
        deliverer({**body})
        assert deliverer.drain(20)
        # the bridge never saw the 201 (e.g. killed right after sending): the same read goes again
        queue.put({**body})
        assert deliverer.drain(20)
    finally:
        deliverer.stop()
        queue.close()
    assert deliverer.delivered == 2 and deliverer.rejected == 0  # 201, then 200 for the repeat
    assert [r[0] for r in appliance.scans()] == ["read-0001"]


def test_a_wrong_token_keeps_reads_queued_until_the_right_one_is_configured(
    appliance, tmp_path, data_dir, documents,
):
    appliance.start()
    queue = DeliveryQueue(tmp_path / "q")
    wrong = Deliverer(queue, appliance.url, "bsa_not_a_real_token", max_backoff=0.2).start()
    wrong({"lane": LANE, "read_id": "read-0002", "mrz": documents[1], "profile": "lines"})
    try:
        assert wait_until(lambda: queue.peek(1)[0][2] >= 2)  # refused twice, still queued
        assert "401" in wrong.last_error and appliance.scans() == []
    finally:
        wrong.stop()
    right = Deliverer(queue, appliance.url, appliance.token, max_backoff=0.2).start()
    try:
        assert right.drain(20)
    finally:
        right.stop()
        queue.close()
    assert [(r[0], r[3]) for r in appliance.scans()] == [("read-0002", documents[1])]


def test_a_lane_the_token_may_not_use_waits_without_holding_up_the_others(appliance, tmp_path, data_dir, documents):
    appliance.start()  # the token is for lane "north" only
    queue = DeliveryQueue(tmp_path / "q")
    deliverer = Deliverer(queue, appliance.url, appliance.token, max_backoff=0.2)
    deliverer({"lane": "south", "read_id": "south-1", "mrz": documents[2]})  # oldest, but refused: lane_forbidden
    deliverer({"lane": LANE, "read_id": "north-1", "mrz": documents[3]})
    deliverer({"lane": LANE, "read_id": "north-2", "mrz": documents[4]})
    deliverer.start()
    try:
        assert wait_until(lambda: len(appliance.scans()) == 2, timeout=20)
        assert wait_until(lambda: queue.peek(1)[0][2] >= 2)  # south is still tried, with backoff
    finally:
        deliverer.stop()
    assert [r[0] for r in appliance.scans()] == ["north-1", "north-2"]
    assert [body["read_id"] for _, body, _ in queue.peek(10)] == ["south-1"]  # kept, not lost
    assert "lane south" in deliverer.last_error
    queue.close()


def test_per_lane_instances_share_one_queue_file_without_sending_each_others_reads(appliance, tmp_path, data_dir, documents):
    appliance.start()
    north_q, south_q = DeliveryQueue(tmp_path / "q"), DeliveryQueue(tmp_path / "q")  # two processes, one file
    north = Deliverer(north_q, appliance.url, appliance.token_both, lanes=[LANE])
    south = Deliverer(south_q, appliance.url, appliance.token_both, lanes=["south"])
    reads = [{"lane": LANE if i % 2 else "south", "read_id": f"read-{i}", "mrz": documents[i]} for i in range(10)]
    for read in reads:
        (north if read["lane"] == LANE else south)(read)
    north.start()
    try:
        assert north.drain(20)
    finally:
        north.stop()
    assert {lane for _, lane, _, _ in appliance.scans()} == {LANE} and len(south_q) == 5
    south.start()
    try:
        assert south.drain(20)
    finally:
        south.stop()
        north_q.close()
        south_q.close()
    assert sorted(r[0] for r in appliance.scans()) == sorted(r["read_id"] for r in reads)


def test_status_reports_reach_the_appliance_on_change(appliance):
    appliance.start()

    class Lane:  # anything with status() and add_listener() can be reported
        def __init__(self):
            self.listeners = []
            self.state = "disconnected"

        def add_listener(self, fn):
            self.listeners.append(fn)

        def status(self):
            return {"lane": LANE, "state": self.state, "profile": "lines", "port": "/dev/serial/by-id/usb-test",
                    "last_read_at": None, "reads": 3, "read_errors": 1, "detail": ""}

    lane = Lane()
    reporter = StatusReporter(appliance.url, appliance.token, interval=60).start()
    try:
        reporter.watch(lane)
        assert wait_until(lambda: appliance.lane_state(LANE) == "disconnected", timeout=20)
        lane.state = "connected"
        for fn in lane.listeners:
            fn(lane.status())
        assert wait_until(lambda: appliance.lane_state(LANE) == "connected", timeout=20)
    finally:
        reporter.stop()
    row = appliance.lane_state(LANE, "state, profile, port, reads, read_errors")
    assert row == ("connected", "lines", "/dev/serial/by-id/usb-test", 3, 1)


def test_a_read_id_already_used_on_another_lane_is_set_aside_not_dropped(appliance, tmp_path, data_dir, documents):
    appliance.start()
    queue = DeliveryQueue(tmp_path / "q")
    deliverer = Deliverer(queue, appliance.url, appliance.token_both, max_backoff=0.2).start()
    try:
        deliverer({"lane": LANE, "read_id": "same-id", "mrz": documents[0]})
        assert deliverer.drain(20)
        deliverer({"lane": "south", "read_id": "same-id", "mrz": documents[1]})  # answered 409 read_id_conflict
        assert deliverer.drain(20)
    finally:
        deliverer.stop()
    stats = queue.stats()
    queue.close()
    assert [r[1] for r in appliance.scans()] == [LANE]
    assert deliverer.delivered == 1 and deliverer.rejected == 1
    assert stats["rejected"] == 1
    assert (stats["rejected_reasons"][0]["status_code"], stats["rejected_reasons"][0]["reason"]) == (409, "read_id_conflict")
