"""The hub's HTTP API through Flask's test client, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json

import pytest

from sync.hub import appliances, lists, records
from sync.hub.app import create_app
from sync.protocol import check_manifest, decode_payload, sha256_hex
from sync.protocol.keys import PublicKey

from .helpers import doc, docs


@pytest.fixture
def client(hub):
    app = create_app(hub_obj=hub)
    return app.test_client()


def enroll(client, hub, name="box-a"):
    token = appliances.add(hub.db, name, token_hours=1)["token"]
    r = client.post("/api/v1/enroll", json={"token": token})
    assert r.status_code == 201, r.json
    return {"Authorization": f"Bearer {r.json['credential']}"}


def ring(hub):
    key = hub.signing_key().public
    return {key.key_id: key}


def count_records(hub):
    with hub.db.tx() as cur:
        return cur.execute("SELECT count(*) FROM records").fetchone()[0]


def test_enrollment_token_works_once(client, hub):
    token = appliances.add(hub.db, "box-a", token_hours=1)["token"]
    r = client.post("/api/v1/enroll", json={"token": token})
    assert r.status_code == 201
    assert r.json["appliance"] == "box-a" and r.json["active_key"] == hub.signing_key().public.text
    again = client.post("/api/v1/enroll", json={"token": token})
    assert again.status_code == 401 and again.json["error"] == "bad_token"
    assert client.post("/api/v1/enroll", json={"token": "enr_nope"}).status_code == 401
    assert client.post("/api/v1/enroll", data="junk", content_type="application/json").status_code == 400
    expired = appliances.add(hub.db, "box-b", token_hours=-1)["token"]
    r = client.post("/api/v1/enroll", json={"token": expired})
    assert r.status_code == 401 and r.json["error"] == "token_expired"


def test_credentials_are_checked_and_boxes_are_separated(client, hub):
    a = enroll(client, hub, "box-a")
    b = enroll(client, hub, "box-b")
    for headers in ({}, {"Authorization": "Bearer 1.wrong"}, {"Authorization": "Basic x"}, {"Authorization": "Bearer x"}):
        r = client.get("/api/v1/lists", headers=headers)
        assert r.status_code == 401 and r.json["error"] in ("unauthenticated", "bad_credential")
    assert client.get("/api/v1/appliances/box-a", headers=a).json["name"] == "box-a"
    r = client.get("/api/v1/appliances/box-a", headers=b)
    assert r.status_code == 403 and r.json["error"] == "forbidden"
    client.post("/api/v1/records", headers=a, json={"records": [{"key": "k1", "kind": "scan", "payload": {"v": 1}}]})
    client.post("/api/v1/records", headers=b, json={"records": [{"key": "k1", "kind": "scan", "payload": {"v": 2}}]})
    assert client.get("/api/v1/appliances/box-b", headers=b).json["records"] == 1
    appliances.set_disabled(hub.db, "box-b", True)
    assert client.get("/api/v1/lists", headers=b).status_code == 403


def test_batches_are_deduplicated_and_bad_batches_change_nothing(client, hub):
    a = enroll(client, hub)
    batch = {"records": [{"key": f"scan/{i}", "kind": "scan", "priority": 10 if i == 0 else 0,
                          "created_at": "2030-01-01T00:00:00+00:00", "payload": {"decision": "CLEAR"}} for i in range(5)]}
    r = client.post("/api/v1/records", headers=a, json=batch)
    assert r.status_code == 200 and r.json["stored"] == 5 and len(r.json["acknowledged"]) == 5
    r = client.post("/api/v1/records", headers=a, json=batch)
    assert r.json["stored"] == 0 and r.json["duplicates"] == 5 and len(r.json["acknowledged"]) == 5
    bad_batches = [
        {"records": "nope"},
        [1, 2],
        {"records": [{"key": "ok", "kind": "scan", "payload": {}}, {"key": "", "kind": "scan", "payload": {}}]},
        {"records": [{"key": "ok2", "kind": "scan", "payload": "text"}]},
        {"records": [{"key": "ok3", "kind": "scan", "payload": {}, "priority": "high"}]},
        {"records": [{"key": "x" * 300, "kind": "scan", "payload": {}}]},
    ]
    for body in bad_batches:
        r = client.post("/api/v1/records", headers=a, json=body)
        assert r.status_code == 400, body
        assert r.json["error"] in ("malformed_batch", "malformed_record")
    r = client.post("/api/v1/records", headers=a, data=b"{not json", content_type="application/json")
    assert r.status_code == 400 and r.json["error"] == "malformed_json"
    too_many = {"records": [{"key": f"m{i}", "kind": "scan", "payload": {}} for i in range(hub.settings.max_batch_records + 1)]}
    r = client.post("/api/v1/records", headers=a, json=too_many)
    assert r.status_code == 413 and r.json["error"] == "batch_too_large"
    huge = b'{"records": [' + b'{"key": "h", "kind": "scan", "payload": {"x": "' + b"A" * int(hub.settings.max_body_mb * 1024 * 1024) + b'"}}]}'
    r = client.post("/api/v1/records", headers=a, data=huge, content_type="application/json")
    assert r.status_code == 413 and r.json["error"] == "body_too_large"
    assert count_records(hub) == 5
    hits = records.query(hub.db, hits_only=True)
    assert [h["key"] for h in hits] == ["scan/0"]


def test_checkin_is_validated_and_shown(client, hub):
    a = enroll(client, hub)
    r = client.post("/api/v1/checkin", headers=a, json={"lists": {"lost": 3}, "queue_depth": 7, "alarms": ["expired: x"]})
    assert r.status_code == 200
    for bad in ({"lists": {"lost": "3"}}, {"queue_depth": "many"}, {"alarms": "x"}, ["x"]):
        assert client.post("/api/v1/checkin", headers=a, json=bad).status_code == 400
    row = appliances.list_all(hub.db)[0]
    assert row["lists"] == {"lost": 3} and row["queue_depth"] == 7 and row["alarms"] == ["expired: x"]


def test_versions_are_monotonic_with_snapshot_then_deltas(client, hub):
    a = enroll(client, hub)
    v1 = lists.publish(hub.db, "lost", kind="documents", fmt="documents-csv", records=docs(100), source="t")
    assert v1["version"] == 1 and v1["upserts"] == 100
    r = client.get("/api/v1/lists", headers=a)
    assert [(x["name"], x["version"]) for x in r.json["lists"]] == [("lost", 1)]
    m = client.get("/api/v1/lists/lost/update?from=0", headers=a).json
    body = check_manifest(m, ring(hub), list_name="lost", held_version=0)
    assert body["full"] and body["record_count"] == 100
    data = client.get(f"/api/v1/payloads/{body['payload_sha256']}", headers=a).data
    assert sha256_hex(data) == body["payload_sha256"] and len(data) == body["payload_size"]
    assert len(decode_payload(data)[1]) == 100

    new = docs(100)[5:] + [doc(500)]
    new[0] = {**new[0], "status": "lost"}
    v2 = lists.publish(hub.db, "lost", kind="documents", fmt="documents-csv", records=new, source="t")
    assert (v2["version"], v2["upserts"], v2["removals"]) == (2, 2, 5)
    v3 = lists.publish(hub.db, "lost", kind="documents", fmt="documents-csv", records=new + [doc(501)], source="t")
    assert v3["version"] == 3
    m = check_manifest(client.get("/api/v1/lists/lost/update?from=1", headers=a).json, ring(hub), list_name="lost", held_version=1)
    assert (m["full"], m["base_version"], m["upserts"], m["removals"]) == (False, 1, 3, 5)
    header, ups, rems = decode_payload(client.get(f"/api/v1/payloads/{m['payload_sha256']}", headers=a).data)
    assert sorted(rems) == [f"doc:UTO:P:ZX{i:07d}" for i in range(5)]
    m2 = check_manifest(client.get("/api/v1/lists/lost/update?from=2", headers=a).json, ring(hub), list_name="lost", held_version=2)
    assert (m2["upserts"], m2["removals"]) == (1, 0)
    assert client.get("/api/v1/lists/lost/update?from=3", headers=a).status_code == 204
    r = client.get("/api/v1/lists/lost/update?from=9", headers=a)
    assert r.status_code == 409 and r.json["error"] == "box_ahead"
    assert client.get("/api/v1/lists/nope/update?from=0", headers=a).status_code == 404
    assert client.get("/api/v1/lists/lost/update?from=-1", headers=a).status_code == 400
    # a far-behind box gets a snapshot
    far = lists.publish(hub.db, "lost", kind="documents", fmt="documents-csv", records=docs(100, start=1000), source="t")
    m = check_manifest(client.get("/api/v1/lists/lost/update?from=3", headers=a).json, ring(hub), list_name="lost", held_version=3)
    assert far["version"] == 4 and m["full"] and m["record_count"] == 100
    with pytest.raises(Exception):
        lists.publish(hub.db, "lost", kind="watchlist", fmt="csv", records=[], source="t")


def test_payload_ranges(client, hub):
    a = enroll(client, hub)
    lists.publish(hub.db, "lost", kind="documents", fmt="documents-csv", records=docs(2000), source="t")
    m = client.get("/api/v1/lists/lost/update?from=0", headers=a).json
    url = f"/api/v1/payloads/{m['payload_sha256']}"
    whole = client.get(url, headers=a).data
    part = client.get(url, headers={**a, "Range": "bytes=100-"})
    assert part.status_code == 206 and part.data == whole[100:]
    assert part.headers["Content-Range"] == f"bytes 100-{len(whole) - 1}/{len(whole)}"
    assert client.get(url, headers={**a, "Range": "bytes=10-19"}).data == whole[10:20]
    assert client.get(url, headers={**a, "Range": "bytes=-5"}).data == whole[-5:]
    assert client.get(url, headers={**a, "Range": f"bytes={len(whole)}-"}).status_code == 416
    assert client.get(url, headers={**a, "Range": "lines=1-2"}).status_code == 416
    assert client.get(url, headers={**a, "Range": "bytes=\u00b2-"}).status_code == 416  # not an ASCII digit
    assert client.get(url).status_code == 401
    assert client.get("/api/v1/payloads/" + "0" * 64, headers=a).status_code == 404
    assert client.get("/api/v1/payloads/xyz", headers=a).status_code == 400


def test_unknown_paths_and_methods_get_json_errors(client, hub):
    r = client.get("/api/v1/nothing")
    assert r.status_code == 404 and r.json["error"] == "not_found"
    r = client.delete("/api/v1/records")
    assert r.status_code == 405 and r.json["error"] == "method_not_allowed"
    assert client.get("/healthz").json == {"status": "ok"}


def test_keys_document_follows_rotation(client, hub):
    from sync.hub import keys as hub_keys

    first = hub.signing_key().public
    new, statement = hub_keys.rotate(hub.settings, hub.db)
    doc = client.get("/api/v1/keys").json
    assert doc["active_key"] == new.public.text and doc["rotations"] == [json.loads(json.dumps(statement))]
    from sync.client.keyring import follow_rotations

    assert follow_rotations(first, doc) == PublicKey.parse(new.public.text)


def _stored_state(hub):
    """Everything a refused request must leave as it was: records and appliance rows."""
    with hub.db.tx() as cur:
        recs = cur.execute("SELECT appliance_id, record_key, payload FROM records ORDER BY record_key").fetchall()
        boxes = cur.execute("SELECT name, secret_hash, token_hash, status FROM appliances ORDER BY name").fetchall()
    return [tuple(r) for r in recs], [tuple(b) for b in boxes]


def test_hostile_bodies_and_credentials_are_4xx_and_change_nothing(client, hub):
    a = enroll(client, hub)
    client.post("/api/v1/records", headers=a, json={"records": [{"key": "k0", "kind": "scan", "payload": {"v": 1}}]})
    pending = appliances.add(hub.db, "box-new", token_hours=1)["token"]
    before = _stored_state(hub)
    raw = {**a, "Content-Type": "application/json"}
    deep_list = "[" * 100_000 + "]" * 100_000
    nested_payload = '{"records": [{"key": "d", "kind": "scan", "payload": ' + '{"a": ' * 200 + "1" + "}" * 200 + "}]}"
    cases = [
        # (method, path, headers, body, expected status, expected error code)
        ("get", "/api/v1/lists", {"Authorization": "Bearer \u00b2.secret"}, None, 401, "bad_credential"),
        ("get", "/api/v1/lists", {"Authorization": "Bearer " + "9" * 150 + ".secret"}, None, 401, "bad_credential"),
        ("get", "/api/v1/lists", {"Authorization": "Bearer 1.\u00ff\u00fe"}, None, 401, "bad_credential"),
        ("get", "/api/v1/lists/lost/update?from=\u00b2", a, None, 400, "bad_version"),
        ("get", "/api/v1/lists/lost/update?from=1%0A", a, None, 400, "bad_version"),
        ("get", "/api/v1/lists/a%00b/update?from=0", a, None, 404, "unknown_list"),
        ("post", "/api/v1/records", raw, deep_list, 400, "malformed_json"),
        ("post", "/api/v1/records", raw, nested_payload, 400, "malformed_json"),
        ("post", "/api/v1/enroll", {"Content-Type": "application/json"}, deep_list, 400, "malformed_json"),
        ("post", "/api/v1/records", raw, '{"records": [{"key": "n", "kind": "scan", "payload": {"x": NaN}}]}', 400, "malformed_json"),
        ("post", "/api/v1/records", raw, b'{"records": [{"key": "\xff", "kind": "scan", "payload": {}}]}', 400, "malformed_json"),
        ("post", "/api/v1/records", raw, '{"records": [{"key": "\\ud800", "kind": "scan", "payload": {}}]}', 400, "malformed_record"),
        ("post", "/api/v1/records", raw, '{"records": [{"key": "k\\u0000", "kind": "scan", "payload": {}}]}', 400, "malformed_record"),
        ("post", "/api/v1/records", raw, '{"records": [{"key": "c", "kind": "scan", "payload": {}, "created_at": "\\u0000"}]}',
         400, "malformed_record"),
        ("post", "/api/v1/records", {**a, "Content-Type": "text/plain"}, '{"records": []}', 400, "malformed_json"),
        ("post", "/api/v1/enroll", {"Content-Type": "application/json"}, '{"token": "enr_\\ud800"}', 401, "bad_token"),
        ("post", "/api/v1/checkin", raw, '{"lists": {"lost": true}}', 400, "malformed_checkin"),
        ("post", "/api/v1/checkin", raw, '{"lists": {"lost": 100000000000000000000000000}}', 400, "malformed_checkin"),
        ("post", "/api/v1/checkin", raw, '{"queue_depth": -1}', 400, "malformed_checkin"),
    ]
    for method, path, headers, body, status, code in cases:
        r = getattr(client, method)(path, headers=headers, data=body)
        assert (r.status_code, r.json["error"]) == (status, code), (path, headers, str(body)[:80], r.json)
    from sync.hub.errors import PublishError

    for bad_name in ("box\n", "box\x00"):  # a trailing newline slipped through `$` once
        with pytest.raises(PublishError):
            appliances.add(hub.db, bad_name, token_hours=1)
        with pytest.raises(PublishError):
            lists.check_list_name(bad_name)
    assert _stored_state(hub) == before
    # the pending enrollment token was not spent by any of that
    assert client.post("/api/v1/enroll", json={"token": pending}).status_code == 201
