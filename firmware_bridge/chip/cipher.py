"""Symmetric building blocks of ICAO 9303 part 11: key derivation, 3DES and AES, the two MACs.

The primitives come from ``cryptography``; this module only arranges them as the eMRTD
protocols require (zero IVs, ISO 9797-1 padding method 2, retail MAC, CMAC truncated to 8).
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

try:  # cryptography >= 43 keeps 3DES among the "decrepit" algorithms
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # pragma: no cover - older cryptography
    from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES

ENC, MAC, PACE_PI = 1, 2, 3


def pad(data: bytes, block: int) -> bytes:
    """ISO/IEC 9797-1 padding method 2 (0x80 then zeros to a block boundary)."""
    data = data + b"\x80"
    return data + b"\x00" * (-len(data) % block)


def unpad(data: bytes) -> bytes:
    """Remove ISO/IEC 9797-1 method 2 padding; ValueError when absent."""
    stripped = data.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80:
        raise ValueError("bad padding")
    return stripped[:-1]


def _des_parity(key: bytes) -> bytes:
    """Set the DES odd-parity bits (as the 9303 KDF does for 3DES keys)."""
    out = bytearray()
    for b in key:
        b &= 0xFE
        out.append(b | (bin(b).count("1") % 2 == 0))
    return bytes(out)


class CipherSuite:
    """One of 3DES, AES-128, AES-192, AES-256 with the KDF, encryption and MAC of that suite."""

    def __init__(self, name: str):
        if name not in ("3DES", "AES-128", "AES-192", "AES-256"):
            raise ValueError(f"unknown cipher {name}")
        self.name = name
        self.is_aes = name.startswith("AES")
        self.block = 16 if self.is_aes else 8
        self.key_len = {"3DES": 16, "AES-128": 16, "AES-192": 24, "AES-256": 32}[name]

    def __repr__(self) -> str:
        return f"CipherSuite({self.name})"

    def kdf(self, shared: bytes, counter: int, nonce: bytes = b"") -> bytes:
        """KDF(K, c) of 9303 part 11 section 9.7.1."""
        data = shared + nonce + counter.to_bytes(4, "big")
        if self.name in ("3DES", "AES-128"):
            digest = hashlib.sha1(data).digest()
        else:
            digest = hashlib.sha256(data).digest()
        key = digest[: self.key_len]
        return _des_parity(key) if self.name == "3DES" else key

    def _algo(self, key: bytes):
        if self.is_aes:
            return algorithms.AES(key)
        return TripleDES(key + key[:8] if len(key) == 16 else key)

    def encrypt(self, key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
        """CBC encryption of block-aligned data (zero IV unless given)."""
        enc = Cipher(self._algo(key), modes.CBC(iv or bytes(self.block))).encryptor()
        return enc.update(data) + enc.finalize()

    def decrypt(self, key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
        """CBC decryption of block-aligned data (zero IV unless given)."""
        if len(data) % self.block:
            raise ValueError("ciphertext is not block-aligned")
        dec = Cipher(self._algo(key), modes.CBC(iv or bytes(self.block))).decryptor()
        return dec.update(data) + dec.finalize()

    def ecb_block(self, key: bytes, block: bytes) -> bytes:
        """Encrypt one block in ECB mode (for the AES SM IV)."""
        enc = Cipher(self._algo(key), modes.ECB()).encryptor()
        return enc.update(block) + enc.finalize()

    def mac(self, key: bytes, data: bytes) -> bytes:
        """The 8-byte MAC of already padded (3DES) or unpadded (AES-CMAC) data."""
        if self.is_aes:
            c = cmac.CMAC(algorithms.AES(key))
            c.update(data)
            return c.finalize()[:8]
        return retail_mac(key, data)


def retail_mac(key: bytes, data: bytes) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 with DES (the "retail MAC") over padded data."""
    if len(data) % 8:
        raise ValueError("retail MAC needs padded data")
    ka, kb = key[:8], key[8:16]
    single = TripleDES(ka * 3)
    enc = Cipher(single, modes.CBC(bytes(8))).encryptor()
    h = (enc.update(data) + enc.finalize())[-8:]
    h = Cipher(TripleDES(kb * 3), modes.ECB()).decryptor().update(h)
    return Cipher(single, modes.ECB()).encryptor().update(h)
