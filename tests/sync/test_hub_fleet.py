"""Fleet page data, list publishing with a preview, export of hits and encounters, the users API."""

from __future__ import annotations

import csv
import io
import json

import pytest

from sync.hub import lists
from sync.hub.app import create_app

from .console import Console, encounter
from .console import add_users as _add_users
from .helpers import docs, documents_csv, person
from .test_hub_desk import box, upload


@pytest.fixture
def app(hub):
    _add_users(hub)
    return create_app(hub_obj=hub)


def checkin(client, headers, **body):
    r = client.post("/api/v1/checkin", json=body, headers=headers)
    assert r.status_code == 200, r.json
    return r


def test_fleet_shows_silent_boxes_old_lists_readers_and_clock_in_words(app, hub):
    lists.publish(hub.db, "lost", kind="documents", fmt="documents-csv", records=docs(3), source="t")
    lists.publish(hub.db, "lost", kind="documents", fmt="documents-csv", records=docs(4), source="t")
    client = app.test_client()
    a, b, c = box(client, hub, "box-a"), box(client, hub, "box-b"), box(client, hub, "box-c")
    checkin(client, a, lists={"lost": 2}, queue_depth=0, alarms=[], post="North gate", sent_at="2020-01-01T00:00:00Z",
            lanes=[{"name": "lane-1", "state": "connected"}])
    checkin(client, b, lists={"lost": 1}, queue_depth=12, alarms=["bad_signature: lost refused"], post="Harbour",
            lanes=[{"name": "lane-1", "state": "disconnected", "detail": "device unplugged"}])
    checkin(client, c, lists={"lost": 2}, post="Airfield")
    with hub.db.tx(write=True) as cur:
        cur.execute("UPDATE appliances SET last_seen = '2020-01-01T00:00:00Z' WHERE name = 'box-c'")
    upload(client, a, [encounter("r1"), encounter("c1", "CLEAR"), encounter("c2", "CLEAR")], post="North gate")
    oper = Console(app.test_client(), "oper")
    data = oper.get("/console/api/fleet").get_json()
    by = {x["name"]: x for x in data["boxes"]}
    assert data["summary"]["silent"] == 1 and data["summary"]["old_lists"] == 1 and data["summary"]["alarms"] == 1
    assert by["box-c"]["link"].startswith("SILENT for ") and "days" in by["box-c"]["link"]
    assert by["box-b"]["lists"][0]["state"] == "OLD LIST v1 of v2"
    assert "old list: lost v1, published v2" in by["box-b"]["problems"]
    assert "reader on lane lane-1 disconnected" in by["box-b"]["problems"] and by["box-b"]["queue_depth"] == 12
    assert by["box-a"]["clock"].startswith("CLOCK BEHIND by") and by["box-a"]["post"] == "North gate"
    # read "in 2030" by a box whose clock is wrong: counted when the hub received them
    assert (by["box-a"]["encounters_24h"], by["box-a"]["hits_24h"]) == (3, 1)
    chart = oper.get("/console/api/fleet/chart?hours=24").get_json()
    assert len(chart["hours"]) == 24 and chart["posts"][0]["post"] == "North gate"
    assert sum(chart["posts"][0]["encounters"]) == 3 and sum(chart["posts"][0]["hits"]) == 1
    assert oper.get("/console/api/fleet/chart?hours=x").status_code == 400
    assert client.post("/api/v1/checkin", json={"lanes": "nope"}, headers=a).status_code == 400
    assert client.post("/api/v1/checkin", json={"post": "x" * 500}, headers=a).status_code == 400
    assert client.post("/api/v1/records", json={"records": [], "box": {"sent_at": "noon"}}, headers=a).status_code == 400


def test_publish_from_the_console_shows_the_diff_first_and_who_holds_what(app, hub, tmp_path):
    client = app.test_client()
    a = box(client, hub, "box-a")
    v1 = tmp_path / "v1.csv"
    documents_csv(v1, docs(10))
    v2 = tmp_path / "v2.csv"
    documents_csv(v2, docs(8, start=2) + docs(3, start=100))
    oper = Console(app.test_client(), "oper")

    def form(path, **extra):
        return {"list": "lost", "format": "documents-csv", "file": (io.BytesIO(path.read_bytes()), path.name), **extra}

    p1 = oper.post("/console/api/lists/preview", data=form(v1), content_type="multipart/form-data").get_json()
    assert (p1["added"], p1["changed"], p1["removed"], p1["next_version"]) == (10, 0, 0, 1)
    r = oper.post("/console/api/lists/publish", data=form(v1, sha256=p1["sha256"], expected_version="0"), content_type="multipart/form-data")
    assert r.status_code == 201 and r.get_json()["version"] == 1
    p2 = oper.post("/console/api/lists/preview", data=form(v2), content_type="multipart/form-data").get_json()
    assert (p2["added"], p2["changed"], p2["removed"], p2["unchanged"]) == (3, 0, 2, 8)
    wrong = oper.post("/console/api/lists/publish", data=form(v2, sha256=p1["sha256"], expected_version="1"), content_type="multipart/form-data")
    assert wrong.status_code == 409 and wrong.get_json()["error"] == "not_previewed"
    moved = oper.post("/console/api/lists/publish", data=form(v2, sha256=p2["sha256"], expected_version="0"), content_type="multipart/form-data")
    assert moved.status_code == 409 and moved.get_json()["error"] == "list_moved"
    assert oper.post("/console/api/lists/publish", data=form(v2, sha256=p2["sha256"], expected_version="1"),
                     content_type="multipart/form-data").status_code == 201
    bad = oper.post("/console/api/lists/preview", data={"list": "lost", "format": "documents-csv",
                                                         "file": (io.BytesIO(b"\x00\xff garbage"), "x.csv")}, content_type="multipart/form-data")
    assert bad.status_code == 400 and "Traceback" not in bad.get_data(as_text=True)
    checkin(client, a, lists={"lost": 1})
    view = oper.get("/console/api/lists").get_json()["lists"][0]
    assert view["version"] == 2 and view["holders"] == {"1": ["box-a"]}
    assert [h["version"] for h in view["history"]] == [2, 1] and "console, oper" in view["history"][0]["source"]
    anna = Console(app.test_client(), "anna")
    assert anna.post("/console/api/lists/preview", data=form(v1), content_type="multipart/form-data").status_code == 403


def test_export_hits_and_encounters_as_csv_and_ndjson(app, hub):
    lists.publish(hub.db, "wl", kind="watchlist", fmt="ndjson", records=[person(1)], source="t")
    client = app.test_client()
    a = box(client, hub)
    upload(client, a, [encounter("r1"), encounter("r2", "POSSIBLE_MATCH", surname="=HYPERLINK(1)"), encounter("c1", "CLEAR")])
    anna = Console(app.test_client(), "anna")
    rows = list(csv.DictReader(io.StringIO(anna.get("/console/api/export/hits.csv").get_data(as_text=True))))
    assert [r["decision"] for r in rows] == ["HIT", "POSSIBLE_MATCH"] and rows[0]["matches"] == "wl:T-1:0.97"
    assert "surname" not in rows[0]
    personal = list(csv.DictReader(io.StringIO(anna.get("/console/api/export/hits.csv?personal=1").get_data(as_text=True))))
    assert personal[0]["surname"] == "ERIKSSON" and personal[1]["surname"] == "'=HYPERLINK(1)"  # no formula in a spreadsheet
    lines = anna.get("/console/api/export/encounters.ndjson?since=2000-01-01").get_data(as_text=True).splitlines()
    assert sorted(json.loads(x)["decision"] for x in lines) == ["CLEAR", "HIT", "POSSIBLE_MATCH"]
    assert anna.get("/console/api/export/encounters.csv").status_code == 400  # needs a period
    assert anna.get("/console/api/export/people.csv").status_code == 404
    audit = Console(app.test_client(), "root").get("/console/api/audit?action=export").get_json()["records"]
    assert [(r["actor"], r["action"], r["detail"]["personal"]) for r in audit][::-1] == [
        ("anna", "export.hits", False), ("anna", "export.hits", True), ("anna", "export.encounters", False)]


def test_users_are_managed_by_admins(app, hub):
    root = Console(app.test_client(), "root")
    assert root.post("/console/api/users", json={"username": "new-op", "role": "operator", "password": "short"}).status_code == 400
    assert root.post("/console/api/users", json={"username": "new-op", "role": "boss", "password": "long-enough-1"}).status_code == 400
    assert root.post("/console/api/users", json={"username": "new-op", "role": "operator", "password": "long-enough-1"}).status_code == 201
    assert root.post("/console/api/users", json={"username": "new-op", "role": "operator", "password": "long-enough-1"}).status_code == 409
    Console(app.test_client(), "oper")
    assert root.post("/console/api/users/root/disable", json={}).status_code == 409
    assert root.post("/console/api/users/ghost/disable", json={}).status_code == 404
    assert [u["username"] for u in root.get("/console/api/users").get_json()["users"]] == ["anna", "new-op", "oper", "root"]
