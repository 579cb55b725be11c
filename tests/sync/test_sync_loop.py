"""``appliance sync --loop`` as a real process: hits pushed at once, link changes logged once, clean stop."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import time

from sync.client import state
from sync.client.runner import sync_once
from sync.errors import HubUnreachable

from .box import FAST
from .conftest import script
from .test_sync_e2e import enrolled_box, hub_cmd


def test_loop_pushes_hits_at_once_and_stops_on_sigterm(hub_dir, served_hub, tmp_path):
    box = enrolled_box(hub_dir, tmp_path, served_hub.url)
    config = tmp_path / "appliance.toml"
    config.write_text("[sync]\ninterval_seconds = 3600\n", encoding="utf-8")
    env = {**box.env(), "APPLIANCE_CONFIG": str(config)}
    proc = subprocess.Popen([script("appliance"), "sync", "--loop"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not state.get(box.db, "last_success"):
            time.sleep(0.2)  # the loop's first exchange is done
        box.scan(1)
        box.scan(2, hit=True)  # the routine record waits for the next interval; the hit goes at once
        deadline = time.monotonic() + 20
        row = {}
        while time.monotonic() < deadline:
            row = json.loads(hub_cmd(hub_dir, "appliances", "list", "--json"))[0]
            if row["hits"]:
                break
            time.sleep(0.3)
        assert row["hits"] == 1 and row["records"] == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_offline_and_online_are_logged_once(hub_dir, served_hub, tmp_path, caplog):
    box = enrolled_box(hub_dir, tmp_path, served_hub.url)
    caplog.set_level(logging.INFO, logger="sync.client.state")
    sync_once(box.db, box.data_dir, FAST, delays=())
    served_hub.stop()
    for _ in range(3):
        try:
            sync_once(box.db, box.data_dir, FAST, delays=())
        except HubUnreachable:
            pass
    served_hub.start()
    for _ in range(2):
        sync_once(box.db, box.data_dir, FAST, delays=())
    messages = [r.getMessage() for r in caplog.records if r.name == "sync.client.state"]
    assert sum("unreachable" in m for m in messages) == 1
    assert sum("link is up" in m for m in messages) == 2  # first contact ever, then the return


def test_two_exchanges_never_run_at_once(tmp_path):
    import pytest

    from sync.client.runner import SyncBusy, exchange_lock
    from sync.errors import NotEnrolled

    from .box import Box

    box = Box(tmp_path / "box")
    with exchange_lock(box.data_dir):
        with pytest.raises(SyncBusy):
            sync_once(box.db, box.data_dir, FAST)
    with pytest.raises(NotEnrolled):  # the lock is released: the exchange gets as far as enrollment
        sync_once(box.db, box.data_dir, FAST)


def test_the_loop_lives_through_an_unexpected_error(tmp_path, caplog):
    import sqlite3
    import threading

    from appliance.store.db import connect, database_path
    from sync.client.runner import SyncSettings, loop

    from .box import Box

    box = Box(tmp_path / "box")
    state.put(box.db, hub_url="http://127.0.0.1:9", credential="1.secret")  # enrolled; the hub is away
    db = connect(database_path(box.data_dir), busy_timeout_ms=50)  # the loop's connection gives up fast
    blocker = sqlite3.connect(database_path(box.data_dir), isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the database: not a SyncError
    stop = threading.Event()
    settings = SyncSettings(interval_seconds=0.2, connect_timeout=0.5, max_backoff_seconds=0.2, hit_poll_seconds=0.05)
    caplog.set_level(logging.ERROR, logger="sync.client.runner")
    worker = threading.Thread(target=loop, args=(db, box.data_dir, settings, stop), daemon=True)
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and sum("unexpectedly" in r.getMessage() for r in caplog.records) < 2:
            time.sleep(0.05)
        assert worker.is_alive()  # failed twice, still looping
    finally:
        stop.set()
        worker.join(10)
        blocker.execute("ROLLBACK")
        blocker.close()
        db.conn.close()
    assert not worker.is_alive()
    assert sum("unexpectedly (OperationalError)" in r.getMessage() for r in caplog.records) >= 2
