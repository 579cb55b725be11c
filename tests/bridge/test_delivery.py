"""Delivery units against a scripted HTTP server, for answers the real appliance cannot be made to give.

A lost answer (stored, then 500) and a scripted 422/409/401 sequence need
:class:`ApplianceStub`. Everything the real appliance can do (down then up, bridge
restart, repeated read_id, wrong token, lane scopes, per-lane instances, status reports)
is tested against it in ``test_delivery_appliance.py``.
"""

from __future__ import annotations

import json
import uuid

import pytest

from appliance.config import load_config
from firmware_bridge.delivery import Deliverer, StdoutSink, scan_body
from firmware_bridge.errors import DeliveryError, QueueFullError
from firmware_bridge.queue import DeliveryQueue
from firmware_bridge.service import Bridge

from .appliance_stub import ApplianceStub, free_port
from .conftest import wait_until


def fake_read(i: int, lane: str = "booth1") -> dict:
    return {"lane": lane, "read_id": str(uuid.uuid4()), "mrz": f"LINE{i:05d}", "status": "ok", "profile": "lines"}


@pytest.fixture
def stub():
    s = ApplianceStub(free_port())
    yield s
    s.stop()


def test_a_lost_answer_is_retried_with_the_same_key_and_stored_once(tmp_path, stub):
    stub.start()
    stub.store_before_failing = True
    stub.script = [500, 502]
    queue = DeliveryQueue(tmp_path / "q")
    deliverer = Deliverer(queue, stub.url, "bridge-secret", max_backoff=0.1).start()
    reads = [fake_read(i) for i in range(3)]
    for read in reads:
        deliverer(read)
    assert deliverer.drain(10)
    deliverer.stop()
    assert stub.attempts[:3] == [reads[0]["read_id"]] * 3
    assert [s["read_id"] for s in stub.scans] == [r["read_id"] for r in reads]


def test_refused_reads_are_set_aside_and_409_counts_as_delivered(tmp_path, stub):
    stub.start()
    stub.script = [422, 409, 401]
    queue = DeliveryQueue(tmp_path / "q")
    deliverer = Deliverer(queue, stub.url, "bridge-secret", max_backoff=0.1).start()
    reads = [fake_read(i) for i in range(4)]
    for read in reads:
        deliverer(read)
    assert deliverer.drain(10)
    deliverer.stop()
    # 422: rejected for good; 409: already there; 401: retried until accepted
    assert [s["read_id"] for s in stub.scans] == [reads[2]["read_id"], reads[3]["read_id"]]
    stats = queue.stats()
    assert stats["rejected"] == 1 and stats["rejected_reasons"][0]["status_code"] == 422
    assert deliverer.rejected == 1
    assert queue.requeue_rejected() == 1 and len(queue) == 1


def test_queue_survives_a_restart_and_is_bounded(tmp_path):
    queue = DeliveryQueue(tmp_path / "q", max_items=10)
    reads = [fake_read(i) for i in range(10)]
    for read in reads:
        queue.put(scan_body(read))
        queue.put(scan_body(reads[0]))  # the same read_id again is not a second entry
    with pytest.raises(QueueFullError, match="queue full"):
        queue.put(scan_body(fake_read(99)))
    queue.close()
    assert (tmp_path / "q" / "queue.sqlite3").stat().st_mode & 0o077 == 0
    reopened = DeliveryQueue(tmp_path / "q", max_items=10)
    assert [body["read_id"] for _, body, _ in reopened.peek(10)] == [r["read_id"] for r in reads]
    reopened.close()


def test_unusable_queue_directory_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DeliveryError, match="cannot open the delivery queue"):
        DeliveryQueue(blocker / "q")


def test_stdout_sink_prints_one_flushed_json_line_per_read(capsys):
    sink = StdoutSink()
    sink({"lane": "a", "mrz": "X\nY"})
    assert json.loads(capsys.readouterr().out.strip()) == {"lane": "a", "mrz": "X\nY"}


def test_bridge_without_token_says_what_to_do(data_dir):
    config = load_config(overrides={"lanes": {"a": {"port": "loop://"}}})
    with pytest.raises(DeliveryError, match="bridge.token_file"):
        Bridge(config, lanes=config.lanes)
    config = load_config(overrides={"bridge": {"token": "t", "appliance_url": "appliance.local:8080"},
                                    "lanes": {"a": {"port": "loop://"}}})
    with pytest.raises(DeliveryError, match="bridge.appliance_url"):
        Bridge(config, lanes=config.lanes)


def test_bridge_serves_serial_and_image_lanes_side_by_side(tmp_path, data_dir, documents, scanner_factory):
    import io

    scanner = scanner_factory("lines")
    inbox = tmp_path / "inbox"
    config = load_config(overrides={"lanes": {
        "north": {"port": scanner.path},
        "desk": {"watch_dir": str(inbox)},
    }})
    out = io.StringIO()
    bridge = Bridge(config, lanes=config.lanes, stdout=True, stream=out).start()
    try:
        (inbox / "note.txt").write_text("not a scan")
        assert bridge.runners[0].wait_for_state("connected")
        scanner.send(documents[0])
        assert wait_until(lambda: (inbox / "failed" / "note.txt").exists() and out.getvalue().count("\n") == 1)
    finally:
        bridge.stop()
    assert json.loads(out.getvalue())["lane"] == "north"
