"""What every wire profile shares: the Frame, the Decoder interface and the text extractor.

A decoder is pure: bytes and a monotonic clock value go in, frames come out. It never
touches a port; the lane writes whatever the decoder asks it to send (arming commands).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CR, LF = 0x0D, 0x0A
#: Control bytes removed from MRZ text: 0x00-0x1F except CR and LF, plus DEL.
CTRL = bytes(b for b in range(0x20) if b not in (CR, LF)) + b"\x7f"
#: Characters a reader may put in an MRZ line: ICAO set plus reject marks.
MRZ_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
REJECT_CHARS = set("_*?")
#: (line count, line length) of every ICAO layout.
LAYOUTS = {(3, 30), (2, 36), (2, 44)}
CONCATENATED = {72: 36, 88: 44, 90: 30}
_NEWLINES = re.compile(r"\r\n|\r|\n")


@dataclass
class Frame:
    """One read cut out of the byte stream: its MRZ lines as read, and any framing problem."""

    profile: str
    lines: list[str]
    raw: bytes = b""
    error: str | None = None
    end_time: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The MRZ lines joined with newlines, as read."""
        return "\n".join(self.lines)


def clean_line(raw: str) -> str:
    """Strip blanks from a line and turn characters that cannot be MRZ into '?' (reject)."""
    out = []
    for ch in raw:
        if ch in " \t":
            continue
        if ch in MRZ_CHARS or ch in REJECT_CHARS:
            out.append(ch)
        elif "a" <= ch <= "z":
            out.append(ch.upper())
        else:
            out.append("?")
    return "".join(out)


def looks_like_mrz_line(line: str) -> bool:
    """True for a line of plausible MRZ length made mostly of MRZ characters."""
    n = len(line)
    if not (7 <= n <= 46 or n in CONCATENATED):
        return False
    good = sum(1 for ch in line if ch in MRZ_CHARS)
    return good >= 0.8 * n


def split_concatenated(lines: list[str]) -> list[str]:
    """Split one 72/88/90-character line into the lines of its layout."""
    if len(lines) == 1 and len(lines[0]) in CONCATENATED:
        n = CONCATENATED[len(lines[0])]
        return [lines[0][i : i + n] for i in range(0, len(lines[0]), n)]
    return lines


def payload_lines(payload: bytes, *, strip_padding: bool = False, keep_empty: bool = False) -> list[str]:
    """Turn a frame's payload into MRZ lines: control bytes out, split on CR/LF, blanks dropped."""
    text = payload.translate(None, CTRL).decode("ascii", "replace")
    lines = [clean_line(part) for part in _NEWLINES.split(text)]
    if strip_padding:
        lines = [line.rstrip("_") for line in lines]
    if not keep_empty:
        lines = [line for line in lines if line]
    return split_concatenated(lines)


def is_complete(lines: list[str]) -> bool:
    """True when the lines have the count and equal lengths of an ICAO layout."""
    if not lines:
        return False
    width = len(lines[0])
    return all(len(line) == width for line in lines) and (len(lines), width) in LAYOUTS


def layout_problem(lines: list[str]) -> str | None:
    """Describe why lines are not a whole MRZ (None when complete)."""
    if not lines:
        return "empty frame"
    if is_complete(lines):
        return None
    return "missing or partial lines"


def is_mostly_text(data: bytes) -> bool:
    """True when at least 70 % of the bytes are printable ASCII or CR/LF."""
    if not data:
        return True
    good = sum(1 for b in data if 0x20 <= b < 0x7F or b in (CR, LF))
    return good >= 0.7 * len(data)


class Decoder:
    """Base class of a profile's stream decoder (one per connection)."""

    name = "base"
    #: silence (seconds) after which an unfinished frame is closed
    frame_timeout = 0.2

    def __init__(self, *, frame_timeout: float = 0.2):
        self.frame_timeout = frame_timeout
        #: bytes thrown away outside any frame since the last good frame
        self.discarded = 0
        self.last_byte_at = 0.0
        #: bytes received and not yet part of a finished frame (decoders that buffer use it)
        self._buf = bytearray()

    @property
    def profile(self) -> str:
        """Name of the profile in use (auto reports the one it recognised)."""
        return self.name

    def feed(self, data: bytes, now: float) -> list[Frame]:
        """Take bytes read at time ``now``; return the frames they complete."""
        raise NotImplementedError

    def idle(self, now: float) -> list[Frame]:
        """Called when no byte arrived for a while; close a frame on silence if due."""
        return []

    def on_connect(self) -> bytes:
        """Bytes to send to the reader when the port opens (arming commands)."""
        return b""

    def after_frame(self, frame: Frame) -> bytes:
        """Bytes to send after a frame (re-arming a one-shot continuous mode)."""
        return b""

    def keepalive(self) -> bytes:
        """Bytes to send when the reader has been silent for a long time."""
        return b""

    @property
    def pending(self) -> bool:
        """True while part of a frame is buffered."""
        return bool(self._buf)
