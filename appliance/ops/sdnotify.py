"""The sd_notify datagram protocol, without systemd-python.

``notify("READY=1")`` sends one datagram to ``$NOTIFY_SOCKET`` (a path, or an abstract
socket when it starts with ``@``). Without ``NOTIFY_SOCKET`` every call is a no-op, so the
same code runs under systemd, in a terminal and in tests.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Callable

log = logging.getLogger(__name__)


def _address(value: str) -> str | bytes | None:
    """The socket address for a ``NOTIFY_SOCKET`` value, or None when unusable."""
    if not value:
        return None
    if value.startswith("@"):
        return "\0" + value[1:]
    if value.startswith("/"):
        return value
    return None  # vsock and other forms are not used on this appliance


def notify(state: str, *, env: dict | None = None) -> bool:
    """Send ``state`` (e.g. ``READY=1``) to systemd; return True when it was sent."""
    environ = os.environ if env is None else env
    address = _address(environ.get("NOTIFY_SOCKET", ""))
    if address is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(state.encode("utf-8"))
    except OSError as exc:
        log.warning("sd_notify to %s failed: %s", environ.get("NOTIFY_SOCKET"), exc)
        return False
    return True


def ready(status: str = "") -> bool:
    """Tell systemd the service is ready (with an optional status line)."""
    return notify("READY=1" + (f"\nSTATUS={status}" if status else ""))


def stopping() -> bool:
    """Tell systemd the service is shutting down."""
    return notify("STOPPING=1")


def status(text: str) -> bool:
    """Set the free-text status shown by ``systemctl status``."""
    return notify(f"STATUS={text}")


def watchdog_interval(env: dict | None = None) -> float | None:
    """Seconds between watchdog pings (half of ``WATCHDOG_USEC``), or None when not asked."""
    environ = os.environ if env is None else env
    usec = environ.get("WATCHDOG_USEC", "")
    pid = environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) <= 0:
        return None
    if pid and pid.isdigit() and int(pid) != os.getpid():
        return None  # the watchdog belongs to another process (e.g. our parent)
    return int(usec) / 1_000_000 / 2


class Watchdog:
    """Pings ``WATCHDOG=1`` from a daemon thread while ``healthy()`` returns True.

    When the health check fails (or raises) no ping is sent, so systemd restarts the service
    after ``WatchdogSec``; the reason is logged once. Without a watchdog it does nothing.
    """

    def __init__(self, healthy: Callable[[], bool] | None = None, *, interval: float | None = None,
                 env: dict | None = None):
        self._env = env
        self._healthy = healthy or (lambda: True)
        self.interval = interval if interval is not None else watchdog_interval(env)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False
        self.pings = 0

    @property
    def enabled(self) -> bool:
        """True when systemd asked for watchdog pings."""
        return bool(self.interval) and _address((os.environ if self._env is None else self._env)
                                                 .get("NOTIFY_SOCKET", "")) is not None

    def ping_once(self) -> bool:
        """Check health and, when healthy, send one ``WATCHDOG=1``; return True if sent."""
        try:
            ok = bool(self._healthy())
        except Exception:  # a broken health check must be treated as unhealthy
            log.debug("watchdog health check raised", exc_info=True)
            ok = False
        if not ok:
            if not self._failing:
                log.error("health check failing: withholding watchdog pings")
                self._failing = True
            return False
        if self._failing:
            log.warning("health check passing again: watchdog pings resumed")
            self._failing = False
        sent = notify("WATCHDOG=1", env=self._env)
        if sent:
            self.pings += 1
        return sent

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.ping_once()

    def start(self) -> "Watchdog":
        """Start pinging in the background (no-op without a watchdog); return self."""
        if self.enabled and self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="sd-watchdog", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop pinging."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "Watchdog":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
