"""PACE with the generic mapping (9303 part 11 section 4.4), terminal side, plus shared helpers.

Key agreement is ECDH on the NIST and Brainpool curves or DH on the RFC 5114 groups; the
cipher is 3DES or AES-128/192/256. The card simulator uses the helpers here for its side.
"""

from __future__ import annotations

import hmac
import logging

from asn1crypto import core

from . import curves, tlv
from .apdu import Command
from .cipher import ENC, MAC, PACE_PI, CipherSuite
from .errors import AccessDenied, ProtocolError, UnsupportedError
from .securityinfo import PACEInfo
from .sm import SecureChannel

log = logging.getLogger(__name__)
PASSWORD_MRZ, PASSWORD_CAN = 1, 2


def domain_of(info: PACEInfo):
    """The domain parameters a PACEInfo names (standardized ids only)."""
    if info.mapping != "GM":
        raise UnsupportedError(f"PACE {info.mapping} mapping is not supported (generic mapping only)")
    if info.parameter_id is None:
        raise UnsupportedError("PACEInfo without a standardized domain parameter id")
    dom = curves.by_standard_id(info.parameter_id)
    if (dom.kind == "EC") != (info.agreement == "ECDH"):
        raise ProtocolError("PACEInfo names a domain that does not fit its key agreement")
    return dom


def public_key_object(oid: str, dom, element) -> bytes:
    """The public key data object 7F49 over which the authentication tokens are computed."""
    body = core.ObjectIdentifier(oid).dump() + tlv.tlv(0x86 if dom.kind == "EC" else 0x84, dom.encode(element))
    return tlv.tlv(0x7F49, body)


def token(suite: CipherSuite, k_mac: bytes, oid: str, dom, element) -> bytes:
    """Authentication token: MAC over the other side's ephemeral public key object."""
    from .cipher import pad

    data = public_key_object(oid, dom, element)
    return suite.mac(k_mac, pad(data, suite.block) if not suite.is_aes else data)


def decrypt_nonce(suite: CipherSuite, password: bytes, encrypted: bytes) -> int:
    """s = D(K_pi, z)."""
    k_pi = suite.kdf(password, PACE_PI)
    return int.from_bytes(suite.decrypt(k_pi, encrypted), "big")


def session_keys(suite: CipherSuite, shared: bytes) -> tuple[bytes, bytes]:
    """K_enc and K_mac from the shared secret."""
    return suite.kdf(shared, ENC), suite.kdf(shared, MAC)


def mse_set_at_pace(oid: str, password_ref: int, parameter_id: int | None) -> Command:
    """MSE:Set AT selecting PACE with this protocol, password and parameters."""
    data = tlv.tlv(0x80, core.ObjectIdentifier(oid).contents) + tlv.tlv(0x83, bytes([password_ref]))
    if parameter_id is not None:
        data += tlv.tlv(0x84, bytes([parameter_id]))
    return Command(0x00, 0x22, 0xC1, 0xA4, data)


def _general_authenticate(session, tag: int | None, value: bytes, last: bool) -> bytes:
    data = tlv.tlv(0x7C, tlv.tlv(tag, value) if tag is not None else b"")
    resp = session.send_plain(Command(0x00 if last else 0x10, 0x86, 0x00, 0x00, data, le=256))
    if resp.sw in (0x6300, 0x6982) or (resp.sw & 0xFFF0) == 0x63C0:
        raise AccessDenied("the chip refused PACE: the MRZ does not open this chip")
    if not resp.ok:
        raise ProtocolError(f"GENERAL AUTHENTICATE answered {resp.sw:04X}", sw=resp.sw)
    return tlv.unwrap(resp.data, 0x7C)


def _expect(dyn: bytes, tag: int) -> bytes:
    value = tlv.find(dyn, tag)
    if value is None:
        raise ProtocolError(f"GENERAL AUTHENTICATE answer lacks tag {tag:X}")
    return value


def perform_pace(session, info: PACEInfo, password: bytes, password_ref: int = PASSWORD_MRZ) -> SecureChannel:
    """Run PACE-GM with the chip; return the secure channel (SSC 0)."""
    dom = domain_of(info)
    suite = CipherSuite(info.cipher)
    resp = session.send_plain(mse_set_at_pace(info.oid, password_ref, info.parameter_id))
    if not resp.ok:
        raise ProtocolError(f"MSE:Set AT for PACE answered {resp.sw:04X}", sw=resp.sw)
    z = _expect(_general_authenticate(session, None, b"", False), 0x80)
    s = decrypt_nonce(suite, password, z)
    sk_map, pk_map = dom.keypair()
    pk_map_chip = dom.decode(_expect(_general_authenticate(session, 0x81, dom.encode(pk_map), False), 0x82))
    generator = dom.map_generic(s, dom.mul(pk_map_chip, sk_map))
    sk_eph, pk_eph = dom.keypair(generator)
    pk_eph_chip = dom.decode(_expect(_general_authenticate(session, 0x83, dom.encode(pk_eph), False), 0x84))
    if dom.same(pk_eph_chip, pk_eph):
        raise ProtocolError("the chip echoed our ephemeral key")
    k_enc, k_mac = session_keys(suite, dom.shared_secret(dom.mul(pk_eph_chip, sk_eph)))
    t_pcd = token(suite, k_mac, info.oid, dom, pk_eph_chip)
    t_chip = _expect(_general_authenticate(session, 0x85, t_pcd, True), 0x86)
    if not hmac.compare_digest(t_chip, token(suite, k_mac, info.oid, dom, pk_eph)):
        raise AccessDenied("the chip's PACE token is wrong (wrong MRZ, or not this chip)")
    log.debug("PACE established (%s, %s)", dom.name, suite.name)
    return SecureChannel(suite, k_enc, k_mac, 0)
