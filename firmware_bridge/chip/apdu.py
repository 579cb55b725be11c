"""ISO 7816-4 command and response APDUs (short and extended length) and status words."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ProtocolError

SW_OK = 0x9000
SW_WRONG_LENGTH = 0x6700
SW_SECURITY_NOT_SATISFIED = 0x6982
SW_AUTH_FAILED = 0x6300
SW_SM_MISSING = 0x6987
SW_SM_INCORRECT = 0x6988
SW_CONDITIONS = 0x6985
SW_FILE_NOT_FOUND = 0x6A82
SW_WRONG_PARAMS = 0x6A86
SW_WRONG_DATA = 0x6A80
SW_OFFSET = 0x6B00
SW_INS_UNKNOWN = 0x6D00
SW_CLA_UNKNOWN = 0x6E00
SW_END_OF_FILE = 0x6282


@dataclass
class Command:
    """A command APDU; ``le`` None means no response data expected, 256/65536 mean "all"."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None

    @property
    def extended(self) -> bool:
        """Whether this command needs extended length fields."""
        return len(self.data) > 255 or (self.le is not None and self.le > 256)

    def encode(self, extended: bool | None = None) -> bytes:
        """The APDU bytes (extended length when needed or asked for)."""
        ext = self.extended if extended is None else extended
        out = bytes([self.cla, self.ins, self.p1, self.p2])
        if self.data:
            out += (b"\x00" + len(self.data).to_bytes(2, "big")) if ext else bytes([len(self.data)])
            out += self.data
        if self.le is not None:
            if ext:
                le = b"" if self.data else b"\x00"
                out += le + (self.le % 65536).to_bytes(2, "big")
            else:
                out += bytes([self.le % 256])
        return out


def parse_command(raw: bytes) -> Command:
    """Decode a command APDU (all four ISO 7816-3 cases, short or extended)."""
    if len(raw) < 4:
        raise ProtocolError("command APDU shorter than its header")
    cla, ins, p1, p2 = raw[:4]
    body = raw[4:]
    if not body:
        return Command(cla, ins, p1, p2)
    if len(body) == 1:
        return Command(cla, ins, p1, p2, b"", body[0] or 256)
    if body[0] != 0:  # short with data
        lc = body[0]
        if len(body) == 1 + lc:
            return Command(cla, ins, p1, p2, body[1:], None)
        if len(body) == 2 + lc:
            return Command(cla, ins, p1, p2, body[1:1 + lc], body[-1] or 256)
        raise ProtocolError("command APDU length does not match Lc")
    if len(body) == 3:  # extended, Le only
        return Command(cla, ins, p1, p2, b"", int.from_bytes(body[1:3], "big") or 65536)
    lc = int.from_bytes(body[1:3], "big")
    rest = body[3:]
    if len(rest) == lc:
        return Command(cla, ins, p1, p2, rest, None)
    if len(rest) == lc + 2:
        return Command(cla, ins, p1, p2, rest[:lc], int.from_bytes(rest[lc:], "big") or 65536)
    raise ProtocolError("extended command APDU length does not match Lc")


@dataclass
class Response:
    """A response APDU: data and the status word."""

    data: bytes
    sw: int

    @property
    def ok(self) -> bool:
        """Whether the status word is 9000."""
        return self.sw == SW_OK

    def encode(self) -> bytes:
        """The response bytes (data then SW1 SW2)."""
        return self.data + self.sw.to_bytes(2, "big")


def parse_response(raw: bytes) -> Response:
    """Decode a response APDU."""
    if len(raw) < 2:
        raise ProtocolError("response APDU shorter than its status word")
    return Response(bytes(raw[:-2]), int.from_bytes(raw[-2:], "big"))
