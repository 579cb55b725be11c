"""Serial transport: every port is opened here, through ``serial.serial_for_url``.

Device paths, ``/dev/serial/by-id/...`` links, ``loop://`` and ``socket://`` URLs all go
through :func:`open_port`, always with ``exclusive=True`` so two programs never share a
reader. Lanes name their reader by its stable by-id path; :func:`stable_path` finds it
for a ``/dev/ttyUSB0``-style name.
"""

from __future__ import annotations

import errno
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import serial

from .errors import PortError

log = logging.getLogger(__name__)
BY_ID_DIR = Path("/dev/serial/by-id")
_PARITY = {"N": serial.PARITY_NONE, "E": serial.PARITY_EVEN, "O": serial.PARITY_ODD, "M": serial.PARITY_MARK, "S": serial.PARITY_SPACE}


@dataclass(frozen=True)
class SerialSettings:
    """Line settings of one reader (from a lane's configuration)."""

    baud: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1.0
    dtr: bool = True
    rts: bool = True

    @classmethod
    def from_lane(cls, lane: dict) -> "SerialSettings":
        """Pick the serial settings out of a lane's settings dict."""
        names = ("baud", "bytesize", "parity", "stopbits", "dtr", "rts")
        return cls(**{k: lane[k] for k in names if k in lane})

    def describe(self) -> str:
        """Settings in the usual short form, e.g. '9600 8N1'."""
        stop = int(self.stopbits) if float(self.stopbits).is_integer() else self.stopbits
        return f"{self.baud} {self.bytesize}{self.parity}{stop}"


def open_port(url: str, settings: SerialSettings | None = None, *, timeout: float | None = 0.05) -> serial.SerialBase:
    """Open ``url`` exclusively with ``settings``; raise PortError with a clear message."""
    s = settings or SerialSettings()
    if not url:
        raise PortError("no port configured", reason="settings")
    try:
        port = serial.serial_for_url(
            url,
            do_not_open=True,
            baudrate=s.baud,
            bytesize=int(s.bytesize),
            parity=_PARITY.get(s.parity, s.parity),
            stopbits=float(s.stopbits) if s.stopbits == 1.5 else int(s.stopbits),
            timeout=timeout,
            write_timeout=2.0,
            exclusive=True,
        )
        port.dtr = s.dtr
        port.rts = s.rts
        port.open()
    except ValueError as exc:
        if "protocol" in str(exc):
            raise PortError(f"{url}: not a usable port URL ({exc}); use a device path, loop:// or socket://", reason="settings") from None
        raise PortError(f"{url}: unusable serial settings {s.describe()}: {exc}", reason="settings") from None
    except (serial.SerialException, OSError) as exc:
        raise port_error(url, exc) from None
    return port


def port_error(url: str, exc: BaseException) -> PortError:
    """Turn an OS or pyserial error into a PortError a technician can act on."""
    code = getattr(exc, "errno", None)
    text = str(exc)
    if code == errno.ENOENT or "No such file" in text:
        return PortError(f"{url}: no such port (reader unplugged or wrong path; see `firmware-bridge ports`)", reason="absent")
    if code in (errno.EACCES, errno.EPERM) or "Permission denied" in text:
        return PortError(
            f"{url}: permission denied (add the service user to the 'dialout' group or install the udev rule)",
            reason="permission",
        )
    if code in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EBUSY) or "exclusively lock" in text:
        return PortError(f"{url}: port is in use by another program", reason="busy")
    if code in (errno.EIO, errno.ENXIO, errno.ENODEV):
        return PortError(f"{url}: device not responding (disconnected?)", reason="absent")
    return PortError(f"{url}: cannot open port: {text}", reason="error")


_KERNEL_NAME = re.compile(r"^/dev/tty(USB|ACM|S|AMA|XRUSB)\d+$")


def stable_path(url: str) -> str:
    """Return the /dev/serial/by-id link for a kernel name like /dev/ttyUSB0 when one exists, else ``url``."""
    if not _KERNEL_NAME.match(url):  # URLs, by-id links, udev names such as /dev/mrz-north: kept
        return url
    try:
        target = os.path.realpath(url)
        for link in sorted(BY_ID_DIR.iterdir()):
            if os.path.realpath(link) == target:
                return str(link)
    except OSError:
        pass
    return url


def list_ports() -> list[dict]:
    """Serial ports of this machine with by-id path, VID:PID and description."""
    from serial.tools import list_ports as lp

    by_id: dict[str, str] = {}
    try:
        for link in BY_ID_DIR.iterdir():
            by_id[os.path.realpath(link)] = str(link)
    except OSError:
        pass
    out = []
    for info in sorted(lp.comports(), key=lambda p: p.device):
        vidpid = f"{info.vid:04x}:{info.pid:04x}" if info.vid is not None and info.pid is not None else ""
        out.append(
            {
                "device": info.device,
                "by_id": by_id.get(os.path.realpath(info.device), ""),
                "vid_pid": vidpid,
                "description": info.description if info.description not in (None, "n/a") else "",
                "manufacturer": info.manufacturer or "",
                "serial_number": info.serial_number or "",
            }
        )
    return out
