"""The one-command demo: fictitious lists, virtual scanners, reads arriving through the HTTP API by themselves."""

from __future__ import annotations

import time

import pytest
import requests

from appliance.demo import data
from appliance.demo.runner import Demo, DemoError, prepare_data_dir


def test_demo_lists_are_fictitious_and_give_every_verdict():
    expected = {t.expect for t in data.travellers()}
    assert expected == {"CLEAR", "HIT", "POSSIBLE_MATCH", "DOCUMENT_INVALID"}
    kinds = [t.expect for t in data.travellers()]
    assert kinds.count("CLEAR") > len(kinds) / 2
    assert all(entry[0].startswith("DEMO-") for entry in data.LISTED)
    assert all("UTO" in t.mrz.split("\n")[0] for t in data.travellers())


def test_demo_refuses_to_wipe_a_folder_it_did_not_make(tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("mine")
    with pytest.raises(DemoError):
        prepare_data_dir(precious, 1)
    assert (precious / "keep.txt").exists()


def test_a_second_demo_never_wipes_a_running_one(tmp_path):
    first = Demo(tmp_path / "demo-data", port=0, lane_count=1, feed=False)
    url = first.start()
    try:
        with pytest.raises(DemoError, match="a demo is running"):
            Demo(tmp_path / "demo-data", port=0, lane_count=1, feed=False).start()
        taken = int(url.rsplit(":", 1)[1])
        with pytest.raises(DemoError, match="cannot listen"):
            Demo(tmp_path / "other", port=taken, lane_count=1, feed=False).start()
        assert not (tmp_path / "other").exists()
        assert (tmp_path / "demo-data" / "appliance.db").exists()
        assert requests.get(f"{url}/api/v1/health", timeout=5).json()["status"] == "ok"
    finally:
        first.stop()
    again = Demo(tmp_path / "demo-data", port=0, lane_count=1, feed=False)  # once stopped, a new demo may wipe it
    again.start()
    again.stop()


def test_demo_scans_arrive_without_any_other_step(tmp_path):
    demo = Demo(tmp_path / "demo-data", port=0, lane_count=2, interval=0.3)
    url = demo.start()
    try:
        assert requests.get(f"{url}/api/v1/health", timeout=5).json()["status"] == "ok"
        s = requests.Session()
        page = s.get(f"{url}/login", timeout=5).text
        token = page.split('name="csrf-token" content="')[1].split('"')[0]
        resp = s.post(f"{url}/login", data={"username": "officer", "password": "officer-demo", "csrf_token": token},
                      allow_redirects=False, timeout=5)
        assert resp.status_code == 302
        decisions: set[str] = set()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not {"CLEAR", "HIT"} <= decisions:
            scans = s.get(f"{url}/api/v1/scans?limit=100", timeout=5).json()["scans"]
            decisions = {x["decision"] for x in scans}
            lanes = {x["lane"] for x in scans}
            time.sleep(0.3)
        assert {"CLEAR", "HIT"} <= decisions, decisions
        assert lanes == {"lane-1", "lane-2"}
        status = s.get(f"{url}/api/v1/lanes", timeout=5).json()["lanes"]
        assert all(x["state"] == "connected" for x in status)
    finally:
        demo.stop()
