"""Profile ``idbox``: Elyctis IDBOX One binary records ``[cmd][lenHi][lenLo][data]``.

The MRZ arrives in an Inquire record (``49``, or ``4C`` for one-line MRZs), lines
separated by CR and ending in CR CR. Continuous Reading (``43 00 01 01``) switches itself
off after every read, so the decoder asks the lane to send it on connect, after every
read and when the reader has been silent for a while (harmless when already armed).
"""

from __future__ import annotations

from .base import Decoder, Frame, layout_problem, payload_lines

NAME = "idbox"
INQUIRE, INQUIRE_1LINE, CONTINUOUS = 0x49, 0x4C, 0x43
#: Record types the reader may send (MRZ, 1-line MRZ, mode ack, version, serial, OCR version, product).
KNOWN = {INQUIRE, INQUIRE_1LINE, CONTINUOUS, 0x56, 0x52, 0x57, 0x54}
ARM = bytes([CONTINUOUS, 0x00, 0x01, 0x01])
DISARM = bytes([CONTINUOUS, 0x00, 0x01, 0x00])
_MAX_RECORD = 1024
_STALL_FACTOR = 5


def record(cmd: int, data: bytes = b"") -> bytes:
    """Build one IDBOX record."""
    return bytes([cmd]) + len(data).to_bytes(2, "big") + data


def encode(lines: list[str]) -> bytes:
    """Bytes an IDBOX One pushes for one document in continuous-read mode."""
    return record(INQUIRE, ("\r".join(lines) + "\r\r").encode("ascii"))


def parse_records(buf: bytearray) -> tuple[list[tuple[int, bytes]], int]:
    """Take whole records off the front of ``buf``; return them and the count of noise bytes dropped."""
    out: list[tuple[int, bytes]] = []
    dropped = 0
    while len(buf) >= 3:
        cmd = buf[0]
        n = (buf[1] << 8) | buf[2]
        if cmd not in KNOWN or n > _MAX_RECORD:
            del buf[:1]
            dropped += 1
            continue
        if len(buf) < 3 + n:
            break
        out.append((cmd, bytes(buf[3 : 3 + n])))
        del buf[: 3 + n]
    return out, dropped


class IDBoxDecoder(Decoder):
    """Length-prefixed records; MRZ records become frames."""

    name = NAME

    def feed(self, data: bytes, now: float) -> list[Frame]:
        """Add bytes; return the MRZ records they complete."""
        self.last_byte_at = now
        self._buf += data
        records, dropped = parse_records(self._buf)
        self.discarded += dropped
        frames = []
        for cmd, payload in records:
            if cmd not in (INQUIRE, INQUIRE_1LINE):
                continue
            lines = payload_lines(payload)
            problem = layout_problem(lines) if cmd == INQUIRE else (None if lines else "empty frame")
            frames.append(Frame(NAME, lines, record(cmd, payload), problem, now))
            if problem is None:
                self.discarded = 0
        return frames

    def idle(self, now: float) -> list[Frame]:
        """Drop a record the reader stopped sending in the middle of (a read error if it was MRZ)."""
        if not self._buf or now - self.last_byte_at < self.frame_timeout * _STALL_FACTOR:
            return []
        raw = bytes(self._buf)
        self._buf.clear()
        if raw[0] in (INQUIRE, INQUIRE_1LINE) and len(raw) > 3:
            return [Frame(NAME, payload_lines(raw[3:]), raw, "truncated frame", now)]
        self.discarded += len(raw)
        return []

    def on_connect(self) -> bytes:
        """Switch Continuous Reading on."""
        return ARM

    def after_frame(self, frame: Frame) -> bytes:
        """Re-arm Continuous Reading, which the reader turns off after each read."""
        return ARM

    def keepalive(self) -> bytes:
        """Re-arm in case the reader missed the command (power cycle, noise)."""
        return ARM


DECODER = IDBoxDecoder
