"""Lanes over the real POSIX serial backend: pseudo-terminals from the virtual scanner."""

from __future__ import annotations

import logging
import os

import pytest

from firmware_bridge.errors import LaneError
from firmware_bridge.generate import generate_documents
from firmware_bridge.lanes import LaneRunner
from firmware_bridge.profiles import PROFILES
from firmware_bridge.state import ConnectionState

from .conftest import wait_until

SERIAL_PROFILES = [p for p in PROFILES if p != "auto"]


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_through_a_pty_with_split_noisy_and_duplicated_frames(profile, documents, scanner_factory, lane_factory):
    scanner = scanner_factory("access-is" if profile == "auto" else profile)
    lane = lane_factory("booth1", scanner.path, profile)
    assert lane.wait_for_state("connected")
    for doc in documents:
        scanner.send(doc, faults=("split", "garble", "duplicate"))
    assert wait_until(lambda: len(lane.got) >= len(documents))
    assert [r["mrz"] for r in lane.got] == documents
    assert {r["status"] for r in lane.got} == {"ok"}
    assert {r["lane"] for r in lane.got} == {"booth1"}
    assert {r["profile"] for r in lane.got} == {scanner.profile}
    assert len({r["read_id"] for r in lane.got}) == len(documents)
    assert lane.reads == len(documents) and lane.read_errors == 0


def test_idbox_lane_rearms_continuous_reading_after_every_read(documents, scanner_factory, lane_factory):
    scanner = scanner_factory("idbox", arm_timeout=5)
    lane = lane_factory("idbox", scanner.path, "idbox")
    for doc in documents[:4]:
        scanner.send(doc)  # the virtual IDBOX refuses to send unless armed again
    assert wait_until(lambda: len(lane.got) == 4)
    assert scanner.received.count(b"\x43\x00\x01\x01") >= 5  # on connect + after each read


def test_reject_characters_and_missing_lines_are_read_errors(documents, scanner_factory, lane_factory):
    scanner = scanner_factory("access-is", seed=3)
    lane = lane_factory("booth", scanner.path, "access-is")
    assert lane.wait_for_state("connected")
    for doc in documents[:6]:
        scanner.send(doc, faults=("reject",))
    scanner.send(documents[6])
    assert wait_until(lambda: len(lane.got) == 7)
    assert [r["status"] for r in lane.got] == ["read_error"] * 6 + ["ok"]
    assert lane.read_errors == 6


def test_duplicates_within_the_window_are_delivered_once(documents, scanner_factory, lane_factory):
    scanner = scanner_factory("lines")
    lane = lane_factory("booth", scanner.path, "lines", dedupe_seconds=60.0)
    assert lane.wait_for_state("connected")
    scanner.send(documents[0])
    scanner.send(documents[0])
    scanner.send(documents[1], faults=("duplicate",))
    scanner.send(documents[0])
    scanner.send(documents[2])
    assert wait_until(lambda: len(lane.got) == 3)
    assert [r["mrz"] for r in lane.got] == documents[:3]


def test_dedupe_window_zero_keeps_repeats(documents, scanner_factory, lane_factory):
    scanner = scanner_factory("lines")
    lane = lane_factory("booth", scanner.path, "lines", dedupe_seconds=0.0)
    assert lane.wait_for_state("connected")
    scanner.send(documents[0], faults=("duplicate",))
    scanner.send(documents[1])
    assert wait_until(lambda: len(lane.got) == 3)


def test_unplug_and_replug_reconnects_and_logs_once_each_way(documents, scanner_factory, lane_factory, caplog):
    caplog.set_level(logging.INFO, logger="firmware_bridge")
    scanner = scanner_factory("lines")
    lane = lane_factory("door", scanner.path, "lines", reconnect_max_seconds=0.5)
    states: list[str] = []
    lane.add_listener(lambda status: states.append(status["state"]))
    assert lane.wait_for_state("connected")
    states.clear()
    scanner.send(documents[0])
    assert wait_until(lambda: len(lane.got) == 1)
    for _ in range(2):
        scanner.unplug()
        assert lane.wait_for_state("disconnected")
        wait_until(lambda: False, timeout=0.8)  # several failed reopen attempts meanwhile
        scanner.replug()
        assert lane.wait_for_state("connected")
    scanner.send(documents[1])
    assert wait_until(lambda: len(lane.got) == 2)
    assert [r["mrz"] for r in lane.got] == documents[:2]
    lost = [r for r in caplog.records if "reader unavailable" in r.getMessage()]
    back = [r for r in caplog.records if "reader back" in r.getMessage()]
    assert len(lost) == 2 and len(back) == 2  # once per loss, once per recovery
    assert all(r.levelno == logging.WARNING for r in lost)
    changes = [s for i, s in enumerate(states) if i == 0 or states[i - 1] != s]  # detail-only updates collapsed
    assert changes == ["disconnected", "connected", "disconnected", "connected"]


def test_disconnect_fault_mid_stream(documents, scanner_factory, lane_factory):
    scanner = scanner_factory("access-is", unplug_seconds=0.3)
    lane = lane_factory("door", scanner.path, "access-is", reconnect_max_seconds=0.5)
    assert lane.wait_for_state("connected")
    scanner.send(documents[0], faults=("disconnect",))
    assert lane.wait_for_state("connected")
    assert wait_until(lambda: len(lane.got) == 1)
    scanner.send(documents[1])
    assert wait_until(lambda: len(lane.got) == 2)
    assert [r["mrz"] for r in lane.got] == documents[:2]


def test_absent_port_keeps_retrying_until_the_reader_appears(documents, tmp_path, scanner_factory, lane_factory):
    link = tmp_path / "later"
    lane = lane_factory("late", str(link), "lines", reconnect_max_seconds=0.5)
    assert lane.wait_for_state("disconnected")
    assert "no such port" in lane.detail
    scanner = scanner_factory("lines", link=link)
    assert lane.wait_for_state("connected")
    scanner.send(documents[3])
    assert wait_until(lambda: len(lane.got) == 1)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_permission_error_is_explained_and_retried(documents, scanner_factory, lane_factory):
    scanner = scanner_factory("lines")
    os.chmod(scanner.pty_path, 0)
    lane = lane_factory("locked", scanner.path, "lines", reconnect_max_seconds=0.5)
    assert lane.wait_for_state("error")
    assert "permission denied" in lane.detail and "dialout" in lane.detail
    os.chmod(scanner.pty_path, 0o600)
    assert lane.wait_for_state("connected")


def test_a_port_is_opened_exclusively(scanner_factory, lane_factory):
    scanner = scanner_factory("lines")
    first = lane_factory("one", scanner.path, "lines")
    assert first.wait_for_state("connected")
    second = lane_factory("two", scanner.path, "lines", reconnect_max_seconds=0.5)
    assert second.wait_for_state("error")
    assert "in use by another program" in second.detail


def test_wrong_baud_rate_gives_a_diagnostic(documents, scanner_factory, lane_factory, caplog):
    scanner = scanner_factory("lines")
    lane = lane_factory("baud", scanner.path, "lines", baud=115200)
    assert lane.wait_for_state("connected")
    scanner.send_bytes(bytes([0xF8, 0x80, 0xFE, 0x78, 0x86, 0xE0, 0x98]) * 20)  # what 9600 baud looks like at 115200
    assert lane.wait_for_state("error")
    assert "baud rate" in lane.detail and "115200 8N1" in lane.detail
    scanner.send(documents[0])  # settings fixed / good data again: back to connected
    assert lane.wait_for_state("connected")
    assert wait_until(lambda: len(lane.got) == 1)


def test_silent_reader_stays_connected_with_a_hint_and_idbox_is_rearmed(documents, scanner_factory, lane_factory):
    scanner = scanner_factory("idbox")
    lane = lane_factory("quiet", scanner.path, "idbox")
    lane.keepalive_seconds = 0.1
    lane.silent_hint_seconds = 0.3
    assert lane.wait_for_state("connected")
    assert wait_until(lambda: scanner.received.count(b"\x43\x00\x01\x01") >= 3)
    assert wait_until(lambda: "no data since the port opened" in lane.detail)
    assert lane.state == ConnectionState.CONNECTED and lane.got == []
    scanner.send(documents[0])
    assert wait_until(lambda: len(lane.got) == 1)
    assert lane.detail == ""


def test_several_lanes_at_once(documents, scanner_factory, lane_factory):
    lanes = []
    for i, profile in enumerate(("lines", "access-is", "rte", "desko-cute")):
        scanner = scanner_factory(profile)
        lanes.append((scanner, lane_factory(f"lane{i}", scanner.path, "auto" if profile == "access-is" else profile)))
    for scanner, lane in lanes:
        assert lane.wait_for_state("connected")
    for doc in documents:
        for scanner, _ in lanes:
            scanner.send(doc, faults=("split",))
    for i, (_, lane) in enumerate(lanes):
        assert wait_until(lambda: len(lane.got) == len(documents))
        assert [r["mrz"] for r in lane.got] == documents
        assert {r["lane"] for r in lane.got} == {f"lane{i}"}


def test_ten_thousand_documents_back_to_back_arrive_all_in_order_once(scanner_factory, lane_factory):
    profile = "access-is"
    docs = generate_documents(10_000, seed=11)
    scanner = scanner_factory(profile)
    lane = lane_factory("bulk", scanner.path, profile)
    assert lane.wait_for_state("connected")
    scanner.send_bytes(b"".join(scanner.frame_bytes(d) for d in docs))
    assert wait_until(lambda: len(lane.got) >= len(docs), timeout=120)
    assert [r["mrz"] for r in lane.got] == docs
    assert {r["status"] for r in lane.got} == {"ok"}
    assert len({r["read_id"] for r in lane.got}) == len(docs)


def test_lane_settings_are_validated():
    with pytest.raises(LaneError, match="unknown setting"):
        LaneRunner("x", {"port": "loop://", "speed": 9600}, print)
    with pytest.raises(LaneError, match="not one of"):
        LaneRunner("x", {"port": "loop://", "profile": "zebra"}, print)
    with pytest.raises(LaneError, match="no serial port"):
        LaneRunner("x", {}, print)


def test_status_report_shape(documents, scanner_factory, lane_factory):
    scanner = scanner_factory("rte")
    lane = lane_factory("s1", scanner.path, "auto")
    assert lane.wait_for_state("connected")
    scanner.send(documents[0])
    assert wait_until(lambda: lane.reads == 1)
    status = lane.status()
    assert set(status) == {"lane", "state", "profile", "port", "last_read_at", "reads", "read_errors", "detail"}
    assert status["state"] == "connected" and status["profile"] == "rte" and status["port"] == scanner.path
    lane.stop()
    assert lane.state == "stopped"


def test_a_partial_lines_read_is_closed_by_silence_as_a_read_error(documents, scanner_factory, lane_factory):
    scanner = scanner_factory("lines")
    lane = lane_factory("p", scanner.path, "lines", frame_timeout_ms=50)
    assert lane.wait_for_state("connected")
    first = documents[1].split("\n")  # a TD1: the reader decoded two rows out of three
    scanner.send_bytes(("\r".join(first[:2]) + "\r").encode())
    assert wait_until(lambda: len(lane.got) == 1)
    assert lane.got[0]["status"] == "read_error" and lane.got[0]["mrz"] == "\n".join(first[:2])
    scanner.send(documents[0])
    assert wait_until(lambda: len(lane.got) == 2)
    assert lane.got[1]["status"] == "ok"


def test_socket_url_goes_through_the_same_factory(documents):
    import socket
    import threading

    from firmware_bridge.profiles import encode

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    done = threading.Event()

    def serve():
        conn, _ = server.accept()
        with conn:
            while not done.is_set():  # like a continuous-read reader: opening a port flushes its input
                conn.sendall(encode("access-is", documents[0].split("\n")))
                done.wait(0.2)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    got: list[dict] = []
    lane = LaneRunner("tcp", {"port": f"socket://127.0.0.1:{port}", "profile": "auto"}, got.append).start()
    try:
        assert wait_until(lambda: len(got) >= 1)
    finally:
        done.set()
        lane.stop()
        server.close()
    assert got[0]["mrz"] == documents[0] and got[0]["profile"] == "access-is"


def test_no_personal_data_in_logs_above_debug(documents, scanner_factory, lane_factory, caplog):
    caplog.set_level(logging.DEBUG, logger="firmware_bridge")
    scanner = scanner_factory("rte", unplug_seconds=0.2)
    lane = lane_factory("priv", scanner.path, "rte", reconnect_max_seconds=0.5)
    assert lane.wait_for_state("connected")
    scanner.send(documents[0], faults=("garble", "split"))
    scanner.send(documents[1], faults=("reject",))
    scanner.send(documents[2], faults=("disconnect",))
    assert lane.wait_for_state("connected")
    scanner.send(documents[3])
    assert wait_until(lambda: len(lane.got) >= 3)
    secrets = {part for doc in documents[:4] for line in doc.split("\n") for part in line.split("<") if len(part) >= 4}
    for record in caplog.records:
        if record.levelno > logging.DEBUG:
            text = record.getMessage()
            assert not any(s in text for s in secrets), text


@pytest.mark.parametrize("name", ["booth 1", "north\n", "", "-north", "n" * 65])
def test_lane_names_must_suit_urls_and_systemd(name):
    with pytest.raises(LaneError, match="lane name"):
        LaneRunner(name, {"port": "loop://"}, print)


def test_raw_wire_log_is_masked(documents, scanner_factory, caplog):
    caplog.set_level(logging.DEBUG, logger="firmware_bridge")
    scanner = scanner_factory("lines")
    got: list[dict] = []
    lane = LaneRunner("raw", {"port": scanner.path}, got.append, raw_log=True).start()
    try:
        assert lane.wait_for_state("connected")
        scanner.send(documents[0])
        assert wait_until(lambda: len(got) == 1)
    finally:
        lane.stop()
    wire = [r.getMessage() for r in caplog.records if " rx " in r.getMessage()]
    assert wire and all(r.levelno == logging.DEBUG for r in caplog.records if " rx " in r.getMessage())
    raw_hex = documents[0].split("\n")[1][:8].encode().hex(" ")
    assert not any(raw_hex in w for w in wire)
    assert any("58" in w or "39" in w for w in wire)  # masked letters and digits


def test_a_failing_consumer_or_listener_never_stops_the_lane(documents, scanner_factory, caplog):
    scanner = scanner_factory("lines")
    got: list[dict] = []

    def fussy(read):
        if not got:
            got.append(None)
            raise RuntimeError(read["mrz"])  # a consumer bug whose message holds the MRZ
        got.append(read)

    lane = LaneRunner("fussy", {"port": scanner.path}, fussy).start()
    lane.add_listener(lambda status: 1 / 0)
    try:
        assert lane.wait_for_state("connected")
        scanner.send(documents[0])
        assert lane.wait_for_state("error")
        assert "RuntimeError" in lane.detail and documents[0] not in lane.detail
        scanner.send(documents[1])
        assert wait_until(lambda: len(got) == 2)
        assert lane.wait_for_state("connected")
    finally:
        lane.stop()
    assert got[1]["mrz"] == documents[1]
    for record in caplog.records:
        if record.levelno > logging.DEBUG:
            assert documents[0].split("\n")[0] not in record.getMessage()
