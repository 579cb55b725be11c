"""The bridge as a service: the configured lanes, one sink, status reports, clean shutdown.

Used by ``firmware-bridge run`` (all lanes, or ``--lane NAME`` for a systemd template
instance), ``listen`` and ``watch``.
"""

from __future__ import annotations

import logging
import signal
import threading
from contextlib import contextmanager
from pathlib import Path

from .delivery import Deliverer, StatusReporter, StdoutSink, read_token
from .errors import DeliveryError, LaneError
from .lanes import LaneRunner
from .queue import DeliveryQueue
from .watch import ImageWatcher

log = logging.getLogger(__name__)


def queue_dir(config) -> Path:
    """Where the delivery queue lives: bridge.queue_dir or <data_dir>/bridge-queue."""
    bridge = config["bridge"]
    return Path(bridge["queue_dir"]) if bridge["queue_dir"] else Path(config["appliance"]["data_dir"]) / "bridge-queue"


def select_lanes(config, names: list[str] | None) -> dict[str, dict]:
    """The configured lanes to serve (all, or the named ones); LaneError for unknown names."""
    lanes = config.lanes
    if not lanes:
        where = config.path or "the configuration file"
        raise LaneError(f"no lanes configured: add a [lanes.<name>] table to {where} (see docs/bridge.md)")
    if not names:
        return dict(lanes)
    unknown = [n for n in names if n not in lanes]
    if unknown:
        raise LaneError(f"unknown lane(s) {', '.join(unknown)} (configured: {', '.join(lanes)})")
    return {n: lanes[n] for n in names}


class Bridge:
    """Lanes plus delivery (or stdout), started and stopped together."""

    def __init__(self, config, *, lanes: dict[str, dict], stdout: bool = False, stream=None, only_these_lanes: bool = False):
        self.config = config
        self.lanes = lanes
        self.stdout = stdout
        self.runners: list[LaneRunner] = []
        self.watchers: list[ImageWatcher] = []
        self.deliverer: Deliverer | None = None
        self.reporter: StatusReporter | None = None
        bridge = config["bridge"]
        if stdout:
            self.sink = StdoutSink(stream)
        else:
            token = read_token(bridge)
            if not token:
                raise DeliveryError(
                    "no bridge token: set bridge.token_file (or bridge.token) in the configuration, or use --stdout"
                )
            url = str(bridge["appliance_url"] or "")
            if not url.startswith(("http://", "https://")) or len(url) < 10:
                raise DeliveryError(f"bridge.appliance_url {url!r}: use the appliance's http:// or https:// address")
            queue = DeliveryQueue(queue_dir(config), bridge["queue_max"])
            own = list(lanes) if only_these_lanes else None  # per-lane instances share the queue file
            self.deliverer = Deliverer(queue, bridge["appliance_url"], token, lanes=own)
            self.reporter = StatusReporter(bridge["appliance_url"], token)
            self.sink = self.deliverer
        for name, settings in lanes.items():
            if settings.get("port"):
                self.runners.append(LaneRunner(name, settings, self.sink, raw_log=bridge["raw_log"]))
            if settings.get("watch_dir"):
                self.watchers.append(ImageWatcher(settings["watch_dir"], name, self.sink))
            if not settings.get("port") and not settings.get("watch_dir"):
                raise LaneError(f"lanes.{name}: set port (serial reader) or watch_dir (image scanner)")

    def start(self) -> "Bridge":
        """Start delivery first, then every lane."""
        if self.deliverer:
            self.deliverer.start()
        for runner in self.runners:
            if self.reporter:
                self.reporter.watch(runner)
            runner.start()
        for watcher in self.watchers:
            watcher.start()
        if self.reporter:
            self.reporter.start()
        return self

    def stop(self) -> None:
        """Stop lanes first (no new reads), then delivery; queued reads stay on disk."""
        for runner in self.runners:
            runner.stop()
        for watcher in self.watchers:
            watcher.stop()
        if self.reporter:
            self.reporter.stop()
        if self.deliverer:
            self.deliverer.stop()
            self.deliverer.queue.close()


@contextmanager
def stop_on_signal(done: threading.Event | None = None):
    """While inside, SIGINT and SIGTERM set the yielded event (so the caller can stop and exit 0)."""
    done = done or threading.Event()

    def handler(signum, frame):
        """Note the signal; the caller's loop sees the event."""
        done.set()

    previous = {}
    if threading.current_thread() is threading.main_thread():  # signals reach the main thread only
        previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield done
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def wait_for(done: threading.Event) -> None:
    """Block until ``done`` is set (by a signal or by the sink closing)."""
    while not done.wait(0.5):
        pass
