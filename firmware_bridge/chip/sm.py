"""Secure messaging of ICAO 9303 part 11 section 9.8 (3DES and AES), both sides of the channel."""

from __future__ import annotations

import hmac

from . import tlv
from .apdu import SW_SM_INCORRECT, Command, Response, parse_response
from .cipher import CipherSuite, pad, unpad
from .errors import SecureMessagingError


class SecureChannel:
    """Session keys and send sequence counter; wraps commands and responses in either direction."""

    def __init__(self, suite: CipherSuite, k_enc: bytes, k_mac: bytes, ssc: int = 0):
        self.suite, self.k_enc, self.k_mac, self.ssc = suite, k_enc, k_mac, ssc

    def _next_ssc(self) -> bytes:
        self.ssc = (self.ssc + 1) % (1 << (8 * self.suite.block))
        return self.ssc.to_bytes(self.suite.block, "big")

    def _iv(self, ssc: bytes) -> bytes | None:
        return self.suite.ecb_block(self.k_enc, ssc) if self.suite.is_aes else None

    def _mac(self, ssc: bytes, data: bytes) -> bytes:
        return self.suite.mac(self.k_mac, pad(ssc + data, self.suite.block))

    # terminal side -------------------------------------------------------------------------
    def protect(self, cmd: Command) -> Command:
        """Wrap a plain command for sending to the chip (increments the SSC)."""
        ssc = self._next_ssc()
        ext = cmd.extended
        cla = cmd.cla | 0x0C
        header = pad(bytes([cla, cmd.ins, cmd.p1, cmd.p2]), self.suite.block)
        dos = b""
        if cmd.data:
            enc = self.suite.encrypt(self.k_enc, pad(cmd.data, self.suite.block), self._iv(ssc))
            dos += tlv.tlv(0x85, enc) if cmd.ins & 1 else tlv.tlv(0x87, b"\x01" + enc)
        if cmd.le is not None:
            dos += tlv.tlv(0x97, (cmd.le % 65536).to_bytes(2, "big") if ext else bytes([cmd.le % 256]))
        mac = self._mac(ssc, header + dos)
        return Command(cla, cmd.ins, cmd.p1, cmd.p2, dos + tlv.tlv(0x8E, mac), 65536 if ext else 256)

    def unprotect(self, raw: bytes) -> Response:
        """Check and decrypt a protected response (increments the SSC)."""
        ssc = self._next_ssc()
        resp = parse_response(raw)
        if resp.sw in (0x6987, 0x6988) or (not resp.data and resp.sw == 0x9000):
            raise SecureMessagingError(f"chip answered {resp.sw:04X} without secure messaging", sw=resp.sw)
        if not resp.data:  # an error status sent in plain: nothing to trust, but it is an error anyway
            return resp
        objs = tlv.parse(resp.data)
        macced, data, sw, mac = b"", b"", None, None
        for tag, value in objs:
            if tag in (0x85, 0x87):
                macced += tlv.tlv(tag, value)
                enc = value[1:] if tag == 0x87 else value
                if tag == 0x87 and value[:1] != b"\x01":
                    raise SecureMessagingError("unknown padding indicator in DO87")
                try:
                    data = unpad(self.suite.decrypt(self.k_enc, enc, self._iv(ssc)))
                except ValueError as exc:
                    raise SecureMessagingError(f"protected response data: {exc}") from exc
            elif tag == 0x99:
                macced += tlv.tlv(tag, value)
                sw = int.from_bytes(value, "big")
            elif tag == 0x8E:
                mac = value
        if mac is None or sw is None:
            raise SecureMessagingError("protected response lacks its MAC or status word")
        if not hmac.compare_digest(mac, self._mac(ssc, macced)):
            raise SecureMessagingError("protected response has a wrong MAC")
        return Response(data, sw)

    # chip side -----------------------------------------------------------------------------
    def unprotect_command(self, cmd: Command) -> Command:
        """Check and decrypt a protected command received by the chip (increments the SSC)."""
        ssc = self._next_ssc()
        if cmd.cla & 0x0C != 0x0C:
            raise SecureMessagingError("command without secure messaging", sw=0x6987)
        try:
            objs = tlv.parse(cmd.data)
        except Exception as exc:
            raise SecureMessagingError("protected command is not TLV", sw=SW_SM_INCORRECT) from exc
        header = pad(bytes([cmd.cla, cmd.ins, cmd.p1, cmd.p2]), self.suite.block)
        macced, data, le, mac = b"", b"", None, None
        for tag, value in objs:
            if tag in (0x85, 0x87):
                macced += tlv.tlv(tag, value)
                enc = value[1:] if tag == 0x87 else value
                try:
                    data = unpad(self.suite.decrypt(self.k_enc, enc, self._iv(ssc)))
                except ValueError as exc:
                    raise SecureMessagingError("bad protected data", sw=SW_SM_INCORRECT) from exc
            elif tag == 0x97:
                macced += tlv.tlv(tag, value)
                le = int.from_bytes(value, "big") or (65536 if len(value) == 2 else 256)
            elif tag == 0x8E:
                mac = value
        if mac is None or not hmac.compare_digest(mac, self._mac(ssc, header + macced)):
            raise SecureMessagingError("wrong MAC on command", sw=SW_SM_INCORRECT)
        return Command(cmd.cla & ~0x0C & 0xFF, cmd.ins, cmd.p1, cmd.p2, data, le)

    def protect_response(self, resp: Response) -> bytes:
        """Wrap a chip response (increments the SSC)."""
        ssc = self._next_ssc()
        dos = b""
        if resp.data:
            enc = self.suite.encrypt(self.k_enc, pad(resp.data, self.suite.block), self._iv(ssc))
            dos += tlv.tlv(0x87, b"\x01" + enc)
        dos += tlv.tlv(0x99, resp.sw.to_bytes(2, "big"))
        return dos + tlv.tlv(0x8E, self._mac(ssc, dos)) + resp.sw.to_bytes(2, "big")
