"""People and API tokens: argon2 password hashes, lockout, hashed tokens scoped to role and lanes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .errors import Conflict, Locked, NotFound, Unauthorized, ValidationError

ROLES = ("officer", "supervisor", "technician", "admin")
TOKEN_ROLES = ("bridge", "terminal")
TOKEN_PREFIX = "bsa_"
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")
MIN_PASSWORD = 10

_hasher = PasswordHasher()


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Replace the argon2 parameters (tests use cheaper ones); return the previous hasher."""
    global _hasher
    previous, _hasher = _hasher, hasher
    return previous


def utcnow() -> dt.datetime:
    """The current time, UTC, to the second."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def iso(t: dt.datetime) -> str:
    """ISO 8601 text of a UTC time."""
    return t.isoformat(timespec="seconds")


def parse_iso(text: str | None) -> dt.datetime | None:
    """Read an ISO 8601 time written by :func:`iso`."""
    return dt.datetime.fromisoformat(text) if text else None


def hash_password(password: str) -> str:
    """Argon2id hash of a password."""
    return _hasher.hash(password)


def check_password_rules(password: str) -> None:
    """Refuse passwords that are too short."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValidationError(f"password must have at least {MIN_PASSWORD} characters", code="weak_password")


def generate_password() -> str:
    """A random password that is easy to type (about 95 bits)."""
    return "-".join(secrets.token_urlsafe(6) for _ in range(3))


def create_user(db, username: str, password: str, role: str) -> dict:
    """Add a person; the caller owns the transaction."""
    if not isinstance(username, str) or not _USERNAME.match(username):
        raise ValidationError("username: 2-64 letters, digits, dot, dash or underscore", code="invalid_username")
    if role not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}", code="invalid_role")
    check_password_rules(password)
    if db.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
        raise Conflict(f"user {username!r} already exists", code="user_exists")
    cur = db.execute(
        "INSERT INTO users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
        [username, hash_password(password), role, iso(utcnow())],
    )
    return get_user(db, cur.lastrowid)


def _user_dict(row) -> dict:
    keys = ("id", "username", "role", "disabled", "failed_logins", "locked_until", "session_epoch", "created_at", "last_login_at")
    d = dict(zip(keys, row))
    d["disabled"] = bool(d["disabled"])
    return d


_USER_COLS = "id, username, role, disabled, failed_logins, locked_until, session_epoch, created_at, last_login_at"


def get_user(db, user_id: int) -> dict:
    """One person by id (no password hash)."""
    row = db.execute(f"SELECT {_USER_COLS} FROM users WHERE id = ?", [user_id]).fetchone()
    if not row:
        raise NotFound("no such user", code="user_not_found")
    return _user_dict(row)


def find_user(db, username: str) -> dict:
    """One person by user name (no password hash)."""
    row = db.execute(f"SELECT {_USER_COLS} FROM users WHERE username = ?", [username]).fetchone()
    if not row:
        raise NotFound(f"no user {username!r}", code="user_not_found")
    return _user_dict(row)


def list_users(db) -> list[dict]:
    """Every person, by name."""
    return [_user_dict(r) for r in db.execute(f"SELECT {_USER_COLS} FROM users ORDER BY username")]


def set_disabled(db, username: str, disabled: bool) -> dict:
    """Disable (ending every session) or enable (clearing any lockout) a person."""
    user = find_user(db, username)
    if disabled:
        db.execute("UPDATE users SET disabled = 1, session_epoch = session_epoch + 1 WHERE id = ?", [user["id"]])
    else:
        db.execute("UPDATE users SET disabled = 0, failed_logins = 0, locked_until = NULL WHERE id = ?", [user["id"]])
    return get_user(db, user["id"])


def set_password(db, username: str, password: str) -> dict:
    """Replace a password (ending every session)."""
    check_password_rules(password)
    user = find_user(db, username)
    db.execute(
        "UPDATE users SET password_hash = ?, session_epoch = session_epoch + 1, failed_logins = 0, locked_until = NULL WHERE id = ?",
        [hash_password(password), user["id"]],
    )
    return get_user(db, user["id"])


def authenticate(db, username: str, password: str, *, max_failures: int, lockout_minutes: float, now=None) -> dict:
    """Check a login inside the caller's transaction; count failures and lock the account.

    Raises Unauthorized (wrong name or password, or disabled) or Locked.
    """
    now = now or utcnow()
    row = db.execute("SELECT id, password_hash, disabled, failed_logins, locked_until FROM users WHERE username = ?", [username]).fetchone()
    if not row:
        _hasher.hash("timing-equaliser")  # same cost as a real check
        raise Unauthorized("wrong user name or password", code="bad_credentials")
    user_id, pw_hash, disabled, failures, locked_until = row
    locked = parse_iso(locked_until)
    if locked and locked > now:
        raise Locked(f"account locked after too many failed logins; try again in {_minutes(locked - now)} "
                     "or ask an administrator to unlock it", code="account_locked", locked_until=iso(locked))
    try:
        _hasher.verify(pw_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        failures = (0 if locked else failures) + 1
        if failures >= max_failures:
            until = now + dt.timedelta(minutes=lockout_minutes)
            db.execute("UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?", [failures, iso(until), user_id])
            raise Locked(f"too many failed logins: account locked for {_minutes(until - now)} "
                         "(an administrator can unlock it)", code="account_locked", locked_until=iso(until)) from None
        db.execute("UPDATE users SET failed_logins = ?, locked_until = NULL WHERE id = ?", [failures, user_id])
        raise Unauthorized("wrong user name or password", code="bad_credentials") from None
    if disabled:
        raise Unauthorized("account disabled", code="account_disabled")
    if _hasher.check_needs_rehash(pw_hash):
        db.execute("UPDATE users SET password_hash = ? WHERE id = ?", [hash_password(password), user_id])
    db.execute("UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE id = ?", [iso(now), user_id])
    return get_user(db, user_id)


def _minutes(delta: dt.timedelta) -> str:
    """A lockout's remaining time in words (whole minutes, at least one)."""
    n = max(1, int(-(-delta.total_seconds() // 60)))
    return f"{n} minute{'s' if n != 1 else ''}"


# -- API tokens ---------------------------------------------------------------------------
def token_digest(raw: str) -> str:
    """SHA-256 of a token (tokens are random, 256 bits: no slow hash needed)."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_token(db, role: str, lanes: list[str], *, label: str = "", created_by: str = "") -> tuple[str, dict]:
    """Make a token for a bridge or terminal; return (the token, shown once; its record)."""
    if role not in TOKEN_ROLES:
        raise ValidationError(f"token role must be one of {', '.join(TOKEN_ROLES)}", code="invalid_role")
    lanes = [str(x).strip() for x in lanes if str(x).strip()]
    if not lanes:
        raise ValidationError("a token needs at least one lane (or '*' for all)", code="invalid_lanes")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    cur = db.execute(
        "INSERT INTO api_tokens (prefix, token_hash, role, lanes, label, created_at, created_by) VALUES (?,?,?,?,?,?,?)",
        [raw[:10], token_digest(raw), role, json.dumps(sorted(set(lanes))), label, iso(utcnow()), created_by],
    )
    return raw, get_token(db, cur.lastrowid)


_TOKEN_COLS = "id, prefix, role, lanes, label, created_at, created_by, last_used_at, revoked_at"


def _token_dict(row) -> dict:
    d = dict(zip(_TOKEN_COLS.split(", "), row))
    d["lanes"] = json.loads(d["lanes"])
    d["active"] = d["revoked_at"] is None
    return d


def get_token(db, token_id: int) -> dict:
    """One token record by id (never the token itself)."""
    if not 0 < token_id < 2**63:
        raise NotFound("no such token", code="token_not_found")
    row = db.execute(f"SELECT {_TOKEN_COLS} FROM api_tokens WHERE id = ?", [token_id]).fetchone()
    if not row:
        raise NotFound("no such token", code="token_not_found")
    return _token_dict(row)


def list_tokens(db) -> list[dict]:
    """Every token record."""
    return [_token_dict(r) for r in db.execute(f"SELECT {_TOKEN_COLS} FROM api_tokens ORDER BY id")]


def revoke_token(db, token_id: int) -> dict:
    """Revoke a token for good."""
    tok = get_token(db, token_id)
    if tok["revoked_at"] is None:
        db.execute("UPDATE api_tokens SET revoked_at = ? WHERE id = ?", [iso(utcnow()), token_id])
    return get_token(db, token_id)


def lookup_token(db, raw: str) -> dict | None:
    """The active token record matching ``raw``, or None."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    row = db.execute(f"SELECT {_TOKEN_COLS} FROM api_tokens WHERE token_hash = ?", [token_digest(raw)]).fetchone()
    if not row:
        return None
    tok = _token_dict(row)
    return tok if tok["active"] else None
