"""A conversation with an eMRTD chip over any APDU transport: plain or secure messaging, file reads.

A transport is any object with ``transmit(apdu: bytes) -> bytes`` that raises
:class:`CardRemoved` when the card goes away (PC/SC in :mod:`.pcsc`, or the simulator's card
object directly in tests).
"""

from __future__ import annotations

import logging

from . import tlv
from .apdu import SW_END_OF_FILE, SW_FILE_NOT_FOUND, Command, Response, parse_response
from .errors import LDSError, ProtocolError

log = logging.getLogger(__name__)

EMRTD_AID = bytes.fromhex("A0000002471001")
#: file name -> file identifier (9303 part 10 section 3.11)
FILES = {"CardAccess": 0x011C, "COM": 0x011E, "SOD": 0x011D, **{f"DG{n}": 0x0100 + n for n in range(1, 17)}}
MAX_FILE = 1 << 20
SHORT_CHUNK = 0xDF  # what fits in one short response with secure messaging overhead
EXTENDED_CHUNK = 0x1000


class Session:
    """APDU exchange with one chip, remembering the secure channel once established."""

    def __init__(self, transport, *, extended: bool = False):
        self.transport = transport
        self.sm = None
        self.extended = extended
        self.apdus = 0

    def send_plain(self, cmd: Command) -> Response:
        """Send a command without secure messaging."""
        self.apdus += 1
        return parse_response(self.transport.transmit(cmd.encode()))

    def send(self, cmd: Command) -> Response:
        """Send a command, protected when a secure channel is up."""
        if self.sm is None:
            return self.send_plain(cmd)
        self.apdus += 1
        protected = self.sm.protect(cmd)
        return self.sm.unprotect(self.transport.transmit(protected.encode()))

    def select_applet(self) -> None:
        """SELECT the eMRTD application (LDS1)."""
        resp = self.send(Command(0x00, 0xA4, 0x04, 0x0C, EMRTD_AID))
        if not resp.ok:
            raise ProtocolError(f"the chip has no eMRTD application (SELECT answered {resp.sw:04X})", sw=resp.sw)

    def select_file(self, fid: int) -> bool:
        """SELECT an elementary file; False when the chip has no such file."""
        resp = self.send(Command(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big")))
        if resp.sw in (SW_FILE_NOT_FOUND, 0x6A88, 0x6982):
            return False
        if not resp.ok:
            raise ProtocolError(f"SELECT file {fid:04X} answered {resp.sw:04X}", sw=resp.sw)
        return True

    def _read(self, offset: int, length: int) -> bytes:
        if offset <= 0x7FFF:
            resp = self.send(Command(0x00, 0xB0, offset >> 8, offset & 0xFF, le=length))
            data = resp.data
        else:  # READ BINARY with odd INS: offset in DO54, data in DO53
            resp = self.send(Command(0x00, 0xB1, 0x00, 0x00, tlv.tlv(0x54, offset.to_bytes(3, "big")), le=length))
            data = tlv.unwrap(resp.data, 0x53) if resp.data else b""
        if resp.sw == SW_END_OF_FILE and data:
            return data
        if not resp.ok:
            raise ProtocolError(f"READ BINARY at {offset} answered {resp.sw:04X}", sw=resp.sw)
        if not data:
            raise ProtocolError(f"READ BINARY at {offset} returned no data")
        return data

    def read_file(self, name: str) -> bytes | None:
        """The whole content of an LDS file (tag, length and value), or None when absent."""
        if not self.select_file(FILES[name]):
            return None
        head = self._read(0, 8)
        try:
            hlen, total = tlv.header_size(head)
        except LDSError as exc:
            raise LDSError(f"EF.{name} does not start with a TLV header: {exc}") from None
        if total > MAX_FILE:
            raise LDSError(f"EF.{name} claims {total} bytes, more than any eMRTD file")
        data = bytearray(head[:total])
        chunk = EXTENDED_CHUNK if self.extended else SHORT_CHUNK
        while len(data) < total:
            part = self._read(len(data), min(chunk, total - len(data)))
            data += part
        log.debug("read EF.%s: %d bytes", name, len(data))
        return bytes(data[:total])
