"""Enrollment: exchange the hub's one-time token for this box's credential and pin the hub key."""

from __future__ import annotations

import logging

from ..errors import ProtocolError, SignatureError, SyncError
from ..protocol.keys import PublicKey
from . import keyring, state
from .transport import HubSession

log = logging.getLogger(__name__)


class EnrollmentError(SyncError):
    """Enrollment could not be completed."""

    exit_code = 2


def _check_keys(pinned: PublicKey, doc: dict) -> PublicKey:
    """The hub's active key when ``doc`` (its key document) chains to ``pinned``; else EnrollmentError."""
    try:
        newest = keyring.follow_rotations(pinned, doc)
        active = PublicKey.parse(doc.get("active_key") or "")
    except (ProtocolError, SignatureError) as exc:
        raise EnrollmentError(f"the hub's keys do not match the pinned key: {exc}") from None
    except (TypeError, AttributeError, ValueError):
        raise EnrollmentError("the hub's key document is malformed") from None
    if active != newest:
        raise EnrollmentError(
            "the hub's signing key does not match --hub-key (check it with `screening-hub keys show` on the hub)"
        )
    return newest


def enroll(db, hub_url: str, token: str, hub_key: str, *, connect_timeout: float = 10.0, read_timeout: float = 60.0) -> dict:
    """Enroll this box with the hub at ``hub_url``; store credential and pinned key. Return a summary."""
    if not hub_url.startswith(("http://", "https://")):
        raise EnrollmentError("the hub URL must start with http:// or https://")
    pinned = PublicKey.parse(hub_key)
    with HubSession(hub_url, connect_timeout=connect_timeout, read_timeout=read_timeout) as session:
        # check the pinned key against the hub's public keys first: a typo in --hub-key (or the
        # wrong hub) must not spend the one-time token
        _check_keys(pinned, session.get_json("/api/v1/keys"))
        result = session.post_json("/api/v1/enroll", {"token": token})
    credential = result.get("credential") if isinstance(result, dict) else None
    if not isinstance(credential, str) or "." not in credential:
        raise EnrollmentError("the hub's enrollment answer is malformed")
    newest = _check_keys(pinned, result)
    state.put(db, hub_url=hub_url.rstrip("/"), credential=credential, appliance=result.get("appliance"),
              hub_key=newest.text, enrolled_at=state.now_iso(), link=None, last_success=None, last_error=None)
    log.info("enrolled with %s as %s (hub key %s)", hub_url, result.get("appliance"), newest.key_id)
    return {"appliance": result.get("appliance"), "hub_url": hub_url.rstrip("/"), "hub_key_id": newest.key_id}
