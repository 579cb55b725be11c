"""The console's HTML pages: login, hit desk, fleet, lists, users, audit. Data comes from the JSON API."""

from __future__ import annotations

import logging
import secrets
from urllib.parse import urlparse

from flask import Blueprint, current_app, g, make_response, redirect, render_template, request, url_for

from .. import accounts, desk
from .auth import COOKIE, LOGIN_CSRF_COOKIE, LoginThrottle, hub, require

log = logging.getLogger(__name__)
bp = Blueprint("console_pages", __name__, template_folder="templates", static_folder="static", static_url_path="/console/static")

#: page -> (title, permission)
PAGES = {"desk": ("Hit desk", "desk.read"), "fleet": ("Fleet", "fleet.read"), "lists": ("Lists", "lists.read"),
         "users": ("Users", "users"), "audit": ("Audit log", "audit.read")}


@bp.app_context_processor
def inject():
    """Values every console template uses."""
    user = g.get("user")
    nav = [(name, title) for name, (title, perm) in PAGES.items() if user and perm in user["perms"]]
    return {"user": user, "nav": nav}


def _safe_next(target: str | None) -> str:
    if not target:
        return "/desk"
    parts = urlparse(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/desk"
    return target


def _cookie_args() -> dict:
    secure = bool(hub().settings.console["secure_cookies"]) or request.is_secure
    return {"httponly": True, "samesite": "Strict", "secure": secure, "path": "/"}


def _login_page(error: str | None, status: int, username: str = ""):
    token = secrets.token_urlsafe(24)
    resp = make_response(render_template("hub_login.html", error=error, username=username, csrf=token), status)
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, **_cookie_args())
    return resp


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with user name and password (throttled per address; accounts lock after failures)."""
    if request.method == "GET":
        return _login_page(None, 200)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    given = request.form.get("csrf_token")
    if not expected or not given or not secrets.compare_digest(expected, given):
        return _login_page("The form expired; please log in again.", 403)
    username = (request.form.get("username") or "").strip()[:64]
    password = request.form.get("password") or ""
    addr = request.remote_addr or "?"
    throttle = current_app.extensions.setdefault("hub_login_throttle", LoginThrottle())
    if throttle.blocked(addr):
        return _login_page("Too many failed logins from this address; wait a few minutes.", 429, username)
    console = hub().settings.console
    failure = None
    with hub().db.tx(write=True) as cur:
        try:
            user = accounts.authenticate(cur, username, password, max_failures=console["login_max_failures"],
                                         lockout_minutes=console["lockout_minutes"])
            token, _ = accounts.start_session(cur, user["id"], max_hours=console["session_max_hours"])
            hub().audit.append(cur, username, "login", f"user:{username}", {"address": addr})
        except accounts.AccountError as exc:
            failure = exc
    if failure is not None:
        with hub().db.tx(write=True) as cur:
            hub().audit.append(cur, username or "?", "login.failed", f"user:{username}", {"address": addr, "reason": failure.code})
        throttle.failed(addr)
        return _login_page(failure.message, failure.status, username)
    throttle.reset(addr)
    log.info("console login by %s (%s)", user["username"], user["role"])
    resp = redirect(_safe_next(request.args.get("next")))
    resp.set_cookie(COOKIE, token, max_age=int(console["session_max_hours"] * 3600), **_cookie_args())
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return resp


@bp.post("/logout")
def logout():
    """End the session on the server and forget the cookie."""
    token = request.cookies.get(COOKIE)
    if g.get("user") and token:
        accounts.end_session(hub().db, token)
        with hub().db.tx(write=True) as cur:
            hub().audit.append(cur, g.user["username"], "logout", f"user:{g.user['username']}", {})
    resp = redirect(url_for("console_pages.login"))
    resp.delete_cookie(COOKIE, path="/")
    return resp


@bp.get("/")
def index():
    """Operators and analysts start at the hit desk."""
    return redirect("/desk" if g.get("user") else url_for("console_pages.login"))


def _page(name: str):
    title, perm = PAGES[name]

    @require(perm)
    def view():
        return render_template(f"hub_{name}.html", title=title, page=name, csrf=g.user["csrf"], outcomes=desk.OUTCOMES)

    view.__name__ = f"page_{name}"
    view.__doc__ = f"The {title.lower()} page."
    return view


for _name in PAGES:
    bp.add_url_rule(f"/{_name}", f"page_{_name}", _page(_name))
