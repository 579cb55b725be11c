"""Ed25519 keys of the hub: generation, storage, key ids and rotation signed by the old key."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..errors import ProtocolError, SignatureError
from .canonical import canonical_json, iso, utcnow


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class PublicKey:
    """A hub public key as a box pins it: ``ed25519:<base64 of the 32 raw bytes>``."""

    def __init__(self, raw: bytes):
        if len(raw) != 32:
            raise ProtocolError("an Ed25519 public key has 32 bytes")
        self.raw = raw
        self._key = Ed25519PublicKey.from_public_bytes(raw)

    @classmethod
    def parse(cls, text: str) -> "PublicKey":
        """Read a key written by :meth:`text` (the ``ed25519:`` prefix is optional)."""
        value = str(text).strip()
        if value.startswith("ed25519:"):
            value = value[len("ed25519:"):]
        try:
            raw = base64.b64decode(value, validate=True)
        except (ValueError, TypeError):
            raise ProtocolError("the hub key is not valid base64 (copy it from `screening-hub keys show`)") from None
        if len(raw) != 32:
            raise ProtocolError("the hub key is not an Ed25519 public key (expected 32 bytes)")
        return cls(raw)

    @property
    def text(self) -> str:
        """The pinnable text form."""
        return "ed25519:" + _b64(self.raw)

    @property
    def key_id(self) -> str:
        """Short stable identifier: first 16 hex digits of SHA-256 of the raw key."""
        return hashlib.sha256(self.raw).hexdigest()[:16]

    def verify(self, signature_b64: str, message: bytes) -> None:
        """Raise SignatureError unless ``signature_b64`` signs ``message``."""
        try:
            sig = base64.b64decode(str(signature_b64), validate=True)
            self._key.verify(sig, message)
        except (InvalidSignature, ValueError, TypeError):
            raise SignatureError(f"signature does not verify with hub key {self.key_id}") from None

    def __eq__(self, other):
        return isinstance(other, PublicKey) and other.raw == self.raw

    def __hash__(self):
        return hash(self.raw)


class HubKey:
    """A hub signing key (private), stored as PKCS#8 PEM with mode 0600."""

    def __init__(self, private: Ed25519PrivateKey):
        self._private = private
        raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.public = PublicKey(raw)

    @classmethod
    def generate(cls) -> "HubKey":
        """Create a new random key."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load(cls, path: str | Path) -> "HubKey":
        """Load a PEM private key from ``path``."""
        try:
            data = Path(path).read_bytes()
            key = serialization.load_pem_private_key(data, password=None)
        except OSError as exc:
            raise ProtocolError(f"cannot read hub key {path}: {exc.strerror}") from None
        except ValueError:
            raise ProtocolError(f"{path} is not a PEM private key") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ProtocolError(f"{path} is not an Ed25519 key")
        return cls(key)

    def save(self, path: str | Path) -> None:
        """Write the private key to ``path`` (mode 0600), never overwriting a file."""
        pem = self._private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)

    @property
    def key_id(self) -> str:
        """Key id of the public half."""
        return self.public.key_id

    def sign(self, message: bytes) -> str:
        """Sign ``message``; return the base64 signature."""
        return _b64(self._private.sign(message))


def rotation_statement(old: HubKey, new: PublicKey) -> dict:
    """A statement, signed by the old key, that ``new`` replaces it."""
    body = {"type": "key-rotation", "old_key": old.public.text, "new_key": new.text, "created": iso(utcnow())}
    return {**body, "signature": old.sign(canonical_json(body))}


def verify_rotation(statement: dict, trusted: PublicKey) -> PublicKey:
    """Check that ``trusted`` signed the move to a new key; return the new key."""
    if not isinstance(statement, dict) or statement.get("type") != "key-rotation":
        raise ProtocolError("not a key-rotation statement")
    body = {k: v for k, v in statement.items() if k != "signature"}
    if PublicKey.parse(body.get("old_key", "")) != trusted:
        raise SignatureError("key rotation does not start from the pinned key")
    trusted.verify(statement.get("signature", ""), canonical_json(body))
    return PublicKey.parse(body.get("new_key", ""))
