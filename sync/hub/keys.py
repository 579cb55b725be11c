"""The hub's signing keys: created at init, rotated with a statement signed by the old key."""

from __future__ import annotations

import datetime as dt
import json
import logging

from ..protocol.keys import HubKey, PublicKey, rotation_statement
from .db import HubDatabase
from .errors import HubConfigError
from .settings import HubSettings

log = logging.getLogger(__name__)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def _save(settings: HubSettings, key: HubKey) -> None:
    settings.keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key.save(settings.keys_dir / f"{key.key_id}.pem")


def ensure_key(settings: HubSettings, db: HubDatabase) -> HubKey:
    """Return the active signing key, creating the first one if the hub has none."""
    with db.tx(write=True) as cur:
        row = cur.execute("SELECT key_id FROM signing_keys WHERE active = 1").fetchone()
        if row:
            return load_key(settings, row[0])
        key = HubKey.generate()
        _save(settings, key)
        cur.execute(
            "INSERT INTO signing_keys (key_id, public_key, created_at, active, rotation) VALUES (?, ?, ?, 1, NULL)",
            [key.key_id, key.public.text, _now()],
        )
    log.info("created hub signing key %s", key.key_id)
    return key


def load_key(settings: HubSettings, key_id: str) -> HubKey:
    """Load a private key by id from the keys folder."""
    path = settings.keys_dir / f"{key_id}.pem"
    if not path.is_file():
        raise HubConfigError(f"private key {key_id} is missing from {settings.keys_dir} (copy the keys folder to every hub replica)")
    return HubKey.load(path)


def active_key_id(db: HubDatabase) -> str:
    """Id of the active signing key."""
    with db.tx() as cur:
        row = cur.execute("SELECT key_id FROM signing_keys WHERE active = 1").fetchone()
    if not row:
        raise HubConfigError("the hub has no signing key (run `screening-hub init`)")
    return row[0]


def rotate(settings: HubSettings, db: HubDatabase) -> tuple[HubKey, dict]:
    """Replace the active key; the old key signs the rotation statement. Return (new key, statement)."""
    old = load_key(settings, active_key_id(db))
    new = HubKey.generate()
    statement = rotation_statement(old, new.public)
    _save(settings, new)
    with db.tx(write=True) as cur:
        cur.execute("UPDATE signing_keys SET active = 0 WHERE key_id = ?", [old.key_id])
        cur.execute(
            "INSERT INTO signing_keys (key_id, public_key, created_at, active, rotation) VALUES (?, ?, ?, 1, ?)",
            [new.key_id, new.public.text, _now(), json.dumps(statement)],
        )
    log.info("rotated hub signing key %s -> %s", old.key_id, new.key_id)
    return new, statement


def key_document(db: HubDatabase) -> dict:
    """What boxes fetch to follow rotations: the active key and every rotation statement in order."""
    with db.tx() as cur:
        rows = cur.execute("SELECT key_id, public_key, created_at, active, rotation FROM signing_keys ORDER BY created_at, key_id").fetchall()
    active = next((r for r in rows if r[3]), None)
    chain = [json.loads(r[4]) for r in rows if r[4]]
    return {"active_key": active[1] if active else None, "active_key_id": active[0] if active else None, "rotations": chain}


def public_keys(db: HubDatabase) -> list[dict]:
    """Every key the hub has used, newest last, for `screening-hub keys show`."""
    with db.tx() as cur:
        rows = cur.execute("SELECT key_id, public_key, created_at, active FROM signing_keys ORDER BY created_at, key_id").fetchall()
    return [{"key_id": r[0], "public_key": r[1], "created_at": r[2], "active": bool(r[3])} for r in rows]


def public_key(text: str) -> PublicKey:
    """Parse a public key text."""
    return PublicKey.parse(text)
