"""Two hub replicas on one database: the live feed crosses replicas and each hit notifies once."""

from __future__ import annotations

import json
import queue
import threading

import pytest
import requests

from sync.hub import accounts
from sync.hub.db import HubDatabase
from sync.hub.feed import Feed
from sync.hub.settings import load_settings

from .conftest import ServedHub
from .console import PASSWORDS, ROLES, encounter, http_login
from .receivers import WebhookReceiver
from .test_hub_notify import SECRET, configure, enroll, send, wait_for


def add_users(hub_dir) -> None:
    db = HubDatabase(load_settings(hub_dir).database_url)
    with db.tx(write=True) as cur:
        for name, pw in PASSWORDS.items():
            accounts.create_user(cur, name, pw, ROLES[name])
    db.close()


def stream(session: requests.Session, url: str, after: int, out: queue.Queue, stop: threading.Event) -> None:
    """Read server-sent events into ``out`` until ``stop`` (or the server goes away)."""
    try:
        with session.get(url + f"/console/api/stream?after={after}", stream=True, timeout=(5, 30)) as resp:
            out.put({"status": resp.status_code, "type": resp.headers.get("Content-Type", "")})
            for line in resp.iter_lines(decode_unicode=True):
                if stop.is_set():
                    return
                if line and line.startswith("data: "):
                    out.put(json.loads(line[6:]))
    except requests.RequestException:
        if not stop.is_set():
            out.put({"error": "stream broken"})


@pytest.fixture
def receiver():
    r = WebhookReceiver(SECRET)
    yield r
    r.close()


def test_live_feed_crosses_replicas_and_notifications_go_out_once(hub_dir, tmp_path, receiver):
    configure(hub_dir, webhook_url=receiver.url, webhook_secret=SECRET, decisions=["HIT", "POSSIBLE_MATCH"],
              retry_base_seconds=0.05, retry_max_seconds=0.2)
    add_users(hub_dir)
    a = ServedHub(hub_dir, tmp_path / "a.log").start()
    b = ServedHub(hub_dir, tmp_path / "b.log").start()
    stop = threading.Event()
    try:
        on_b = http_login(b.url, "oper")
        head = on_b.get(b.url + "/console/api/hits").json()["feed_seq"]
        events: queue.Queue = queue.Queue()
        reader = threading.Thread(target=stream, args=(on_b, b.url, head, events, stop), daemon=True)
        reader.start()
        opened = events.get(timeout=10)
        assert opened["status"] == 200 and opened["type"].startswith("text/event-stream")
        box = enroll(a.url, hub_dir, "box-1")
        send(a.url, box, [encounter("r1", "HIT")])  # stored through replica A ...
        first = events.get(timeout=10)  # ... seen live on replica B
        assert first["kind"] == "new" and first["hit"]["read_id"] == "r1" and first["hit"]["post"] == "Harbour east"
        on_a = http_login(a.url, "root")
        r = on_a.post(a.url + f"/console/api/hits/{first['hit']['id']}/acknowledge", json={}, headers={"X-CSRF-Token": on_a.csrf})
        assert r.status_code == 200
        update = events.get(timeout=10)
        assert update["kind"] == "update" and update["hit"]["state"] == "acknowledged" and update["seq"] > first["seq"]
        # a burst through both replicas: every hit notifies exactly once although both run a notifier
        records = [encounter(f"burst-{i}", "HIT" if i % 2 else "POSSIBLE_MATCH", scan_id=100 + i) for i in range(30)]
        for i in range(0, 30, 5):
            send((a if i % 10 else b).url, box, records[i:i + 5])
            send((b if i % 10 else a).url, box, records[i:i + 5])  # the same batch again through the other replica
        wait_for(lambda: len(receiver.accepted) == 31, what="31 deliveries")
        seen = {json.dumps(events.get(timeout=10)["hit"]["read_id"]) for _ in range(30)}
        assert len(seen) == 30
        threading.Event().wait(1.0)
        ids = receiver.ids()
        assert len(ids) == len(set(ids)) == 31
        assert sorted(x["body"]["scan_id"] for x in receiver.accepted) == [1] + list(range(100, 130))
    finally:
        stop.set()
        a.stop()
        b.stop()


def test_a_late_commit_below_the_feed_head_is_not_lost(hub):
    """Sequence numbers can commit out of order across replicas: a gap is re-read, not skipped."""
    feed = Feed(hub.db, 0.05)
    feed.poll_once()  # start at the head
    sub = feed.subscribe()
    with hub.db.tx(write=True) as cur:
        cur.execute("INSERT INTO appliances (name, created_at) VALUES ('b', '2030-01-01T00:00:00Z')")
        aid = cur.execute("SELECT id FROM appliances WHERE name = 'b'").fetchone()[0]
        cur.execute("INSERT INTO hits (appliance_id, read_id, record_key, decision, post, lane, read_at, received_at, lists, card, "
                    "updated_at) VALUES (?, 'x', 'k', 'HIT', 'p', 'l', 't', 't', ',', '{}', 't')", [aid])
        hit_id = cur.execute("SELECT id FROM hits").fetchone()[0]
        cur.execute("INSERT INTO desk_events (seq, hit_id, kind, at) VALUES (5, ?, 'new', 't')", [hit_id])
    assert feed.poll_once() == 1 and sub.get(1)["seq"] == 5
    assert set(feed.gaps) == {1, 2, 3, 4}
    with hub.db.tx(write=True) as cur:  # seq 3 commits late
        cur.execute("INSERT INTO desk_events (seq, hit_id, kind, at) VALUES (3, ?, 'update', 't')", [hit_id])
    assert feed.poll_once() == 1 and sub.get(1)["seq"] == 3
    assert set(feed.gaps) == {1, 2, 4}
