"""Profile ``access-is``: Access-IS OCR readers (OCR310/312/313/315, AI310E).

An OCR message is ``FS STX line CR line CR [line] ETX GS`` (1C 02 ... 03 1D); the last
line may lack its CR. Magnetic-stripe (0E 02 ... 03 0F) and barcode (1E 02 ... 03 1F)
messages are skipped.
"""

from __future__ import annotations

from .envelope import EnvelopeDecoder

NAME = "access-is"
START = b"\x1c\x02"
END = b"\x03\x1d"


def encode(lines: list[str]) -> bytes:
    """Bytes an Access-IS reader sends for one document."""
    return START + "\r".join(lines).encode("ascii") + b"\r" + END


class AccessISDecoder(EnvelopeDecoder):
    """FS STX ... ETX GS frames."""

    name = NAME
    start = START
    end = END
    ignore = ((b"\x0e\x02", b"\x03\x0f"), (b"\x1e\x02", b"\x03\x1f"))


DECODER = AccessISDecoder
