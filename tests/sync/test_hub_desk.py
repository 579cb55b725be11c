"""The hit desk through the console API: intake of hits, the hit card, operators' actions, roles, CSRF, audit."""

from __future__ import annotations

import json

import pytest

from sync.hub import appliances, lists
from sync.hub.app import create_app

from .console import Console, disposition, encounter
from .console import add_users as _add_users
from .helpers import person


@pytest.fixture
def app(hub):
    _add_users(hub)
    return create_app(hub_obj=hub)


def box(client, hub, name="box-a"):
    token = appliances.add(hub.db, name, token_hours=1)["token"]
    cred = client.post("/api/v1/enroll", json={"token": token}).json["credential"]
    return {"Authorization": f"Bearer {cred}"}


def upload(client, headers, records, post="North gate"):
    r = client.post("/api/v1/records", json={"records": records, "box": {"post": post, "sent_at": "2030-01-01T08:02:00Z"}}, headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def test_hits_reach_the_desk_once_with_their_card_and_booth_disposition(app, hub):
    lists.publish(hub.db, "wl", kind="watchlist", fmt="ndjson", records=[person(1), person(2)], source="test")
    client = app.test_client()
    a = box(client, hub)
    # the officer's disposition of r2 travels ahead of its encounter
    upload(client, a, [disposition("r2", action="false_positive")])
    batch = [encounter("r1", "HIT", entry_id="T-1", read_at="2030-01-01T07:59:58.250Z"), encounter("r2", "POSSIBLE_MATCH", scan_id=2),
             encounter("r3", "CLEAR", scan_id=3),
             {"key": "scan/9", "kind": "scan", "priority": 10, "created_at": "2030-01-01T08:00:00Z",
              "payload": {"decision": "HIT", "lane": "1", "read_id": "legacy-9", "matches": [{"list": "wl", "entry_id": "T-2", "score": 1.0}]}}]
    assert upload(client, a, batch)["stored"] == 4
    assert upload(client, a, batch)["stored"] == 0  # re-sent after a lost acknowledgement: nothing new
    oper = Console(app.test_client(), "oper")
    got = oper.get("/console/api/hits?state=").get_json()
    assert [(h["decision"], h["read_id"]) for h in got["hits"]] == [("HIT", "legacy-9"), ("POSSIBLE_MATCH", "r2"), ("HIT", "r1")]
    assert got["counts"] == {"new": 3}
    r1 = got["hits"][2]
    assert r1["post"] == "North gate" and r1["lane"] == "lane-1" and r1["lists"] == ["wl"] and r1["appliance"] == "box-a"
    assert r1["read_at"] == "2030-01-01T07:59:58.250Z"
    assert got["hits"][1]["booth_action"] == "false_positive"
    upload(client, a, [disposition("r1", action="confirmed")])
    card = oper.get(f"/console/api/hits/{r1['id']}").get_json()
    assert card["booth_action"] == "confirmed" and card["booth_dispositions"][0]["officer"] == "officer"
    assert card["card"]["document"]["surname"] == "ERIKSSON" and card["card"]["matches"][0]["evidence"]["date_of_birth"]["result"] == "match"
    assert card["card"]["lists"] == [{"name": "wl", "version": "1", "age_seconds": 60}] and card["published"] == {"wl": 1}
    assert card["listed"][0]["record"]["names"][0]["name"] == "ERIKSSON Anna 1"
    assert [h["action"] for h in card["history"]] == ["booth_disposition"]
    # filters
    assert [h["read_id"] for h in oper.get("/console/api/hits?decision=POSSIBLE_MATCH&state=").get_json()["hits"]] == ["r2"]
    assert oper.get("/console/api/hits?post=Elsewhere").get_json()["hits"] == []
    assert [h["read_id"] for h in oper.get("/console/api/hits?list=wl&since=2030-01-01&until=2030-01-01T07:59:59").get_json()["hits"]] == ["r1"]
    assert oper.get("/console/api/hits?since=yesterday").status_code == 400
    assert oper.get("/console/api/hits?list=bad%20name").status_code == 400


def test_acknowledge_assign_note_close_with_roles_csrf_and_audit(app, hub):
    client = app.test_client()
    upload(client, box(client, hub), [encounter("r1")])
    oper, anna = Console(app.test_client(), "oper"), Console(app.test_client(), "anna")
    hit_id = oper.get("/console/api/hits").get_json()["hits"][0]["id"]
    assert oper.client.post(f"/console/api/hits/{hit_id}/acknowledge", json={}).status_code == 403  # no CSRF header
    assert anna.post(f"/console/api/hits/{hit_id}/acknowledge", json={}).status_code == 403  # analysts do not work hits
    assert anna.post(f"/console/api/hits/{hit_id}/note", json={"note": "seen on the CCTV too"}).status_code == 200
    r = oper.post(f"/console/api/hits/{hit_id}/acknowledge", json={})
    assert r.status_code == 200 and r.json["state"] == "acknowledged"
    assert oper.post(f"/console/api/hits/{hit_id}/acknowledge", json={}).status_code == 409
    assert oper.post(f"/console/api/hits/{hit_id}/assign", json={"assignee": "ghost"}).status_code == 400
    assert oper.post(f"/console/api/hits/{hit_id}/assign", json={"assignee": "anna"}).json["assignee"] == "anna"
    assert oper.post(f"/console/api/hits/{hit_id}/close", json={"outcome": "maybe"}).status_code == 400
    closed = oper.post(f"/console/api/hits/{hit_id}/close", json={"outcome": "confirmed_match", "note": "partner notified"})
    assert closed.status_code == 200 and closed.json["state"] == "closed" and closed.json["outcome"] == "confirmed_match"
    assert oper.post(f"/console/api/hits/{hit_id}/close", json={"outcome": "no_action"}).status_code == 409
    assert oper.get("/console/api/hits?state=open").get_json()["hits"] == []
    detail = oper.get(f"/console/api/hits/{hit_id}").get_json()
    oper.get(f"/console/api/hits/{hit_id}")  # the card refreshing while it is open: audited once
    assert [(h["actor"], h["action"]) for h in detail["history"]] == [
        ("anna", "note"), ("oper", "acknowledge"), ("oper", "assign"), ("oper", "close")]
    assert oper.post("/console/api/hits/999999/acknowledge", json={}).status_code == 404
    assert oper.post(f"/console/api/hits/{hit_id}/explode", json={}).status_code == 404
    assert oper.post(f"/console/api/hits/{hit_id}/note", data="x", content_type="application/json").status_code == 400
    audit = Console(app.test_client(), "root").get("/console/api/audit").get_json()
    assert audit["verify"]["ok"]
    actions = [(r["actor"], r["action"]) for r in audit["records"]]
    assert ("oper", "hit.close") in actions and ("anna", "hit.view") not in actions and actions.count(("oper", "hit.view")) == 1
    assert all("ERIKSSON" not in json.dumps(r) for r in audit["records"])
    assert anna.get("/console/api/audit").status_code == 403 and anna.get("/console/api/users").status_code == 403
    with hub.db.tx() as cur:  # the chain refuses edits, and a forced edit is caught
        with pytest.raises(Exception):
            cur.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1")


def test_sessions_end_on_the_server(app, hub):
    client = app.test_client()
    oper = Console(client, "oper")
    assert oper.get("/console/api/me").status_code == 200
    assert oper.post("/logout").status_code == 302
    assert oper.get("/console/api/me").status_code == 401  # the cookie is dead on the server, whatever the browser keeps
    page = oper.get("/desk")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    other = Console(app.test_client(), "anna")
    with hub.db.tx(write=True) as cur:
        cur.execute("UPDATE console_sessions SET last_seen = '2000-01-01T00:00:00Z'")
    assert other.get("/console/api/me").status_code == 401  # idle too long
    root = Console(app.test_client(), "root")
    oper = Console(app.test_client(), "oper")
    assert root.post("/console/api/users/oper/disable", json={}).status_code == 200
    assert oper.get("/console/api/me").status_code == 401
    bad = app.test_client()
    from .console import login

    for _ in range(5):
        r = login(bad, "anna", "wrong-password")
    assert r.status_code == 423 and "locked" in r.get_data(as_text=True)
    assert login(app.test_client(), "anna").status_code == 423
    assert app.test_client().post("/login", data={"username": "root", "password": "admin-pass-0001"}).status_code == 403


def test_pages_need_a_login_and_errors_are_pages(app, hub):
    client = app.test_client()
    for path in ("/desk", "/fleet", "/lists", "/users", "/audit"):
        r = client.get(path)
        assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    assert client.get("/console/api/hits").status_code == 401
    anna = Console(app.test_client(), "anna")
    r = anna.get("/users")
    assert r.status_code == 403 and "text/html" in r.content_type and "Traceback" not in r.get_data(as_text=True)
    page = anna.get("/desk")
    assert page.status_code == 200 and "Content-Security-Policy" in page.headers and 'id="hits"' in page.get_data(as_text=True)
    assert anna.get("/console/api/hits/abc").status_code == 404
    assert client.get("/api/v1/nope").get_json()["error"] == "not_found"  # the boxes' API keeps its JSON errors


def test_hostile_console_requests_get_4xx_never_500(app, hub):
    client = app.test_client()
    upload(client, box(client, hub), [encounter("r1")])
    root = Console(app.test_client(), "root")
    junk = ['{"note": null}', "[]", "null", '{"outcome": {"x": 1}}', '{"assignee": 7}', "\ud800", "{" * 100, '{"note": "' + "x" * 3000 + '"}']
    paths = ["/console/api/hits/1/acknowledge", "/console/api/hits/1/assign", "/console/api/hits/1/note", "/console/api/hits/1/close",
             "/console/api/hits/1/reopen", "/console/api/users", "/console/api/users/oper/password", "/console/api/users/oper/nope",
             "/console/api/hits/99999999999999999999/note", "/console/api/lists/preview", "/console/api/lists/publish"]
    for path in paths:
        for body in junk:
            r = root.post(path, data=body.encode("utf-8", "surrogatepass"), content_type="application/json")
            assert r.status_code < 500, (path, body[:20], r.status_code, r.get_data(as_text=True)[:200])
            assert r.is_json and "Traceback" not in r.get_data(as_text=True)
    for query in ("limit=0", "limit=x", "before=-1", "state=gone", "decision=CLEAR", "since=2030-13-45", "post=%00", "list=a%20b"):
        r = root.get(f"/console/api/hits?{query}")
        assert r.status_code == 400, query
    for path in ("/console/api/fleet/chart?hours=-5", "/console/api/audit?limit=x", "/console/api/export/hits.xml",
                 "/console/api/export/encounters.csv?since=never"):
        assert root.get(path).status_code < 500, path
    assert root.get("/console/api/audit").get_json()["verify"]["ok"]
