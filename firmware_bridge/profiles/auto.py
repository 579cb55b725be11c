"""Profile ``auto``: recognise the reader's envelope from the first frame, then stick to it.

Signatures, earliest in the stream wins: ``1C 02`` Access-IS; ``SOH .. "OU" STX`` RTE;
``49|4C lenHi lenLo`` followed by MRZ text, IDBOX; a lone ``STX`` DESKO CUTE; an MRZ-like
line ended by CR/LF, bare lines. An IDBOX only talks once armed, which auto cannot do
without sending bytes to unknown readers: configure ``idbox`` explicitly for those.
"""

from __future__ import annotations

import re

from . import access_is, desko_cute, idbox, lines, rte
from .base import Decoder, Frame

NAME = "auto"
_LINE_END = re.compile(rb"[A-Z0-9<_*]{7,}[ \t]*[\r\n]")
_IDBOX = re.compile(rb"[\x49\x4c][\x00-\x03][\x00-\xff][A-Z0-9<]")
_MAX_UNDETECTED = 4096


def encode(lines_: list[str]) -> bytes:
    """auto has no wire format of its own; the virtual scanner sends bare lines."""
    return lines.encode(lines_)


def detect(buf: bytes) -> tuple[str, int] | None:
    """Return (profile, offset of its first frame) for the earliest signature in ``buf``."""
    found: list[tuple[int, str]] = []
    i = buf.find(access_is.START)
    if i >= 0:
        found.append((i, access_is.NAME))
    for m in re.finditer(rb"\x01", buf):
        k = buf.find(b"OU\x02", m.start() + 1, m.start() + 8)
        if k >= 0:
            found.append((m.start(), rte.NAME))
            break
    m = _IDBOX.search(buf)
    if m and 7 <= ((buf[m.start() + 1] << 8) | buf[m.start() + 2]) <= 1024:
        found.append((m.start(), idbox.NAME))
    for m in re.finditer(rb"\x02", buf):
        j = m.start()
        if (j > 0 and buf[j - 1] == 0x1C) or buf[max(0, j - 2) : j] == b"OU":
            continue
        found.append((max(0, j - 1), desko_cute.NAME))
        break
    m = _LINE_END.search(buf)
    if m:
        found.append((m.start(), lines.NAME))
    if not found:
        return None
    offset, name = min(found)
    return name, offset


class AutoDecoder(Decoder):
    """Buffer until a signature is seen, then hand everything to that profile's decoder."""

    name = NAME

    def __init__(self, *, frame_timeout: float = 0.2):
        super().__init__(frame_timeout=frame_timeout)
        self.inner: Decoder | None = None

    @property
    def profile(self) -> str:
        """The recognised profile, or "auto" before the first frame."""
        return self.inner.name if self.inner else NAME

    @property
    def pending(self) -> bool:
        """True while bytes wait for detection or the inner decoder holds a partial frame."""
        return self.inner.pending if self.inner else bool(self._buf)

    def feed(self, data: bytes, now: float) -> list[Frame]:
        """Detect the profile if not known yet, then decode."""
        self.last_byte_at = now
        if self.inner is not None:
            return self.inner.feed(data, now)
        self._buf += data
        found = detect(bytes(self._buf))
        if found is None:
            if len(self._buf) > _MAX_UNDETECTED:
                self.discarded += len(self._buf) - 64
                del self._buf[:-64]
            return []
        name, offset = found
        return self._switch(name, offset, now)

    def idle(self, now: float) -> list[Frame]:
        """On silence, undetected text is taken as bare lines."""
        if self.inner is not None:
            return self.inner.idle(now)
        if not self._buf or now - self.last_byte_at < self.frame_timeout:
            return []
        raw = bytes(self._buf)
        if not _LINE_END.search(raw + b"\r"):
            self.discarded += len(raw)
            self._buf.clear()
            return []
        frames = self._switch(lines.NAME, 0, now)
        return frames + self.inner.idle(now)

    def _switch(self, name: str, offset: int, now: float) -> list[Frame]:
        from . import decoder_for

        self.inner = decoder_for(name, frame_timeout=self.frame_timeout)
        self.discarded += offset
        data = bytes(self._buf[offset:])
        self._buf.clear()
        return self.inner.feed(data, now)

    def after_frame(self, frame: Frame) -> bytes:
        """Whatever the recognised profile sends after a read."""
        return self.inner.after_frame(frame) if self.inner else b""

    def keepalive(self) -> bytes:
        """Whatever the recognised profile sends to a silent reader."""
        return self.inner.keepalive() if self.inner else b""


DECODER = AutoDecoder
