"""HTML pages: login, booth screen per lane, technician console. Data comes from the JSON API."""

from __future__ import annotations

import logging
from urllib.parse import urlparse

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for

from . import accounts
from .auth import check_csrf, csrf_token, require, start_session
from .errors import Locked, TooManyRequests, Unauthorized, WebError
from .scans import valid_lane

log = logging.getLogger(__name__)

bp = Blueprint("pages", __name__, template_folder="templates", static_folder="static", static_url_path="/static")


def ctx():
    """The service's shared objects."""
    return current_app.extensions["appliance"]


def error_page(status: int, code: str, message: str):
    """A small HTML error page (no traceback, ever)."""
    return render_template("error.html", status=status, code=code, message=message), status


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login."""
    if not target:
        return url_for("index")
    parts = urlparse(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("index")
    return target


@bp.app_context_processor
def inject():
    """Values every template uses."""
    return {"principal": g.get("principal"), "csrf_token": csrf_token, "site_name": ctx().config["appliance"]["site_name"]}


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with user name and password (throttled per address, accounts lock after failures)."""
    c = ctx()
    error = None
    status = 200
    if request.method == "POST":
        check_csrf()
        username = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        addr = request.remote_addr or "?"
        throttle = current_app.extensions.setdefault("appliance_login_throttle", _throttle())
        try:
            throttle.check(addr)
        except TooManyRequests as exc:
            return render_template("login.html", error=exc.message, username=username), 429
        sec = c.config["security"]
        failure: WebError | None = None
        user = None
        with c.write() as db:
            try:
                user = accounts.authenticate(db, username, password, max_failures=int(sec["login_max_failures"]),
                                             lockout_minutes=float(sec["lockout_minutes"]))
            except (Unauthorized, Locked) as exc:
                failure = exc
            action = "login" if failure is None else ("login.locked" if isinstance(failure, Locked) else "login.failed")
            c.audit.append(db, username[:64] or "?", action, f"user:{username[:64]}", {"address": addr} if failure is None else
                           {"address": addr, "reason": failure.code})
        if failure is None:
            throttle.reset(addr)
            start_session(user)
            log.info("login by %s (%s)", user["username"], user["role"])
            return redirect(_safe_next(request.args.get("next")))
        throttle.failed(addr)
        error = failure.message
        status = failure.status
    return render_template("login.html", error=error, username=request.form.get("username", "")), status


def _throttle():
    from .auth import LoginThrottle

    return LoginThrottle()


@bp.post("/logout")
def logout():
    """End the session."""
    p = g.get("principal")
    if p is not None and p.kind == "user":
        ctx().record(p.actor, "logout", f"user:{p.name}", {})
    session.clear()
    return redirect(url_for("pages.login"))


@bp.get("/booth")
@require("booth")
def booth_index():
    """Choose a lane (straight to it when there is only one)."""
    from .system import lanes

    names = [x["name"] for x in lanes(ctx())]
    if len(names) == 1 and not request.args.get("choose"):
        return redirect(url_for("pages.booth", lane=names[0]))
    return render_template("booth_index.html", lanes=names)


@bp.get("/booth/<lane>")
@require("booth")
def booth(lane: str):
    """The booth screen of one lane: live verdict, document, hit card, dispositions, manual entry."""
    from .system import lanes

    valid_lane(lane)
    if lane not in {x["name"] for x in lanes(ctx())}:
        return render_template("booth_index.html", lanes=[x["name"] for x in lanes(ctx())], unknown=lane), 404
    sec = ctx().config["security"]
    booth_cfg = ctx().config["booth"]
    return render_template("booth.html", lane=lane, max_days=int(sec["suppression_max_days"]),
                           change_minutes=int(booth_cfg["decision_change_minutes"]), late_seconds=int(booth_cfg["late_read_seconds"]))


@bp.get("/console")
def console():
    """The technician console (a supervisor is sent to the supervisor's page)."""
    p = g.get("principal")
    if p is not None and not p.can("console") and p.can("suppression.approve"):
        return redirect(url_for("pages.supervisor"))
    return _console()


@require("console")
def _console():
    return render_template("console.html", max_list_age_hours=ctx().config["screening"]["max_list_age_hours"])


@bp.get("/supervisor")
@require("suppression.approve")
def supervisor():
    """All lanes at once: scans waiting for a decision, pending suppressions, the newest decisions."""
    sec = ctx().config["security"]
    return render_template("supervisor.html", max_days=int(sec["suppression_max_days"]),
                           change_minutes=int(ctx().config["booth"]["decision_change_minutes"]))
