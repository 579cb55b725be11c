"""The hub console in headless Chromium, fed by a real box: `appliance serve` screens, `appliance sync --once` uploads."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from .conftest import ServedHub, free_port, script
from .console import PASSWORDS
from .test_hub_notify import configure
from .test_hub_replicas import add_users
from .test_sync_e2e import hub_cmd

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
BOX_ADMIN_PASSWORD = "box-admin-pass-1"


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (no browser download), with a fresh profile."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup --test")
    profile = tempfile.mkdtemp(prefix="hub-chromium-")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True, args=FLAGS,
                                                         viewport={"width": 1400, "height": 900})
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser):
    """A fresh tab with no cookies; script errors on the page fail the test."""
    browser.clear_cookies()
    pg = browser.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    pg.close()
    assert not errors, errors


class RealBox:
    """A box made and run with its own commands: init, tokens, sync enroll, serve, sync --once."""

    def __init__(self, folder: Path, post: str):
        self.dir = folder
        folder.mkdir(parents=True)
        (folder / "appliance.toml").write_text(f'[appliance]\nsite_name = "{post}"\nlog_level = "WARNING"\n'
                                               '[lanes.lane-1]\nport = ""\ndescription = "car lane"\n', encoding="utf-8")
        self.env = {"APPLIANCE_DATA_DIR": str(folder), "PATH": "/usr/bin:/bin", "HOME": str(folder)}
        self.proc = None
        self.run("init", "--admin-password", BOX_ADMIN_PASSWORD)
        self.bridge = json.loads(self.run("tokens", "create", "--role", "bridge", "--lane", "lane-1", "--json"))["token"]

    def run(self, *args, ok: bool = True) -> str:
        p = subprocess.run([script("appliance"), *args], env=self.env, capture_output=True, text=True, timeout=180)
        if ok:
            assert p.returncode == 0, (args, p.stdout, p.stderr)
        return p.stdout

    def serve(self) -> str:
        port = free_port()
        self.log = open(self.dir / "serve.log", "ab")
        self.proc = subprocess.Popen([script("appliance"), "serve", "--host", "127.0.0.1", "--port", str(port)], env=self.env,
                                     stdout=self.log, stderr=self.log)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/api/v1/health", timeout=1).status_code < 500:
                    return self.url
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError("appliance serve did not start: " + (self.dir / "serve.log").read_text())

    def scan(self, mrz: str) -> dict:
        r = requests.post(self.url + "/api/v1/scans", json={"lane": "lane-1", "mrz": mrz, "source": "serial"},
                          headers={"Authorization": f"Bearer {self.bridge}"}, timeout=30)
        assert r.status_code in (200, 201), r.text
        return r.json()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)
            self.log.close()


def log_in(page, base: str, user: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORDS[user])
    page.click("#login-submit")
    page.wait_for_url(lambda url: "/login" not in url)


def test_a_hit_at_a_real_box_appears_live_and_is_worked_and_the_fleet_shows_problems(hub_dir, tmp_path, page):
    from appliance.demo import data

    add_users(hub_dir)
    configure(hub_dir, decisions=["HIT"])
    wl, docs = data.write_lists(tmp_path / "lists")
    hub_cmd(hub_dir, "lists", "publish", "--list", data.WATCHLIST_NAME, "--format", "csv", str(wl))
    hub_cmd(hub_dir, "lists", "publish", "--list", data.DOCUMENTS_NAME, "--format", "documents-csv", str(docs))
    hub = ServedHub(hub_dir, tmp_path / "hub.log").start()
    box = RealBox(tmp_path / "box", "North gate")
    try:
        key = hub_cmd(hub_dir, "keys", "show").strip()
        for name in ("box-north", "box-silent", "box-old"):
            token = json.loads(hub_cmd(hub_dir, "appliances", "add", name, "--json"))["token"]
            if name == "box-north":
                box.run("sync", "enroll", "--hub", hub.url, "--token", token, "--hub-key", key)
                box.run("sync", "--once")  # the box fetches the lists from the hub
            else:  # two other boxes, enrolled and checked in over the API
                cred = requests.post(hub.url + "/api/v1/enroll", json={"token": token}, timeout=10).json()["credential"]
                held = {data.WATCHLIST_NAME: 1, data.DOCUMENTS_NAME: 1}
                requests.post(hub.url + "/api/v1/checkin", json={"lists": held, "queue_depth": 0, "post": name.replace("box-", "Post ")},
                              headers={"Authorization": f"Bearer {cred}"}, timeout=10).raise_for_status()
        box.serve()

        log_in(page, hub.url, "oper")
        page.goto(f"{hub.url}/desk")
        page.wait_for_selector("#live-state.ok", timeout=15000)
        assert page.locator("tr.hit").count() == 0
        hit_mrz = next(t.mrz for t in data.travellers() if t.expect == "HIT" and "VEXMOOR" in t.mrz)
        scan = box.scan(hit_mrz)
        assert scan["decision"] == "HIT"
        box.run("sync", "--once")  # the hit travels to the hub
        row = page.locator("tr.hit[data-decision='HIT']")
        row.wait_for(timeout=15000)  # live, without reloading the page
        text = row.inner_text()
        assert "North gate" in text and "lane-1" in text and "new" in text and "VEXMOOR" not in text
        page.screenshot(path=str(tmp_path / "desk-live.png"))
        row.click()
        page.wait_for_selector("#d-card section.match")
        card = page.inner_text("#detail")
        assert "VEXMOOR" in card and "Listed entry (as the hub publishes it)" in card and "Evidence" in card
        assert data.WATCHLIST_NAME in card and "Lists at the box" in card
        page.click("#btn-ack")
        page.locator("#d-meta", has_text="State: acknowledged").wait_for(timeout=10000)
        page.select_option("#outcome", "confirmed_match")
        page.fill("#note", "Referred to the partner service")
        page.click("#btn-close")
        page.locator("#d-meta", has_text="State: closed (confirmed match)").wait_for(timeout=10000)
        assert "Referred to the partner service" in page.inner_text("#history")
        page.screenshot(path=str(tmp_path / "desk-closed.png"))
        rows = json.loads(hub_cmd(hub_dir, "records", "list", "--hits", "--json"))
        assert [r["payload"]["scan"]["decision"] for r in rows] == ["HIT"]

        # the fleet: one silent box and one on an old list, said in words
        from sync.hub.db import HubDatabase
        from sync.hub.settings import load_settings

        db = HubDatabase(load_settings(hub_dir).database_url)
        with db.tx(write=True) as cur:
            cur.execute("UPDATE appliances SET last_seen = '2026-01-01T00:00:00Z' WHERE name = 'box-silent'")
        db.close()
        wl2 = tmp_path / "wl2.csv"
        wl2.write_text(wl.read_text(encoding="utf-8"), encoding="utf-8")
        hub_cmd(hub_dir, "lists", "publish", "--list", data.WATCHLIST_NAME, "--format", "csv", str(wl2))  # version 2
        box.run("sync", "--once")  # box-north moves to version 2; box-old stays on version 1
        page.goto(f"{hub.url}/fleet")
        page.wait_for_selector("tr[data-box='box-north']")
        north = page.inner_text("tr[data-box='box-north']")
        silent = page.inner_text("tr[data-box='box-silent']")
        old = page.inner_text("tr[data-box='box-old']")
        assert "online" in north and "North gate" in north and "OK" in north
        assert "SILENT for" in silent and "Problems:" in silent
        assert f"{data.WATCHLIST_NAME}: OLD LIST v1 of v2" in old and "old list" in old
        assert "SILENT" in page.inner_text("#fleet-summary") and "OLD LIST" in page.inner_text("#fleet-summary")
        page.wait_for_selector(".post-chart[data-post='North gate'] svg rect.hit")
        assert "1 hits" in page.inner_text(".post-chart[data-post='North gate'] h3")
        page.screenshot(path=str(tmp_path / "fleet.png"), full_page=True)
        page.goto(f"{hub.url}/lists")
        page.wait_for_selector(f"section.list[data-list='{data.WATCHLIST_NAME}']")
        holders = page.inner_text(f"section.list[data-list='{data.WATCHLIST_NAME}'] .holders")
        assert "v2 (newest): 1 box(es): box-north" in holders and "v1 (OLD)" in holders and "box-old" in holders
    finally:
        box.stop()
        hub.stop()
    assert "VEXMOOR" not in (tmp_path / "hub.log").read_text()


def test_publish_with_a_preview_then_users_and_audit_pages(hub_dir, tmp_path, page):
    from .helpers import docs, documents_csv

    add_users(hub_dir)
    hub = ServedHub(hub_dir, tmp_path / "hub.log").start()
    try:
        v1 = tmp_path / "lost-v1.csv"
        documents_csv(v1, docs(12))
        log_in(page, hub.url, "oper")
        page.goto(f"{hub.url}/lists")
        page.wait_for_selector("#lists p")
        assert "No list has been published yet" in page.inner_text("#lists")
        page.fill("#p-list", "lost")
        page.select_option("#p-format", "documents-csv")
        page.set_input_files("#p-file", str(v1))
        page.click("#p-preview")
        page.wait_for_selector("#p-result:not([hidden])")
        assert "lost version 0 → 1: 12 records; 12 added, 0 changed, 0 removed" in page.inner_text("#p-counts")
        page.click("#p-publish")
        page.locator("#p-msg", has_text="Published lost version 1").wait_for(timeout=10000)
        page.wait_for_selector("section.list[data-list='lost']")
        assert "lost: version 1, 12 documents records" in page.inner_text("section.list[data-list='lost'] h2")
        assert "Users" not in page.inner_text("header nav")  # operators do not manage users
        page.click("text=Log out")
        page.wait_for_url(lambda url: "/login" in url)
        log_in(page, hub.url, "root")
        page.goto(f"{hub.url}/users")
        page.wait_for_selector("tr[data-user='oper']")
        page.fill("#u-name", "night-shift")
        page.select_option("#u-role", "analyst")
        page.fill("#u-password", "night-shift-pass")
        page.click("#u-add")
        page.wait_for_selector("tr[data-user='night-shift']")
        page.goto(f"{hub.url}/audit")
        page.locator("#verify", has_text="Chain verified").wait_for(timeout=10000)
        audit = page.inner_text("#audit")
        assert "list.publish" in audit and "user.add" in audit and "logout" in audit
    finally:
        hub.stop()
