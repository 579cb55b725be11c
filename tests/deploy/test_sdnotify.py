"""sd_notify over a real datagram socket, and the watchdog helper."""

from __future__ import annotations

import os
import socket

import pytest

from appliance.ops import sdnotify


@pytest.fixture
def notify_socket(tmp_path, monkeypatch):
    """A listening NOTIFY_SOCKET, as systemd provides it."""
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(5)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    yield sock
    sock.close()


def test_notify_is_a_no_op_without_systemd(monkeypatch):
    """No NOTIFY_SOCKET: nothing is sent and nothing fails."""
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert sdnotify.notify("READY=1") is False
    assert sdnotify.ready() is False
    wd = sdnotify.Watchdog(env={"WATCHDOG_USEC": "1000000"})
    assert not wd.enabled
    wd.start()
    wd.stop()


def test_ready_and_status_reach_the_socket(notify_socket):
    """READY=1 (with a status) and STOPPING=1 arrive as datagrams."""
    assert sdnotify.ready("serving on 127.0.0.1:8080")
    assert notify_socket.recv(4096) == b"READY=1\nSTATUS=serving on 127.0.0.1:8080"
    assert sdnotify.stopping()
    assert notify_socket.recv(4096) == b"STOPPING=1"


def test_abstract_socket(monkeypatch):
    """An abstract NOTIFY_SOCKET ('@name') works too."""
    name = f"appliance-test-{os.getpid()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(5)
    try:
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert sdnotify.notify("STATUS=hello")
        assert sock.recv(100) == b"STATUS=hello"
    finally:
        sock.close()


def test_unreachable_socket_is_reported_not_raised(tmp_path, monkeypatch):
    """A dead socket path logs a warning and returns False."""
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone"))
    assert sdnotify.notify("READY=1") is False


def test_watchdog_interval_follows_systemd(monkeypatch):
    """Half of WATCHDOG_USEC; none when the watchdog is meant for another process."""
    assert sdnotify.watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert sdnotify.watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}) == 15.0
    assert sdnotify.watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None
    assert sdnotify.watchdog_interval({}) is None


def test_watchdog_pings_while_healthy(notify_socket, monkeypatch):
    """The thread pings WATCHDOG=1 and withholds pings while the health check fails."""
    healthy = {"ok": True}
    monkeypatch.setenv("WATCHDOG_USEC", "100000")
    with sdnotify.Watchdog(lambda: healthy["ok"]) as wd:
        assert wd.enabled and wd.interval == 0.05
        assert notify_socket.recv(100) == b"WATCHDOG=1"
        assert notify_socket.recv(100) == b"WATCHDOG=1"
    assert wd.pings >= 2
    healthy["ok"] = False
    assert wd.ping_once() is False
    healthy["ok"] = True
    assert wd.ping_once() is True


def test_health_check_that_raises_counts_as_unhealthy(notify_socket, monkeypatch):
    """An exception in the health check withholds the ping instead of killing the thread."""
    monkeypatch.setenv("WATCHDOG_USEC", "1000000")

    def broken():
        raise RuntimeError("database gone")

    assert sdnotify.Watchdog(broken).ping_once() is False
