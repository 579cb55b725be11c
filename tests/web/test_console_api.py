"""Console API: configuration (validated, ports tested), users, tokens, self-test, retention."""

from __future__ import annotations

import datetime as dt
import tomllib

from .conftest import LANE, bearer


def test_config_shows_schema_and_masks_secrets(as_user, ctx):
    tech = as_user("technician")
    cfg = tech.get("/api/v1/config").get_json()
    keys = {o["key"] for o in cfg["schema"]}
    assert {"server.port", "security.login_max_failures", "retention.encounter_days"} <= keys
    assert LANE in cfg["settings"]["lanes"]


def test_config_change_is_validated_saved_and_audited(as_user, ctx, data_copy):
    tech = as_user("technician")
    unknown = tech.put("/api/v1/config", json={"settings": {"security": {"login_max_failure": 3}}})
    assert unknown.status_code == 400 and unknown.get_json()["error"] == "invalid_config"
    assert "unknown setting" in unknown.get_json()["message"]
    bad_section = tech.put("/api/v1/config", json={"settings": {"securty": {"x": 1}}})
    assert bad_section.status_code == 400
    out_of_range = tech.put("/api/v1/config", json={"settings": {"server": {"port": 70000}}})
    assert out_of_range.status_code == 400 and "maximum" in out_of_range.get_json()["message"]
    ok = tech.put("/api/v1/config", json={"settings": {"security": {"login_max_failures": 3}, "retention": {"encounter_days": 30}}})
    assert ok.status_code == 200
    assert ok.get_json()["changed"] == ["retention.encounter_days", "security.login_max_failures"]
    saved = tomllib.loads((data_copy / "appliance.toml").read_text())
    assert saved["security"]["login_max_failures"] == 3 and LANE in saved["lanes"]
    assert ctx.config["security"]["login_max_failures"] == 3
    row = ctx.reader().execute("SELECT actor, detail FROM audit_log WHERE action = 'config.change'").fetchone()
    assert row[0] == "technician" and "login_max_failures" in row[1]


def test_a_new_lane_port_is_tested_before_it_is_saved(as_user, data_copy):
    tech = as_user("technician")
    bad = tech.put("/api/v1/config", json={"settings": {"lanes": {"lane-9": {"port": "/dev/does-not-exist-ttyUSB9"}}}})
    assert bad.status_code == 400 and bad.get_json()["error"] == "port_test_failed"
    assert "lane-9" not in (data_copy / "appliance.toml").read_text()
    good = tech.put("/api/v1/config", json={"settings": {"lanes": {"lane-9": {"port": "loop://", "profile": "lines"}}}})
    assert good.status_code == 200 and good.get_json()["port_tests"]["lane-9"]["ok"] is True
    assert "lane-9" in tomllib.loads((data_copy / "appliance.toml").read_text())["lanes"]
    removed = tech.put("/api/v1/config", json={"settings": {"lanes": {"lane-9": None}}})
    assert removed.status_code == 200 and "lanes.lane-9" in removed.get_json()["changed"]


def test_port_test_reads_from_a_virtual_scanner(as_user):
    from firmware_bridge.simulate import VirtualScanner

    from appliance.demo.data import travellers

    tech = as_user("technician")
    with VirtualScanner(profile="lines", documents=[travellers()[0].mrz], interval=0.2, loop=True) as scanner:
        resp = tech.post("/api/v1/config/test-port", json={"port": scanner.path, "profile": "lines", "seconds": 1.0})
    assert resp.status_code == 200 and resp.get_json()["ok"] is True and resp.get_json()["bytes"] > 0
    bad = tech.post("/api/v1/config/test-port", json={"port": "/dev/nope", "seconds": 0.2})
    assert bad.status_code == 422 and bad.get_json()["ok"] is False
    assert tech.post("/api/v1/config/test-port", json={"port": "loop://", "speed": 9}).status_code == 400


def test_selftest_goes_through_a_virtual_scanner_and_stores_nothing(as_user, ctx):
    tech = as_user("technician")
    result = tech.post(f"/api/v1/lanes/{LANE}/selftest", json={}).get_json()
    assert result["ok"] is True, result
    assert [s["step"] for s in result["steps"]] == ["virtual scanner", "lane reader", "read", "screening"]
    assert ctx.reader().execute("SELECT count(*) FROM scans").fetchone()[0] == 0
    assert ctx.reader().execute("SELECT count(*) FROM audit_log WHERE action = 'lane.selftest'").fetchone()[0] == 1


def test_users_api(as_user, ctx):
    admin = as_user("admin")
    made = admin.post("/api/v1/users", json={"username": "officer2", "role": "officer", "password": "officer2-password"})
    assert made.status_code == 201 and made.get_json()["role"] == "officer"
    assert admin.post("/api/v1/users", json={"username": "officer2", "role": "officer", "password": "officer2-password"}).status_code == 409
    assert admin.post("/api/v1/users", json={"username": "x", "role": "officer", "password": "long-enough-1"}).status_code == 400
    assert admin.post("/api/v1/users", json={"username": "boss", "role": "king", "password": "long-enough-1"}).status_code == 400
    names = [u["username"] for u in admin.get("/api/v1/users").get_json()["users"]]
    assert "officer2" in names
    assert all("password_hash" not in u for u in admin.get("/api/v1/users").get_json()["users"])
    assert admin.post("/api/v1/users/officer2/enable", json={}).get_json()["disabled"] is False
    assert admin.post("/api/v1/users/officer2/fly", json={}).status_code == 404


def test_retention_purges_only_old_delivered_encounters(client, ctx, tokens, documents):
    from appliance.web.retention import purge

    ids = [client.post("/api/v1/scans", json={"lane": LANE, "mrz": m, "read_id": f"ret-{i}"}, headers=bearer(tokens["bridge"])).get_json()["id"]
           for i, m in enumerate(documents["CLEAR"][:3])]
    old = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=200)).isoformat(timespec="seconds")
    with ctx.write() as db:
        db.execute("UPDATE scans SET created_at = ? WHERE id IN (?, ?)", [old, ids[0], ids[1]])
        db.execute("UPDATE outbox SET delivered_at = ? WHERE record_key IN ('encounter/ret-0')", [old])
    dry = purge(ctx, "tester", days=90, dry_run=True)
    assert dry["would_purge"] == 1 and dry["purged"] == 0
    done = purge(ctx, "tester", days=90)
    assert done["purged"] == 1 and done["kept_undelivered"] == 1
    left = {r[0] for r in ctx.reader().execute("SELECT id FROM scans")}
    assert left == {ids[1], ids[2]}
    row = ctx.reader().execute("SELECT actor, detail FROM audit_log WHERE action = 'retention.purge'").fetchone()
    assert row[0] == "tester" and '"purged":1' in row[1]
