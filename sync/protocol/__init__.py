"""The sync protocol shared by the hub and the box: canonical JSON, Ed25519 keys, manifests, payloads."""

from .canonical import canonical_json
from .keys import HubKey, PublicKey, rotation_statement, verify_rotation
from .manifest import build_manifest, check_index, check_manifest, sign_document, verify_document
from .payload import decode_payload, encode_payload, open_payload, sha256_hex

__all__ = [
    "HubKey",
    "PublicKey",
    "build_manifest",
    "canonical_json",
    "check_index",
    "check_manifest",
    "decode_payload",
    "encode_payload",
    "open_payload",
    "rotation_statement",
    "sha256_hex",
    "sign_document",
    "verify_document",
    "verify_rotation",
]
