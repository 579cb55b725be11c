"""The hub key a box trusts: pinned at enrollment, moved only by rotations the trusted key signed."""

from __future__ import annotations

import logging

from ..errors import ProtocolError, SignatureError
from ..protocol.keys import PublicKey, verify_rotation
from . import state

log = logging.getLogger(__name__)


def pinned(db) -> PublicKey:
    """The hub key this box trusts now."""
    text = state.get(db, "hub_key")
    if not text:
        raise SignatureError("no hub key is pinned (enroll the box first)")
    return PublicKey.parse(text)


def keyring(db) -> dict[str, PublicKey]:
    """Key id -> key for verifying documents (just the trusted key)."""
    key = pinned(db)
    return {key.key_id: key}


def follow_rotations(trusted: PublicKey, key_doc: dict) -> PublicKey:
    """Walk the hub's rotation statements from ``trusted``; return the newest key reached."""
    if not isinstance(key_doc, dict) or not isinstance(key_doc.get("rotations", []), list):
        raise ProtocolError("the hub's key document is malformed")
    current = trusted
    remaining = list(key_doc.get("rotations", []))
    progress = True
    while progress:
        progress = False
        for st in list(remaining):
            try:
                old = PublicKey.parse(st.get("old_key", "")) if isinstance(st, dict) else None
            except ProtocolError:
                old = None
            if old == current:
                current = verify_rotation(st, current)
                remaining.remove(st)
                progress = True
    return current


def update_from_hub(db, key_doc: dict) -> bool:
    """Move the pinned key along verified rotations; True if it changed. Raises SignatureError on a forged rotation."""
    trusted = pinned(db)
    newest = follow_rotations(trusted, key_doc)
    active = key_doc.get("active_key")
    if active and PublicKey.parse(active) != newest:
        raise SignatureError("the hub's active key is not reachable from the pinned key by signed rotations")
    if newest != trusted:
        state.put(db, hub_key=newest.text)
        log.info("hub key rotated %s -> %s (signed by the old key)", trusted.key_id, newest.key_id)
        return True
    return False
