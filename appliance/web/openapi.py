"""The OpenAPI 3.1 document served at /api/v1/openapi.json."""

from __future__ import annotations

from .system import version

_ERROR = {"$ref": "#/components/schemas/Error"}


def _op(summary: str, perm: str | None, responses: dict, *, body: dict | None = None, params: list | None = None,
        content_type: str = "application/json") -> dict:
    op: dict = {"summary": summary, "responses": {}}
    if perm is None:
        op["security"] = []
    else:
        op["x-permission"] = perm
    for code, (desc, schema) in responses.items():
        r: dict = {"description": desc}
        if schema is not None:
            mime = "text/event-stream" if schema == "sse" else "application/json"
            r["content"] = {mime: {"schema": {"type": "string"} if schema == "sse" else schema}}
        op["responses"][str(code)] = r
    for code, desc in (("400", "invalid request"), ("401", "no valid credentials"), ("403", "role or lane not allowed")):
        if perm is not None or code == "400":
            op["responses"].setdefault(code, {"description": desc, "content": {"application/json": {"schema": _ERROR}}})
    if body is not None:
        op["requestBody"] = {"required": True, "content": {content_type: {"schema": body}}}
    if params:
        op["parameters"] = params
    return op


def _path_param(name: str, kind: str = "string") -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


def _query(name: str, kind: str = "string", doc: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": {"type": kind}, "description": doc}


OBJ = {"type": "object"}
SCAN = {"$ref": "#/components/schemas/Scan"}


def document() -> dict:
    """The whole OpenAPI document."""
    scan_body = {
        "type": "object", "required": ["lane", "mrz"], "additionalProperties": False,
        "properties": {
            "lane": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"},
            "mrz": {"type": "string", "maxLength": 400, "description": "MRZ lines joined with newlines"},
            "source": {"type": "string", "enum": ["serial", "image", "manual"], "default": "serial"},
            "read_id": {"type": "string", "maxLength": 128, "description": "makes the request idempotent"},
            "read_at": {"type": "string", "format": "date-time", "description": "when the reader read the document (kept beside the delivery time)"},
            "received_at": {"type": "string"}, "profile": {"type": "string"}, "port": {"type": "string"},
            "raw": {}, "meta": {},
        },
    }
    lane_status = {
        "type": "object", "required": ["state"],
        "properties": {"state": {"type": "string", "enum": ["connected", "disconnected", "error"]}, "profile": {"type": "string"},
                       "port": {"type": "string"}, "last_read_at": {"type": "string"}, "reads": {"type": "integer"},
                       "read_errors": {"type": "integer"}, "detail": {"type": "string"}},
    }
    disposition = {
        "type": "object", "required": ["action"],
        "properties": {"action": {"type": "string", "enum": ["confirmed", "false_positive"]}, "reason": {"type": "string"},
                       "referred": {"type": "boolean"}, "suppress_days": {"type": "integer", "minimum": 1},
                       "replaces": {"type": "integer", "description": "id of the decision in force, to change it"},
                       "change_reason": {"type": "string", "description": "why the decision changes (required with replaces)"}},
    }
    paths = {
        "/health": {"get": _op("Liveness; no credentials, no personal data", None, {200: ("ok", OBJ), 503: ("database unavailable", OBJ)})},
        "/openapi.json": {"get": _op("This document", None, {200: ("OpenAPI 3.1", OBJ)})},
        "/me": {"get": _op("Who the credentials belong to", "any", {200: ("principal", OBJ)})},
        "/status": {"get": _op("Lanes, lists, sync, disk, memory, clock", "status", {200: ("status", OBJ)})},
        "/scans": {
            "post": _op("Screen and store a read (idempotent per read_id)", "scan.create",
                        {201: ("stored; the screening result plus id", SCAN), 200: ("this read_id was already stored", SCAN),
                         409: ("read_id used on another lane", _ERROR), 503: ("screening engine unavailable", _ERROR)}, body=scan_body),
            "get": _op("Recent scans, matches summarised", "scan.read", {200: ("scans", OBJ)},
                       params=[_query("lane"), _query("after", "integer", "only scans after this id"), _query("limit", "integer"),
                               _query("decision")]),
        },
        "/scans/image": {"post": _op("Read the MRZ of an uploaded image and screen it", "scan.create",
                                     {201: ("stored", SCAN), 422: ("MRZ not readable; best_guess for manual confirmation", OBJ)},
                                     body={"type": "object", "properties": {"lane": {"type": "string"}, "image": {"type": "string", "format": "binary"}}},
                                     content_type="multipart/form-data")},
        "/scans/{id}": {"get": _op("One scan with dispositions, matches summarised", "scan.read",
                                   {200: ("scan", SCAN), 404: ("no such scan", _ERROR)}, params=[_path_param("id", "integer")])},
        "/scans/{id}/hitcard": {"get": _op("Full matches with evidence per feature and list ages (audited)", "hitcard",
                                           {200: ("hit card", SCAN), 404: ("no such scan", _ERROR)}, params=[_path_param("id", "integer")])},
        "/scans/{id}/disposition": {"post": _op("Record the decision on a HIT, POSSIBLE_MATCH or DOCUMENT_INVALID (one per scan; "
                                                "a change needs replaces and change_reason)", "disposition",
                                                {201: ("recorded", OBJ), 403: ("only a supervisor may change it now", _ERROR),
                                                 409: ("nothing to decide, already decided, or changed meanwhile", _ERROR)},
                                                body=disposition, params=[_path_param("id", "integer")])},
        "/scans/{id}/image": {"get": _op("The document image the scan was read from (audited)", "hitcard",
                                         {200: ("the image", OBJ), 404: ("no image", _ERROR)}, params=[_path_param("id", "integer")])},
        "/lanes/{lane}/queue": {"get": _op("Scans of the lane waiting for a decision, oldest first; newest decisions", "scan.read",
                                           {200: ("queue", OBJ)}, params=[_path_param("lane"), _query("limit", "integer")])},
        "/supervisor": {"get": _op("Every lane's scans waiting for a decision, pending suppressions, newest decisions",
                                   "suppression.approve", {200: ("overview", OBJ)}, params=[_query("limit", "integer")])},
        "/suppressions": {"get": _op("Suppression requests", "suppression.approve", {200: ("list", OBJ)}, params=[_query("status")])},
        "/suppressions/{id}/decision": {"post": _op("Approve (days) or reject a suppression; not one's own", "suppression.approve",
                                                    {200: ("decided", OBJ), 409: ("already decided", _ERROR)},
                                                    body={"type": "object", "required": ["approve"], "properties": {"approve": {"type": "boolean"}, "days": {"type": "integer"}}},
                                                    params=[_path_param("id", "integer")])},
        "/lanes": {"get": _op("Lanes and reader state", "booth|lanes.read|events", {200: ("lanes", OBJ)})},
        "/lanes/{lane}/status": {"post": _op("A bridge reports its reader's state", "lane.report", {200: ("stored", OBJ)},
                                             body=lane_status, params=[_path_param("lane")])},
        "/lanes/{lane}/events": {"get": _op("Server-sent events: one data line with the scan JSON per verdict", "events",
                                            {200: ("text/event-stream", "sse"), 503: ("too many live screens open", _ERROR)},
                                            params=[_path_param("lane"), _query("after", "integer", "replay scans after this id (or Last-Event-ID)"),
                                                    _query("limit", "integer", "close after this many events"),
                                                    _query("heartbeat", "integer", "1: an 'alive' event with the reader state every 0.5 s")])},
        "/lanes/{lane}/selftest": {"post": _op("Virtual-scanner self-test (nothing stored)", "selftest", {200: ("result", OBJ)}, params=[_path_param("lane")])},
        "/mrz/check": {"post": _op("Parse MRZ text without screening", "scan.create", {200: ("MRZ engine result", OBJ), 422: ("not an MRZ", _ERROR)},
                                   body={"type": "object", "required": ["mrz"], "properties": {"mrz": {"type": "string"}}})},
        "/lists": {"get": _op("Lists with version, age and counts", "lists.read|booth", {200: ("lists", OBJ)})},
        "/stats": {"get": _op("Scans per hour by verdict and latency per hour", "console", {200: ("hours", OBJ)}, params=[_query("hours", "integer")])},
        "/logs": {"get": _op("Recent redacted log lines", "logs", {200: ("lines", OBJ)}, params=[_query("limit", "integer")])},
        "/config": {
            "get": _op("Configuration in force and every setting's schema", "config.read", {200: ("config", OBJ)}),
            "put": _op("Validate and save changed settings (new ports are tested first)", "config.write",
                       {200: ("saved", OBJ)}, body={"type": "object", "required": ["settings"], "properties": {"settings": OBJ}}),
        },
        "/config/test-port": {"post": _op("Open a serial port with lane settings and read briefly", "config.write",
                                          {200: ("port works", OBJ), 422: ("port failed", OBJ)}, body=OBJ)},
        "/users": {"get": _op("People", "users", {200: ("users", OBJ)}),
                   "post": _op("Add a person", "users", {201: ("added", OBJ), 409: ("exists", _ERROR)},
                               body={"type": "object", "required": ["username", "role", "password"]})},
        "/users/{username}/{action}": {"post": _op("disable, enable (clears lockout) or password", "users", {200: ("user", OBJ)},
                                                   params=[_path_param("username"), _path_param("action")])},
        "/tokens": {"get": _op("API token records", "tokens", {200: ("tokens", OBJ)}),
                    "post": _op("Create a bridge or terminal token (shown once)", "tokens", {201: ("token", OBJ)},
                                body={"type": "object", "required": ["role", "lanes"]})},
        "/tokens/{id}/revoke": {"post": _op("Revoke a token", "tokens", {200: ("revoked", OBJ)}, params=[_path_param("id", "integer")])},
        "/audit": {"get": _op("Newest audit records", "audit.read", {200: ("records", OBJ)}, params=[_query("limit", "integer"), _query("action")])},
        "/audit/verify": {"get": _op("Verify the hash chain", "audit.read", {200: ("report", OBJ)})},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Border screening appliance API", "version": version(),
                 "description": "Booth terminal, bridge and console API. Errors are JSON {error, message} with stable codes."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"session": []}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "API token of a bridge or terminal"},
                "session": {"type": "apiKey", "in": "cookie", "name": "appliance_session",
                            "description": "browser session; unsafe methods also need the X-CSRF-Token header"},
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error", "message"],
                          "properties": {"error": {"type": "string"}, "message": {"type": "string"}}},
                "Scan": {"type": "object", "required": ["id", "lane", "decision"], "properties": {
                    "id": {"type": "integer"}, "read_id": {"type": "string"}, "lane": {"type": "string"}, "source": {"type": "string"},
                    "created_at": {"type": "string"}, "read_at": {"type": "string"}, "delivered_at": {"type": "string"},
                    "decision": {"type": "string", "enum": ["CLEAR", "HIT", "POSSIBLE_MATCH", "DOCUMENT_INVALID", "READ_ERROR"]},
                    "reasons": {"type": "array"}, "document": {"type": ["object", "null"]}, "matches": {"type": "array"},
                    "lists": {}, "stale": {"type": "boolean"}, "elapsed_ms": {"type": "number"}, "dispositions": {"type": "array"}}},
            },
        },
        "paths": paths,
    }
