"""End to end: a real hub (waitress subprocess) and a real box database, over real HTTP."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import time

import pytest
from click.testing import CliRunner

from sync.client import outbox, state
from sync.client.enroll import enroll
from sync.client.runner import sync_once
from sync.client.updates import UpdateRefused
from sync.errors import HubRefused, HubUnreachable
from sync.hub.cli import cli as hub_cli
from sync.protocol.keys import HubKey
from sync.protocol.manifest import build_manifest

from .box import FAST, Box
from .conftest import script
from .helpers import docs, documents_csv
from .proxy import Proxy


def hub_cmd(hub_dir, *args) -> str:
    """Run a screening-hub admin command in-process; return its output."""
    result = CliRunner().invoke(hub_cli, list(args), env={"SCREENING_HUB_DATA_DIR": str(hub_dir)}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def publish(hub_dir, tmp_path, name: str, records: list[dict]) -> dict:
    """Publish records as list ``name`` with the box's documents-csv importer."""
    path = tmp_path / f"{name}-{time.monotonic_ns()}.csv"
    documents_csv(path, records)
    return json.loads(hub_cmd(hub_dir, "lists", "publish", "--list", name, "--format", "documents-csv", str(path), "--json"))


def enrolled_box(hub_dir, tmp_path, url: str, name: str = "box-a") -> Box:
    """A box enrolled in-process with the hub at ``url``."""
    box = Box(tmp_path / name)
    token = json.loads(hub_cmd(hub_dir, "appliances", "add", name, "--json"))["token"]
    key = hub_cmd(hub_dir, "keys", "show").strip()
    enroll(box.db, url, token, key)
    return box


def hub_count(hub_dir) -> int:
    """Records the hub holds."""
    return sum(a["records"] for a in json.loads(hub_cmd(hub_dir, "appliances", "list", "--json")))


def test_enroll_snapshot_then_deltas_through_the_cli(hub_dir, served_hub, tmp_path):
    publish(hub_dir, tmp_path, "lost", docs(300))
    box = Box(tmp_path / "box")
    token = json.loads(hub_cmd(hub_dir, "appliances", "add", "box-a", "--json"))["token"]
    key = hub_cmd(hub_dir, "keys", "show").strip()

    wrong = box.run("sync", "enroll", "--hub", served_hub.url, "--token", token, "--hub-key", HubKey.generate().public.text)
    assert wrong.returncode != 0 and "does not match --hub-key" in wrong.stderr and "Traceback" not in wrong.stderr
    token = json.loads(hub_cmd(hub_dir, "appliances", "add", "box-a", "--json"))["token"]  # that attempt used the token up
    ok = box.run("sync", "enroll", "--hub", served_hub.url, "--token", token, "--hub-key", key)
    assert ok.returncode == 0, ok.stderr
    with pytest.raises(HubRefused, match="already used"):
        enroll(box.db, served_hub.url, token, key)

    box.scan(1, hit=True)
    box.scan(2)
    first = box.run("sync", "--once")
    assert first.returncode == 0, first.stderr
    assert "lost v1 (snapshot)" in first.stdout and "2 records sent (1 hits)" in first.stdout
    shown = json.loads(box.run("lists", "show", "--json").stdout)
    assert [(x["name"], x["version"], x["documents"]) for x in shown] == [("lost", "1", 300)]

    publish(hub_dir, tmp_path, "lost", docs(290, start=10) + docs(5, start=1000))
    result = sync_once(box.db, box.data_dir, FAST, delays=())
    assert result["applied"] == [{"list": "lost", "version": 2, "full": False}]
    assert box.list_version("lost") == ("2", 295)
    from appliance.store.documents import check

    assert check(box.db, "UTO", "ZX0000003") == []
    assert check(box.db, "UTO", "ZX0001004")[0]["status"] == "stolen"
    publish(hub_dir, tmp_path, "lost", docs(290, start=10) + docs(6, start=1000))
    assert sync_once(box.db, box.data_dir, FAST, delays=())["applied"][0]["version"] == 3

    row = json.loads(hub_cmd(hub_dir, "appliances", "list", "--json"))[0]
    assert row["lists"] == {"lost": 3} and row["records"] == 2 and row["hits"] == 1 and row["queue_depth"] == 0
    summary = state.summary(box.db)
    assert summary["state"] == "online" and summary["queue_depth"] == 0 and summary["lists"][0]["version"] == 3
    assert summary["ok"] and summary["lag_seconds"] is not None
    from appliance.cli import cli as appliance_cli

    status = CliRunner().invoke(appliance_cli, ["sync", "status"], env=box.env())
    assert status.exit_code == 0 and "online" in status.output and "lost: version 3" in status.output


def test_hub_down_during_scans_every_record_arrives_once(hub_dir, served_hub, tmp_path):
    box = enrolled_box(hub_dir, tmp_path, served_hub.url)
    assert state.summary(box.db)["state"] == "never"
    sync_once(box.db, box.data_dir, FAST, delays=())
    served_hub.stop()
    for i in range(60):
        box.scan(i, hit=(i % 10 == 3))
    with pytest.raises(HubUnreachable):
        sync_once(box.db, box.data_dir, FAST, delays=())
    cli = box.run("sync", "--once")
    assert cli.returncode == 3 and "cannot connect to the hub" in cli.stderr and "Traceback" not in cli.stderr
    summary = state.summary(box.db)
    assert summary["state"] == "offline" and summary["queue_depth"] == 60 and summary["hits_pending"] == 6
    assert [r["priority"] for r in outbox.pending(box.db, 6)] == [outbox.PRIORITY_HIT] * 6

    served_hub.start()
    result = sync_once(box.db, box.data_dir, FAST, delays=())
    assert result["records_sent"] == 60 and result["hits_sent"] == 6
    assert hub_count(hub_dir) == 60
    # acknowledgements lost on the way back: the box sends again, the hub keeps one copy
    with box.db.conn:
        box.db.execute("UPDATE outbox SET delivered_at = NULL WHERE seq % 3 = 0")
    assert sync_once(box.db, box.data_dir, FAST, delays=())["records_sent"] == 20
    assert hub_count(hub_dir) == 60 and state.summary(box.db)["state"] == "online"


def test_link_drops_mid_download_and_resumes(hub_dir, served_hub, tmp_path):
    publish(hub_dir, tmp_path, "lost", docs(20000))
    proxy = Proxy(served_hub.url)
    try:
        box = enrolled_box(hub_dir, tmp_path, proxy.url)
        proxy.cut_after = 60_000
        with pytest.raises(HubUnreachable):
            sync_once(box.db, box.data_dir, FAST, delays=())
        parts = list((box.data_dir / "sync" / "downloads").glob("*.part"))
        assert len(parts) == 1 and parts[0].stat().st_size == 60_000
        assert box.list_version("lost") == (None, 0)
        proxy.cut_after = None
        sync_once(box.db, box.data_dir, FAST, delays=())
        ranges = [r for p, r in proxy.seen if "/payloads/" in p]
        assert ranges == [None, "bytes=60000-"]
        assert box.list_version("lost") == ("1", 20000)
        assert not list((box.data_dir / "sync" / "downloads").glob("*.part"))
    finally:
        proxy.close()


def test_tampered_replayed_and_expired_updates_are_refused_and_alarmed(hub_dir, served_hub, tmp_path):
    publish(hub_dir, tmp_path, "lost", docs(50))
    proxy = Proxy(served_hub.url)
    captured = {}

    def capture(path, status, body):
        if path.endswith("/update") and status == 200:
            captured.setdefault("v1", body)
        return status, body

    try:
        box = enrolled_box(hub_dir, tmp_path, proxy.url)
        proxy.rewrite = capture
        sync_once(box.db, box.data_dir, FAST, delays=())
        assert box.list_version("lost") == ("1", 50)
        publish(hub_dir, tmp_path, "lost", docs(50) + docs(3, start=500))

        def flip_payload(path, status, body):
            if "/payloads/" in path:
                body = body[:100] + bytes([body[100] ^ 0xFF]) + body[101:]
            return status, body

        def tamper_manifest(path, status, body):
            if path.endswith("/update") and status == 200:
                doc = json.loads(body)
                doc["upserts"] += 1
                body = json.dumps(doc).encode()
            return status, body

        def replay(path, status, body):
            if path.endswith("/update"):
                return 200, captured["v1"]
            return status, body

        key = HubKey.load(next((hub_dir / "keys").glob("*.pem")))

        def expired(path, status, body):
            if path.endswith("/update") and status == 200:
                m = json.loads(body)
                old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=10)
                body = json.dumps(build_manifest(
                    list_name=m["list"], kind=m["kind"], fmt=m["format"], version=m["version"], base_version=m["base_version"],
                    full=m["full"], payload_sha256=m["payload_sha256"], payload_size=m["payload_size"],
                    record_count=m["record_count"], upserts=m["upserts"], removals=m["removals"], created=old,
                    ttl=dt.timedelta(days=7), key=key, now=old)).encode()
            return status, body

        for rewrite, kind in ((flip_payload, "payload_mismatch"), (tamper_manifest, "bad_signature"),
                              (replay, "rollback"), (expired, "expired")):
            proxy.rewrite = rewrite
            with pytest.raises(UpdateRefused):
                sync_once(box.db, box.data_dir, FAST, delays=())
            assert box.list_version("lost") == ("1", 50), kind
            kinds = {a["kind"] for a in state.summary(box.db)["alarms"] if a["resolved_at"] is None}
            assert kind in kinds
        cli = box.run("sync", "--once")
        assert cli.returncode == 5 and "expired" in cli.stderr and "Traceback" not in cli.stderr
        summary = state.summary(box.db)
        assert summary["alarm_count"] == 4 and not summary["ok"]
        assert {"payload_mismatch", "bad_signature", "rollback", "expired"} <= {a["kind"] for a in summary["alarms"]}
        hub_alarms = json.loads(hub_cmd(hub_dir, "appliances", "list", "--json"))[0]["alarms"]
        assert len(hub_alarms) == 4
        from appliance.cli import cli as appliance_cli  # the console's status document shows them too

        shown = CliRunner().invoke(appliance_cli, ["status", "--json"], env=box.env())
        assert shown.exit_code == 0, shown.output
        console = json.loads(shown.output)["sync"]["state"]
        assert console["alarm_count"] == 4 and {a["kind"] for a in console["alarms"]} >= {"expired", "rollback"}

        proxy.rewrite = None
        sync_once(box.db, box.data_dir, FAST, delays=())
        assert box.list_version("lost") == ("2", 53)
        summary = state.summary(box.db)
        assert summary["alarm_count"] == 0 and len(summary["alarms"]) == 4  # resolved, still shown until acknowledged
        assert state.acknowledge_alarms(box.db) == 4 and state.summary(box.db)["alarms"] == []
    finally:
        proxy.close()


def test_key_rotation_is_followed(hub_dir, served_hub, tmp_path):
    publish(hub_dir, tmp_path, "lost", docs(10))
    box = enrolled_box(hub_dir, tmp_path, served_hub.url)
    sync_once(box.db, box.data_dir, FAST, delays=())
    old = state.get(box.db, "hub_key")
    out = hub_cmd(hub_dir, "keys", "rotate")
    new = out.splitlines()[1]
    time.sleep(2.5)  # the serving hub re-reads the active key every 2 s
    publish(hub_dir, tmp_path, "lost", docs(11))
    sync_once(box.db, box.data_dir, FAST, delays=())
    assert state.get(box.db, "hub_key") == new != old
    assert box.list_version("lost") == ("2", 11)


def test_sigkill_during_apply_keeps_lists_intact(hub_dir, served_hub, tmp_path):
    publish(hub_dir, tmp_path, "lost", docs(100))
    box = enrolled_box(hub_dir, tmp_path, served_hub.url)
    sync_once(box.db, box.data_dir, FAST, delays=())
    publish(hub_dir, tmp_path, "lost", docs(15000, start=10_000))
    proc = subprocess.Popen([script("appliance"), "--debug", "sync", "--once"], env=box.env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    killed_at = None
    for line in proc.stderr:
        if "applying lost version 2" in line:
            proc.send_signal(signal.SIGKILL)
            killed_at = "apply"
            break
    proc.wait(30)
    proc.stderr.close()
    assert killed_at == "apply" and proc.returncode == -signal.SIGKILL
    version, count = box.list_version("lost")
    assert (version, count) in (("1", 100), ("2", 15000))
    from appliance.store.documents import check

    if version == "1":
        assert check(box.db, "UTO", "ZX0000005") and not check(box.db, "UTO", "ZX0010005")
    done = box.run("sync", "--once")
    assert done.returncode == 0, done.stderr
    assert box.list_version("lost") == ("2", 15000)
    assert check(box.db, "UTO", "ZX0010005") and not check(box.db, "UTO", "ZX0000005")


def test_served_hub_refuses_bad_requests_and_changes_nothing(hub_dir, served_hub, tmp_path):
    import requests

    box = enrolled_box(hub_dir, tmp_path, served_hub.url)
    cred = {"Authorization": f"Bearer {state.get(box.db, 'credential')}"}
    url = served_hub.url + "/api/v1/records"
    huge = b'{"records": [{"key": "h", "kind": "scan", "payload": {"x": "' + b"A" * (20 * 1024 * 1024) + b'"}}]}'
    r = requests.post(url, data=huge, headers={**cred, "Content-Type": "application/json"}, timeout=60)
    assert r.status_code == 413
    r = requests.post(url, json={"records": [{"key": "k", "kind": "scan", "payload": {}}]},
                      headers={"Authorization": "Bearer 1.forged"}, timeout=10)
    assert r.status_code == 401 and r.json()["error"] == "bad_credential"
    r = requests.post(url, json={"records": [{"key": "k", "kind": "scan", "payload": {}}, {"kind": "scan"}]}, headers=cred, timeout=10)
    assert r.status_code == 400 and r.json()["error"] == "malformed_record"
    r = requests.post(url, data=b"\xff\xfe", headers={**cred, "Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 400
    assert hub_count(hub_dir) == 0


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # box-side checks: one hub backend is enough
def test_wrong_key_or_url_at_enrollment_does_not_spend_the_token(hub_dir, served_hub, tmp_path):
    import http.server
    import threading

    from sync.client.enroll import EnrollmentError

    class NotAHub(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>a router login page</html>")

        do_POST = do_GET

        def log_message(self, *args):
            pass

    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotAHub)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    box = Box(tmp_path / "box")
    token = json.loads(hub_cmd(hub_dir, "appliances", "add", "box-a", "--json"))["token"]
    key = hub_cmd(hub_dir, "keys", "show").strip()
    try:
        with pytest.raises(EnrollmentError, match="does not match --hub-key"):
            enroll(box.db, served_hub.url, token, HubKey.generate().public.text)
        with pytest.raises(HubRefused, match="is the hub URL right"):
            enroll(box.db, f"http://127.0.0.1:{other.server_address[1]}", token, key)
        with pytest.raises(HubRefused, match="404"):
            enroll(box.db, served_hub.url + "/not-the-hub", token, key)
    finally:
        other.shutdown()
        other.server_close()
    assert state.get(box.db, "credential") is None
    assert enroll(box.db, served_hub.url, token, key)["appliance"] == "box-a"  # the token still works

    # a data directory that cannot hold the download is a clear error, and the next sync recovers
    from sync.errors import SyncError

    publish(hub_dir, tmp_path, "lost", docs(20))
    (box.data_dir / "sync").mkdir(exist_ok=True)
    (box.data_dir / "sync" / "downloads").write_text("not a folder")
    with pytest.raises(SyncError, match="cannot store the list download"):
        sync_once(box.db, box.data_dir, FAST, delays=())
    (box.data_dir / "sync" / "downloads").unlink()
    sync_once(box.db, box.data_dir, FAST, delays=())
    assert box.list_version("lost")[0] == "1"


def test_watchlist_snapshot_then_delta_with_removals(hub_dir, served_hub, tmp_path):
    from .helpers import person

    def publish_people(people):
        path = tmp_path / f"national-{time.monotonic_ns()}.ndjson"
        path.write_text("".join(json.dumps(p) + "\n" for p in people), encoding="utf-8")
        out = hub_cmd(hub_dir, "lists", "publish", "--list", "national", "--format", "ndjson", str(path), "--json")
        return json.loads(out)

    def entries(box):
        rows = box.db.execute(
            "SELECT e.entry_id, e.primary_name FROM watchlist_entries e JOIN lists l ON l.id = e.list_id "
            "WHERE l.name = 'national' ORDER BY e.entry_id").fetchall()
        return dict(rows)

    publish_people([person(i) for i in range(10)])
    box = enrolled_box(hub_dir, tmp_path, served_hub.url)
    assert sync_once(box.db, box.data_dir, FAST, delays=())["applied"] == [{"list": "national", "version": 1, "full": True}]
    assert len(entries(box)) == 10
    people = [person(i) for i in range(1, 10)] + [person(20)]
    people[4] = person(5, name="LINDQVIST")
    v2 = publish_people(people)
    assert (v2["upserts"], v2["removals"]) == (2, 1)
    assert sync_once(box.db, box.data_dir, FAST, delays=())["applied"] == [{"list": "national", "version": 2, "full": False}]
    got = entries(box)
    assert "T-0" not in got and "T-20" in got and len(got) == 10
    assert got["T-5"].startswith("LINDQVIST")
