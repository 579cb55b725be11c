"""The keyed-hash (HMAC) key for document numbers: a random key file in the data directory."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from pathlib import Path

from .dockeys import Hasher
from .errors import HashKeyError

log = logging.getLogger(__name__)

KEY_FILENAME = "document-hash.key"


def key_path(data_dir: str | Path) -> Path:
    """Where the document hashing key lives."""
    return Path(data_dir) / KEY_FILENAME


def load_key(data_dir: str | Path, *, create: bool = False) -> bytes:
    """Read the 32-byte key (creating it, mode 0600, when ``create`` and it is missing)."""
    path = key_path(data_dir)
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        if not create:
            raise HashKeyError(f"{path}: document hashing key is missing; hashed lists cannot be read") from None
        key = secrets.token_bytes(32)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key.hex() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        log.info("created document hashing key %s", path)
        return key
    except (OSError, ValueError) as exc:
        raise HashKeyError(f"{path}: cannot read the document hashing key ({exc})") from None
    if len(key) != 32:
        raise HashKeyError(f"{path}: the document hashing key must be 32 bytes")
    return key


def key_id(key: bytes) -> str:
    """A short public fingerprint of the key (recorded with hashed lists)."""
    return hashlib.sha256(b"key-id:" + key).hexdigest()[:16]


def hasher_for(data_dir: str | Path, hashed: bool, *, create: bool = False) -> Hasher:
    """A plain or keyed Hasher for a list."""
    return Hasher(load_key(data_dir, create=create) if hashed else None)
