"""JSON API for the technician console: users, tokens, configuration, audit, logs, charts, self-test."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from . import accounts, audit, logbuffer, settings, system
from .api import ctx, int_arg, json_body
from .auth import require
from .errors import ValidationError
from .scans import valid_lane

bp = Blueprint("api_admin", __name__, url_prefix="/api/v1")


# -- users ---------------------------------------------------------------------------------
@bp.get("/users")
@require("users")
def users_list():
    """Every person with role, state and last login."""
    return jsonify({"users": accounts.list_users(ctx().reader())})


@bp.post("/users")
@require("users")
def users_add():
    """Add a person: ``{"username", "role", "password"}``."""
    body = json_body()
    c = ctx()
    with c.write() as db:
        user = accounts.create_user(db, body.get("username"), body.get("password"), body.get("role"))
        c.audit.append(db, g.principal.actor, "user.add", f"user:{user['username']}", {"role": user["role"]})
    return jsonify(user), 201


@bp.post("/users/<username>/<action>")
@require("users")
def users_action(username: str, action: str):
    """``disable``, ``enable`` (also clears a lockout) or ``password`` (``{"password"}``)."""
    c = ctx()
    if action not in ("disable", "enable", "password"):
        raise ValidationError("action: disable, enable or password", code="invalid_action", status=404)
    if action == "disable" and g.principal.name == username:
        raise ValidationError("you cannot disable your own account", code="self_disable")
    password = json_body().get("password") if action == "password" else None
    with c.write() as db:
        if action == "password":
            user = accounts.set_password(db, username, password)
        else:
            user = accounts.set_disabled(db, username, action == "disable")
        c.audit.append(db, g.principal.actor, f"user.{action}", f"user:{user['username']}", {})
    return jsonify(user)


# -- tokens --------------------------------------------------------------------------------
@bp.get("/tokens")
@require("tokens")
def tokens_list():
    """Every API token record (never the tokens themselves)."""
    return jsonify({"tokens": accounts.list_tokens(ctx().reader())})


@bp.post("/tokens")
@require("tokens")
def tokens_create():
    """Create a token: ``{"role": "bridge"|"terminal", "lanes": [...], "label"}``; shown once."""
    body = json_body()
    lanes = body.get("lanes")
    if not isinstance(lanes, list) or not all(isinstance(x, str) for x in lanes):
        raise ValidationError("lanes must be a list of lane names ('*' for all)", code="invalid_lanes")
    for lane in lanes:
        if lane != "*":
            valid_lane(lane)
    label = body.get("label") or ""
    if not isinstance(label, str) or len(label) > 100:
        raise ValidationError("label: text up to 100 characters", code="invalid_request")
    c = ctx()
    with c.write() as db:
        raw, tok = accounts.create_token(db, body.get("role"), lanes, label=label, created_by=g.principal.actor)
        c.audit.append(db, g.principal.actor, "token.create", f"token:{tok['id']}", {"role": tok["role"], "lanes": tok["lanes"]})
    return jsonify({"token": raw, **tok}), 201


@bp.post("/tokens/<int:token_id>/revoke")
@require("tokens")
def tokens_revoke(token_id: int):
    """Revoke a token for good."""
    c = ctx()
    with c.write() as db:
        tok = accounts.revoke_token(db, token_id)
        c.audit.append(db, g.principal.actor, "token.revoke", f"token:{token_id}", {})
    return jsonify(tok)


# -- configuration -------------------------------------------------------------------------
@bp.get("/config")
@require("config.read")
def config_get():
    """The configuration in force (secrets masked) and every setting's description."""
    return jsonify(settings.describe(ctx()))


@bp.put("/config")
@require("config.write")
def config_put():
    """Change settings: ``{"settings": {section: {option: value}}}``; validated, new ports tested first."""
    body = json_body()
    changes = body.get("settings")
    if not isinstance(changes, dict):
        raise ValidationError("settings must be an object of sections", code="invalid_config")
    c = ctx()
    out = settings.update(c, changes)
    if out["changed"]:
        c.record(g.principal.actor, "config.change", str(out["path"]), {"changed": out["changed"]})
    return jsonify(out)


@bp.post("/config/test-port")
@require("config.write")
def config_test_port():
    """Open a serial port with lane settings and read from it briefly: ``{"port", "baud", ...}``."""
    body = json_body()
    seconds = body.pop("seconds", 2.0)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0.1 <= seconds <= 10:
        raise ValidationError("seconds: a number from 0.1 to 10", code="invalid_request")
    result = settings.test_port(body, seconds=float(seconds))
    return jsonify(result), (200 if result["ok"] else 422)


# -- lanes, lists, charts, logs ------------------------------------------------------------
@bp.post("/lanes/<lane>/selftest")
@require("selftest")
def lane_selftest(lane: str):
    """Send a fictitious document through a virtual scanner, a lane reader and the screening engine."""
    from .selftest import run_selftest

    valid_lane(lane)
    c = ctx()
    result = run_selftest(c, lane)
    c.record(g.principal.actor, "lane.selftest", f"lane:{lane}", {"ok": result["ok"]})
    return jsonify(result), 200


@bp.get("/lists")
def lists():
    """The lists on the box: version, age, counts."""
    p = g.get("principal")
    from .errors import Forbidden, Unauthorized

    if p is None:
        raise Unauthorized("log in or send an API token")
    if not (p.can("lists.read") or p.can("booth")):
        raise Forbidden(f"role {p.role!r} may not do this")
    return jsonify({"lists": system.lists_info(ctx())})


@bp.get("/stats")
@require("console")
def stats():
    """Scans and verdicts per hour and screening latency per hour (``?hours=24``)."""
    return jsonify(system.stats(ctx(), int_arg("hours", 24, 1, 168)))


@bp.get("/logs")
@require("logs")
def logs():
    """Recent log lines of the service, INFO and above, with personal data redacted."""
    return jsonify({"lines": logbuffer.recent(int_arg("limit", 100, 1, 500))})


# -- audit ---------------------------------------------------------------------------------
@bp.get("/audit")
@require("audit.read")
def audit_list():
    """Newest audit records (``?limit=``, ``?action=prefix``)."""
    action = request.args.get("action") or None
    return jsonify({"records": audit.recent(ctx().reader(), int_arg("limit", 100, 1, 1000), action)})


@bp.get("/audit/verify")
@require("audit.read")
def audit_verify():
    """Recompute the audit chain and report any edited or deleted record."""
    return jsonify(ctx().audit.verify(ctx().reader()).to_dict())
