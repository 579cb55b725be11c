"""Basic Access Control (9303 part 11 section 4.3), the terminal side."""

from __future__ import annotations

import hmac
import logging
import secrets

from .apdu import Command
from .cipher import ENC, MAC, CipherSuite, pad
from .errors import AccessDenied, ProtocolError
from .sm import SecureChannel

log = logging.getLogger(__name__)
TDES = CipherSuite("3DES")


def bac_keys(seed: bytes) -> tuple[bytes, bytes]:
    """K_enc and K_mac of a BAC key seed (access keys, or session keys from K.IFD xor K.IC)."""
    return TDES.kdf(seed, ENC), TDES.kdf(seed, MAC)


def session_channel(k_ifd: bytes, k_ic: bytes, rnd_ic: bytes, rnd_ifd: bytes) -> SecureChannel:
    """The secure channel after BAC: keys from K.IFD xor K.IC, SSC from the two nonces."""
    seed = bytes(a ^ b for a, b in zip(k_ifd, k_ic))
    k_enc, k_mac = bac_keys(seed)
    return SecureChannel(TDES, k_enc, k_mac, int.from_bytes(rnd_ic[4:] + rnd_ifd[4:], "big"))


def perform_bac(session, seed: bytes) -> SecureChannel:
    """Run GET CHALLENGE and EXTERNAL AUTHENTICATE; return the session's secure channel."""
    k_enc, k_mac = bac_keys(seed)
    resp = session.send_plain(Command(0x00, 0x84, 0x00, 0x00, le=8))
    if not resp.ok or len(resp.data) != 8:
        raise ProtocolError(f"GET CHALLENGE answered {resp.sw:04X}", sw=resp.sw)
    rnd_ic = resp.data
    rnd_ifd, k_ifd = secrets.token_bytes(8), secrets.token_bytes(16)
    e_ifd = TDES.encrypt(k_enc, rnd_ifd + rnd_ic + k_ifd)
    m_ifd = TDES.mac(k_mac, pad(e_ifd, 8))
    resp = session.send_plain(Command(0x00, 0x82, 0x00, 0x00, e_ifd + m_ifd, le=40))
    if resp.sw in (0x6300, 0x6982) or (resp.sw & 0xFFF0) == 0x63C0:
        raise AccessDenied("the chip refused BAC: the MRZ does not open this chip")
    if not resp.ok or len(resp.data) != 40:
        raise ProtocolError(f"EXTERNAL AUTHENTICATE answered {resp.sw:04X}", sw=resp.sw)
    e_ic, m_ic = resp.data[:32], resp.data[32:]
    if not hmac.compare_digest(m_ic, TDES.mac(k_mac, pad(e_ic, 8))):
        raise AccessDenied("the chip's BAC answer has a wrong MAC (wrong MRZ?)")
    plain = TDES.decrypt(k_enc, e_ic)
    if plain[:8] != rnd_ic or plain[8:16] != rnd_ifd:
        raise AccessDenied("the chip's BAC answer does not match our challenge")
    log.debug("BAC established")
    return session_channel(k_ifd, plain[16:32], rnd_ic, rnd_ifd)
