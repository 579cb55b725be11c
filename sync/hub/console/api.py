"""The console's JSON API: hit desk, live stream, fleet, lists, users, audit, export."""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import time
from pathlib import Path

from flask import Blueprint, Response, current_app, g, jsonify, request, stream_with_context

from .. import accounts, desk, export, fleet
from .. import audit as hub_audit
from .. import lists as hub_lists
from ..errors import ApiError, PublishError
from ..jsonbody import parse_json
from .auth import actor, hub, require

log = logging.getLogger(__name__)
bp = Blueprint("console_api", __name__, url_prefix="/console/api")

HEARTBEAT_SECONDS = 15.0
FORMATS = ("un-xml", "ofac-csv", "csv", "ndjson", "documents-csv")


def _body() -> dict:
    if not request.is_json:
        raise ApiError(400, "malformed_json", "send JSON (Content-Type: application/json)")
    body = parse_json(request.get_data(cache=False))
    if not isinstance(body, dict):
        raise ApiError(400, "malformed_json", "expected a JSON object")
    return body


def _id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 18:
        raise ApiError(404, "hit_not_found", "no such hit")
    return int(raw)


@bp.get("/me")
@require("desk.read")
def me():
    """The logged-in user, role, permissions and CSRF token."""
    u = g.user
    return jsonify({"username": u["username"], "role": u["role"], "permissions": sorted(u["perms"]), "csrf_token": u["csrf"]})


@bp.get("/hits")
@require("desk.read")
def hits():
    """Hits newest first with the desk's filters; ``feed_seq`` is where the live stream should start."""
    feed = hub().feed
    seq = feed.head() if feed else 0
    filters = desk.filters_from(request.args)
    limit = request.args.get("limit", "50")
    if not limit.isdigit() or not 1 <= int(limit) <= 500:
        raise ApiError(400, "bad_filter", "limit: 1 to 500")
    return jsonify({"hits": desk.list_hits(hub().db, filters, int(limit)), "counts": desk.counts(hub().db), "feed_seq": seq})


@bp.get("/hits/<raw_id>")
@require("desk.read")
def hit(raw_id: str):
    """The full hit card (audited: it shows personal data)."""
    hit_id = _id(raw_id)
    found = desk.detail(hub().db, hit_id)
    if _first_view(actor(), hit_id):
        with hub().db.tx(write=True) as cur:
            hub().audit.append(cur, actor(), "hit.view", f"hit:{hit_id}", {})
    return jsonify(found)


#: A user looking at the same hit card again within this many seconds (the card refreshes live) is audited once.
VIEW_AUDIT_SECONDS = 600.0


def _first_view(user: str, hit_id: int) -> bool:
    """True unless this process audited ``user`` viewing ``hit_id`` in the last VIEW_AUDIT_SECONDS."""
    seen = current_app.extensions.setdefault("hub_card_views", {})
    now = time.monotonic()
    if len(seen) > 10_000:
        seen.clear()
    if now - seen.get((user, hit_id), -1e9) < VIEW_AUDIT_SECONDS:
        return False
    seen[(user, hit_id)] = now
    return True


@bp.post("/hits/<raw_id>/<action>")
def hit_action(raw_id: str, action: str):
    """acknowledge, assign, note, close or reopen a hit."""
    perm = "desk.note" if action == "note" else "desk.work"
    return require(perm)(_act)(raw_id, action)


def _act(raw_id: str, action: str):
    result = desk.act(hub().db, hub().audit, actor(), _id(raw_id), action, _body())
    hub().wake()
    return jsonify(result)


@bp.get("/assignees")
@require("desk.work")
def assignees():
    """Active console users a hit can be assigned to."""
    with hub().db.tx() as cur:
        return jsonify({"users": [u["username"] for u in accounts.list_users(cur) if not u["disabled"]]})


@bp.get("/stream")
@require("desk.read")
def stream():
    """Server-sent events: ``event: hit`` with ``{seq, kind, hit}`` for every new or changed hit."""
    feed = hub().feed
    if feed is None:
        raise ApiError(503, "no_feed", "this hub process does not run the live feed (use `screening-hub serve`)")
    raw = request.headers.get("Last-Event-ID") or request.args.get("after") or ""
    after = int(raw) if raw.isdigit() and len(raw) < 18 else feed.head()
    sub = feed.subscribe()

    def events():
        sent: set[int] = set()
        try:
            yield "retry: 2000\n\n"
            for event in feed.events_after(after):
                sent.add(event["seq"])
                yield _sse(event)
            last_beat = time.monotonic()
            while True:
                try:
                    event = sub.get(timeout=1.0)
                except StopIteration:
                    return
                if event is not None and event["seq"] > after and event["seq"] not in sent:
                    sent.add(event["seq"])
                    if len(sent) > 5000:
                        sent.clear()
                    yield _sse(event)
                elif time.monotonic() - last_beat > HEARTBEAT_SECONDS:
                    last_beat = time.monotonic()
                    yield ": keep-alive\n\n"
        finally:
            sub.close()

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return Response(stream_with_context(events()), mimetype="text/event-stream", headers=headers)


def _sse(event: dict) -> str:
    return f"id: {event['seq']}\nevent: hit\ndata: {json.dumps(event, separators=(',', ':'))}\n\n"


@bp.get("/fleet")
@require("fleet.read")
def fleet_view():
    """Every box with its problems in words, and a summary."""
    return jsonify(fleet.fleet(hub().db, silent_minutes=hub().settings.console["silent_minutes"]))


@bp.get("/fleet/chart")
@require("fleet.read")
def fleet_chart():
    """Encounters and hits per post and hour."""
    hours = request.args.get("hours", "24")
    if not hours.isdigit():
        raise ApiError(400, "bad_filter", "hours: a whole number")
    return jsonify(fleet.chart(hub().db, hours=int(hours)))


@bp.get("/lists")
@require("lists.read")
def lists_view():
    """Every list with its version history and which boxes hold which version."""
    db = hub().db
    summaries = hub_lists.list_summaries(db)
    held = fleet.holders(db)
    for s in summaries:
        s["history"] = hub_lists.versions(db, s["name"])[::-1][:50]
        s["holders"] = held.get(s["name"], {})
    return jsonify({"lists": summaries, "formats": list(FORMATS)})


def _uploaded() -> tuple[str, str, Path, str, str]:
    """(list name, format, temporary file, its SHA-256, its name) of a list upload form."""
    name = (request.form.get("list") or "").strip()
    fmt = request.form.get("format") or ""
    hub_lists.check_list_name(name)
    if fmt not in FORMATS:
        raise PublishError(f"format must be one of {', '.join(FORMATS)}")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise PublishError("choose a file to upload")
    suffix = Path(upload.filename).suffix[:10]
    tmp = tempfile.NamedTemporaryFile(prefix="hub-upload-", suffix=suffix, delete=False)
    digest = hashlib.sha256()
    with tmp:
        while chunk := upload.stream.read(1 << 20):
            digest.update(chunk)
            tmp.write(chunk)
    return name, fmt, Path(tmp.name), digest.hexdigest(), Path(upload.filename).name[:200]


def _read(fmt: str, path: Path) -> tuple[str, list[dict]]:
    from ..cli import read_list_files

    return read_list_files(fmt, (str(path),))


@bp.post("/lists/preview")
@require("lists.publish")
def lists_preview():
    """Read an uploaded file and say what publishing it would change (nothing is changed)."""
    name, fmt, path, sha, filename = _uploaded()
    try:
        kind, recs = _read(fmt, path)
        result = hub_lists.preview(hub().db, name, kind=kind, records=recs)
    finally:
        path.unlink(missing_ok=True)
    return jsonify({**result, "format": fmt, "sha256": sha, "file": filename})


@bp.post("/lists/publish")
@require("lists.publish")
def lists_publish():
    """Publish an uploaded file as the next version; refused when it is not the file previewed or the list moved since."""
    name, fmt, path, sha, filename = _uploaded()
    try:
        if request.form.get("sha256") != sha:
            raise ApiError(409, "not_previewed", "this is not the file that was previewed; preview it again")
        kind, recs = _read(fmt, path)
        current = next((s["version"] for s in hub_lists.list_summaries(hub().db) if s["name"] == name), 0)
        if str(current) != request.form.get("expected_version", ""):
            raise ApiError(409, "list_moved", f"{name} is at version {current} now; preview again")
        summary = hub_lists.publish(hub().db, name, kind=kind, fmt=fmt, records=recs, source=f"{filename} (console, {actor()})")
    finally:
        path.unlink(missing_ok=True)
    hub_lists.prebuild(hub().db, name, hub().settings.full_snapshot_ratio)
    with hub().db.tx(write=True) as cur:
        hub().audit.append(cur, actor(), "list.publish", f"list:{name}",
                           {k: summary[k] for k in ("version", "upserts", "removals", "records")} | {"sha256": sha})
    return jsonify(summary), 201


@bp.get("/users")
@require("users")
def users():
    """Every console user."""
    with hub().db.tx() as cur:
        return jsonify({"users": accounts.list_users(cur), "roles": list(accounts.ROLES)})


@bp.post("/users")
@require("users")
def user_add():
    """Add a console user."""
    body = _body()
    with hub().db.tx(write=True) as cur:
        user = accounts.create_user(cur, body.get("username"), body.get("password"), body.get("role"))
        hub().audit.append(cur, actor(), "user.add", f"user:{user['username']}", {"role": user["role"]})
    return jsonify(user), 201


@bp.post("/users/<name>/<action>")
@require("users")
def user_change(name: str, action: str):
    """disable, enable or password (a new password ends the user's sessions)."""
    body = _body() if request.is_json else {}
    with hub().db.tx(write=True) as cur:
        if action in ("disable", "enable"):
            if action == "disable" and name == g.user["username"]:
                raise ApiError(409, "self_disable", "you cannot disable your own account")
            user = accounts.set_disabled(cur, name, action == "disable")
        elif action == "password":
            user = accounts.set_password(cur, name, body.get("password"))
        else:
            raise ApiError(404, "not_found", "unknown action")
        hub().audit.append(cur, actor(), f"user.{action}", f"user:{name}", {})
    return jsonify(user)


@bp.get("/audit")
@require("audit.read")
def audit_view():
    """The newest audit records, and whether the chain verifies."""
    limit = request.args.get("limit", "200")
    if not limit.isdigit():
        raise ApiError(400, "bad_filter", "limit: a whole number")
    return jsonify({"records": hub_audit.recent(hub().db, limit=min(int(limit), 2000), action=request.args.get("action") or None),
                    "verify": hub().audit.verify(hub().db).to_dict()})


@bp.get("/export/<what>.<fmt>")
@require("export")
def export_view(what: str, fmt: str):
    """Hits (with the desk's filters) or encounters (``since``/``until``) as CSV or NDJSON, streamed."""
    if what not in ("hits", "encounters") or fmt not in ("csv", "ndjson"):
        raise ApiError(404, "not_found", "export hits or encounters as .csv or .ndjson")
    personal = request.args.get("personal") == "1"
    filters = desk.filters_from(request.args)
    if what == "hits":
        filters.pop("before", None)
        items = export.hits(hub().db, desk.where_sql(filters), personal=personal)
        fields = export.HIT_FIELDS
    else:
        if "since" not in filters:
            raise ApiError(400, "bad_filter", "an encounter export needs 'since' (and may have 'until')")
        items = export.encounters(hub().db, filters["since"][:19] + "Z",
                                   filters["until"][:19] + "Z" if "until" in filters else None, personal=personal)
        fields = export.ENCOUNTER_FIELDS
    if personal:
        fields = fields + export.PERSONAL_FIELDS
    with hub().db.tx(write=True) as cur:
        hub().audit.append(cur, actor(), f"export.{what}", fmt, {"filters": {k: v for k, v in filters.items()}, "personal": personal})
    body = export.as_csv(items, fields) if fmt == "csv" else export.as_ndjson(items)
    mime = "text/csv" if fmt == "csv" else "application/x-ndjson"
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return Response(stream_with_context(body), mimetype=mime,
                    headers={"Content-Disposition": f'attachment; filename="{what}-{stamp}.{fmt}"', "Cache-Control": "no-store"})
