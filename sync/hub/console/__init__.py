"""The hub's web console (hit desk, fleet, lists, users, audit) on the hub's Flask app.

``register(app)`` adds the pages and the JSON API under ``/console/api``; the boxes' API
(``/api/v1``) is untouched. Users are the console's own (``screening-hub users``), never the
boxes' credentials.
"""

from __future__ import annotations

import logging

from flask import Flask, redirect, render_template, request, url_for

from ..accounts import AccountError
from ..errors import ApiError, PublishError

log = logging.getLogger(__name__)

#: Paths that belong to the console (pages, API, static files).
PAGE_PREFIXES = ("/login", "/logout", "/desk", "/fleet", "/lists", "/users", "/audit", "/console/")


def is_console(path: str) -> bool:
    """True for a console page, API call or static file."""
    return path == "/" or path.startswith(PAGE_PREFIXES)


def wants_html() -> bool:
    """True for console pages (not the console's JSON API)."""
    return is_console(request.path) and not request.path.startswith("/console/api/")


def error_response(status: int, code: str, message: str):
    """A console error: a small page for pages (401 goes to the login), JSON for the API."""
    if wants_html():
        if status == 401:
            return redirect(url_for("console_pages.login", next=request.full_path.rstrip("?")))
        return render_template("hub_error.html", status=status, code=code, message=message), status
    from flask import jsonify

    return jsonify({"error": code, "message": message}), status


def _headers(resp):
    if is_console(request.path):
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        if not request.path.startswith("/console/static/"):
            resp.headers.setdefault("Cache-Control", "no-store")
    return resp


def register(app: Flask) -> None:
    """Add the console to the hub app."""
    from . import api, pages
    from .auth import load_user

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)

    @app.before_request
    def _console_user():
        if is_console(request.path) and not request.path.startswith("/console/static/"):
            load_user()

    @app.errorhandler(AccountError)
    def _account_error(exc: AccountError):
        return error_response(exc.status, exc.code, exc.message)

    @app.errorhandler(PublishError)
    def _publish_error(exc: PublishError):
        if is_console(request.path):
            return error_response(400, "publish_refused", str(exc))
        return error_response(400, "publish_refused", str(exc))

    app.after_request(_headers)
    app.extensions["hub_console_errors"] = (ApiError, error_response)
