"""JSON API under /api/v1: scans, live lane events, dispositions, suppressions, health."""

from __future__ import annotations

import json
import logging
import time

from flask import Blueprint, Response, current_app, g, jsonify, request, stream_with_context

from . import decisions, hitcard as hitcards, scans, suppress, system
from .auth import require, require_lane
from .errors import Forbidden, NotFound, Unauthorized, Unavailable, ValidationError
from .events import HEARTBEAT_SECONDS, format_event

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")

LANE_STATES = ("connected", "disconnected", "error")


def ctx():
    """The service's shared objects."""
    return current_app.extensions["appliance"]


def json_body() -> dict:
    """The request's JSON object, or a 400 with ``invalid_json``."""
    body = request.get_json(silent=True, force=True)
    if not isinstance(body, dict):
        raise ValidationError("the body must be a JSON object", code="invalid_json")
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, ValueError):
        raise ValidationError("the body holds text that is not valid Unicode", code="invalid_json") from None
    return body


def int_arg(name: str, default: int, lo: int, hi: int) -> int:
    """An integer query parameter within [lo, hi]."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError(f"{name} must be a whole number", code="invalid_parameter") from None
    if not lo <= value <= hi:
        raise ValidationError(f"{name} must be between {lo} and {hi}", code="invalid_parameter")
    return value


@bp.get("/health")
def health():
    """Liveness without credentials or personal data."""
    info = system.health(ctx())
    return jsonify(info), (200 if info["status"] == "ok" else 503)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    from .openapi import document

    return jsonify(document())


@bp.get("/me")
def me():
    """Who the credentials belong to."""
    p = g.get("principal")
    if p is None:
        raise Unauthorized("log in or send an API token")
    out = p.to_dict()
    if p.kind == "user":
        from .auth import csrf_token

        out["csrf_token"] = csrf_token()
    return jsonify(out)


@bp.get("/status")
@require("status")
def status():
    """Everything the technician console shows, as JSON."""
    return jsonify(system.status(ctx()))


@bp.post("/scans")
@require("scan.create")
def post_scan():
    """Screen a read and store it; a repeated ``read_id`` answers 200 with the same scan."""
    body = json_body()
    lane, mrz, source, read_id = scans.parse_scan_body(body)
    require_lane(lane)
    scan, created = scans.submit(ctx(), g.principal, lane, mrz, source, read_id, read_at=scans.read_time(body))
    return jsonify(_for_principal(scan)), (201 if created else 200)


def _for_principal(scan: dict) -> dict:
    """Machines get the whole screening result; people see match details only in the audited hit card."""
    if g.principal.kind == "user":
        scan = {**scan, "matches": [scans.summarise_match(m) for m in scan.get("matches") or []]}
    return scan


@bp.post("/scans/image")
@require("scan.create")
def post_scan_image():
    """Read the MRZ from an uploaded document image; screen it when every check passes."""
    lane = scans.valid_lane(request.form.get("lane", ""))
    require_lane(lane)
    upload = request.files.get("image")
    if upload is None:
        raise ValidationError("upload the image in the 'image' field", code="image_missing")
    data = upload.read()
    if not data:
        raise ValidationError("the image is empty", code="image_missing")
    try:
        from firmware_bridge.ocr import read_mrz_image
    except ImportError:
        raise ValidationError("image reading is not installed on this box", code="ocr_unavailable", status=503) from None
    from firmware_bridge.errors import BridgeError

    from firmware_bridge.ocr.errors import OCREngineError

    try:
        read = read_mrz_image(data)
    except OCREngineError:
        raise ValidationError("the image reader is not working on this box; enter the MRZ by hand",
                              code="ocr_unavailable", status=503) from None
    except BridgeError as exc:
        raise ValidationError(f"not a usable image: {exc}", code="image_unusable") from None
    if read.status != "ok" or not read.mrz:
        return jsonify({"error": "image_unreadable", "message": "the MRZ could not be read with every check passing; confirm it by hand",
                        "best_guess": read.best_guess, "elapsed_ms": read.elapsed_ms}), 422
    scan, created = scans.submit(ctx(), g.principal, lane, read.mrz, "image", None)
    hitcards.store_image(ctx(), scan["id"], data, scan["created_at"])  # the hit card's portrait area shows it
    return jsonify(_for_principal(scan)), 201


@bp.get("/scans")
@require("scan.read")
def list_scans():
    """Recent scans (matches summarised), newest first; ``after`` gives those after an id."""
    lane = request.args.get("lane") or None
    if lane:
        scans.valid_lane(lane)
        require_lane(lane)
    elif "*" not in g.principal.lanes:
        raise Forbidden("name a lane", code="lane_forbidden")
    decision = request.args.get("decision") or None
    if decision and decision not in scans.DECISIONS:
        raise ValidationError("unknown decision", code="invalid_parameter")
    rows = scans.list_scans(ctx().reader(), lane=lane, after_id=int_arg("after", 0, 0, 2**62),
                            limit=int_arg("limit", 50, 1, 500), decision=decision)
    return jsonify({"scans": [scans.scan_view(r) for r in rows]})


def _scan_for_principal(scan_id: int) -> dict:
    row = scans.get_scan_row(ctx().reader(), scan_id)
    require_lane(row["lane"])
    return row


@bp.get("/scans/<int:scan_id>")
@require("scan.read")
def get_scan(scan_id: int):
    """One scan with its dispositions (matches summarised; the hit card has the details)."""
    row = _scan_for_principal(scan_id)
    return jsonify(scans.scan_view(row, dispositions=scans.dispositions_of(ctx().reader(), scan_id)))


@bp.get("/scans/<int:scan_id>/hitcard")
@require("hitcard")
def hitcard(scan_id: int):
    """The full matches with evidence per feature; every view is audited."""
    c = ctx()
    row = _scan_for_principal(scan_id)
    c.record(g.principal.actor, "hitcard.view", f"scan:{scan_id}", {"decision": row["decision"]})
    return jsonify(hitcards.build(c, row, scans.scan_view(row, full=True)))


@bp.get("/scans/<int:scan_id>/image")
@require("hitcard")
def scan_image(scan_id: int):
    """The document image a scan was read from (the hit card's portrait area); every view is audited."""
    c = ctx()
    row = _scan_for_principal(scan_id)
    image = hitcards.load_image(c.reader(), row["id"])
    if image is None:
        raise NotFound("this scan has no document image", code="image_not_found")
    c.record(g.principal.actor, "image.view", f"scan:{scan_id}", {})
    resp = Response(image[1], mimetype=image[0])
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/lanes/<lane>/queue")
@require("scan.read")
def lane_queue(lane: str):
    """Scans of the lane that still need a decision (oldest first) and the newest decisions on it."""
    scans.valid_lane(lane)
    require_lane(lane)
    db = ctx().reader()
    rows, total = decisions.queue(db, lane, int_arg("limit", 100, 1, 500))
    return jsonify({"lane": lane, "total": total, "scans": [scans.scan_view(r) for r in rows],
                    "decided": decisions.recent_decisions(db, lane, 20)})


@bp.get("/supervisor")
@require("suppression.approve")
def supervisor_overview():
    """Every lane's scans waiting for a decision, pending suppressions, newest decisions and reader state."""
    c = ctx()
    db = c.reader()
    rows, total = decisions.queue(db, None, int_arg("limit", 200, 1, 1000))
    return jsonify({"total": total, "scans": [scans.scan_view(r) for r in rows],
                    "suppressions": suppress.listing(db, "pending"),
                    "decided": decisions.recent_decisions(db, None, 30),
                    "lanes": system.lanes(c)})


@bp.post("/scans/<int:scan_id>/disposition")
@require("disposition")
def disposition(scan_id: int):
    """An officer's disposition: ``confirmed`` (referred) or ``false_positive`` with a reason."""
    row = _scan_for_principal(scan_id)
    out = scans.dispose(ctx(), g.principal, row["id"], json_body())
    return jsonify(out), 201


@bp.get("/suppressions")
@require("suppression.approve")
def list_suppressions():
    """Suppression requests and approvals, newest first."""
    status = request.args.get("status") or None
    if status and status not in ("pending", "approved", "rejected"):
        raise ValidationError("status: pending, approved or rejected", code="invalid_parameter")
    return jsonify({"suppressions": suppress.listing(ctx().reader(), status)})


@bp.post("/suppressions/<int:sup_id>/decision")
@require("suppression.approve")
def decide_suppression(sup_id: int):
    """A supervisor approves (``{"approve": true, "days": N}``) or rejects a suppression."""
    body = json_body()
    approve = body.get("approve")
    if not isinstance(approve, bool):
        raise ValidationError("approve must be true or false", code="invalid_request")
    c = ctx()
    with c.write() as db:
        sup = suppress.decide(db, sup_id, g.principal.actor, approve, body.get("days"),
                              int(c.config["security"]["suppression_max_days"]))
        c.audit.append(db, g.principal.actor, "suppression.approve" if approve else "suppression.reject",
                       f"suppression:{sup_id}", {"scan": sup["scan_id"], "days": sup["days"], "expires_at": sup["expires_at"]})
    return jsonify(sup)


@bp.get("/lanes")
def lanes():
    """Configured and reporting lanes with their reader state."""
    p = g.get("principal")
    if p is None:
        raise Unauthorized("log in or send an API token")
    if not (p.can("booth") or p.can("lanes.read") or p.can("events")):
        raise Forbidden(f"role {p.role!r} may not do this")
    return jsonify({"lanes": [x for x in system.lanes(ctx()) if p.may_use_lane(x["name"])]})


@bp.post("/lanes/<lane>/status")
@require("lane.report")
def lane_status(lane: str):
    """A bridge reports its reader's state (on each change and every 30 s)."""
    scans.valid_lane(lane)
    require_lane(lane)
    body = json_body()
    state = body.get("state")
    if state not in LANE_STATES:
        raise ValidationError(f"state must be one of {', '.join(LANE_STATES)}", code="invalid_state")
    for key in ("reads", "read_errors"):
        if body.get(key) is not None and (isinstance(body[key], bool) or not isinstance(body[key], int)):
            raise ValidationError(f"{key} must be a whole number", code="invalid_request")
    for key in ("profile", "port", "last_read_at", "detail"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise ValidationError(f"{key} must be text", code="invalid_request")
    system.record_lane_status(ctx(), lane, body)
    return jsonify({"lane": lane, "state": state}), 200


#: Milliseconds a browser waits before reopening a dropped event stream.
RETRY_MS = 1000
#: Seconds between ``alive`` events on a booth's stream (the booth calls itself offline after 2 s without one).
BOOTH_HEARTBEAT_SECONDS = 0.5


def alive(c, lane: str) -> dict:
    """The booth's heartbeat: the service's time and the lane's reader state in words a screen can use."""
    return {"time": system.iso(system.utcnow()), "reader": system.reader_state(c, lane)}


def max_streams(c) -> int:
    """Live event streams allowed at once: the server's threads less a quarter (at least 4) kept for requests."""
    threads = int(c.config["server"]["threads"])
    return max(1, threads - max(4, threads // 4))


@bp.get("/lanes/<lane>/events")
@require("events")
def lane_events(lane: str):
    """Server-sent events: one ``data:`` line with the scan JSON per verdict on ``lane``, live.

    A reconnecting client sends ``Last-Event-ID`` (or ``?after=ID``) and first gets the scans
    it missed; ``?limit=N`` closes the stream after N scan events. ``?heartbeat=1`` (the booth)
    adds an ``alive`` event with the lane's reader state every ``BOOTH_HEARTBEAT_SECONDS``, so a
    screen knows within two seconds when the service or its reader is gone.
    """
    scans.valid_lane(lane)
    require_lane(lane)
    c = ctx()
    after = request.headers.get("Last-Event-ID") or request.args.get("after")
    try:
        after_id = int(after) if after else 0
    except ValueError:
        raise ValidationError("Last-Event-ID must be a scan id", code="invalid_parameter") from None
    limit = int_arg("limit", 0, 0, 100000)
    heartbeat = request.args.get("heartbeat") == "1"
    if c.events.subscribers() >= max_streams(c):
        # every open stream holds a server thread: keep some for scans from the readers
        raise Unavailable(f"too many live screens are open ({max_streams(c)}); close one or raise server.threads",
                          code="too_many_screens")
    sub = c.events.subscribe(lane)
    missed = scans.list_scans(c.reader(), lane=lane, after_id=after_id, limit=100) if after is not None else []

    def stream():
        sent = 0
        last = after_id
        try:
            yield f"retry: {RETRY_MS}\n: lane {lane}\n\n"
            for row in missed:
                yield format_event(scans.scan_view(row), event_id=row["id"])
                last = row["id"]
                sent += 1
                if limit and sent >= limit:
                    return
            if heartbeat:
                yield format_event(alive(c, lane), name="alive")
            while True:
                try:
                    event = sub.get(BOOTH_HEARTBEAT_SECONDS if heartbeat else HEARTBEAT_SECONDS)
                except StopIteration:
                    return
                if event is None:
                    yield format_event(alive(c, lane), name="alive") if heartbeat else ": keep-alive\n\n"
                    continue
                if event["id"] <= last:
                    continue
                last = event["id"]
                yield format_event(event, event_id=event["id"])
                sent += 1
                if limit and sent >= limit:
                    return
        finally:
            sub.close()

    resp = Response(stream_with_context(stream()), mimetype="text/event-stream")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Accel-Buffering"] = "no"
    return resp


@bp.post("/mrz/check")
@require("scan.create")
def mrz_check():
    """Parse MRZ text without screening or storing it (manual entry feedback)."""
    body = json_body()
    text = body.get("mrz")
    if not isinstance(text, str) or not text.strip() or len(text) > scans.MAX_MRZ_CHARS:
        raise ValidationError("mrz: the MRZ text is required", code="invalid_mrz")
    from firmware_bridge.errors import BridgeError
    from firmware_bridge.mrz import parse_mrz

    t0 = time.perf_counter()
    try:
        result = parse_mrz(text.strip("\r\n")).to_dict()
    except BridgeError as exc:
        return jsonify({"error": "not_an_mrz", "message": str(exc) or "not an MRZ"}), 422
    result["elapsed_ms"] = round((time.perf_counter() - t0) * 1000, 2)
    return jsonify(json.loads(json.dumps(result, default=str)))
