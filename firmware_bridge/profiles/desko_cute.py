"""Profile ``desko-cute``: DESKO readers in CUTE mode (``<SODO><STX> lines <ETX><EODO>``).

Each line ends with CR; a missing third line is simply not sent. The hex values of the
per-device SODO/EODO delimiters are not public, so the decoder frames on STX ... ETX and
treats whatever byte surrounds them as the envelope. The encoder (virtual scanner) uses
SO (0x0E) as SODO and SI (0x0F) as EODO.
"""

from __future__ import annotations

from .envelope import EnvelopeDecoder

NAME = "desko-cute"
SODO = b"\x0e"
EODO = b"\x0f"


def encode(lines: list[str]) -> bytes:
    """Bytes a DESKO CUTE-mode reader sends for one document."""
    return SODO + b"\x02" + "".join(line + "\r" for line in lines).encode("ascii") + b"\x03" + EODO


class DeskoCuteDecoder(EnvelopeDecoder):
    """STX ... ETX frames with a one-byte device envelope around them."""

    name = NAME
    start = b"\x02"
    end = b"\x03"


DECODER = DeskoCuteDecoder
