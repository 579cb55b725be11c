"""Appliances (boxes): one-time enrollment tokens, per-box credentials, check-ins."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets

from ..protocol.canonical import iso, parse_iso, utcnow
from .db import HubDatabase
from .errors import ApiError, PublishError
from .jsonbody import storable

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
#: the numeric part of a box credential: ASCII digits that fit a 64-bit integer column
_IDENT = re.compile(r"[0-9]{1,18}")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def add(db: HubDatabase, name: str, *, token_hours: float) -> dict:
    """Register a box (or issue a fresh token to an existing one); return ``{"name", "token", "expires"}``."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise PublishError(f"invalid appliance name {name!r}: use letters, digits, '.', '_' or '-' (at most 64)")
    token = "enr_" + secrets.token_urlsafe(24)
    expires = iso(utcnow() + dt.timedelta(hours=token_hours))
    with db.tx(write=True) as cur:
        cur.execute(
            "INSERT INTO appliances (name, created_at, token_hash, token_expires) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash, token_expires = excluded.token_expires",
            [name, iso(utcnow()), _hash(token), expires],
        )
    return {"name": name, "token": token, "expires": expires}


def enroll(db: HubDatabase, token: str) -> dict:
    """Exchange a one-time token for the box's credential ``<id>.<secret>``; the token dies."""
    if not storable(token, 200) or not token.startswith("enr_"):
        raise ApiError(401, "bad_token", "the enrollment token is not valid")
    secret = secrets.token_urlsafe(32)
    with db.tx(write=True) as cur:
        row = cur.execute("SELECT id, name, token_expires FROM appliances WHERE token_hash = ?", [_hash(token)]).fetchone()
        if not row:
            raise ApiError(401, "bad_token", "the enrollment token is not valid or was already used")
        if parse_iso(row[2]) <= utcnow():
            raise ApiError(401, "token_expired", "the enrollment token has expired; issue a new one with `screening-hub appliances add`")
        cur.execute(
            "UPDATE appliances SET token_hash = NULL, token_expires = NULL, secret_hash = ?, enrolled_at = ?, last_seen = ? WHERE id = ?",
            [_hash(secret), iso(utcnow()), iso(utcnow()), row[0]],
        )
    return {"appliance": row[1], "credential": f"{row[0]}.{secret}"}


def authenticate(db: HubDatabase, header: str | None) -> tuple[int, str]:
    """Check ``Authorization: Bearer <id>.<secret>``; return (appliance id, name) or raise 401."""
    if not header or not header.startswith("Bearer "):
        raise ApiError(401, "unauthenticated", "send the box credential as 'Authorization: Bearer <credential>'")
    cred = header[len("Bearer "):].strip()
    ident, _, secret = cred.partition(".")
    if not _IDENT.fullmatch(ident) or not secret or len(cred) > 200:
        raise ApiError(401, "bad_credential", "the credential is not valid")
    with db.tx() as cur:
        row = cur.execute("SELECT id, name, secret_hash, disabled FROM appliances WHERE id = ?", [int(ident)]).fetchone()
    if not row or not row[2] or not hmac.compare_digest(row[2], _hash(secret)):
        raise ApiError(401, "bad_credential", "the credential is not valid")
    if row[3]:
        raise ApiError(403, "disabled", "this appliance has been disabled on the hub")
    return int(row[0]), row[1]


def checkin(db: HubDatabase, appliance_id: int, status: dict) -> None:
    """Record what a box reports about itself (list versions, queue depth, alarms) and when."""
    with db.tx(write=True) as cur:
        cur.execute(
            "UPDATE appliances SET status = ?, last_seen = ? WHERE id = ?",
            [json.dumps(status, sort_keys=True), iso(utcnow()), appliance_id],
        )


def status_of(db: HubDatabase, name: str) -> dict | None:
    """One appliance's row as reported by ``appliances list``."""
    rows = [a for a in list_all(db) if a["name"] == name]
    return rows[0] if rows else None


def set_disabled(db: HubDatabase, name: str, disabled: bool) -> bool:
    """Disable or re-enable a box's credential; True if the box exists."""
    with db.tx(write=True) as cur:
        cur.execute("UPDATE appliances SET disabled = ? WHERE name = ?", [1 if disabled else 0, name])
        return cur.rowcount > 0


def list_all(db: HubDatabase) -> list[dict]:
    """Every box: enrolled?, last seen, list versions held, queue depth, records and hits received."""
    with db.tx() as cur:
        rows = cur.execute(
            "SELECT a.id, a.name, a.created_at, a.enrolled_at, a.last_seen, a.status, a.disabled, a.token_expires, "
            "(SELECT count(*) FROM records r WHERE r.appliance_id = a.id) AS records, "
            "(SELECT count(*) FROM records r WHERE r.appliance_id = a.id AND r.priority >= 10) AS hits "
            "FROM appliances a ORDER BY a.name"
        ).dicts()
    out = []
    for r in rows:
        try:
            status = json.loads(r["status"] or "{}")
        except ValueError:
            status = {}
        out.append({
            "name": r["name"],
            "enrolled": r["enrolled_at"] is not None,
            "enrolled_at": r["enrolled_at"],
            "token_pending": r["token_expires"] is not None,
            "last_seen": r["last_seen"],
            "disabled": bool(r["disabled"]),
            "lists": status.get("lists", {}),
            "queue_depth": status.get("queue_depth"),
            "alarms": status.get("alarms", []),
            "records": int(r["records"]),
            "hits": int(r["hits"]),
        })
    return out
