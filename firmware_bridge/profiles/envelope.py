"""A decoder for readers that wrap each message in start and end byte sequences.

Used by ``access-is`` (FS STX ... ETX GS) and ``desko-cute`` (SODO STX ... ETX EODO).
Bytes outside an envelope are noise; an envelope that never closes, or that is cut by
the start of the next one, becomes a read error rather than a lost read.
"""

from __future__ import annotations

from .base import Decoder, Frame, layout_problem, payload_lines

_MAX_FRAME = 1024
#: a framed reader that stops mid-frame for this many frame timeouts has lost the frame
_STALL_FACTOR = 5


class EnvelopeDecoder(Decoder):
    """Collect bytes between ``start`` and ``end``; ``ignore`` lists other envelopes to skip."""

    name = "envelope"
    start = b"\x02"
    end = b"\x03"
    #: (start, end) pairs of messages that are not MRZ (magnetic stripe, barcode)
    ignore: tuple[tuple[bytes, bytes], ...] = ()

    def __init__(self, *, frame_timeout: float = 0.2):
        super().__init__(frame_timeout=frame_timeout)
        self._in_frame = False
        self._skip_until: bytes | None = None

    @property
    def pending(self) -> bool:
        """True while inside an envelope."""
        return self._in_frame

    def feed(self, data: bytes, now: float) -> list[Frame]:
        """Add bytes; return the frames whose end sequence arrived."""
        self.last_byte_at = now
        self._buf += data
        frames: list[Frame] = []
        while True:
            if self._skip_until is not None:
                i = self._buf.find(self._skip_until)
                if i < 0:
                    keep = len(self._skip_until) - 1
                    del self._buf[: max(0, len(self._buf) - keep)]
                    return frames
                del self._buf[: i + len(self._skip_until)]
                self._skip_until = None
                continue
            if not self._in_frame:
                if not self._find_start():
                    return frames
                continue
            j = self._buf.find(self.end, len(self.start))
            nxt = self._buf.find(self.start, len(self.start))
            if nxt >= 0 and (j < 0 or nxt < j):  # a new frame began before this one ended
                self._close(frames, bytes(self._buf[len(self.start) : nxt]), now, "truncated frame")
                del self._buf[:nxt]
                self._in_frame = False
                continue
            if j < 0:
                if len(self._buf) > _MAX_FRAME:
                    self._close(frames, bytes(self._buf[len(self.start) :]), now, "frame too long")
                    self._buf.clear()
                    self._in_frame = False
                return frames
            self._close(frames, bytes(self._buf[len(self.start) : j]), now, None)
            del self._buf[: j + len(self.end)]
            self._in_frame = False

    def idle(self, now: float) -> list[Frame]:
        """Give up on an envelope the reader stopped sending in the middle of."""
        if not self._in_frame or now - self.last_byte_at < self.frame_timeout * _STALL_FACTOR:
            return []
        frames: list[Frame] = []
        self._close(frames, bytes(self._buf[len(self.start) :]), now, "truncated frame")
        self._buf.clear()
        self._in_frame = False
        return frames

    def _find_start(self) -> bool:
        """Drop noise up to the next envelope start; True when positioned on one."""
        best = -1
        best_end: bytes | None = None
        i = self._buf.find(self.start)
        if i >= 0:
            best = i
        for start, end in self.ignore:
            k = self._buf.find(start)
            if k >= 0 and (best < 0 or k < best):
                best, best_end = k, end
        if best < 0:
            keep = max([len(self.start)] + [len(s) for s, _ in self.ignore]) - 1
            drop = max(0, len(self._buf) - keep)
            self.discarded += drop
            del self._buf[:drop]
            return False
        self.discarded += best
        if best_end is not None:
            start_len = next(len(s) for s, e in self.ignore if e == best_end)
            del self._buf[: best + start_len]
            self._skip_until = best_end
            return True
        del self._buf[:best]
        self._in_frame = True
        return True

    def _close(self, frames: list[Frame], payload: bytes, now: float, error: str | None) -> None:
        lines = payload_lines(payload)
        if not lines and error:
            self.discarded += len(payload)
            return
        problem = error or layout_problem(lines)
        frames.append(Frame(self.name, lines, self.start + payload + (b"" if error else self.end), problem, now))
        if problem is None:
            self.discarded = 0
