"""Chip Authentication (9303 part 11 section 6.2): key agreement with DG14's key, then new SM keys.

The chip proves it holds DG14's private key implicitly: only then can it answer under the
new session keys. Version 1 (3DES) uses MSE:Set KAT; version 2 (AES) MSE:Set AT and
GENERAL AUTHENTICATE.
"""

from __future__ import annotations

import logging

from asn1crypto import core

from . import curves, keys, tlv
from .apdu import Command
from .cipher import ENC, MAC, CipherSuite
from .errors import CardRemoved, ChipError, ProtocolError, UnsupportedError
from .securityinfo import CAInfo, CAPublicKey, ParsedSecurityInfos
from .sm import SecureChannel

log = logging.getLogger(__name__)


def domain_and_key(key: CAPublicKey):
    """The domain parameters and the chip's public element of a DG14 CA key."""
    spki = key.public_key
    algo = spki["algorithm"]["algorithm"].native
    if algo == "ec":
        dom = keys.ec_domain(spki)
        return dom, dom.decode(spki["public_key"].native)
    if algo == "dh":
        params = spki["algorithm"]["parameters"]
        p, g = params["p"].native, params["g"].native
        dom = curves.dh_by_params(p, g)
        if dom is None:
            q = params["q"].native if "q" in params and params["q"].native else None
            if not q:
                raise UnsupportedError("DH chip authentication key without a subgroup order")
            dom = curves.DHDomain("explicit", p, q, g)
        y = spki["public_key"].parsed.native
        return dom, dom.decode(y.to_bytes(dom.size, "big"))
    raise UnsupportedError(f"chip authentication key of type {algo} is not supported")


def choose(dg14: ParsedSecurityInfos) -> tuple[CAInfo, CAPublicKey] | None:
    """The CA protocol and key to use (matching key ids when several), or None."""
    for key in dg14.ca_keys:
        for info in dg14.ca:
            if info.agreement == key.agreement and (info.key_id is None or key.key_id is None or info.key_id == key.key_id):
                return info, key
    if dg14.ca_keys and not dg14.ca:  # CA version 1 chips may omit ChipAuthenticationInfo: 3DES is implied
        key = dg14.ca_keys[0]
        oid = "0.4.0.127.0.7.2.2.3.%d.1" % (2 if key.agreement == "ECDH" else 1)
        return CAInfo(oid, key.agreement, "3DES", 1, key.key_id), key
    return None


def chip_authenticate(session, dg14: ParsedSecurityInfos) -> tuple[str, str]:
    """Run CA and prove the new keys with one read; return ("valid"|"invalid"|"not_supported", detail)."""
    chosen = choose(dg14)
    if chosen is None:
        return "not_supported", "DG14 holds no chip authentication key"
    info, key = chosen
    try:
        dom, chip_public = domain_and_key(key)
    except (UnsupportedError, ProtocolError) as exc:
        return "invalid", f"DG14's key cannot be used: {exc}"
    sk, pk = dom.keypair()
    key_ref = tlv.tlv(0x84, key.key_id.to_bytes(max(1, (key.key_id.bit_length() + 7) // 8), "big")) if key.key_id is not None else b""
    try:
        if info.cipher == "3DES":
            resp = session.send(Command(0x00, 0x22, 0x41, 0xA6, tlv.tlv(0x91, dom.encode(pk)) + key_ref))
        else:
            resp = session.send(Command(0x00, 0x22, 0x41, 0xA4, tlv.tlv(0x80, core.ObjectIdentifier(info.oid).contents) + key_ref))
            if resp.ok:
                resp = session.send(Command(0x00, 0x86, 0x00, 0x00, tlv.tlv(0x7C, tlv.tlv(0x80, dom.encode(pk))), le=256))
    except CardRemoved:
        raise
    except ChipError as exc:
        return "invalid", f"the chip's answer to chip authentication is unusable: {exc}"
    if not resp.ok:
        return "invalid", f"the chip refused chip authentication ({resp.sw:04X})"
    suite = CipherSuite(info.cipher)
    shared = dom.shared_secret(dom.mul(chip_public, sk))
    session.sm = SecureChannel(suite, suite.kdf(shared, ENC), suite.kdf(shared, MAC), 0)
    try:
        if not session.select_file(0x011E):
            return "invalid", "the chip does not answer under the chip authentication keys"
        session._read(0, 4)
    except CardRemoved:
        raise
    except ChipError as exc:
        log.debug("chip authentication proof failed: %s", exc)
        return "invalid", "the chip cannot answer under keys agreed with DG14's key (a copied chip?)"
    log.debug("chip authentication passed (%s, %s)", dom.name, suite.name)
    return "valid", f"the chip proved it holds DG14's private key ({info.cipher})"
