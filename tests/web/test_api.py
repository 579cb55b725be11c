"""The JSON API through Flask's test client: scans, events, hit cards, dispositions, lanes."""

from __future__ import annotations

import json

from .conftest import LANE, OTHER_LANE, bearer


def post_scan(client, token, mrz, read_id=None, lane=LANE, source="serial"):
    body = {"lane": lane, "mrz": mrz, "source": source}
    if read_id:
        body["read_id"] = read_id
    return client.post("/api/v1/scans", json=body, headers=bearer(token))


def test_health_needs_no_credentials_and_shows_no_personal_data(client):
    resp = client.get("/api/v1/health")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert set(body) == {"status", "database", "version", "time", "uptime_s"}


def test_openapi_document_lists_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {p.replace("{", "<").replace("}", ">") for p in doc["paths"]}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.rule[len("/api/v1"):]
        path = path.replace("<int:scan_id>", "<id>").replace("<int:sup_id>", "<id>").replace("<int:token_id>", "<id>")
        assert path in documented, f"{rule.rule} is not in the OpenAPI document"


def test_scan_is_screened_stored_and_queued_for_the_hub(client, ctx, tokens, documents):
    resp = post_scan(client, tokens["bridge"], documents["HIT"][0], read_id="r-1")
    assert resp.status_code == 201
    scan = resp.get_json()
    assert scan["id"] > 0 and scan["decision"] == "HIT"
    for key in ("decision", "reasons", "document", "matches", "lists", "stale", "elapsed_ms"):
        assert key in scan
    row = ctx.reader().execute("SELECT kind, priority FROM outbox WHERE record_key = 'encounter/r-1'").fetchone()
    assert row == ("encounter", 10)


def test_repeated_read_id_is_idempotent(client, ctx, tokens, documents):
    first = post_scan(client, tokens["bridge"], documents["CLEAR"][0], read_id="same-read")
    again = post_scan(client, tokens["bridge"], documents["CLEAR"][0], read_id="same-read")
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json()["id"] == again.get_json()["id"]
    assert ctx.reader().execute("SELECT count(*) FROM scans WHERE read_id = 'same-read'").fetchone()[0] == 1
    assert ctx.reader().execute("SELECT count(*) FROM outbox WHERE record_key = 'encounter/same-read'").fetchone()[0] == 1
    other = post_scan(client, tokens["bridge_all"], documents["CLEAR"][0], read_id="same-read", lane=OTHER_LANE)
    assert other.status_code == 409 and other.get_json()["error"] == "read_id_conflict"


def test_verdicts_of_the_demo_documents(client, tokens, documents):
    for expected in ("CLEAR", "HIT", "POSSIBLE_MATCH", "DOCUMENT_INVALID"):
        got = post_scan(client, tokens["bridge"], documents[expected][0]).get_json()["decision"]
        assert got == expected


def test_every_demo_document_gets_the_verdict_the_demo_promises(client, tokens, documents):
    wrong = []
    for expected, mrzs in documents.items():
        for mrz in mrzs:
            got = post_scan(client, tokens["bridge"], mrz).get_json()["decision"]
            if got != expected:
                wrong.append((expected, got, mrz.split("\n")[0][5:30]))
    assert not wrong, wrong


def test_garbage_from_a_reader_is_a_read_error_not_a_failure(client, tokens):
    resp = post_scan(client, tokens["bridge"], "hello world, this is no passport")
    assert resp.status_code == 201
    assert resp.get_json()["decision"] == "READ_ERROR"
    empty = post_scan(client, tokens["bridge"], "")
    assert empty.status_code == 201 and empty.get_json()["decision"] == "READ_ERROR"


def test_bad_scan_requests_get_stable_4xx_codes(client, tokens):
    cases = [
        ("not json", "invalid_json"),
        (json.dumps([1, 2]), "invalid_json"),
        (json.dumps({"lane": LANE}), "invalid_mrz"),
        (json.dumps({"lane": "bad lane!", "mrz": "X"}), "invalid_lane"),
        (json.dumps({"lane": LANE, "mrz": "X", "source": "telepathy"}), "invalid_source"),
        (json.dumps({"lane": LANE, "mrz": "X" * 500}), "invalid_mrz"),
        (json.dumps({"lane": LANE, "mrz": "X", "read_id": "has space"}), "invalid_read_id"),
        (json.dumps({"lane": LANE, "mrz": "X", "colour": "red"}), "unknown_field"),
        (json.dumps({"lane": LANE, "mrz": 12}), "invalid_mrz"),
        (json.dumps({"lane": LANE, "mrz": "  ", "source": "manual"}), "invalid_mrz"),
    ]
    for body, code in cases:
        resp = client.post("/api/v1/scans", data=body, headers={**bearer(tokens["bridge"]), "Content-Type": "application/json"})
        assert resp.status_code == 400, body
        assert resp.get_json()["error"] == code, body
        assert resp.get_json()["message"]


def test_unknown_routes_and_methods_are_json_errors(client, tokens):
    assert client.get("/api/v1/nope").get_json()["error"] == "not_found"
    resp = client.delete("/api/v1/scans", headers=bearer(tokens["bridge"]))
    assert resp.status_code == 405 and resp.get_json()["error"] == "method_not_allowed"
    assert client.get("/api/v1/scans/999999", headers=bearer(tokens["terminal"])).status_code == 404


def test_token_is_scoped_to_its_lanes(client, tokens, documents):
    resp = post_scan(client, tokens["bridge"], documents["CLEAR"][0], lane=OTHER_LANE)
    assert resp.status_code == 403 and resp.get_json()["error"] == "lane_forbidden"
    assert post_scan(client, tokens["bridge_all"], documents["CLEAR"][0], lane=OTHER_LANE).status_code == 201


def test_get_scan_summarises_matches_and_hitcard_shows_evidence_and_is_audited(client, ctx, tokens, documents, as_user):
    scan = post_scan(client, tokens["bridge"], documents["HIT"][0]).get_json()
    officer = as_user("officer")
    summary = officer.get(f"/api/v1/scans/{scan['id']}").get_json()
    assert summary["matches"] and all("evidence" not in m and "matched_name" not in m for m in summary["matches"])
    assert summary["dispositions"] == []
    before = ctx.reader().execute("SELECT count(*) FROM audit_log WHERE action = 'hitcard.view'").fetchone()[0]
    card = officer.get(f"/api/v1/scans/{scan['id']}/hitcard").get_json()
    assert card["matches"][0]["evidence"]
    assert "list_ages" in card
    rows = ctx.reader().execute("SELECT actor, target FROM audit_log WHERE action = 'hitcard.view'").fetchall()
    assert len(rows) == before + 1 and rows[-1] == ("officer", f"scan:{scan['id']}")


def test_list_scans_by_lane_and_after(client, tokens, documents):
    ids = [post_scan(client, tokens["bridge"], m).get_json()["id"] for m in documents["CLEAR"][:3]]
    got = client.get(f"/api/v1/scans?lane={LANE}&limit=2", headers=bearer(tokens["terminal"])).get_json()["scans"]
    assert [s["id"] for s in got] == ids[::-1][:2]
    after = client.get(f"/api/v1/scans?lane={LANE}&after={ids[0]}", headers=bearer(tokens["terminal"])).get_json()["scans"]
    assert [s["id"] for s in after] == ids[1:]
    assert client.get("/api/v1/scans?limit=0", headers=bearer(tokens["terminal"])).status_code in (400, 403)
    assert client.get(f"/api/v1/scans?lane={LANE}&limit=abc", headers=bearer(tokens["terminal"])).status_code == 400


def test_events_replay_after_an_id_and_deliver_live(client, app, tokens, documents):
    first = post_scan(client, tokens["bridge"], documents["CLEAR"][0]).get_json()
    resp = client.get(f"/api/v1/lanes/{LANE}/events?after=0&limit=2", headers=bearer(tokens["terminal"]), buffered=False)
    assert resp.status_code == 200 and resp.mimetype == "text/event-stream"
    chunks = iter(resp.response)
    assert next(chunks).startswith(b"retry:")
    replayed = next(chunks).decode()
    assert f"id: {first['id']}" in replayed
    second = post_scan(app.test_client(), tokens["bridge"], documents["HIT"][0]).get_json()
    live = next(chunks).decode()
    data = [line for line in live.splitlines() if line.startswith("data: ")]
    assert len(data) == 1
    event = json.loads(data[0][6:])
    assert event["id"] == second["id"] and event["decision"] == "HIT"
    assert all("evidence" not in m for m in event["matches"])
    resp.close()


def test_live_screens_cannot_take_every_server_thread(client, ctx, tokens, documents):
    from appliance.web.api import max_streams

    cap = max_streams(ctx)
    assert 0 < cap < int(ctx.config["server"]["threads"])
    held = [ctx.events.subscribe(LANE) for _ in range(cap)]
    try:
        resp = client.get(f"/api/v1/lanes/{LANE}/events", headers=bearer(tokens["terminal"]))
        assert resp.status_code == 503 and resp.get_json()["error"] == "too_many_screens"
        assert post_scan(client, tokens["bridge"], documents["CLEAR"][0]).status_code == 201  # reads still get in
    finally:
        for sub in held:
            sub.close()
    resp = client.get(f"/api/v1/lanes/{LANE}/events?after=0&limit=1", headers=bearer(tokens["terminal"]), buffered=False)
    assert resp.status_code == 200
    resp.close()


def test_disposition_confirmed_and_false_positive(client, ctx, tokens, documents, as_user):
    scan = post_scan(client, tokens["bridge"], documents["HIT"][0]).get_json()
    officer = as_user("officer")
    resp = officer.post(f"/api/v1/scans/{scan['id']}/disposition", json={"action": "confirmed"})
    assert resp.status_code == 201 and resp.get_json()["referred"] is True
    bad = officer.post(f"/api/v1/scans/{scan['id']}/disposition", json={"action": "false_positive"})
    assert bad.status_code == 400 and bad.get_json()["error"] == "reason_required"
    assert officer.post(f"/api/v1/scans/{scan['id']}/disposition", json={"action": "maybe"}).status_code == 400
    clear = post_scan(client, tokens["bridge"], documents["CLEAR"][0]).get_json()
    resp = officer.post(f"/api/v1/scans/{clear['id']}/disposition", json={"action": "confirmed"})
    assert resp.status_code == 409 and resp.get_json()["error"] == "nothing_to_dispose"
    got = officer.get(f"/api/v1/scans/{scan['id']}").get_json()
    assert [d["action"] for d in got["dispositions"]] == ["confirmed"]
    actions = [r[0] for r in ctx.reader().execute("SELECT action FROM audit_log")]
    assert "disposition" in actions
    assert ctx.reader().execute("SELECT count(*) FROM outbox WHERE kind = 'disposition'").fetchone()[0] == 1


def test_false_positive_suppression_needs_a_second_person_and_expires(client, ctx, tokens, documents, as_user):
    mrz = documents["POSSIBLE_MATCH"][0]
    scan = post_scan(client, tokens["bridge"], mrz).get_json()
    assert scan["decision"] == "POSSIBLE_MATCH"
    sup1, sup2 = as_user("supervisor"), as_user("supervisor2")
    resp = sup1.post(f"/api/v1/scans/{scan['id']}/disposition",
                     json={"action": "false_positive", "reason": "different person, checked passport photo", "suppress_days": 7})
    assert resp.status_code == 201
    requests_ = resp.get_json()["suppressions"]
    assert requests_ and requests_[0]["status"] == "pending"
    sid = requests_[0]["id"]
    # still pending: the next scan of the same document is not suppressed
    assert post_scan(client, tokens["bridge"], mrz).get_json()["decision"] == "POSSIBLE_MATCH"
    own = sup1.post(f"/api/v1/suppressions/{sid}/decision", json={"approve": True})
    assert own.status_code == 403 and own.get_json()["error"] == "four_eyes"
    too_long = sup2.post(f"/api/v1/suppressions/{sid}/decision", json={"approve": True, "days": 9999})
    assert too_long.status_code == 400
    ok = sup2.post(f"/api/v1/suppressions/{sid}/decision", json={"approve": True, "days": 3})
    assert ok.status_code == 200 and ok.get_json()["status"] == "approved"
    assert sup2.post(f"/api/v1/suppressions/{sid}/decision", json={"approve": False}).status_code == 409
    later = post_scan(client, tokens["bridge"], mrz).get_json()
    assert later["decision"] == "CLEAR"
    assert later["suppressed_decision"] == "POSSIBLE_MATCH"
    assert "suppressed_false_positive" in later["reasons"]
    assert later["matches"][0]["suppressed"]["id"] == sid
    # another document still alerts
    assert post_scan(client, tokens["bridge"], documents["POSSIBLE_MATCH"][1]).get_json()["decision"] == "POSSIBLE_MATCH"
    # expired: back to alerting
    with ctx.write() as db:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("UPDATE suppressions SET expires_at = '2000-01-01T00:00:00+00:00' WHERE id = ?", [sid])
    assert post_scan(client, tokens["bridge"], mrz).get_json()["decision"] == "POSSIBLE_MATCH"
    listing = sup2.get("/api/v1/suppressions?status=approved").get_json()["suppressions"]
    assert [s["id"] for s in listing] == [sid]


def test_lost_stolen_match_cannot_be_suppressed(client, tokens, documents, as_user):
    stolen = [m for m in documents["HIT"] if "LS9021877" in m][0]
    scan = post_scan(client, tokens["bridge"], stolen).get_json()
    officer = as_user("officer")
    resp = officer.post(f"/api/v1/scans/{scan['id']}/disposition",
                        json={"action": "false_positive", "reason": "owner recovered it", "suppress_days": 2})
    assert resp.status_code == 400 and resp.get_json()["error"] == "invalid_suppression"


def test_lane_status_reports_and_lanes_listing(client, tokens, as_user):
    body = {"state": "connected", "profile": "lines", "port": "/dev/serial/by-id/usb-demo", "last_read_at": None,
            "reads": 4, "read_errors": 1, "detail": ""}
    resp = client.post(f"/api/v1/lanes/{LANE}/status", json=body, headers=bearer(tokens["bridge"]))
    assert resp.status_code == 200
    bad = client.post(f"/api/v1/lanes/{LANE}/status", json={"state": "sleepy"}, headers=bearer(tokens["bridge"]))
    assert bad.status_code == 400 and bad.get_json()["error"] == "invalid_state"
    assert client.post(f"/api/v1/lanes/{OTHER_LANE}/status", json=body, headers=bearer(tokens["bridge"])).status_code == 403
    lanes = as_user("technician").get("/api/v1/lanes").get_json()["lanes"]
    one = [x for x in lanes if x["name"] == LANE][0]
    assert one["state"] == "connected" and one["reads"] == 4 and one["read_errors"] == 1 and not one["silent"]
    assert {x["name"] for x in lanes} >= {LANE, OTHER_LANE}
    scoped = client.get("/api/v1/lanes", headers=bearer(tokens["terminal"])).get_json()["lanes"]
    assert [x["name"] for x in scoped] == [LANE]


def test_mrz_check_parses_without_storing(client, ctx, tokens, documents):
    resp = client.post("/api/v1/mrz/check", json={"mrz": documents["CLEAR"][0]}, headers=bearer(tokens["terminal"]))
    assert resp.status_code == 200 and resp.get_json()["valid"] is True
    assert client.post("/api/v1/mrz/check", json={"mrz": "nothing"}, headers=bearer(tokens["terminal"])).status_code == 422
    assert client.post("/api/v1/mrz/check", json={}, headers=bearer(tokens["terminal"])).status_code == 400
    assert ctx.reader().execute("SELECT count(*) FROM scans").fetchone()[0] == 0


def test_image_upload_errors_are_clear(client, tokens):
    from io import BytesIO

    h = bearer(tokens["terminal"])
    assert client.post("/api/v1/scans/image", data={"lane": LANE}, headers=h).get_json()["error"] == "image_missing"
    resp = client.post("/api/v1/scans/image", data={"lane": LANE, "image": (BytesIO(b"not an image"), "x.png")}, headers=h)
    assert resp.status_code in (400, 422) and resp.get_json()["error"] in ("image_unusable", "image_unreadable")


def test_image_upload_reads_a_rendered_document(client, tokens, documents):
    import io
    from pathlib import Path

    import pytest
    from PIL import Image, ImageDraw, ImageFont

    font_file = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
    if not font_file.exists():
        pytest.skip("the OCR-B font (Debian fonts-ocr-b) is not installed")
    mrz = documents["CLEAR"][0]
    font = ImageFont.truetype(str(font_file), 40)
    img = Image.new("L", (1300, 220), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(mrz.split("\n")):
        draw.text((30, 40 + i * 70), line, font=font, fill=0)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    buf.seek(0)
    resp = client.post("/api/v1/scans/image", data={"lane": LANE, "image": (buf, "doc.png")}, headers=bearer(tokens["terminal"]))
    body = resp.get_json()
    assert resp.status_code == 201, body
    assert body["source"] == "image" and body["decision"] == "CLEAR"


def test_status_stats_logs_and_lists(as_user, client, tokens, documents):
    post_scan(client, tokens["bridge"], documents["CLEAR"][0])
    tech = as_user("technician")
    status = tech.get("/api/v1/status").get_json()
    for key in ("lanes", "lists", "sync", "machine", "scans_24h", "health"):
        assert key in status
    assert status["sync"]["outbox_depth"] >= 1
    assert {x["name"] for x in status["lists"]} == {"demo-watchlist", "demo-lost-stolen"}
    hours = tech.get("/api/v1/stats?hours=6").get_json()["hours"]
    assert len(hours) == 6 and hours[-1]["count"] >= 1 and hours[-1]["latency_p95_ms"] is not None
    assert tech.get("/api/v1/stats?hours=0").status_code == 400
    lines = tech.get("/api/v1/logs").get_json()["lines"]
    assert isinstance(lines, list)
    assert all("<<" not in line["message"] for line in lines)
    assert tech.get("/api/v1/lists").get_json()["lists"]


def test_people_see_match_details_only_through_the_audited_hit_card(as_user, documents):
    officer = as_user("officer")
    scan = officer.post("/api/v1/scans", json={"lane": LANE, "mrz": documents["HIT"][0], "source": "manual"}).get_json()
    assert scan["decision"] == "HIT" and scan["matches"]
    assert all("evidence" not in m and "matched_name" not in m for m in scan["matches"])


def test_a_failing_screening_engine_answers_503_so_the_bridge_retries(client, ctx, tokens, documents):
    import sqlite3

    post_scan(client, tokens["bridge"], documents["CLEAR"][0])  # the engine is up and indexed
    conn = sqlite3.connect(ctx.db_path)
    conn.execute("ALTER TABLE screening_vocab_keys RENAME TO screening_vocab_keys_away")  # a damaged index
    conn.commit()
    try:
        resp = post_scan(client, tokens["bridge"], documents["CLEAR"][1], read_id="retry-me")
        assert resp.status_code == 503 and resp.get_json()["error"] == "screening_failed"
        assert ctx.reader().execute("SELECT count(*) FROM scans WHERE read_id = 'retry-me'").fetchone()[0] == 0
    finally:
        conn.execute("ALTER TABLE screening_vocab_keys_away RENAME TO screening_vocab_keys")
        conn.commit()
        conn.close()
    again = post_scan(client, tokens["bridge"], documents["CLEAR"][1], read_id="retry-me")
    assert again.status_code == 201
