"""Active Authentication (9303 part 11 section 6.1): the chip signs our random challenge.

RSA keys answer with an ISO/IEC 9796-2 digital signature scheme 1 signature (partial message
recovery); EC keys with a plain ECDSA signature whose hash DG14's ActiveAuthenticationInfo names.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from . import keys
from .apdu import Command
from .errors import CardRemoved, ChipError, UnsupportedError
from .securityinfo import PLAIN_HASHES, AAInfo

log = logging.getLogger(__name__)
#: ISO/IEC 10118-3 hash identifiers used in the two-byte trailer xxCC
TRAILER_HASHES = {0x33: "sha1", 0x34: "sha256", 0x35: "sha512", 0x36: "sha384", 0x38: "sha224"}
TRAILER_OF = {name: code for code, name in TRAILER_HASHES.items()}


def verify_iso9796_2(public_key: rsa.RSAPublicKey, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is an ISO/IEC 9796-2 scheme 1 signature over ``message`` (M2, non-recoverable part)."""
    numbers = public_key.public_numbers()
    n, e = numbers.n, numbers.e
    k = (n.bit_length() + 7) // 8
    s = int.from_bytes(signature, "big")
    if not 0 < s < n:
        return False
    m = pow(s, e, n)
    if m & 0xF != 0xC:
        m = n - m  # the "alternative" representative min(s, n - s) used by some chips
    f = m.to_bytes(k, "big")
    if f[-1] == 0xBC:
        hash_name, t = "sha1", 1
    elif f[-1] == 0xCC and f[-2] in TRAILER_HASHES:
        hash_name, t = TRAILER_HASHES[f[-2]], 2
    else:
        return False
    hlen = hashlib.new(hash_name).digest_size
    if f[0] & 0xC0 != 0x40 or k < hlen + t + 2:
        return False
    digest = f[k - t - hlen:k - t]
    m1 = f[1:k - t - hlen]
    if f[0] & 0x20:  # partial recovery: M = M1 || M2
        return hmac.compare_digest(hashlib.new(hash_name, m1 + message).digest(), digest)
    return hmac.compare_digest(hashlib.new(hash_name, m1).digest(), digest) and message in m1


def sign_iso9796_2(private_key: rsa.RSAPrivateKey, message: bytes, hash_name: str = "sha1") -> bytes:
    """An ISO/IEC 9796-2 scheme 1 signature with partial recovery (what a chip returns)."""
    numbers = private_key.private_numbers()
    n, d = numbers.public_numbers.n, numbers.d
    k = (n.bit_length() + 7) // 8
    trailer = b"\xbc" if hash_name == "sha1" else bytes([TRAILER_OF[hash_name], 0xCC])
    hlen = hashlib.new(hash_name).digest_size
    m1 = secrets.token_bytes(k - hlen - len(trailer) - 1)
    f = b"\x6a" + m1 + hashlib.new(hash_name, m1 + message).digest() + trailer
    return pow(int.from_bytes(f, "big"), d, n).to_bytes(k, "big")


def active_authenticate(session, dg15_key, aa_info: AAInfo | None) -> tuple[str, str]:
    """Challenge the chip; return ("valid" | "invalid", detail)."""
    try:
        public_key = keys.load_public_key(dg15_key)
    except UnsupportedError as exc:
        return "invalid", f"DG15 key cannot be used: {exc}"
    challenge = secrets.token_bytes(8)
    try:
        resp = session.send(Command(0x00, 0x88, 0x00, 0x00, challenge, le=256))
    except CardRemoved:
        raise
    except ChipError as exc:
        return "invalid", f"the chip's answer to INTERNAL AUTHENTICATE is unusable: {exc}"
    if not resp.ok or not resp.data:
        return "invalid", f"the chip refused INTERNAL AUTHENTICATE ({resp.sw:04X})"
    if isinstance(public_key, rsa.RSAPublicKey):
        ok = verify_iso9796_2(public_key, challenge, resp.data)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        if aa_info is not None and aa_info.signature_algorithm in PLAIN_HASHES:
            candidates = [PLAIN_HASHES[aa_info.signature_algorithm]]
        else:  # DG14 should name the hash; without it try the usual ones
            candidates = ["sha256", "sha1", "sha224", "sha384", "sha512"]
        ok = any(keys.verify_plain_ecdsa(public_key, h, resp.data, challenge) for h in candidates)
    else:
        return "invalid", "DG15 holds a key type Active Authentication does not use"
    log.debug("active authentication %s", "passed" if ok else "failed")
    return ("valid", "the chip signed our challenge with the DG15 key") if ok else (
        "invalid", "the chip's signature over our challenge does not verify with the DG15 key (a copied chip?)")
