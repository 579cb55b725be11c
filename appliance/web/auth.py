"""Who is asking: sessions for people, bearer tokens for machines, roles, CSRF, login throttling."""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from flask import current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface

from . import accounts
from .errors import Forbidden, TooManyRequests, Unauthorized

_OFFICER = {"booth", "scan.create", "scan.read", "events", "hitcard", "disposition"}
_TECH = {"console", "status", "lanes.read", "selftest", "config.read", "config.write", "logs", "lists.read"}

#: What each role may do. People have one role; tokens are ``bridge`` or ``terminal``.
PERMISSIONS: dict[str, frozenset[str]] = {
    "officer": frozenset(_OFFICER),
    "supervisor": frozenset(_OFFICER | {"suppression.approve", "audit.read"}),
    "technician": frozenset(_TECH),
    "admin": frozenset(_TECH | {"users", "tokens", "audit.read"}),
    "bridge": frozenset({"scan.create", "lane.report"}),
    "terminal": frozenset({"scan.create", "scan.read", "events"}),
}

#: Failed logins from one address within LOGIN_WINDOW seconds before it is throttled.
LOGIN_IP_MAX_FAILURES = 20
LOGIN_WINDOW = 600.0
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


@dataclass
class Principal:
    """The person or machine behind a request."""

    kind: str  # "user" or "token"
    name: str
    role: str
    lanes: tuple[str, ...] = ("*",)
    user_id: int | None = None
    token_id: int | None = None
    perms: frozenset = field(default_factory=frozenset)

    @property
    def actor(self) -> str:
        """How the audit log names this principal."""
        return self.name if self.kind == "user" else f"token:{self.token_id}"

    def can(self, perm: str) -> bool:
        """True when the role grants ``perm``."""
        return perm in self.perms

    def may_use_lane(self, lane: str) -> bool:
        """True when this principal is scoped to ``lane``."""
        return "*" in self.lanes or lane in self.lanes

    def to_dict(self) -> dict:
        """JSON form (for pages and ``GET /api/v1/me``)."""
        return {"kind": self.kind, "name": self.name, "role": self.role, "lanes": list(self.lanes), "permissions": sorted(self.perms)}


class ApplianceSessionInterface(SecureCookieSessionInterface):
    """Signed cookie sessions: HttpOnly, SameSite=Strict, Secure when configured or under TLS."""

    def get_cookie_secure(self, app) -> bool:
        """Secure when ``server.secure_cookies`` is set or the request came over HTTPS."""
        if app.config.get("SESSION_COOKIE_SECURE"):
            return True
        try:
            return bool(request.is_secure)
        except RuntimeError:  # outside a request
            return False


class LoginThrottle:
    """Counts failed logins per client address in a sliding window."""

    def __init__(self, limit: int = LOGIN_IP_MAX_FAILURES, window: float = LOGIN_WINDOW):
        self.limit = limit
        self.window = window
        self._lock = threading.Lock()
        self._fails: dict[str, deque] = defaultdict(deque)

    def _trim(self, q: deque, now: float) -> None:
        while q and q[0] < now - self.window:
            q.popleft()

    def check(self, addr: str) -> None:
        """Raise TooManyRequests when ``addr`` failed too often recently."""
        now = time.monotonic()
        with self._lock:
            q = self._fails[addr]
            self._trim(q, now)
            if len(q) >= self.limit:
                raise TooManyRequests("too many failed logins from this address; wait a few minutes", retry_after=int(self.window))

    def failed(self, addr: str) -> None:
        """Count one failure from ``addr``."""
        with self._lock:
            self._fails[addr].append(time.monotonic())

    def reset(self, addr: str) -> None:
        """Forget ``addr``'s failures (after a good login)."""
        with self._lock:
            self._fails.pop(addr, None)


def csrf_token() -> str:
    """The session's CSRF token (created on first use)."""
    tok = session.get("csrf")
    if not tok:
        tok = secrets.token_urlsafe(24)
        session["csrf"] = tok
    return tok


def check_csrf() -> None:
    """Refuse an unsafe request from a browser session without the matching CSRF token."""
    expected = session.get("csrf")
    given = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
    if not expected or not given or not hmac.compare_digest(str(expected), str(given)):
        raise Forbidden("missing or wrong CSRF token; reload the page", code="csrf_failed")


def start_session(user: dict) -> None:
    """Log a person in: a fresh session bound to the account's session epoch."""
    session.clear()
    session.permanent = True
    session["uid"] = user["id"]
    session["epoch"] = user["session_epoch"]
    session["seen"] = int(time.time())
    csrf_token()


def load_principal() -> None:
    """Set ``g.principal`` from a bearer token or the session cookie (before each request)."""
    g.principal = None
    ctx = current_app.extensions["appliance"]
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise Unauthorized("use 'Authorization: Bearer TOKEN'", code="bad_authorization")
        db = ctx.reader()
        tok = accounts.lookup_token(db, raw.strip())
        if tok is None:
            raise Unauthorized("unknown or revoked API token", code="bad_token")
        g.principal = Principal("token", f"token:{tok['id']}", tok["role"], tuple(tok["lanes"]), token_id=tok["id"], perms=PERMISSIONS[tok["role"]])
        _touch_token(ctx, tok)
        return
    uid = session.get("uid")
    if uid is None:
        return
    idle = float(ctx.config["security"]["session_hours"]) * 3600
    now = int(time.time())
    if now - int(session.get("seen", 0)) > idle:
        session.clear()
        return
    row = ctx.reader().execute("SELECT username, role, disabled, session_epoch FROM users WHERE id = ?", [uid]).fetchone()
    if not row or row[2] or row[3] != session.get("epoch"):
        session.clear()
        return
    if now - int(session.get("seen", 0)) > 60:
        session["seen"] = now
    g.principal = Principal("user", row[0], row[1], ("*",), user_id=uid, perms=PERMISSIONS.get(row[1], frozenset()))
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        check_csrf()


_touch_lock = threading.Lock()
_touched: dict[int, float] = {}


def _touch_token(ctx, tok: dict) -> None:
    """Record a token's last use (at most once a minute per token)."""
    now = time.monotonic()
    with _touch_lock:
        if now - _touched.get(tok["id"], -1e9) < 60:
            return
        _touched[tok["id"]] = now
    stamp = accounts.iso(dt.datetime.now(dt.timezone.utc).replace(microsecond=0))
    with ctx.write() as db:
        db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [stamp, tok["id"]])


def require(perm: str):
    """Decorator: the view needs a principal whose role grants ``perm``."""

    def deco(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            p = g.get("principal")
            if p is None:
                raise Unauthorized("log in or send an API token", code="unauthorized")
            if not p.can(perm):
                raise Forbidden(f"role {p.role!r} may not do this", code="forbidden")
            return view(*args, **kwargs)

        wrapped.required_permission = perm
        return wrapped

    return deco


def require_lane(lane: str) -> None:
    """Refuse a token that is not scoped to ``lane``."""
    p = g.get("principal")
    if p is None or not p.may_use_lane(lane):
        raise Forbidden(f"not allowed on lane {lane!r}", code="lane_forbidden")
