"""The virtual scanner: a pseudo-terminal that behaves like an MRZ reader.

A product feature (demos, technician training) and the tests' reader. It sends
documents in a profile's wire format and can inject faults:

- ``garble``: line noise (non-text bytes) before and after the frame;
- ``split``: the frame written in several small pieces with short pauses;
- ``reject``: reject characters in a line, or a missing line (a read error);
- ``duplicate``: the frame sent twice, as continuous-read modes do;
- ``disconnect``: the reader "unplugged" after the document and plugged back.

``start()`` returns a stable path (a symlink, like ``/dev/serial/by-id``) that survives
unplug/replug; the pseudo-terminal behind it changes each time. Documents given to the
constructor are sent only while a host has the port open (a host flushes its input when
it opens a port, as with a real reader); ``send()`` sends at once. An ``idbox`` scanner
sends a document only once armed by the Continuous Reading command, like the device.
"""

from __future__ import annotations

import fcntl
import logging
import os
import random
import select
import shutil
import struct
import tempfile
import termios
import threading
import time
import tty
from pathlib import Path

from .errors import SimulatorError
from .generate import generate_documents
from .profiles import encode as encode_frame
from .profiles import idbox, profile_module

log = logging.getLogger(__name__)
FAULTS = ("garble", "split", "reject", "duplicate", "disconnect")
_NOISE = bytes([0x00, 0x7F, 0x80, 0x9B, 0xAA, 0xC3, 0xFE, 0xFF])


class VirtualScanner:
    """A pseudo-terminal MRZ reader speaking ``profile``; see the module docstring."""

    def __init__(
        self,
        profile: str = "lines",
        documents: list[str] | None = None,
        generate: int | None = None,
        interval: float = 2.0,
        faults=(),
        *,
        link: str | os.PathLike | None = None,
        loop: bool = False,
        fault_rate: float = 0.3,
        seed: int | None = None,
        unplug_seconds: float = 1.5,
        arm_timeout: float = 5.0,
        settle: float = 0.3,
    ):
        profile_module(profile)
        unknown = [f for f in faults if f not in FAULTS]
        if unknown:
            raise SimulatorError(f"unknown fault(s) {', '.join(unknown)} (known: {', '.join(FAULTS)})")
        self.profile = "lines" if profile == "auto" else profile
        self.documents = list(documents or [])
        if generate:
            self.documents += generate_documents(generate, seed=seed)
        self.interval = interval
        self.faults = tuple(faults)
        self.loop = loop
        self.fault_rate = fault_rate
        self.unplug_seconds = unplug_seconds
        self.arm_timeout = arm_timeout
        self.settle = settle
        self._host_seen = False
        self._rng = random.Random(seed)
        self._own_dir = None if link else tempfile.mkdtemp(prefix="firmware-bridge-sim-")
        self.path = str(link) if link else os.path.join(self._own_dir, "scanner")
        self.pty_path: str | None = None
        self.sent = 0
        #: time.perf_counter() just before the latest write to the line (for latency benchmarks)
        self.last_write_at = 0.0
        self._master: int | None = None
        self._lock = threading.RLock()
        self._armed = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.received = bytearray()

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> str:
        """Create the pseudo-terminal, start sending the documents; return the port path."""
        self._plug()
        t = threading.Thread(target=self._listen, name="vscan-listen", daemon=True)
        t.start()
        self._threads.append(t)
        if self.documents:
            t = threading.Thread(target=self._feed, name="vscan-feed", daemon=True)
            t.start()
            self._threads.append(t)
        return self.path

    def stop(self) -> None:
        """Stop sending and remove the pseudo-terminal and its link."""
        self._stop.set()
        for t in self._threads:
            t.join(2)
        self._unplug()
        if self._own_dir:
            shutil.rmtree(self._own_dir, ignore_errors=True)

    def __enter__(self) -> "VirtualScanner":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- sending ---------------------------------------------------------------------------
    def frame_bytes(self, mrz_text: str) -> bytes:
        """The bytes this scanner's profile sends for ``mrz_text``."""
        lines = [line for line in mrz_text.replace("\r", "\n").split("\n") if line]
        return encode_frame(self.profile, lines)

    def send(self, mrz_text: str, faults=None) -> None:
        """Send one document now (with ``faults``, default none)."""
        faults = tuple(faults or ())
        text = self._reject(mrz_text) if "reject" in faults else mrz_text
        data = self.frame_bytes(text)
        with self._lock:
            if self.profile == idbox.NAME and not self._armed.wait(self.arm_timeout):
                raise SimulatorError("the IDBOX reader was not armed (no Continuous Reading command)")
            self._armed.clear()
            if "garble" in faults:
                self._write(self._noise())
            self._write_frame(data, "split" in faults)
            if "duplicate" in faults:
                self._write_frame(data, False)
            if "garble" in faults:
                self._write(self._noise())
            self.sent += 1
        if "disconnect" in faults:
            self._drain()  # a USB reader's bytes reach the host before its cable is pulled
            self.unplug()
            self._stop.wait(self.unplug_seconds)
            self.replug()

    def send_bytes(self, data: bytes) -> None:
        """Write raw bytes to the line (for tests of arbitrary wire content)."""
        with self._lock:
            self._write(data)

    def host_connected(self) -> bool:
        """True while a program has the port open (the pseudo-terminal's slave side)."""
        fd = self._master
        if fd is None:
            return False
        poller = select.poll()
        poller.register(fd, select.POLLHUP)
        try:
            return not any(ev & select.POLLHUP for _, ev in poller.poll(0))
        except OSError:
            return False

    def unplug(self) -> None:
        """Simulate pulling the reader's cable: the port vanishes."""
        with self._lock:
            self._unplug()

    def replug(self) -> None:
        """Plug the reader back in: a new pseudo-terminal appears at the same path."""
        with self._lock:
            self._plug()

    # -- internals ---------------------------------------------------------------------
    def _feed(self) -> None:
        while not self._stop.is_set():
            for doc in self.documents:
                if not self._wait_for_host():
                    return
                faults = tuple(f for f in self.faults if self._rng.random() < self.fault_rate)
                try:
                    self.send(doc, faults)
                except SimulatorError as exc:
                    log.warning("virtual scanner: %s", exc)
                except OSError as exc:
                    log.debug("virtual scanner: write failed: %s", exc)
                if self._stop.wait(self.interval):
                    return
            if not self.loop:
                return

    def _drain(self, timeout: float = 1.0) -> None:
        """Wait until the host has read what was sent (or ``timeout`` passed)."""
        if not self.pty_path or not self.host_connected():
            return
        try:
            fd = os.open(self.pty_path, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError:
            return
        try:
            time.sleep(0.1)  # the kernel moves written bytes to the host's side a moment later
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                pending = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
                if not pending:
                    return
                time.sleep(0.005)
        except OSError:
            return
        finally:
            os.close(fd)

    def _wait_for_host(self) -> bool:
        """Block until a host has the port open (then let it finish opening); False on stop."""
        while not self._stop.is_set():
            if self.host_connected():
                if not self._host_seen:
                    self._stop.wait(self.settle)  # the host flushes its input right after opening
                self._host_seen = True
                return not self._stop.is_set()
            self._host_seen = False
            self._stop.wait(0.05)
        return False

    def _plug(self) -> None:
        if self._master is not None:
            return
        master, slave = os.openpty()
        tty.setraw(slave)  # raw line discipline from the start: no echo, no CR translation
        self.pty_path = os.ttyname(slave)
        os.close(slave)  # the slave side belongs to the host; the settings stay with the pty
        os.set_blocking(master, False)
        self._master = master
        tmp = f"{self.path}.tmp{os.getpid()}"
        try:
            os.symlink(self.pty_path, tmp)
            os.replace(tmp, self.path)
        except OSError as exc:
            self._unplug()
            raise SimulatorError(f"cannot create the scanner link {self.path}: {exc.strerror}") from None

    def _unplug(self) -> None:
        if self._master is None:
            return
        try:
            os.unlink(self.path)
        except OSError:
            pass
        try:
            os.close(self._master)
        except OSError:
            pass
        self._master = None
        self._armed.clear()

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            fd = self._master
            if fd is None or self._stop.is_set():
                return
            _, ready, _ = select.select([], [fd], [], 0.2)
            if not ready:
                continue
            try:
                self.last_write_at = time.perf_counter()  # just before the bytes go out
                n = os.write(fd, view)
            except BlockingIOError:
                continue
            view = view[n:]

    def _write_frame(self, data: bytes, split: bool) -> None:
        if not split or len(data) < 4:
            self._write(data)
            return
        cuts = sorted(self._rng.sample(range(1, len(data)), k=min(len(data) - 1, self._rng.randint(2, 6))))
        for a, b in zip([0] + cuts, cuts + [len(data)]):
            self._write(data[a:b])
            time.sleep(self._rng.uniform(0.001, 0.02))

    def _noise(self) -> bytes:
        noise = bytes(self._rng.choice(_NOISE) for _ in range(self._rng.randint(3, 12)))
        return noise + (b"\r" if self.profile == "lines" else b"")

    def _reject(self, mrz_text: str) -> str:
        lines = mrz_text.split("\n")
        if self._rng.random() < 0.3 and len(lines) > 1:
            del lines[self._rng.randrange(len(lines))]  # a row the reader could not decode
            return "\n".join(lines)
        i = self._rng.randrange(len(lines))
        line = list(lines[i])
        for _ in range(self._rng.randint(1, 3)):
            line[self._rng.randrange(len(line))] = self._rng.choice("_*")
        lines[i] = "".join(line)
        return "\n".join(lines)

    def _listen(self) -> None:
        """Read what the host sends (IDBOX commands); arm on Continuous Reading."""
        buf = bytearray()
        while not self._stop.is_set():
            fd = self._master
            if fd is None:
                self._stop.wait(0.05)
                continue
            try:
                ready, _, _ = select.select([fd], [], [], 0.1)
                if not ready:
                    continue
                data = os.read(fd, 1024)
            except (OSError, ValueError):  # unplugged meanwhile, or nobody on the other side
                self._stop.wait(0.05)
                continue
            self.received += data
            if len(self.received) > 65536:
                del self.received[:-4096]  # keep the recent commands only
            buf += data
            records, _ = idbox.parse_records(buf)
            for cmd, payload in records:
                if cmd == idbox.CONTINUOUS:
                    if payload == b"\x01":
                        self._armed.set()
                    else:
                        self._armed.clear()


def load_documents(path: str | os.PathLike) -> list[str]:
    """Read documents from a file: JSON lines with an "mrz" key, or MRZs separated by blank lines."""
    import json

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SimulatorError(f"{p}: cannot read documents: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise SimulatorError(f"{p}: not a text file") from None
    docs: list[str] = []
    if p.suffix in (".jsonl", ".ndjson"):
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                raise SimulatorError(f"{p}:{n}: not valid JSON") from None
            mrz = obj.get("mrz") if isinstance(obj, dict) else obj
            if not isinstance(mrz, str) or not mrz.strip():
                raise SimulatorError(f'{p}:{n}: expected an object with an "mrz" string')
            docs.append(mrz.strip())
    else:
        block: list[str] = []
        for line in text.splitlines() + [""]:
            if line.strip():
                block.append(line.strip())
            elif block:
                docs.append("\n".join(block))
                block = []
    if not docs:
        raise SimulatorError(f"{p}: no documents found")
    return docs
