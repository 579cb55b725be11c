"""The virtual chip: an ISO 7816-4 / ICAO 9303 APDU state machine (no I/O).

It answers SELECT, READ BINARY (even and odd INS), GET CHALLENGE, EXTERNAL AUTHENTICATE (BAC),
MSE:Set AT and GENERAL AUTHENTICATE (PACE generic mapping, chip authentication), MSE:Set KAT
and INTERNAL AUTHENTICATE (active authentication), under secure messaging once established.
"""

from __future__ import annotations

import hmac
import logging
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa, utils

from .. import curves, tlv
from ..active import sign_iso9796_2
from ..apdu import (SW_AUTH_FAILED, SW_CONDITIONS, SW_FILE_NOT_FOUND, SW_INS_UNKNOWN, SW_OFFSET, SW_OK,
                    SW_SECURITY_NOT_SATISFIED, SW_WRONG_DATA, SW_WRONG_LENGTH, Command, Response, parse_command)
from ..bac import TDES, bac_keys, session_channel
from ..cipher import ENC, MAC, CipherSuite, pad
from ..errors import ChipError, SecureMessagingError
from ..pace import decrypt_nonce, session_keys, token
from ..securityinfo import CIPHERS, PACE_MAPPINGS
from ..session import EMRTD_AID, FILES
from ..sm import SecureChannel
from .personalise import ChipProfile

log = logging.getLogger(__name__)
MF_FILES = {"CardAccess"}
FID_NAMES = {fid: name for name, fid in FILES.items()}
# T=1 ATRs; historical bytes 80 73 xx xx yy: card capabilities, yy bit 0x40 = extended Lc/Le (TCK appended)
ATR_EXTENDED = bytes.fromhex("3B8580018073000040")
ATR_SHORT = bytes.fromhex("3B8580018073000000")


def _atr(extended: bool) -> bytes:
    """An ATR with a correct TCK for a T=1 contactless card."""
    body = ATR_EXTENDED if extended else ATR_SHORT
    tck = 0
    for b in body[1:]:
        tck ^= b
    return body + bytes([tck])


class EmrtdCard:
    """One virtual eMRTD chip with a personalised profile."""

    def __init__(self, profile: ChipProfile):
        self.profile = profile
        self.atr = _atr(profile.extended_length)
        self.reset()

    def reset(self) -> None:
        """Power-on state: MF selected, no secure messaging, no protocol running."""
        self.applet = False
        self.current: str | None = None
        self.sm: SecureChannel | None = None
        self.next_sm: SecureChannel | None = None
        self.rnd_ic: bytes | None = None
        self.pace: dict | None = None
        self.ca_set: str | None = None

    # the transport interface used by the reader's Session in tests ------------------------
    def transmit(self, raw: bytes) -> bytes:
        """Answer one command APDU."""
        try:
            cmd = parse_command(raw)
        except ChipError:
            return SW_WRONG_LENGTH.to_bytes(2, "big")
        if cmd.cla & 0x0C and self.sm is not None:
            try:
                inner = self.sm.unprotect_command(cmd)
            except SecureMessagingError as exc:
                log.debug("virtual chip: %s", exc)
                self.sm = None
                return (exc.sw or 0x6988).to_bytes(2, "big")
            resp = self._dispatch(inner, True)
            out = self.sm.protect_response(resp)
            if self.next_sm is not None:  # chip authentication: new keys after this answer
                self.sm, self.next_sm = self.next_sm, None
            return out
        if self.sm is not None:  # a plain command ends secure messaging
            self.sm = None
        return self._dispatch(cmd, False).encode()

    def _dispatch(self, cmd: Command, secure: bool) -> Response:
        handler = {0xA4: self._select, 0xB0: self._read, 0xB1: self._read, 0x84: self._get_challenge,
                   0x82: self._external_auth, 0x22: self._mse, 0x86: self._general_auth, 0x88: self._internal_auth}.get(cmd.ins)
        if handler is None:
            return Response(b"", SW_INS_UNKNOWN)
        try:
            return handler(cmd, secure)
        except ChipError as exc:  # malformed data from the terminal
            log.debug("virtual chip refused a command: %s", exc)
            return Response(b"", SW_WRONG_DATA)

    # files ---------------------------------------------------------------------------------
    def _select(self, cmd: Command, secure: bool) -> Response:
        if cmd.p1 == 0x04:
            if cmd.data != EMRTD_AID:
                return Response(b"", SW_FILE_NOT_FOUND)
            self.applet, self.current = True, None
            return Response(b"", SW_OK)
        if cmd.p1 == 0x00 and cmd.data in (b"", b"\x3f\x00"):
            self.applet, self.current = False, None
            return Response(b"", SW_OK)
        name = FID_NAMES.get(int.from_bytes(cmd.data, "big")) if len(cmd.data) == 2 else None
        if name is None or name not in self.profile.files or (name in MF_FILES) == self.applet and name in MF_FILES:
            return Response(b"", SW_FILE_NOT_FOUND)
        if name not in MF_FILES and not (self.applet and secure):
            return Response(b"", SW_SECURITY_NOT_SATISFIED)
        self.current = name
        return Response(b"", SW_OK)

    def _read(self, cmd: Command, secure: bool) -> Response:
        if self.current is None:
            return Response(b"", SW_CONDITIONS)
        if self.current not in MF_FILES and not secure:
            return Response(b"", SW_SECURITY_NOT_SATISFIED)
        data = self.profile.files[self.current]
        if cmd.ins == 0xB0:
            if cmd.p1 & 0x80:
                return Response(b"", SW_CONDITIONS)
            offset = (cmd.p1 << 8) | cmd.p2
        else:
            offset = int.from_bytes(tlv.find(cmd.data, 0x54) or b"", "big")
        le = cmd.le or 0
        if le > 256 and not self.profile.extended_length:
            return Response(b"", SW_WRONG_LENGTH)
        if offset > len(data):
            return Response(b"", SW_OFFSET)
        chunk = data[offset:offset + le]
        return Response(chunk if cmd.ins == 0xB0 else tlv.tlv(0x53, chunk), SW_OK)

    # BAC -----------------------------------------------------------------------------------
    def _get_challenge(self, cmd: Command, secure: bool) -> Response:
        if not self.profile.bac:
            return Response(b"", SW_INS_UNKNOWN)
        self.rnd_ic = secrets.token_bytes(8)
        return Response(self.rnd_ic, SW_OK)

    def _external_auth(self, cmd: Command, secure: bool) -> Response:
        if not self.profile.bac or self.rnd_ic is None or len(cmd.data) != 40:
            return Response(b"", SW_CONDITIONS)
        k_enc, k_mac = bac_keys(self.profile.key.bac_seed)
        e_ifd, m_ifd = cmd.data[:32], cmd.data[32:]
        rnd_ic, self.rnd_ic = self.rnd_ic, None
        if not hmac.compare_digest(m_ifd, TDES.mac(k_mac, pad(e_ifd, 8))):
            return Response(b"", SW_AUTH_FAILED)
        s = TDES.decrypt(k_enc, e_ifd)
        if s[8:16] != rnd_ic:
            return Response(b"", SW_AUTH_FAILED)
        rnd_ifd, k_ifd, k_ic = s[:8], s[16:32], secrets.token_bytes(16)
        e_ic = TDES.encrypt(k_enc, rnd_ic + rnd_ifd + k_ic)
        self.sm = session_channel(k_ifd, k_ic, rnd_ic, rnd_ifd)
        return Response(e_ic + TDES.mac(k_mac, pad(e_ic, 8)), SW_OK)

    # MSE, PACE and chip authentication -----------------------------------------------------------
    def _mse(self, cmd: Command, secure: bool) -> Response:
        objs = dict(tlv.parse(cmd.data))
        if (cmd.p1, cmd.p2) == (0xC1, 0xA4):  # PACE
            from asn1crypto import core

            oid = core.ObjectIdentifier.load(b"\x06" + bytes([len(objs.get(0x80, b""))]) + objs.get(0x80, b"")).dotted
            offered = dict(self.profile.pace)
            if oid not in offered or objs.get(0x83) != b"\x01":
                return Response(b"", 0x6A80)
            self.pace = {"oid": oid, "domain": curves.by_standard_id(offered[oid]), "step": 0,
                         "suite": CipherSuite(CIPHERS[int(oid.rsplit(".", 1)[1])])}
            return Response(b"", SW_OK)
        if (cmd.p1, cmd.p2) == (0x41, 0xA6) and secure and self.profile.ca_key:  # CA with 3DES
            dom, sk, cipher = self.profile.ca_key
            if cipher != "3DES" or 0x91 not in objs:
                return Response(b"", SW_WRONG_DATA)
            self._ca_keys(dom.decode(objs[0x91]))
            return Response(b"", SW_OK)
        if (cmd.p1, cmd.p2) == (0x41, 0xA4) and secure and self.profile.ca_key:  # CA with AES
            self.ca_set = "AES"
            return Response(b"", SW_OK)
        return Response(b"", SW_CONDITIONS)

    def _ca_keys(self, terminal_public) -> None:
        dom, sk, cipher = self.profile.ca_key
        suite = CipherSuite(cipher)
        shared = dom.shared_secret(dom.mul(terminal_public, sk))
        self.next_sm = SecureChannel(suite, suite.kdf(shared, ENC), suite.kdf(shared, MAC), 0)

    def _general_auth(self, cmd: Command, secure: bool) -> Response:
        dyn = tlv.unwrap(cmd.data, 0x7C)
        if self.ca_set and secure:
            self.ca_set = None
            dom = self.profile.ca_key[0]
            self._ca_keys(dom.decode(tlv.find(dyn, 0x80) or b""))
            return Response(tlv.tlv(0x7C, b""), SW_OK)
        st = self.pace
        if st is None:
            return Response(b"", SW_CONDITIONS)
        dom, suite = st["domain"], st["suite"]
        step = st["step"]
        if step == 0:
            st["s"] = secrets.token_bytes(suite.block if suite.is_aes else 8)
            from ..cipher import PACE_PI

            z = suite.encrypt(suite.kdf(self.profile.key.password, PACE_PI), st["s"])
            st["step"] = 1
            return Response(tlv.tlv(0x7C, tlv.tlv(0x80, z)), SW_OK)
        if step == 1:
            sk_map, pk_map = dom.keypair()
            h = dom.mul(dom.decode(tlv.find(dyn, 0x81) or b""), sk_map)
            st["g"] = dom.map_generic(int.from_bytes(st["s"], "big"), h)
            st["step"] = 2
            return Response(tlv.tlv(0x7C, tlv.tlv(0x82, dom.encode(pk_map))), SW_OK)
        if step == 2:
            st["pcd"] = dom.decode(tlv.find(dyn, 0x83) or b"")
            st["sk"], st["pk"] = dom.keypair(st["g"])
            st["keys"] = session_keys(suite, dom.shared_secret(dom.mul(st["pcd"], st["sk"])))
            st["step"] = 3
            return Response(tlv.tlv(0x7C, tlv.tlv(0x84, dom.encode(st["pk"]))), SW_OK)
        if step == 3:
            self.pace = None
            k_enc, k_mac = st["keys"]
            if not hmac.compare_digest(tlv.find(dyn, 0x85) or b"", token(suite, k_mac, st["oid"], dom, st["pk"])):
                return Response(b"", SW_AUTH_FAILED)
            self.sm = SecureChannel(suite, k_enc, k_mac, 0)
            return Response(tlv.tlv(0x7C, tlv.tlv(0x86, token(suite, k_mac, st["oid"], dom, st["pcd"]))), SW_OK)
        return Response(b"", SW_CONDITIONS)

    # active authentication ----------------------------------------------------------------
    def _internal_auth(self, cmd: Command, secure: bool) -> Response:
        key = self.profile.aa_key
        if key is None or not secure:
            return Response(b"", SW_INS_UNKNOWN if key is None else SW_SECURITY_NOT_SATISFIED)
        if isinstance(key, rsa.RSAPrivateKey):
            return Response(sign_iso9796_2(key, cmd.data), SW_OK)
        der = key.sign(cmd.data, ec.ECDSA(hashes.SHA256()))
        r, s = utils.decode_dss_signature(der)
        size = (key.curve.key_size + 7) // 8
        return Response(r.to_bytes(size, "big") + s.to_bytes(size, "big"), SW_OK)


__all__ = ["EmrtdCard", "PACE_MAPPINGS"]
