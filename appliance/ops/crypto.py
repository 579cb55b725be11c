"""Passphrase encryption of backup streams: Argon2id key derivation, chunked AES-256-GCM.

The stream is cut into chunks, each sealed with its own nonce (a random prefix, the chunk
counter and a last-chunk flag, as in the STREAM construction) and the header as associated
data, so reordered, dropped or truncated chunks fail to open. Layout::

    MAGIC | u32 header length | header (JSON) | { u32 length | sealed chunk }*
"""

from __future__ import annotations

import base64
import io
import json
import os
import struct
from typing import BinaryIO

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import BackupError, PassphraseError

MAGIC = b"BSA-BACKUP\x00\x01"
CHUNK = 1 << 20
_CHECK = b"border-screening-appliance backup"
#: Argon2id cost: 64 MiB and 3 passes (about a second on a Raspberry Pi 4).
KDF_DEFAULTS = {"kdf": "argon2id", "time_cost": 3, "memory_kib": 65536, "parallelism": 1}
_MAX_HEADER = 64 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def derive_key(passphrase: str, salt: bytes, params: dict) -> bytes:
    """A 256-bit key from ``passphrase`` with the header's KDF parameters."""
    if not passphrase:
        raise PassphraseError("the passphrase is empty")
    if params.get("kdf") != "argon2id":
        raise BackupError(f"unsupported key derivation {params.get('kdf')!r}")
    try:
        t, m, p = int(params["time_cost"]), int(params["memory_kib"]), int(params["parallelism"])
    except (KeyError, TypeError, ValueError):
        raise BackupError("the backup header is damaged (key derivation parameters)") from None
    if not (1 <= t <= 64 and 8 <= m <= 1024 * 1024 and 1 <= p <= 64):  # at most 1 GiB: a Pi must cope
        raise BackupError("the backup header asks for unreasonable key derivation costs")
    return hash_secret_raw(passphrase.encode("utf-8"), salt, t, m, p, 32, Type.ID)


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", counter) + (b"\x01" if last else b"\x00")


class EncryptingWriter(io.RawIOBase):
    """A write-only file object that seals what is written to ``out`` chunk by chunk."""

    def __init__(self, out: BinaryIO, passphrase: str, *, kdf: dict | None = None, chunk: int = CHUNK):
        super().__init__()
        params = dict(KDF_DEFAULTS, **(kdf or {}))
        salt, prefix = os.urandom(16), os.urandom(7)
        self._aead = AESGCM(derive_key(passphrase, salt, params))
        header = dict(params, format=1, cipher="aes-256-gcm", salt=_b64(salt), nonce_prefix=_b64(prefix), chunk=chunk)
        check_nonce = prefix + b"\xff\xff\xff\xff\x02"
        header["check"] = _b64(self._aead.encrypt(check_nonce, _CHECK, None))
        self._header = json.dumps(header, sort_keys=True).encode("ascii")
        self._out, self._prefix, self._chunk = out, prefix, chunk
        self._buf = bytearray()
        self._counter = 0
        out.write(MAGIC + struct.pack(">I", len(self._header)) + self._header)

    def writable(self) -> bool:
        """Always True."""
        return True

    def write(self, data) -> int:
        """Buffer ``data`` and seal every full chunk."""
        self._buf += data
        while len(self._buf) > self._chunk:  # keep at least one byte back for the last chunk
            self._seal(bytes(self._buf[: self._chunk]), last=False)
            del self._buf[: self._chunk]
        return len(data)

    def _seal(self, plain: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter, last), plain, self._header)
        self._out.write(struct.pack(">I", len(sealed)) + sealed)
        self._counter += 1

    def close(self) -> None:
        """Seal the last chunk (flagged as last); the underlying file stays open."""
        if not self.closed:
            self._seal(bytes(self._buf), last=True)
            self._buf.clear()
        super().close()


class DecryptingReader(io.RawIOBase):
    """A read-only file object over a sealed stream; fails on a wrong passphrase or damage."""

    def __init__(self, src: BinaryIO, passphrase: str):
        super().__init__()
        if src.read(len(MAGIC)) != MAGIC:
            raise BackupError("not an encrypted appliance backup")
        raw_len = src.read(4)
        if len(raw_len) != 4 or struct.unpack(">I", raw_len)[0] > _MAX_HEADER:
            raise BackupError("the backup header is damaged")
        self._header = src.read(struct.unpack(">I", raw_len)[0])
        try:
            header = json.loads(self._header)
            salt = base64.b64decode(header["salt"])
            self._prefix = base64.b64decode(header["nonce_prefix"])
            check = base64.b64decode(header["check"])
        except (ValueError, KeyError, TypeError):
            raise BackupError("the backup header is damaged") from None
        if len(self._prefix) != 7:
            raise BackupError("the backup header is damaged (nonce)")
        self._aead = AESGCM(derive_key(passphrase, salt, header))
        try:
            self._aead.decrypt(self._prefix + b"\xff\xff\xff\xff\x02", check, None)
        except InvalidTag:
            raise PassphraseError("wrong passphrase for this backup") from None
        self._src = src
        self._counter = 0
        self._buf = b""
        self._done = False

    def readable(self) -> bool:
        """Always True."""
        return True

    def _next_chunk(self) -> bytes:
        raw_len = self._src.read(4)
        if len(raw_len) < 4:
            raise BackupError("the backup is truncated (its last part is missing)")
        size = struct.unpack(">I", raw_len)[0]
        sealed = self._src.read(size)
        if len(sealed) != size:
            raise BackupError("the backup is truncated")
        for last in (False, True):
            try:
                plain = self._aead.decrypt(_nonce(self._prefix, self._counter, last), sealed, self._header)
            except InvalidTag:
                continue
            self._counter += 1
            if last:
                self._done = True
                if self._src.read(1):
                    raise BackupError("the backup has data after its end")
            return plain
        raise BackupError(f"the backup is damaged (part {self._counter} fails its integrity check)")

    def readinto(self, b) -> int:
        """Fill ``b`` with decrypted bytes; 0 at the authenticated end."""
        while not self._buf and not self._done:
            self._buf = self._next_chunk()
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


def is_encrypted(path) -> bool:
    """True when the file at ``path`` starts with the encrypted-backup magic."""
    with open(path, "rb") as fh:
        return fh.read(len(MAGIC)) == MAGIC
