"""Profile ``lines``: bare MRZ lines separated by CR and/or LF, no envelope.

Honeywell, Code Corp, Zebra and other OCR imagers in serial mode send this. A frame ends
when the lines make a whole ICAO layout, on an end byte (ETX or EOT), or after an
inter-byte silence of ``frame_timeout`` seconds (a partial read is then a read error).
"""

from __future__ import annotations

import re

from .base import CTRL, Decoder, Frame, clean_line, is_complete, layout_problem, looks_like_mrz_line, split_concatenated

NAME = "lines"
_SEPARATORS = re.compile(rb"[\r\n\x03\x04]")
_MAX_LINE = 256
_MAX_RAW = 4096


def encode(lines: list[str]) -> bytes:
    """Bytes a line-mode reader sends for one document: each line followed by CR."""
    return "".join(line + "\r" for line in lines).encode("ascii")


class LinesDecoder(Decoder):
    """Cut CR/LF-separated MRZ lines into documents."""

    name = NAME

    def __init__(self, *, frame_timeout: float = 0.2):
        super().__init__(frame_timeout=frame_timeout)
        self._partial = bytearray()
        self._group: list[str] = []
        self._raw = bytearray()

    @property
    def pending(self) -> bool:
        """True while a line or a group of lines is waiting for its end."""
        return bool(self._group or self._partial.strip())

    def feed(self, data: bytes, now: float) -> list[Frame]:
        """Split the bytes into lines and return every document they complete."""
        self.last_byte_at = now
        if len(self._raw) < _MAX_RAW:
            self._raw += data
        frames: list[Frame] = []
        pos = 0
        for match in _SEPARATORS.finditer(data):
            self._partial += data[pos : match.start()]
            pos = match.end()
            self._end_line(frames, now)
            if match.group() in (b"\x03", b"\x04") and self._group:
                self._emit(frames, now)
        self._partial += data[pos:]
        if len(self._partial) > _MAX_LINE:  # no separator in sight: noise
            self.discarded += len(self._partial)
            self._partial.clear()
        self._complete_unterminated(frames, now)
        return frames

    def idle(self, now: float) -> list[Frame]:
        """Close a partial document after the configured silence."""
        if not self.pending or now - self.last_byte_at < self.frame_timeout:
            return []
        frames: list[Frame] = []
        self._end_line(frames, now)
        if self._group:
            self._emit(frames, now)
        self._raw.clear()
        return frames

    # -- internals ---------------------------------------------------------------
    def _end_line(self, frames: list[Frame], now: float) -> None:
        raw = bytes(self._partial)
        self._partial.clear()
        # '?' stands for bytes that are not ASCII: at a line's edges they are line noise
        line = clean_line(raw.translate(None, CTRL).decode("ascii", "replace")).strip("?")
        if not line:
            self.discarded += len(raw)
            return
        if not looks_like_mrz_line(line):
            self.discarded += len(raw)
            return
        for part in split_concatenated([line]):
            self._add_line(part, frames, now)

    def _add_line(self, line: str, frames: list[Frame], now: float) -> None:
        if self._group and len(line) != len(self._group[0]):
            self._emit(frames, now)  # a line of another width starts another document
        self._group.append(line)
        if is_complete(self._group) or len(self._group) >= 3:
            self._emit(frames, now)

    def _complete_unterminated(self, frames: list[Frame], now: float) -> None:
        """Finish a document whose last line arrived whole but without its CR."""
        if not self._group or not self._partial:
            return
        line = clean_line(bytes(self._partial).translate(None, CTRL).decode("ascii", "replace")).strip("?")
        if len(line) == len(self._group[0]) and is_complete(self._group + [line]):
            self._partial.clear()
            self._group.append(line)
            self._emit(frames, now)

    def _emit(self, frames: list[Frame], now: float) -> None:
        lines, self._group = self._group, []
        frames.append(Frame(NAME, lines, bytes(self._raw), layout_problem(lines), now))
        self._raw.clear()
        if self._partial and len(self._raw) < _MAX_RAW:
            self._raw += self._partial
        self.discarded = 0


DECODER = LinesDecoder
