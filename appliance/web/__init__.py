"""Booth terminal, technician console and JSON API (Flask).

``create_app(test_config)`` builds the application; shared objects live in
``app.extensions["appliance"]`` (:class:`appliance.web.context.Appliance`).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from pathlib import Path

from flask import Flask, g, jsonify, redirect, request, url_for
from werkzeug.exceptions import HTTPException

from ..config import load_config
from .auth import ApplianceSessionInterface, load_principal
from .context import Appliance, load_secret
from .errors import WebError
from .logbuffer import install as install_log_buffer

log = logging.getLogger(__name__)

#: Largest request body (an uploaded document image).
MAX_BODY_BYTES = 8 * 1024 * 1024


def create_app(test_config: dict | None = None) -> Flask:
    """Build the service for a data directory.

    ``test_config`` may hold ``DATA_DIR`` (else ``appliance.data_dir``), ``SETTINGS``
    (section -> values laid over the configuration file), ``CONFIG`` (a ready
    :class:`appliance.config.Config`) and any Flask setting.
    """
    tc = dict(test_config or {})
    data_dir = tc.pop("DATA_DIR", None)
    config = tc.pop("CONFIG", None) or load_config(data_dir=data_dir, overrides=tc.pop("SETTINGS", None))
    data_dir = Path(data_dir or config["appliance"]["data_dir"])
    ctx = Appliance(config, data_dir)

    app = Flask(__name__)
    app.extensions["appliance"] = ctx
    app.secret_key = load_secret(data_dir)
    security = config["security"]
    app.config.update(
        SESSION_COOKIE_NAME="appliance_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=bool(config["server"]["secure_cookies"]),
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=float(security["session_hours"])),
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        JSON_SORT_KEYS=False,
    )
    app.config.update(tc)
    app.session_interface = ApplianceSessionInterface()
    install_log_buffer()

    from . import api, api_admin, pages

    app.before_request(load_principal)
    app.register_blueprint(api.bp)
    app.register_blueprint(api_admin.bp)
    app.register_blueprint(pages.bp)
    _register_metrics(app)
    _register_errors(app)
    app.after_request(_security_headers)

    @app.get("/")
    def index():
        """Send people to their screen: officers to the booth, technicians to the console."""
        p = g.get("principal")
        if p is None:
            return redirect(url_for("pages.login"))
        if p.can("booth"):
            return redirect(url_for("pages.booth_index"))
        return redirect(url_for("pages.console"))

    return app


def _register_metrics(app: Flask) -> None:
    """Register ``/metrics`` (appliance.web.metrics:bp, owned by deployment) when present."""
    try:
        module = importlib.import_module("appliance.web.metrics")
    except ModuleNotFoundError as exc:
        if exc.name != "appliance.web.metrics":
            raise
        return
    bp = getattr(module, "bp", None)
    if bp is not None:
        app.register_blueprint(bp)


def wants_json() -> bool:
    """True for API requests and clients that prefer JSON over HTML."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _register_errors(app: Flask) -> None:
    """JSON errors with stable codes; pages get a small HTML page; never a traceback."""
    from .pages import error_page

    @app.errorhandler(WebError)
    def web_error(exc: WebError):
        """A WebError as JSON (API) or a page / login redirect (browser)."""
        if not wants_json():
            if exc.status == 401:
                return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
            return error_page(exc.status, exc.code, exc.message)
        resp = jsonify(exc.to_dict())
        resp.status_code = exc.status
        if exc.status == 401:
            resp.headers["WWW-Authenticate"] = 'Bearer realm="appliance"'
        if exc.status == 429 and "retry_after" in exc.extra:
            resp.headers["Retry-After"] = str(exc.extra["retry_after"])
        return resp

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        """Werkzeug's 404, 405, 413 ... with a stable code."""
        code = (exc.name or "error").lower().replace(" ", "_")
        if not wants_json():
            return error_page(exc.code or 500, code, exc.description or exc.name)
        resp = jsonify({"error": code, "message": exc.description or exc.name})
        resp.status_code = exc.code or 500
        return resp

    @app.errorhandler(Exception)
    def internal_error(exc: Exception):
        """Anything unexpected: logged, answered without a traceback."""
        log.error("internal error on %s %s: %s", request.method, request.path, type(exc).__name__)
        log.debug("internal error", exc_info=True)
        if not wants_json():
            return error_page(500, "internal_error", "Something went wrong inside the appliance; it has been logged.")
        resp = jsonify({"error": "internal_error", "message": "internal error; it has been logged"})
        resp.status_code = 500
        return resp


def _security_headers(resp):
    """No external assets, no framing, no caching of personal data."""
    resp.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("Referrer-Policy", "no-referrer")
    if not request.path.startswith("/static/"):
        resp.headers.setdefault("Cache-Control", "no-store")
    return resp
