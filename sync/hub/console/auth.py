"""Who is using the console: the server-side session behind the cookie, roles, CSRF, login throttling."""

from __future__ import annotations

import functools
import hmac
import threading
import time
from collections import defaultdict, deque

from flask import current_app, g, request

from .. import accounts
from ..errors import ApiError

COOKIE = "hub_session"
LOGIN_CSRF_COOKIE = "hub_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
#: Failed logins from one address within LOGIN_WINDOW seconds before it must wait.
LOGIN_IP_MAX_FAILURES = 20
LOGIN_WINDOW = 600.0


def hub():
    """The Hub object of the running app."""
    return current_app.extensions["hub"]


def load_user() -> None:
    """Set ``g.user`` from the session cookie; check CSRF on unsafe requests (before each console request)."""
    g.user = None
    token = request.cookies.get(COOKIE)
    if not token:
        return
    console = hub().settings.console
    g.user = accounts.session_user(hub().db, token, idle_minutes=console["session_idle_minutes"])
    if g.user is not None and request.method not in ("GET", "HEAD", "OPTIONS") and request.endpoint != "console_pages.login":
        given = request.headers.get(CSRF_HEADER) or request.form.get("csrf_token", "")
        if not given or not hmac.compare_digest(str(given), g.user["csrf"]):
            raise ApiError(403, "csrf_failed", "missing or wrong CSRF token; reload the page")


def actor() -> str:
    """The audit log's name for the current user."""
    return g.user["username"] if g.get("user") else "?"


def require(perm: str):
    """Decorator: the view needs a logged-in user whose role grants ``perm``."""

    def deco(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            user = g.get("user")
            if user is None:
                raise ApiError(401, "unauthorized", "log in first")
            if perm not in user["perms"]:
                raise ApiError(403, "forbidden", f"role {user['role']!r} may not do this")
            return view(*args, **kwargs)

        wrapped.required_permission = perm
        return wrapped

    return deco


class LoginThrottle:
    """Counts failed logins per client address in a sliding window (per process)."""

    def __init__(self, limit: int = LOGIN_IP_MAX_FAILURES, window: float = LOGIN_WINDOW):
        self.limit, self.window = limit, window
        self._lock = threading.Lock()
        self._fails: dict[str, deque] = defaultdict(deque)

    def blocked(self, addr: str) -> bool:
        """True when ``addr`` failed too often recently."""
        now = time.monotonic()
        with self._lock:
            q = self._fails[addr]
            while q and q[0] < now - self.window:
                q.popleft()
            return len(q) >= self.limit

    def failed(self, addr: str) -> None:
        """Count one failure from ``addr``."""
        with self._lock:
            self._fails[addr].append(time.monotonic())

    def reset(self, addr: str) -> None:
        """Forget ``addr``'s failures after a good login."""
        with self._lock:
            self._fails.pop(addr, None)
