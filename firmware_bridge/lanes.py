"""Lanes: one reader each, read on a ``serial.threaded`` thread, reconnected forever.

``LaneRunner(name, settings, on_read)`` opens the lane's port through the transport
factory, feeds bytes to the lane's wire profile, turns frames into read objects and hands
them to ``on_read``. When the reader goes away it retries with exponential backoff up to
``reconnect_max_seconds``, logging once on loss and once on recovery.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path
from typing import Callable

import serial
import serial.threaded

from .errors import BridgeError, LaneError, PortError
from .profiles import decoder_for, profile_module
from .profiles.base import Decoder, Frame
from .reads import Deduper, describe, make_read
from .state import ConnectionState, StateHolder
from .transport import SerialSettings, open_port, stable_path
from .wirelog import short_hex

log = logging.getLogger(__name__)
_HIGH = bytes(range(0x80, 0x100))
INITIAL_BACKOFF = 0.25
#: seconds of reader silence after which a keep-alive (IDBOX re-arm) is sent
KEEPALIVE_SECONDS = 30.0
#: bytes without a frame, mostly non-ASCII, that point at wrong line settings
GARBAGE_BYTES = 48
#: a reader that sent not one byte this long after connecting gets a hint in its status
SILENT_HINT_SECONDS = 600.0


#: Lane names the appliance accepts (they appear in URLs and systemd instance names).
LANE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_lane_name(name: str) -> str:
    """Return ``name`` if it is a usable lane name, else raise LaneError."""
    if not isinstance(name, str) or not LANE_NAME.fullmatch(name):
        raise LaneError(f"lane name {name!r}: use 1-64 letters, digits, dot, dash or underscore")
    return name


def lane_settings(name: str, settings: dict | None) -> dict:
    """Validate a lane's settings against the ``[lanes]`` schema and fill in defaults."""
    from appliance.config import ConfigError

    check_lane_name(name)
    from appliance.config.sections import LANES

    raw = {k: (str(v) if isinstance(v, Path) else v) for k, v in (settings or {}).items()}
    try:
        return LANES.build(f"lanes.{name}", raw)
    except ConfigError as exc:
        raise LaneError(str(exc)) from None


class _ReaderThread(serial.threaded.ReaderThread):
    """pySerial's ReaderThread, plus an idle tick when a read times out without data."""

    def run(self):
        """Read loop: data to the protocol, timeouts as idle ticks, I/O errors end it."""
        self.protocol = self.protocol_factory()
        error = None
        try:
            self.protocol.connection_made(self)
        except Exception as exc:  # could not even arm the reader: treat as a lost connection
            error = exc
            self.alive = False
        self._connection_made.set()
        while self.alive and self.serial.is_open:
            try:
                data = self.serial.read(self.serial.in_waiting or 1)
            except (serial.SerialException, OSError) as exc:
                error = exc
                break
            try:
                if data:
                    self.protocol.data_received(data)
                else:
                    self.protocol.idle()
            except Exception as exc:  # never die on input; the message may hold data: DEBUG only
                log.error("reader thread: unexpected %s while handling input; going on", type(exc).__name__)
                log.debug("reader thread failure", exc_info=True)
        self.alive = False
        self.protocol.connection_lost(error)
        self.protocol = None


class _LaneProtocol(serial.threaded.Protocol):
    """Per-connection glue between the reader thread and its LaneRunner."""

    def __init__(self, runner: "LaneRunner"):
        self.runner = runner
        self.transport = None

    def connection_made(self, transport):
        """Send the profile's arming command, if any."""
        self.transport = transport
        self.runner._send(transport, self.runner._decoder.on_connect())

    def data_received(self, data):
        """Bytes from the reader."""
        self.runner._on_data(self.transport, data)

    def idle(self):
        """No byte within the read timeout."""
        self.runner._on_idle(self.transport)

    def connection_lost(self, exc):
        """The port failed or was closed."""
        self.runner._on_lost(exc)


class LaneRunner(StateHolder):
    """Serve one lane: open, read, decode, de-duplicate, hand reads to ``on_read``; reconnect forever."""

    def __init__(self, name: str, settings: dict | None, on_read: Callable[[dict], None], *, raw_log: bool = False, tick: float = 0.05):
        super().__init__()
        self.name = name
        self.settings = lane_settings(name, settings)
        if not self.settings["port"]:
            raise LaneError(f"lanes.{name}.port: no serial port configured for this lane")
        profile_module(self.settings["profile"])  # unknown profiles fail now
        self.on_read = on_read
        self.raw_log = raw_log
        self.tick = tick
        self.port = stable_path(self.settings["port"])
        if self.port != self.settings["port"]:
            log.info("lane %s: using the stable path %s for %s", name, self.port, self.settings["port"])
        elif self.port.startswith(("/dev/ttyUSB", "/dev/ttyACM")):
            log.warning("lane %s: %s may change with plug order; configure its /dev/serial/by-id path", name, self.port)
        self.serial_settings = SerialSettings.from_lane(self.settings)
        self.reconnect_max = float(self.settings["reconnect_max_seconds"])
        self.frame_timeout = self.settings["frame_timeout_ms"] / 1000.0
        self.reads = 0
        self.read_errors = 0
        self.last_read_at: str | None = None
        self._dedupe = Deduper(float(self.settings["dedupe_seconds"]))
        self._decoder: Decoder = decoder_for(self.settings["profile"], frame_timeout=self.frame_timeout)
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lost_error: BaseException | None = None
        self._down = False
        self._ever_connected = False
        self._last_rx = 0.0
        self._since_frame = 0
        self._high_since_frame = 0
        self._settings_warned = False
        #: seconds of silence after which the profile's keep-alive is sent
        self.keepalive_seconds = KEEPALIVE_SECONDS
        #: seconds without any byte after connecting before the status carries a hint
        self.silent_hint_seconds = SILENT_HINT_SECONDS
        self._connected_at = 0.0
        self._rx_total = 0
        self._silent_flagged = False

    # -- public API ------------------------------------------------------------------
    @property
    def profile(self) -> str:
        """The configured profile, or the recognised one for ``auto``."""
        return self._decoder.profile

    def start(self) -> "LaneRunner":
        """Start serving the lane in the background."""
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name=f"lane-{self.name}", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop reading and close the port."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.set_state(ConnectionState.STOPPED, "")

    def wait_for_state(self, state: ConnectionState | str, timeout: float = 10.0) -> bool:
        """Block until the lane reaches ``state`` (for tests and the self-test)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.state == state:
                return True
            time.sleep(0.01)
        return self.state == state

    def status(self) -> dict:
        """The reader status reported to the appliance."""
        stopped = self.state == ConnectionState.STOPPED  # the appliance knows three states
        return {
            "lane": self.name,
            "state": ConnectionState.DISCONNECTED.value if stopped else self.state.value,
            "profile": self.profile,
            "port": self.port,
            "last_read_at": self.last_read_at,
            "reads": self.reads,
            "read_errors": self.read_errors,
            "detail": "bridge stopped" if stopped else self.detail,
        }

    # -- supervisor --------------------------------------------------------------------
    def _run(self) -> None:
        delay = INITIAL_BACKOFF
        while not self._stopping.is_set():
            self._wake.clear()  # before opening, so a stop() from now on is never missed
            try:
                port = open_port(self.port, self.serial_settings, timeout=self.tick)
            except PortError as exc:
                self._went_down(exc.reason, str(exc))
                if self._stopping.wait(delay):
                    break
                delay = min(delay * 2, self.reconnect_max)
                continue
            delay = INITIAL_BACKOFF
            self._lost_error = None
            self._decoder = decoder_for(self.settings["profile"], frame_timeout=self.frame_timeout)
            self._since_frame = self._high_since_frame = 0
            self._last_rx = self._connected_at = time.monotonic()
            self._rx_total = 0
            self._silent_flagged = False
            self._came_up()
            reader = _ReaderThread(port, lambda: _LaneProtocol(self))
            reader.name = f"lane-{self.name}-reader"
            reader.start()
            self._wake.wait()
            reader.stop()
            try:
                port.close()
            except Exception:  # closing a vanished device may fail; it is gone either way
                log.debug("lane %s: close failed", self.name, exc_info=True)
            if not self._stopping.is_set():
                detail = f"{self.port}: reader disconnected ({self._lost_error or 'port closed'})"
                self._went_down("absent", detail)

    def _went_down(self, reason: str, detail: str) -> None:
        state = ConnectionState.DISCONNECTED if reason == "absent" else ConnectionState.ERROR
        if not self._down:
            self._down = True
            log.warning("lane %s: reader unavailable: %s; retrying until it returns", self.name, detail)
        else:
            log.debug("lane %s: still unavailable: %s", self.name, detail)
        self.set_state(state, detail)

    def _came_up(self) -> None:
        if self._down:
            log.warning("lane %s: reader back on %s", self.name, self.port)
        elif not self._ever_connected:
            log.info("lane %s: reading %s (%s, %s)", self.name, self.port, self.settings["profile"], self.serial_settings.describe())
        self._down = False
        self._ever_connected = True
        self.set_state(ConnectionState.CONNECTED, "")

    # -- reader-thread callbacks -------------------------------------------------------------
    def _send(self, transport, data: bytes) -> None:
        if not data or transport is None:
            return
        try:
            transport.write(data)
            if self.raw_log:
                log.debug("lane %s tx %s", self.name, short_hex(data))
        except (serial.SerialException, OSError) as exc:
            log.debug("lane %s: write failed: %s", self.name, exc)

    def _on_data(self, transport, data: bytes) -> None:
        now = time.monotonic()
        self._last_rx = now
        self._rx_total += len(data)
        if self._silent_flagged:
            self._silent_flagged = False
            if self.state == ConnectionState.CONNECTED:
                self.set_state(ConnectionState.CONNECTED, "")
        if self.raw_log:
            log.debug("lane %s rx %s", self.name, short_hex(data))
        self._since_frame += len(data)
        self._high_since_frame += len(data) - len(data.translate(None, _HIGH))
        frames = self._decode(self._decoder.feed, data, now)
        if frames is None:
            return
        if frames:
            self._handle(transport, frames)
        elif self._since_frame >= GARBAGE_BYTES and self._high_since_frame * 4 > self._since_frame:
            self._wrong_settings()

    def _decode(self, step, *args) -> list | None:
        """Run a decoder step; on a decoder bug reset the decoder and return None (the lane lives on)."""
        try:
            return step(*args)
        except Exception as exc:  # a decoder bug must not kill the lane: start afresh
            log.error("lane %s: decoder failed (%s); buffer reset", self.name, type(exc).__name__)
            log.debug("decoder failure", exc_info=True)
            self._decoder = decoder_for(self.settings["profile"], frame_timeout=self.frame_timeout)
            return None

    def _on_idle(self, transport) -> None:
        now = time.monotonic()
        frames = self._decode(self._decoder.idle, now)
        if frames is None:
            return
        if frames:
            self._handle(transport, frames)
        if now - self._last_rx > self.keepalive_seconds:
            self._last_rx = now
            self._send(transport, self._decoder.keepalive())
        if not self._rx_total and not self._silent_flagged and now - self._connected_at > self.silent_hint_seconds:
            self._silent_flagged = True
            hint = (
                f"no data since the port opened {int(now - self._connected_at)} s ago; if scans do not arrive, check "
                "that the reader is in serial (not keyboard) mode with `firmware-bridge doctor`"
            )
            log.info("lane %s: %s", self.name, hint)
            if self.state == ConnectionState.CONNECTED:
                self.set_state(ConnectionState.CONNECTED, hint)

    def _on_lost(self, exc) -> None:
        self._lost_error = exc
        self._wake.set()

    def _wrong_settings(self) -> None:
        detail = (
            f"receiving bytes that are not MRZ text at {self.serial_settings.describe()}: "
            "check the reader's baud rate, parity and data bits"
        )
        if not self._settings_warned:
            self._settings_warned = True
            log.warning("lane %s: %s", self.name, detail)
        self.set_state(ConnectionState.ERROR, detail)

    def _handle(self, transport, frames: list[Frame]) -> None:
        self._since_frame = self._high_since_frame = 0
        if self.state == ConnectionState.ERROR:
            self._settings_warned = False
            self.set_state(ConnectionState.CONNECTED, "")
        for frame in frames:
            self._send(transport, self._decoder.after_frame(frame))
            if self._dedupe.is_duplicate(frame.text):
                log.debug("lane %s: duplicate read dropped", self.name)
                continue
            read = make_read(self.name, frame, self._decoder.profile)
            self.reads += 1
            if read["status"] != "ok":
                self.read_errors += 1
            self.last_read_at = read["received_at"]
            log.info("read %s", describe(read))
            try:
                self.on_read(read)
            except Exception as exc:  # e.g. the delivery queue is full: say so on the lane's status
                why = str(exc) if isinstance(exc, BridgeError) else type(exc).__name__  # ours carry no data
                log.error("lane %s: read %s could not be handed on: %s", self.name, read["read_id"], why)
                log.debug("consumer failure", exc_info=True)
                self.set_state(ConnectionState.ERROR, f"a read could not be handed on: {why}")
