"""The hub's HTTP API (Flask): enrollment, keys, signed list updates, payloads, record upload."""

from __future__ import annotations

import datetime as dt
import logging
import re

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from ..errors import ProtocolError
from ..protocol.canonical import parse_iso
from ..protocol.upload import read_box_header, read_lanes
from . import appliances, lists, records
from .errors import ApiError
from .jsonbody import parse_json
from .keys import key_document
from .service import Hub
from .settings import HubSettings

log = logging.getLogger(__name__)
api = Blueprint("api", __name__, url_prefix="/api/v1")
_RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")
_SHA = re.compile(r"^[0-9a-f]{64}$")
_VERSION = re.compile(r"^[0-9]{1,12}$")


def hub() -> Hub:
    """The Hub object of the running app."""
    return current_app.extensions["hub"]


def _json_body() -> object:
    """The request's JSON body; malformed, non-standard (NaN) or absurdly nested JSON is a 400."""
    if not request.is_json:
        raise ApiError(400, "malformed_json", "the request body must be JSON (Content-Type: application/json)")
    return parse_json(request.get_data(cache=False))


def _whole(value) -> bool:
    """A whole number >= 0 that fits a 64-bit column (bools are not numbers here)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


def _authenticate() -> tuple[int, str]:
    ident = appliances.authenticate(hub().db, request.headers.get("Authorization"))
    g.appliance = ident
    return ident


@api.post("/enroll")
def enroll():
    """Exchange a one-time enrollment token for a box credential."""
    body = _json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "malformed_json", "expected a JSON object with 'token'")
    result = appliances.enroll(hub().db, body.get("token"))
    log.info("appliance %s enrolled", result["appliance"])
    return jsonify({**result, **key_document(hub().db)}), 201


@api.get("/keys")
def get_keys():
    """The active public key and the chain of rotations (public: boxes verify it themselves)."""
    return jsonify(key_document(hub().db))


@api.get("/lists")
def get_lists():
    """The signed index of lists and their newest versions."""
    _, name = _authenticate()
    return jsonify(hub().signed_index(name))


@api.get("/lists/<name>/update")
def get_update(name: str):
    """The signed manifest bringing the box from ``?from=N`` to the newest version."""
    _authenticate()
    if not lists.LIST_NAME.fullmatch(name):  # no list could have this name (and NUL cannot go to PostgreSQL)
        raise ApiError(404, "unknown_list", "no list has that name")
    raw = request.args.get("from", "0")
    if not _VERSION.fullmatch(raw):
        raise ApiError(400, "bad_version", "'from' must be a whole number >= 0")
    manifest = hub().manifest(name, int(raw))
    if manifest is None:
        return Response(status=204)
    return jsonify(manifest)


@api.get("/payloads/<sha256>")
def get_payload(sha256: str):
    """Payload bytes by hash; honours ``Range: bytes=a-b`` so a box can resume."""
    _authenticate()
    if not _SHA.fullmatch(sha256):
        raise ApiError(400, "bad_hash", "payloads are named by their SHA-256 in lowercase hex")
    data = hub().payload(sha256)
    if data is None:
        raise ApiError(404, "unknown_payload", "no such payload (it may have been superseded; ask for a new manifest)")
    size = len(data)
    header = request.headers.get("Range")
    headers = {"Accept-Ranges": "bytes", "ETag": f'"{sha256}"', "Cache-Control": "private, max-age=31536000, immutable"}
    if not header:
        return Response(data, 200, headers=headers, mimetype="application/gzip")
    m = _RANGE.match(header.strip())
    if not m or (not m.group(1) and not m.group(2)):
        raise ApiError(416, "bad_range", "only a single 'bytes=start-end' range is supported")
    if m.group(1):
        start = int(m.group(1))
        end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
    else:
        start, end = max(size - int(m.group(2)), 0), size - 1
    if start >= size or end < start:
        return Response(status=416, headers={"Content-Range": f"bytes */{size}"})
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return Response(data[start:end + 1], 206, headers=headers, mimetype="application/gzip")


@api.post("/records")
def post_records():
    """A batch of outbox records; every key is acknowledged, repeated keys are stored once."""
    ident, _ = _authenticate()
    body = _json_body()
    rows = records.validate_batch(body, hub().settings.max_batch_records)
    try:
        box = read_box_header(body.get("box"))
    except ProtocolError as exc:
        raise ApiError(400, "malformed_batch", str(exc)) from None
    result = records.ingest(hub().db, ident, rows, box=box, notify=hub().notify_rules())
    hub().wake()
    return jsonify(result)


@api.post("/checkin")
def post_checkin():
    """The box reports its list versions, queue depth and alarms."""
    ident, name = _authenticate()
    body = _json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "malformed_json", "expected a JSON object")
    lists_held = body.get("lists", {})
    depth = body.get("queue_depth")
    alarms = body.get("alarms", [])
    if not isinstance(lists_held, dict) or len(lists_held) > 1000 or not all(
        isinstance(k, str) and len(k) <= 200 and _whole(v) for k, v in lists_held.items()
    ):
        raise ApiError(400, "malformed_checkin", "'lists' must map list names to versions (whole numbers >= 0)")
    if depth is not None and not _whole(depth):
        raise ApiError(400, "malformed_checkin", "'queue_depth' must be a whole number")
    if not isinstance(alarms, list) or len(alarms) > 50 or not all(isinstance(a, str) and len(a) <= 500 for a in alarms):
        raise ApiError(400, "malformed_checkin", "'alarms' must be a short list of strings")
    try:
        box = read_box_header(body)
        lanes = read_lanes(body.get("lanes"))
    except ProtocolError as exc:
        raise ApiError(400, "malformed_checkin", str(exc)) from None
    status = {"lists": lists_held, "queue_depth": depth, "alarms": alarms, "lanes": lanes, **box}
    if "sent_at" in box:
        sent = parse_iso(box["sent_at"])
        status["clock_offset_seconds"] = round((sent - dt.datetime.now(dt.timezone.utc)).total_seconds(), 1)
    appliances.checkin(hub().db, ident, status)
    return jsonify({"appliance": name, **records.count_for(hub().db, ident)})


@api.get("/appliances/<name>")
def get_appliance(name: str):
    """A box's own status as the hub sees it; another box's is forbidden."""
    _, me = _authenticate()
    if name != me:
        raise ApiError(403, "forbidden", "a box may only read its own data")
    return jsonify(appliances.status_of(hub().db, me))


def create_app(settings: HubSettings | None = None, *, hub_obj: Hub | None = None, test_config: dict | None = None) -> Flask:
    """Build the hub app for ``settings`` (or an existing Hub)."""
    app = Flask(__name__)
    the_hub = hub_obj or Hub(settings)
    app.config["MAX_CONTENT_LENGTH"] = int(the_hub.settings.max_body_mb * 1024 * 1024)
    app.config.update(test_config or {})
    app.extensions["hub"] = the_hub
    app.register_blueprint(api)
    from .console import error_response, is_console, register

    register(app)

    @app.get("/healthz")
    def healthz():
        """Readiness for load balancers: the database answers and the signing key loads."""
        the_hub.check()
        return jsonify({"status": "ok"})

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        log.info("refused %s %s: %s", request.method, request.path, exc.code)
        if is_console(request.path):
            return error_response(exc.status, exc.code, exc.message)
        return jsonify({"error": exc.code, "message": exc.message}), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = {413: "body_too_large", 404: "not_found", 405: "method_not_allowed"}.get(exc.code, "bad_request")
        if is_console(request.path):
            return error_response(exc.code or 400, code, exc.description or code)
        return jsonify({"error": code, "message": exc.description}), exc.code

    @app.errorhandler(Exception)
    def internal(exc: Exception):
        from ..errors import SyncError

        log.error("error serving %s %s: %s", request.method, request.path, type(exc).__name__, exc_info=not isinstance(exc, SyncError))
        if is_console(request.path):
            return error_response(500, "internal", "the hub could not handle this request; it has been logged")
        return jsonify({"error": "internal", "message": "the hub could not handle this request; see its log"}), 500

    return app
