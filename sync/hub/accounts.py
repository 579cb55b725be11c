"""Console users of the hub (argon2id, lockout) and their server-side sessions.

A session is a random 256-bit token in an HttpOnly, SameSite=Strict cookie; the hub keeps only
its SHA-256 with the user, a CSRF token, the last request time and a hard end. It ends on
logout, after ``console.session_idle_minutes`` without a request, ``console.session_max_hours``
after login, and when the user is disabled or gets a new password. Because sessions live in
the database, every replica knows them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..errors import SyncError
from ..protocol.canonical import iso, parse_iso, utcnow

ROLES = ("operator", "analyst", "admin")
MIN_PASSWORD = 10
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")

_DESK = {"desk.read", "fleet.read", "lists.read", "export"}
#: What each role may do on the console.
PERMISSIONS: dict[str, frozenset[str]] = {
    "analyst": frozenset(_DESK | {"desk.note"}),
    "operator": frozenset(_DESK | {"desk.note", "desk.work", "lists.publish"}),
    "admin": frozenset(_DESK | {"desk.note", "desk.work", "lists.publish", "users", "audit.read"}),
}

_hasher = PasswordHasher()


class AccountError(SyncError):
    """A console account operation is refused; ``code`` is stable, ``status`` the HTTP status."""

    def __init__(self, message: str, code: str = "invalid_request", status: int = 400):
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Replace the argon2 parameters (tests use cheaper ones); return the previous hasher."""
    global _hasher
    previous, _hasher = _hasher, hasher
    return previous


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_password(password) -> None:
    """Refuse passwords that are too short."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters", "weak_password")


def create_user(cur, username: str, password: str, role: str) -> dict:
    """Add a console user inside the caller's transaction."""
    if not isinstance(username, str) or not _USERNAME.fullmatch(username):
        raise AccountError("user name: 2-64 letters, digits, dot, dash or underscore", "invalid_username")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}", "invalid_role")
    check_password(password)
    if cur.execute("SELECT 1 FROM console_users WHERE username = ?", [username]).fetchone():
        raise AccountError(f"user {username!r} already exists", "user_exists", 409)
    cur.execute("INSERT INTO console_users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
                [username, _hasher.hash(password), role, iso(utcnow())])
    return find_user(cur, username)


_COLS = "id, username, role, disabled, failed_logins, locked_until, created_at, last_login_at"


def _user(row) -> dict:
    d = dict(zip(_COLS.split(", "), row))
    d["id"] = int(d["id"])
    d["disabled"] = bool(d["disabled"])
    return d


def find_user(cur, username: str) -> dict:
    """One user by name (no password hash)."""
    row = cur.execute(f"SELECT {_COLS} FROM console_users WHERE username = ?", [username]).fetchone()
    if not row:
        raise AccountError(f"no user {username!r}", "user_not_found", 404)
    return _user(row)


def list_users(cur) -> list[dict]:
    """Every console user, by name."""
    return [_user(r) for r in cur.execute(f"SELECT {_COLS} FROM console_users ORDER BY username").fetchall()]


def set_disabled(cur, username: str, disabled: bool) -> dict:
    """Disable (ending every session) or enable (clearing a lockout) a user."""
    user = find_user(cur, username)
    cur.execute("UPDATE console_users SET disabled = ?, failed_logins = 0, locked_until = NULL WHERE id = ?",
                [1 if disabled else 0, user["id"]])
    if disabled:
        cur.execute("DELETE FROM console_sessions WHERE user_id = ?", [user["id"]])
    return find_user(cur, username)


def set_password(cur, username: str, password: str) -> dict:
    """Replace a password, ending every session of that user."""
    check_password(password)
    user = find_user(cur, username)
    cur.execute("UPDATE console_users SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE id = ?",
                [_hasher.hash(password), user["id"]])
    cur.execute("DELETE FROM console_sessions WHERE user_id = ?", [user["id"]])
    return user


def authenticate(cur, username: str, password: str, *, max_failures: int, lockout_minutes: float) -> dict:
    """Check a login inside the caller's write transaction; count failures and lock the account."""
    now = utcnow()
    row = cur.execute("SELECT id, password_hash, disabled, failed_logins, locked_until FROM console_users WHERE username = ?",
                      [username]).fetchone()
    if not row:
        _hasher.hash("timing-equaliser")
        raise AccountError("wrong user name or password", "bad_credentials", 401)
    user_id, pw_hash, disabled, failures, locked_until = row
    locked = parse_iso(locked_until) if locked_until else None
    if locked and locked > now:
        raise AccountError("account locked after too many failed logins; try again later or ask an administrator",
                           "account_locked", 423)
    try:
        _hasher.verify(pw_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        failures = (0 if locked else int(failures)) + 1
        until = iso(now + dt.timedelta(minutes=lockout_minutes)) if failures >= max_failures else None
        cur.execute("UPDATE console_users SET failed_logins = ?, locked_until = ? WHERE id = ?", [failures, until, user_id])
        if until:
            raise AccountError("too many failed logins: the account is locked for a while", "account_locked", 423) from None
        raise AccountError("wrong user name or password", "bad_credentials", 401) from None
    if disabled:
        raise AccountError("account disabled", "account_disabled", 401)
    if _hasher.check_needs_rehash(pw_hash):
        cur.execute("UPDATE console_users SET password_hash = ? WHERE id = ?", [_hasher.hash(password), user_id])
    cur.execute("UPDATE console_users SET failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE id = ?", [iso(now), user_id])
    return find_user(cur, username)


def start_session(cur, user_id: int, *, max_hours: float) -> tuple[str, str]:
    """Create a session; return (cookie token, CSRF token). Expired sessions are swept on the way."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    now = utcnow()
    cur.execute("DELETE FROM console_sessions WHERE expires_at < ?", [iso(now)])
    cur.execute("INSERT INTO console_sessions (token_hash, user_id, csrf, created_at, last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                [_digest(token), user_id, csrf, iso(now), iso(now), iso(now + dt.timedelta(hours=max_hours))])
    return token, csrf


def session_user(db, token: str | None, *, idle_minutes: float) -> dict | None:
    """The user and CSRF token of a live session, or None (an idle or expired session is ended)."""
    if not token or len(token) > 100:
        return None
    now = utcnow()
    with db.tx() as cur:
        row = cur.execute(
            "SELECT s.user_id, s.csrf, s.last_seen, s.expires_at, u.username, u.role, u.disabled FROM console_sessions s "
            "JOIN console_users u ON u.id = s.user_id WHERE s.token_hash = ?", [_digest(token)]).fetchone()
    if not row:
        return None
    user_id, csrf, last_seen, expires, username, role, disabled = row
    idle = now - parse_iso(last_seen) > dt.timedelta(minutes=idle_minutes)
    if disabled or idle or parse_iso(expires) <= now:
        end_session(db, token)
        return None
    if (now - parse_iso(last_seen)).total_seconds() > 30:
        with db.tx(write=True) as cur:
            cur.execute("UPDATE console_sessions SET last_seen = ? WHERE token_hash = ?", [iso(now), _digest(token)])
    return {"id": int(user_id), "username": username, "role": role, "csrf": csrf, "perms": PERMISSIONS.get(role, frozenset())}


def end_session(db, token: str) -> None:
    """Forget a session (logout, expiry)."""
    with db.tx(write=True) as cur:
        cur.execute("DELETE FROM console_sessions WHERE token_hash = ?", [_digest(token)])
