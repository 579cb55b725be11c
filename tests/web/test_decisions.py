"""Officers' decisions, the needs-decision queue, read and delivery times, the hit card's contents (API)."""

from __future__ import annotations

import datetime as dt

import pytest

from .conftest import LANE, OTHER_LANE, bearer


def post_scan(client, token, mrz, lane=LANE, **extra):
    return client.post("/api/v1/scans", json={"lane": lane, "mrz": mrz, **extra}, headers=bearer(token))


def expired_possible_match() -> str:
    """A listed person's near namesake whose passport has expired: DOCUMENT INVALID with a watchlist match."""
    from firmware_bridge.mrz import compose

    today = dt.date.today()
    return compose("TD3", issuing_state="UTO", surname="KALDERON", given_names="MIRELA OONA", document_number="KM3390215",
                   nationality="UTO", birth_date="1983-07-19", sex="F", expiry_date=today.replace(year=today.year - 1))


def test_one_decision_per_scan_a_second_is_refused_and_names_the_first(client, tokens, documents, as_user):
    scan = post_scan(client, tokens["bridge"], documents["HIT"][0]).get_json()
    officer = as_user("officer")
    first = officer.post(f"/api/v1/scans/{scan['id']}/disposition", json={"action": "confirmed"})
    assert first.status_code == 201 and first.get_json()["current"] is True
    again = officer.post(f"/api/v1/scans/{scan['id']}/disposition", json={"action": "confirmed"})
    assert again.status_code == 409 and again.get_json()["error"] == "already_disposed"
    assert again.get_json()["current"]["id"] == first.get_json()["id"]
    fp = officer.post(f"/api/v1/scans/{scan['id']}/disposition", json={"action": "false_positive", "reason": "not him"})
    assert fp.status_code == 409
    got = officer.get(f"/api/v1/scans/{scan['id']}").get_json()["dispositions"]
    assert [(d["action"], d["current"]) for d in got] == [("confirmed", True)]


def test_a_decision_changes_only_with_a_reason_and_the_history_is_kept(client, ctx, tokens, documents, as_user):
    scan = post_scan(client, tokens["bridge"], documents["POSSIBLE_MATCH"][0]).get_json()
    officer = as_user("officer")
    first = officer.post(f"/api/v1/scans/{scan['id']}/disposition", json={"action": "confirmed"}).get_json()
    no_reason = officer.post(f"/api/v1/scans/{scan['id']}/disposition",
                             json={"action": "false_positive", "reason": "photo differs", "replaces": first["id"]})
    assert no_reason.status_code == 400 and no_reason.get_json()["error"] == "change_reason_required"
    stale = officer.post(f"/api/v1/scans/{scan['id']}/disposition",
                         json={"action": "false_positive", "reason": "photo differs", "replaces": first["id"] + 99, "change_reason": "x"})
    assert stale.status_code == 409 and stale.get_json()["error"] == "decision_changed"
    same = officer.post(f"/api/v1/scans/{scan['id']}/disposition",
                        json={"action": "confirmed", "replaces": first["id"], "change_reason": "pressed twice"})
    assert same.status_code == 400 and same.get_json()["error"] == "no_change"
    changed = officer.post(f"/api/v1/scans/{scan['id']}/disposition",
                           json={"action": "false_positive", "reason": "photo differs", "replaces": first["id"],
                                 "change_reason": "secondary checked the photo and birth date"})
    assert changed.status_code == 201
    body = changed.get_json()
    assert body["replaces"] == first["id"] and body["change_reason"] == "secondary checked the photo and birth date"
    history = officer.get(f"/api/v1/scans/{scan['id']}").get_json()["dispositions"]
    assert [(d["action"], d["current"]) for d in history] == [("confirmed", False), ("false_positive", True)]
    audit = [r[0] for r in ctx.reader().execute("SELECT action FROM audit_log WHERE target = ? ORDER BY seq", [f"scan:{scan['id']}"])]
    assert audit == ["disposition", "disposition.change"]
    outbox = ctx.reader().execute("SELECT count(*) FROM outbox WHERE kind = 'disposition'").fetchone()[0]
    assert outbox == 2


def test_after_the_change_window_only_a_supervisor_changes_a_decision(client, ctx, tokens, documents, as_user):
    scan = post_scan(client, tokens["bridge"], documents["HIT"][0]).get_json()
    officer, supervisor = as_user("officer"), as_user("supervisor")
    first = officer.post(f"/api/v1/scans/{scan['id']}/disposition", json={"action": "confirmed"}).get_json()
    minutes = int(ctx.config["booth"]["decision_change_minutes"])
    long_ago = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=minutes + 1)).isoformat(timespec="seconds")
    with ctx.write() as db:  # the first decision was taken longer ago than the window
        db.execute("UPDATE dispositions SET created_at = ? WHERE id = ?", [long_ago, first["id"]])
    change = {"action": "false_positive", "reason": "namesake", "replaces": first["id"], "change_reason": "photo checked again"}
    refused = officer.post(f"/api/v1/scans/{scan['id']}/disposition", json=change)
    assert refused.status_code == 403 and refused.get_json()["error"] == "supervisor_required"
    ok = supervisor.post(f"/api/v1/scans/{scan['id']}/disposition", json=change)
    assert ok.status_code == 201 and ok.get_json()["username"] == "supervisor"


def test_two_screens_deciding_at_once_record_one_decision(app, tokens, documents, as_user):
    from concurrent.futures import ThreadPoolExecutor

    scan = post_scan(app.test_client(), tokens["bridge"], documents["HIT"][0]).get_json()
    officers = [as_user("officer") for _ in range(2)] + [as_user("supervisor") for _ in range(2)]
    with ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(lambda s: s.post(f"/api/v1/scans/{scan['id']}/disposition", json={"action": "confirmed"}).status_code, officers))
    assert sorted(codes) == [201, 409, 409, 409]
    ctx = app.extensions["appliance"]
    assert ctx.reader().execute("SELECT count(*) FROM dispositions WHERE scan_id = ?", [scan["id"]]).fetchone()[0] == 1


def test_every_non_clear_verdict_waits_in_the_lane_queue_until_decided(client, tokens, documents, as_user):
    officer = as_user("officer")
    ids = {}
    for kind in ("CLEAR", "HIT", "POSSIBLE_MATCH", "DOCUMENT_INVALID"):
        ids[kind] = post_scan(client, tokens["bridge"], documents[kind][0]).get_json()["id"]
    post_scan(client, tokens["bridge_all"], documents["HIT"][1], lane=OTHER_LANE)
    queue = officer.get(f"/api/v1/lanes/{LANE}/queue").get_json()
    assert [s["id"] for s in queue["scans"]] == [ids["HIT"], ids["POSSIBLE_MATCH"], ids["DOCUMENT_INVALID"]]
    assert queue["total"] == 3
    assert all("evidence" not in m for s in queue["scans"] for m in s["matches"])
    resp = officer.post(f"/api/v1/scans/{ids['DOCUMENT_INVALID']}/disposition", json={"action": "false_positive", "reason": "renewal letter seen"})
    assert resp.status_code == 201
    queue = officer.get(f"/api/v1/lanes/{LANE}/queue").get_json()
    assert [s["id"] for s in queue["scans"]] == [ids["HIT"], ids["POSSIBLE_MATCH"]]
    assert queue["decided"][0]["scan_id"] == ids["DOCUMENT_INVALID"] and queue["decided"][0]["username"] == "officer"
    clear = officer.post(f"/api/v1/scans/{ids['CLEAR']}/disposition", json={"action": "confirmed"})
    assert clear.status_code == 409 and clear.get_json()["error"] == "nothing_to_dispose"


def test_document_invalid_with_a_watchlist_match_has_a_hit_card_and_a_decision(client, tokens, as_user):
    scan = post_scan(client, tokens["bridge"], expired_possible_match()).get_json()
    assert scan["decision"] == "DOCUMENT_INVALID" and scan["matches"], scan["reasons"]
    officer = as_user("officer")
    card = officer.get(f"/api/v1/scans/{scan['id']}/hitcard").get_json()
    assert card["matches"][0]["entry"]["name"] == "KALDERIN, Mirela Oona"
    assert card["handling"] and card["handling"][0]["kind"] == "watchlist"
    resp = officer.post(f"/api/v1/scans/{scan['id']}/disposition", json={"action": "confirmed"})
    assert resp.status_code == 201


def test_the_hit_card_says_what_to_do_first_and_shows_the_listed_entry(app, tokens, documents, as_user):
    from appliance.config import load_config

    ctx = app.extensions["appliance"]
    ctx.config = load_config(data_dir=ctx.data_dir, overrides={
        "lists": {"demo-watchlist": {"title": "Demo watchlist", "handling": "Call the duty officer on 2396; keep the passport."}}})
    client = app.test_client()
    vex = [m for m in documents["HIT"] if "VEXMOOR" in m][0]
    scan = post_scan(client, tokens["bridge"], vex).get_json()
    stolen = post_scan(client, tokens["bridge"], [m for m in documents["HIT"] if "NAKAMURA" in m][0]).get_json()
    card = as_user("officer").get(f"/api/v1/scans/{scan['id']}/hitcard").get_json()
    assert card["handling"] == [{"list": "demo-watchlist", "title": "Demo watchlist", "kind": "watchlist",
                                 "text": "Call the duty officer on 2396; keep the passport."}]
    person = [m for m in card["matches"] if m["kind"] == "watchlist"][0]
    assert person["entry"]["programme"] == "DEMO (fictitious)"
    assert person["entry"]["remarks"] == "Invented person for the appliance demo"
    assert person["entry"]["listed_on"] == "2026-01-01"
    assert person["list_info"]["version"] == "t1" and person["list_info"]["title"] == "Demo watchlist"
    assert person["list_info"]["age_minutes"] is not None and person["list_info"]["stale"] is False
    assert card["portrait"]["kind"] is None and "photo in the document" in card["portrait"]["note"]
    doc_card = as_user("officer").get(f"/api/v1/scans/{stolen['id']}/hitcard").get_json()
    record = doc_card["matches"][0]["record"]
    assert record["status"] == "stolen" and record["reported_on"] == "2026-01-12" and record["reference"] == "DEMO-LS-1"
    assert doc_card["handling"][0]["kind"] == "documents"
    assert doc_card["handling"][0]["text"] == ctx.config["booth"]["documents_handling"]


def test_read_time_and_delivery_time_are_both_kept(client, ctx, tokens, documents):
    read_at = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=7)).isoformat(timespec="milliseconds")
    scan = post_scan(client, tokens["bridge"], documents["CLEAR"][0], read_at=read_at, read_id="late-1").get_json()
    assert scan["read_at"] == read_at and scan["delivered_at"] == scan["created_at"]
    late = dt.datetime.fromisoformat(scan["delivered_at"]) - dt.datetime.fromisoformat(scan["read_at"])
    assert dt.timedelta(minutes=6) < late < dt.timedelta(minutes=8)
    row = ctx.reader().execute("SELECT read_at, created_at FROM scans WHERE id = ?", [scan["id"]]).fetchone()
    assert row[0] == read_at and row[0] < row[1]
    old_bridge = post_scan(client, tokens["bridge"], documents["CLEAR"][1], received_at=read_at).get_json()
    assert old_bridge["read_at"] == read_at  # a bridge from before read_at sends received_at
    future = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2)).isoformat()
    for bad in ("yesterday", 5, future):
        resp = post_scan(client, tokens["bridge"], documents["CLEAR"][2], read_at=bad)
        assert resp.status_code == 400 and resp.get_json()["error"] == "invalid_read_at", bad
    manual = post_scan(client, tokens["bridge"], documents["CLEAR"][3]).get_json()
    assert manual["read_at"] == manual["created_at"]


def test_the_bridge_sends_the_read_time_with_each_read():
    from firmware_bridge.delivery import scan_body

    body = scan_body({"lane": LANE, "read_id": "r1", "mrz": "X", "received_at": "2026-03-01T10:00:00.123+00:00", "profile": "lines"})
    assert body["read_at"] == "2026-03-01T10:00:00.123+00:00"


def test_status_and_metrics_say_which_lists_are_stale(app, client, ctx, tokens, as_user):
    with ctx.write() as db:
        db.execute("UPDATE lists SET published_at = '2020-01-01T00:00:00+00:00' WHERE name = 'demo-watchlist'")
    status = as_user("technician").get("/api/v1/status").get_json()
    assert status["stale"] is True and status["stale_lists"] == ["demo-watchlist"]
    wl = [x for x in status["lists"] if x["name"] == "demo-watchlist"][0]
    assert wl["stale"] is True and wl["age_minutes"] > 60 * 24 * 365 and wl["stale_after_hours"] == 72.0
    docs = [x for x in status["lists"] if x["name"] == "demo-lost-stolen"][0]
    assert docs["stale"] is False and docs["age_minutes"] < 60
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'appliance_list_stale{kind="watchlist",list="demo-watchlist"} 1.0' in metrics
    assert 'appliance_list_stale{kind="documents",list="demo-lost-stolen"} 0.0' in metrics


def test_the_supervisor_sees_every_lane_and_pending_suppressions(client, tokens, documents, as_user):
    hit1 = post_scan(client, tokens["bridge"], documents["HIT"][0]).get_json()
    hit2 = post_scan(client, tokens["bridge_all"], documents["HIT"][1], lane=OTHER_LANE).get_json()
    pm = post_scan(client, tokens["bridge"], documents["POSSIBLE_MATCH"][0]).get_json()
    officer = as_user("officer")
    officer.post(f"/api/v1/scans/{pm['id']}/disposition", json={"action": "false_positive", "reason": "namesake", "suppress_days": 3})
    over = as_user("supervisor").get("/api/v1/supervisor").get_json()
    assert [(s["id"], s["lane"]) for s in over["scans"]] == [(hit1["id"], LANE), (hit2["id"], OTHER_LANE)]
    assert over["total"] == 2
    assert [s["scan_id"] for s in over["suppressions"]] == [pm["id"]]
    assert over["decided"][0]["scan_id"] == pm["id"]
    assert {x["name"] for x in over["lanes"]} >= {LANE, OTHER_LANE}


@pytest.mark.parametrize("data,kind", [(b"\xff\xd8\xff\xe0" + b"x" * 64, "image/jpeg"), (b"\x89PNG\r\n\x1a\n" + b"x" * 64, "image/png"),
                                       (b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"x" * 64, "image/webp"), (b"%PDF-1.4", None)])
def test_document_images_are_recognised_by_their_first_bytes(data, kind):
    from appliance.web.hitcard import media_type

    assert media_type(data) == kind


def test_an_uploaded_document_image_is_the_hit_cards_portrait(ctx, documents, as_user):
    from io import BytesIO

    from .conftest import render_document

    stolen_card = [m for m in documents["HIT"] if "IDL882011" in m][0]  # an identity card reported stolen blank
    image = render_document(stolen_card)
    officer = as_user("officer")
    resp = officer.post("/api/v1/scans/image", data={"lane": LANE, "image": (BytesIO(image), "passport.png")})
    assert resp.status_code == 201, resp.get_json()
    scan = resp.get_json()
    assert scan["decision"] == "HIT" and scan["source"] == "image"
    card = officer.get(f"/api/v1/scans/{scan['id']}/hitcard").get_json()
    assert card["portrait"] == {"kind": "document_image", "url": f"/api/v1/scans/{scan['id']}/image"}
    got = officer.get(card["portrait"]["url"])
    assert got.status_code == 200 and got.mimetype == "image/png" and got.data == image
    assert got.headers["Cache-Control"] == "no-store"
    views = ctx.reader().execute("SELECT count(*) FROM audit_log WHERE action = 'image.view' AND target = ?", [f"scan:{scan['id']}"]).fetchone()[0]
    assert views == 1
    none = officer.get(f"/api/v1/scans/{scan['id'] + 1000}/image")
    assert none.status_code == 404
    with ctx.write() as db:  # the picture goes with its scan (retention purge)
        db.execute("DELETE FROM scans WHERE id = ?", [scan["id"]])
    assert ctx.reader().execute("SELECT count(*) FROM scan_images").fetchone()[0] == 0
