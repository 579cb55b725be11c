"""Masked views of raw wire bytes for the raw log and ``firmware-bridge doctor``.

Masking keeps the shape a technician needs (envelope bytes, line lengths, fillers,
separators) and hides content: letters become ``X``, digits ``9``.
"""

from __future__ import annotations

_MASK = bytes(
    (0x58 if 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A else 0x39 if 0x30 <= b <= 0x39 else b) for b in range(256)
)


def mask_bytes(data: bytes) -> bytes:
    """Replace letters with 'X' and digits with '9'."""
    return data.translate(_MASK)


def mask_text(text: str) -> str:
    """Replace letters with 'X' and digits with '9' in MRZ text."""
    return "".join("X" if ch.isalpha() else "9" if ch.isdigit() else ch for ch in text)


def hexdump(data: bytes, *, masked: bool = True, width: int = 16) -> str:
    """Classic offset / hex / ASCII dump, masked unless ``masked`` is False."""
    if masked:
        data = mask_bytes(data)
    rows = []
    for off in range(0, len(data), width):
        chunk = data[off : off + width]
        hexpart = " ".join(f"{b:02x}" for b in chunk).ljust(width * 3 - 1)
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        rows.append(f"{off:08x}  {hexpart}  |{text}|")
    return "\n".join(rows)


def short_hex(data: bytes, *, masked: bool = True, limit: int = 64) -> str:
    """A compact one-line hex view for the DEBUG raw wire log."""
    if masked:
        data = mask_bytes(data)
    tail = "…" if len(data) > limit else ""
    return data[:limit].hex(" ") + tail
