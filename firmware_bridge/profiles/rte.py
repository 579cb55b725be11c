"""Profile ``rte``: 3M / Rochford Thompson RTE6701 framing (the lineage of Thales readers).

An unsolicited optical read is ``SOH len "OU" STX flag line1 CR line2 CR line3 CR ETX BCC``.
Every line slot is sent, bottom-aligned (a passport arrives as an empty slot then two
lines) and padded with ``_`` to 30 or 44 characters. The length field's encoding is not
published, so the decoder finds ``"OU" STX`` within four bytes of SOH instead of trusting
it. The BCC is checked as an XOR over the bytes after SOH (or after STX) up to and
including ETX; a mismatch makes the read a read error.
"""

from __future__ import annotations

from .base import Decoder, Frame, layout_problem, payload_lines

NAME = "rte"
SOH, STX, ETX = 0x01, 0x02, 0x03
_MARK = b"OU\x02"
_MAX_FRAME = 512
_STALL_FACTOR = 5


def bcc(data: bytes) -> int:
    """XOR of the bytes."""
    value = 0
    for b in data:
        value ^= b
    return value


def encode(lines: list[str], *, flag: bytes = b"0") -> bytes:
    """Bytes an RTE6701 sends for one document: three bottom-aligned, '_'-padded slots."""
    width = 30 if len(lines) == 3 else 44
    slots = [""] * (3 - len(lines)) + [line.ljust(width, "_")[:width] if line else "" for line in lines]
    data = "".join(slot + "\r" for slot in slots).encode("ascii")
    body = b"OU" + bytes([STX]) + flag + data + bytes([ETX])
    length = len(body).to_bytes(2, "big")
    return bytes([SOH]) + length + body + bytes([bcc(length + body)])


class RTEDecoder(Decoder):
    """SOH ... "OU" STX ... ETX BCC frames."""

    name = NAME

    def feed(self, data: bytes, now: float) -> list[Frame]:
        """Add bytes; return the frames completed by their BCC byte."""
        self.last_byte_at = now
        self._buf += data
        frames: list[Frame] = []
        while self._buf:
            i = self._buf.find(bytes([SOH]))
            if i < 0:
                self.discarded += len(self._buf)
                self._buf.clear()
                break
            if i:
                self.discarded += i
                del self._buf[:i]
            head = bytes(self._buf[1:8])
            m = head.find(_MARK)
            if m < 0 or m > 4:
                if len(self._buf) < 8:
                    break  # header not complete yet
                self.discarded += 1
                del self._buf[:1]  # an SOH that does not start a frame
                continue
            data_start = 1 + m + len(_MARK) + 1  # after the flag byte
            end = self._buf.find(bytes([ETX]), data_start)
            if end < 0 or end + 1 >= len(self._buf):
                if len(self._buf) > _MAX_FRAME:
                    self._emit(frames, bytes(self._buf), data_start, len(self._buf), now, "frame too long")
                    self._buf.clear()
                break
            frame = bytes(self._buf[: end + 2])
            del self._buf[: end + 2]
            error = None if self._bcc_ok(frame, 1 + m) else "BCC mismatch"
            if error:  # a noise SOH just before the real one? try the inner SOH
                k = frame.find(bytes([SOH]), 1, 1 + m)
                if k > 0 and self._bcc_ok(frame[k:], 1 + m - k):
                    self.discarded += k
                    frame, data_start, end, error = frame[k:], data_start - k, end - k, None
            self._emit(frames, frame, data_start, end, now, error)
        return frames

    def idle(self, now: float) -> list[Frame]:
        """Give up on a frame the reader stopped sending in the middle of."""
        if not self._buf or now - self.last_byte_at < self.frame_timeout * _STALL_FACTOR:
            return []
        frames: list[Frame] = []
        raw = bytes(self._buf)
        self._buf.clear()
        m = raw.find(_MARK)
        if 0 < m <= 5:
            self._emit(frames, raw, m + len(_MARK) + 1, len(raw), now, "truncated frame")
        else:
            self.discarded += len(raw)
        return frames

    @staticmethod
    def _bcc_ok(frame: bytes, mark_at: int) -> bool:
        """Check the BCC under the conventions in use (after SOH, from OU, after STX)."""
        value = frame[-1]
        body = frame[1:-1]
        stx_at = mark_at + 2
        return value in (bcc(body), bcc(frame[mark_at:-1]), bcc(frame[stx_at + 1 : -1]))

    def _emit(self, frames: list[Frame], raw: bytes, start: int, end: int, now: float, error: str | None) -> None:
        slots = payload_lines(raw[start:end], strip_padding=True, keep_empty=True)
        if slots and slots[-1] == "":
            slots = slots[:-1]  # the CR after the last slot
        while slots and slots[0] == "":
            slots = slots[1:]  # bottom alignment: leading empty slots
        problem = error
        if "" in slots:
            problem = problem or "missing line"
        lines = [s for s in slots if s]
        if not lines and error:
            self.discarded += len(raw)
            return
        problem = problem or layout_problem(lines)
        frames.append(Frame(NAME, lines, raw, problem, now))
        if problem is None:
            self.discarded = 0


DECODER = RTEDecoder
