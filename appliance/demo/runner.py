"""``appliance demo``: a fresh data directory, fictitious lists, and lanes fed by virtual scanners.

The scanners are real pseudo-terminals; each lane is read by the bridge's ``LaneRunner``
and its reads are delivered by the bridge's ``Deliverer`` to ``POST /api/v1/scans`` of the
service over HTTP, exactly as on a box with hardware readers.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import signal
import socket
import threading
from pathlib import Path

import tomli_w

from ..errors import ApplianceError
from . import data

log = logging.getLogger(__name__)

MARKER = ".appliance-demo"
DEMO_USERS = (
    ("officer", "officer-demo", "officer"),
    ("supervisor", "supervisor-demo", "supervisor"),
    ("technician", "technician-demo", "technician"),
    ("admin", "admin-demo-pw", "admin"),
)


class DemoError(ApplianceError):
    """The demo cannot start."""


def lock_data_dir(path: Path) -> int:
    """Hold an exclusive lock on a demo folder's marker while the demo runs; return the descriptor."""
    fd = os.open(Path(path) / MARKER, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise DemoError(f"a demo is running from {path}; stop it first or choose another --data-dir") from None
    return fd


def check_port_free(host: str, port: int) -> None:
    """Fail before anything is wiped when the demo's address is taken."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise DemoError(f"cannot listen on {host}:{port}: {exc.strerror} (is another demo running? try --port)") from None


def prepare_data_dir(path: Path, lane_count: int) -> None:
    """Wipe (only a previous demo's folder, never a running one's) and recreate the demo data directory."""
    path = Path(path)
    if path.exists():
        if not (path / MARKER).exists() and any(path.iterdir()):
            raise DemoError(f"{path} exists and is not a demo data directory; choose another --data-dir")
        if (path / MARKER).exists():
            os.close(lock_data_dir(path))
        shutil.rmtree(path)
    path.mkdir(parents=True)
    (path / MARKER).write_text("created by `appliance demo`; wiped on the next demo start\n")
    (path / "scanners").mkdir()
    lanes = {f"lane-{i}": {"port": str(path / "scanners" / f"lane-{i}"), "profile": "lines",
                           "description": f"Demo lane {i} (virtual scanner)"} for i in range(1, lane_count + 1)}
    config = {"appliance": {"site_name": "Demo border post (fictitious data)", "log_level": "WARNING"},
              "server": {"threads": max(16, 4 * lane_count + 8)}, "lanes": lanes}
    (path / "appliance.toml").write_text(tomli_w.dumps(config), encoding="utf-8")


def load_demo_content(ctx) -> dict:
    """Users, lists and a bridge token for a fresh demo appliance; returns the token."""
    from ..store.db import connect
    from ..store.importing import import_list
    from ..web import accounts

    wl, docs = data.write_lists(ctx.data_dir / "demo-lists")
    db = connect(ctx.db_path)
    try:
        import_list(db, data.WATCHLIST_NAME, "csv", [wl], version="demo-1")
        import_list(db, data.DOCUMENTS_NAME, "documents-csv", [docs], version="demo-1")
    finally:
        db.conn.close()
    with ctx.write() as wdb:
        for name, password, role in DEMO_USERS:
            accounts.create_user(wdb, name, password, role)
        token, _ = accounts.create_token(wdb, "bridge", sorted(ctx.config.lanes), label="demo virtual scanners", created_by="demo")
        ctx.audit.append(wdb, "demo", "init", "demo", {"lanes": sorted(ctx.config.lanes)})
    return {"token": token}


class DemoLane:
    """One lane: virtual scanner -> LaneRunner -> Deliverer (HTTP) plus status reports."""

    def __init__(self, name: str, settings: dict, url: str, token: str, queue_dir: Path, documents: list[str], interval: float):
        from firmware_bridge.delivery import Deliverer, StatusReporter
        from firmware_bridge.lanes import LaneRunner
        from firmware_bridge.queue import DeliveryQueue
        from firmware_bridge.simulate import VirtualScanner

        self.name = name
        self.documents = documents
        self.interval = interval
        self.scanner = VirtualScanner(profile="lines", link=settings["port"])
        self.deliverer = Deliverer(DeliveryQueue(queue_dir), url, token)
        self.runner = LaneRunner(name, settings, self.deliverer)
        self.reporter = StatusReporter(url, token)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "DemoLane":
        """Plug the scanner in, start reading and delivering, then present documents."""
        self.scanner.start()
        self.deliverer.start()
        self.runner.start()
        self.reporter.watch(self.runner)
        self.reporter.start()
        self.runner.wait_for_state("connected", timeout=10)
        self._thread = threading.Thread(target=self._feed, name=f"demo-{self.name}", daemon=True)
        self._thread.start()
        return self

    def present(self, mrz: str) -> None:
        """Present one document to this lane's virtual scanner now."""
        self.scanner.send(mrz)

    def _feed(self) -> None:
        i = 0
        while not self._stop.wait(self.interval if i else 1.0):
            if not self.documents:
                return
            try:
                self.scanner.send(self.documents[i % len(self.documents)])
            except Exception as exc:  # noqa: BLE001 - a demo lane keeps going
                log.warning("demo lane %s: %s", self.name, exc)
            i += 1

    def stop(self) -> None:
        """Stop feeding, reading, delivering and reporting."""
        self._stop.set()
        for part in (self.reporter, self.runner, self.deliverer, self.scanner):
            try:
                part.stop()
            except Exception:  # noqa: BLE001
                log.debug("demo lane stop", exc_info=True)


class Demo:
    """The whole demo: service on waitress, content, lanes. ``start()`` returns the URL."""

    def __init__(self, data_dir: Path, *, host: str = "127.0.0.1", port: int = 8080, lane_count: int = 2,
                 interval: float = 8.0, feed: bool = True):
        self.data_dir = Path(data_dir).resolve()
        self.host, self.port, self.lane_count, self.interval, self.feed = host, port, lane_count, interval, feed
        self.lanes: list[DemoLane] = []
        self.server = None
        self.app = None
        self.url = ""
        self._thread: threading.Thread | None = None
        self._lock_fd: int | None = None

    def start(self) -> str:
        """Prepare everything and start serving; return the base URL."""
        import waitress

        from ..web import create_app

        check_port_free(self.host, self.port)
        prepare_data_dir(self.data_dir, self.lane_count)
        self._lock_fd = lock_data_dir(self.data_dir)
        self.app = create_app({"DATA_DIR": self.data_dir})
        ctx = self.app.extensions["appliance"]
        content = load_demo_content(ctx)
        ctx.warm_up()
        try:
            self.server = waitress.create_server(self.app, host=self.host, port=self.port,
                                                 threads=int(ctx.config["server"]["threads"]), ident="border-appliance-demo")
        except OSError as exc:
            ctx.close()
            os.close(self._lock_fd)
            self._lock_fd = None
            raise DemoError(f"cannot listen on {self.host}:{self.port}: {exc.strerror} (is another demo running? try --port)") from None
        self.url = f"http://{self.host}:{self.server.effective_port}"
        self._thread = threading.Thread(target=self.server.run, name="demo-server", daemon=True)
        self._thread.start()
        travellers = [t.mrz for t in data.travellers()]
        for n, (name, settings) in enumerate(sorted(ctx.config.lanes.items())):
            offset = (n * 7) % len(travellers)
            docs = travellers[offset:] + travellers[:offset] if self.feed else []
            lane = DemoLane(name, dict(settings), self.url, content["token"], self.data_dir / "bridge-queue" / name, docs, self.interval)
            self.lanes.append(lane.start())
        return self.url

    def stop(self) -> None:
        """Stop lanes and the server; close the database."""
        from ..cli.service import stop_server

        for lane in self.lanes:
            lane.stop()
        if self.app is not None:
            self.app.extensions["appliance"].events.close()
        if self.server is not None:
            stop_server(self.server)
        if self._thread is not None:
            self._thread.join(5)
        if self.app is not None:
            self.app.extensions["appliance"].close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def run_demo(data_dir: Path, *, host: str, port: int, lane_count: int, interval: float, echo=print) -> None:
    """Run the demo in the foreground until Ctrl-C or SIGTERM."""
    from ..ops.logging import configure

    configure("WARNING")
    demo = Demo(data_dir, host=host, port=port, lane_count=lane_count, interval=interval)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    url = demo.start()
    lanes = ", ".join(lane.name for lane in demo.lanes)
    echo("")
    echo("Border screening appliance demo (all people, documents and lists are fictitious)")
    echo(f"  open            {url}")
    echo(f"  booth screen    {url}/booth/lane-1   (log in as officer / officer-demo)")
    echo(f"  console         {url}/console        (log in as technician / technician-demo)")
    echo("  users           officer / officer-demo, supervisor / supervisor-demo,")
    echo("                  technician / technician-demo, admin / admin-demo-pw")
    echo(f"  lanes           {lanes}: a virtual scanner presents a document every {interval:g} s")
    echo(f"  data directory  {demo.data_dir} (wiped at the next demo start)")
    echo("Press Ctrl-C to stop.", )
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        echo("stopping the demo")
        demo.stop()
