"""Notifications: a signed webhook delivered once per hit through a hub restart, and e-mail to a real SMTP server."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time

import pytest
import requests

from sync.hub import notify
from sync.hub.settings import load_settings

from .conftest import ServedHub
from .console import encounter
from .receivers import MailSink, WebhookReceiver

SECRET = "a-webhook-secret-of-the-tests"


@pytest.fixture
def receiver():
    r = WebhookReceiver(SECRET)
    yield r
    r.close()


@pytest.fixture
def mail():
    m = MailSink()
    yield m
    m.close()


def configure(hub_dir, **notify_values) -> None:
    """Write a [notify] table into hub.toml (keeping [hub])."""
    import tomllib

    import tomli_w

    path = hub_dir / "hub.toml"
    doc = tomllib.loads(path.read_text())
    doc.setdefault("notify", {}).update(notify_values)
    doc.setdefault("console", {})["public_url"] = "https://hub.example.org"
    path.write_text(tomli_w.dumps(doc))
    load_settings(hub_dir)  # the file must stay valid


def enroll(base: str, hub_dir, name: str) -> dict:
    from sync.hub import appliances
    from sync.hub.db import HubDatabase

    db = HubDatabase(load_settings(hub_dir).database_url)
    token = appliances.add(db, name, token_hours=1)["token"]
    db.close()
    cred = requests.post(base + "/api/v1/enroll", json={"token": token}, timeout=10).json()["credential"]
    return {"Authorization": f"Bearer {cred}"}


def send(base: str, headers: dict, records: list[dict]) -> dict:
    r = requests.post(base + "/api/v1/records", json={"records": records, "box": {"post": "Harbour east"}}, headers=headers, timeout=20)
    assert r.status_code == 200, r.text
    return r.json()


def wait_for(predicate, timeout: float = 40.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_webhook_is_signed_retried_and_delivered_once_through_a_restart_and_mail_arrives(hub_dir, tmp_path, receiver, mail):
    configure(hub_dir, webhook_url=receiver.url, webhook_secret=SECRET, decisions=["HIT"], retry_base_seconds=0.05,
              retry_max_seconds=0.4, smtp_host="127.0.0.1", smtp_port=mail.port, mail_to=["duty-officer@example.org"],
              mail_from="hub@example.org")
    hub = ServedHub(hub_dir, tmp_path / "hub.log").start()
    try:
        box = enroll(hub.url, hub_dir, "box-north")
        receiver.fail = 2  # the receiver stumbles twice first
        send(hub.url, box, [encounter("r1", "HIT", scan_id=41, read_at="2030-01-01T07:59:58Z"), encounter("c1", "CLEAR"),
                            encounter("p1", "POSSIBLE_MATCH")])  # POSSIBLE_MATCH is not in notify.decisions
        wait_for(lambda: len(receiver.accepted) == 1, what="the first webhook delivery")
        first = receiver.accepted[0]
        body, headers = first["body"], first["headers"]
        assert receiver.refused == 2 and receiver.bad_signatures == 0
        assert set(body) >= {"event", "id", "appliance", "scan_id", "decision", "received_at", "read_at", "post", "lane", "matches"}
        assert body["event"] == "hit" and body["appliance"] == "box-north" and body["scan_id"] == 41 and body["decision"] == "HIT"
        assert body["post"] == "Harbour east" and body["lane"] == "lane-1" and body["read_at"] == "2030-01-01T07:59:58.000Z"
        assert body["matches"] == [{"list": "wl", "entry_id": "T-1", "score": 0.97}]
        assert body["url"].startswith("https://hub.example.org/desk?hit=")
        assert "ERIKSSON" not in json.dumps(body) and "traveller" not in body  # references only by default
        assert headers["X-Hub-Delivery"] == body["id"] and headers["Content-Type"] == "application/json"

        # the receiver goes down; a hit arrives; the hub is restarted while the hit waits
        receiver.down = True
        send(hub.url, box, [encounter("r2", "HIT", scan_id=42)])
        wait_for(lambda: receiver.refused >= 4, what="failed attempts while the receiver is down")
        hub.stop()
        receiver.down = False
        hub.start()
        send(hub.url, box, [encounter("r2", "HIT", scan_id=42)])  # the box re-sends: still one hit
        wait_for(lambda: len(receiver.accepted) == 2, what="delivery after the restart")
        time.sleep(1.5)  # time for any duplicate to show up
        ids = receiver.ids()
        assert len(ids) == len(set(ids)) == 2
        assert [a["body"]["scan_id"] for a in receiver.accepted] == [41, 42]
        wait_for(lambda: len(mail.messages) == 2, what="two e-mails")
        rcpts, msg = mail.messages[0]
        assert rcpts == ["duty-officer@example.org"] and msg["From"] == "hub@example.org"
        assert "HIT at Harbour east lane lane-1" in msg["Subject"]
        text = msg.get_content()
        assert "list wl, entry T-1" in text and "https://hub.example.org/desk?hit=" in text and "ERIKSSON" not in text
        status = requests.get(hub.url + "/healthz", timeout=5)
        assert status.status_code == 200
    finally:
        hub.stop()
    log = (tmp_path / "hub.log").read_text()
    assert "ERIKSSON" not in log and "Traceback" not in log


def test_signature_jitter_and_names_only_when_asked():
    body = b'{"event":"hit"}'
    assert notify.signature("k", body) == "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()
    rnd = random.Random(7)
    delays = [notify.retry_delay(a, 2.0, 60.0, rnd) for a in range(12) for _ in range(50)]
    assert all(0 <= d <= 60.0 for d in delays) and max(delays) > 30 and min(delays) < 1
    assert all(notify.retry_delay(0, 2.0, 60.0, rnd) <= 2.0 for _ in range(100))
    from sync.hub.intake import event_body

    scan = encounter("r1")["payload"]["scan"]
    refs = event_body("id-1", 5, "box", "post", scan, "HIT", "t", "t", {"personal_data": "references"})
    named = event_body("id-1", 5, "box", "post", scan, "HIT", "t", "t", {"personal_data": "names"})
    assert "traveller" not in refs and "name" not in refs["matches"][0]
    assert named["traveller"]["surname"] == "ERIKSSON" and named["matches"][0]["name"] == "ERIKSSON Anna 1"
