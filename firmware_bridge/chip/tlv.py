"""BER-TLV as used by ISO 7816-4 and the ICAO LDS: tags of 1-3 bytes, definite lengths."""

from __future__ import annotations

from .errors import LDSError


def encode_length(n: int) -> bytes:
    """The BER length octets for ``n``."""
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, value: bytes) -> bytes:
    """One TLV object with a tag given as an int (0x5F1F, 0x7F49, 0x87, ...)."""
    return tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big") + encode_length(len(value)) + value


def read_tag(data: bytes, pos: int) -> tuple[int, int]:
    """Parse a tag at ``pos``; return (tag, position after it)."""
    if pos >= len(data):
        raise LDSError("TLV truncated in tag")
    first = data[pos]
    tag = first
    pos += 1
    if first & 0x1F == 0x1F:
        while True:
            if pos >= len(data):
                raise LDSError("TLV truncated in tag")
            b = data[pos]
            tag = (tag << 8) | b
            pos += 1
            if not b & 0x80:
                break
            if tag > 0xFFFFFF:
                raise LDSError("TLV tag longer than 3 bytes")
    return tag, pos


def read_length(data: bytes, pos: int) -> tuple[int, int]:
    """Parse a length at ``pos``; return (length, position after it)."""
    if pos >= len(data):
        raise LDSError("TLV truncated in length")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    count = first & 0x7F
    if count == 0 or count > 4 or pos + count > len(data):
        raise LDSError("TLV length is indefinite or malformed")
    return int.from_bytes(data[pos:pos + count], "big"), pos + count


def header_size(data: bytes) -> tuple[int, int]:
    """For the first bytes of a file: (tag and length header size, total object size)."""
    tag, pos = read_tag(data, 0)
    length, pos = read_length(data, pos)
    return pos, pos + length


def parse(data: bytes, pos: int = 0, end: int | None = None) -> list[tuple[int, bytes]]:
    """The TLV objects in ``data[pos:end]`` as (tag, value) pairs, in order."""
    end = len(data) if end is None else end
    out = []
    while pos < end:
        if data[pos] in (0x00, 0xFF) and not out and pos == 0:  # no padding before the first object
            raise LDSError("TLV starts with padding")
        tag, pos = read_tag(data, pos)
        length, pos = read_length(data, pos)
        if pos + length > end:
            raise LDSError(f"TLV object {tag:X} runs past its container")
        out.append((tag, data[pos:pos + length]))
        pos += length
    return out


def find(data: bytes, tag: int) -> bytes | None:
    """The value of the first object with ``tag`` at the top level of ``data``, or None."""
    for t, v in parse(data):
        if t == tag:
            return v
    return None


def unwrap(data: bytes, tag: int) -> bytes:
    """The value of the single outer object ``tag`` (e.g. 0x61 around DG1); error otherwise."""
    t, pos = read_tag(data, 0)
    if t != tag:
        raise LDSError(f"expected tag {tag:X}, found {t:X}")
    length, pos = read_length(data, pos)
    if pos + length > len(data):
        raise LDSError(f"object {tag:X} is truncated")
    return data[pos:pos + length]
