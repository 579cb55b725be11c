"""The booth in headless Chromium never shows a stale verdict: service stopped, link silent, reader
unplugged, a burst of queued reads, stale lists, double decisions, the hit card at 1024x600, leftovers."""

from __future__ import annotations

import time

import pytest

from .conftest import LANE, open_booth, render_document, start_lane
from .test_decisions import expired_possible_match

pytestmark = pytest.mark.browser


def by_note(documents, kind, word):
    return [m for m in documents[kind] if word in m][0]


def verdict_column_text(page) -> str:
    return page.inner_text("#verdict-col")


# -- 1. the service goes away ----------------------------------------------------------------
def test_stopping_the_service_replaces_the_last_clear_with_not_connected(live, lane, page, documents):
    open_booth(page, live.url)
    lane.present(documents["CLEAR"][0])
    page.wait_for_selector("#verdict[data-decision='CLEAR']", timeout=10000)
    live.close()  # `systemctl stop`, a crash: the stream ends
    page.wait_for_selector("#booth[data-mode='offline']", timeout=10000)
    assert page.is_hidden("#verdict") and page.is_visible("#offline")
    text = verdict_column_text(page)
    assert "NOT CONNECTED" in text and "Do not rely on this screen" in text and "CLEAR" not in text
    assert page.is_disabled("#mrz-input") and page.is_disabled("#mrz-submit") and page.is_disabled("#image-submit")
    assert "not available while the screen is not connected" in page.inner_text("#manual")
    assert page.inner_text("#live-state") == "NOT CONNECTED" and "connected" not in page.inner_text("#reader-state")
    page.keyboard.press("m")
    assert page.evaluate("document.activeElement.id") != "mrz-input"


def test_a_silent_link_is_noticed_and_after_it_the_missed_verdict_not_the_old_one_shows(live, lane, page, documents):
    from .tcpproxy import TcpProxy

    proxy = TcpProxy(int(live.url.rsplit(":", 1)[1]))
    try:
        open_booth(page, proxy.url)
        lane.present(documents["CLEAR"][0])
        page.wait_for_selector("#verdict[data-decision='CLEAR']", timeout=10000)
        proxy.freeze()  # nothing closes, nothing arrives: only the heartbeat's absence tells
        page.wait_for_selector("#booth[data-mode='offline']", timeout=10000)
        assert "CLEAR" not in verdict_column_text(page)
        lane.present(by_note(documents, "HIT", "VEXMOOR"))  # reaches the service while the screen is cut off
        lane.deliverer.drain()
        time.sleep(0.5)
        assert page.get_attribute("#booth", "data-mode") == "offline"
        proxy.thaw()
        page.wait_for_selector("#verdict[data-decision='HIT']", timeout=15000)
        assert page.get_attribute("#booth", "data-mode") == "verdict"
        assert page.inner_text("#live-state") == "connected"
    finally:
        proxy.close()


# -- 2. a burst of queued reads --------------------------------------------------------------
def test_a_burst_of_queued_reads_shows_the_possible_match_not_the_last_clear(app, live, lane, page, ctx, documents, tokens):
    from appliance.config import load_config
    from firmware_bridge.delivery import Deliverer

    ctx.config = load_config(data_dir=ctx.data_dir, overrides={"booth": {"late_read_seconds": 1}})
    open_booth(page, live.url)
    lane.deliverer.stop()  # the bridge cannot reach the service for a while
    for doc in (documents["CLEAR"][0], documents["POSSIBLE_MATCH"][0], documents["CLEAR"][1]):
        lane.present(doc)
        time.sleep(0.3)
    deadline = time.monotonic() + 10
    while len(lane.deliverer.queue) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(lane.deliverer.queue) == 3
    time.sleep(1.5)  # the reads are now late
    lane.deliverer = Deliverer(lane.deliverer.queue, live.url, tokens["bridge"]).start()
    page.wait_for_selector("#burst:not([hidden])", timeout=15000)
    page.locator("#recent li").nth(2).wait_for(timeout=10000)
    assert page.get_attribute("#verdict", "data-decision") == "POSSIBLE_MATCH"
    assert "3 reads arrived together" in page.inner_text("#burst") and "1 needs a decision" in page.inner_text("#burst")
    assert page.is_visible("#verdict-late") and "before it reached this screen" in page.inner_text("#verdict-late")
    rows = ctx.reader().execute("SELECT decision, read_at, created_at FROM scans ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ["CLEAR", "POSSIBLE_MATCH", "CLEAR"]
    assert all(r[1] < r[2] for r in rows) and rows[0][1] < rows[1][1] < rows[2][1]
    page.keyboard.press("f")
    page.wait_for_selector("#fp-dialog[open]")
    page.keyboard.type("Namesake: birth date and photo differ")
    page.click("#fp-submit")
    page.wait_for_selector("#verdict[data-decision='CLEAR']", timeout=10000)  # then the newest read, held back till now
    assert "Now showing the next scan" in page.inner_text("#disposition-state")
    assert page.is_hidden("#queue")


def test_every_waiting_decision_stays_listed_and_n_steps_through_them(live, lane, page, documents):
    open_booth(page, live.url)
    for kind in ("HIT", "POSSIBLE_MATCH", "CLEAR"):
        lane.present(documents[kind][0])
        page.wait_for_selector(f"#verdict[data-decision='{kind}']", timeout=10000)
        time.sleep(1.6)  # separate travellers, not a burst
    assert page.is_visible("#queue") and page.inner_text("#queue-count") == "2"
    assert "on screen" not in page.inner_text("#queue-words")
    page.keyboard.press("n")
    page.wait_for_selector("#verdict[data-decision='HIT']", timeout=10000)
    assert "1 of 2" in page.inner_text("#queue-words")
    page.click("#queue-next")
    page.wait_for_selector("#verdict[data-decision='POSSIBLE_MATCH']", timeout=10000)
    page.reload()  # the queue is the server's, not the page's
    page.wait_for_selector("#live-state.ok", timeout=10000)
    assert page.inner_text("#queue-count") == "2"
    assert page.get_attribute("#booth", "data-mode") == "waiting"


# -- 3. DOCUMENT INVALID with a watchlist match ----------------------------------------------
def test_document_invalid_with_a_match_has_the_hit_card_and_the_decision(live, page, ctx):
    open_booth(page, live.url)
    page.fill("#mrz-input", expired_possible_match())
    page.click("#mrz-submit")
    page.wait_for_selector("#verdict[data-decision='DOCUMENT_INVALID']", timeout=10000)
    assert page.is_visible("#btn-hitcard") and page.is_visible("#btn-confirm")
    page.keyboard.press("h")
    page.wait_for_selector("#hitcard-body section.match", timeout=10000)
    assert "KALDERIN" in page.inner_text("#hitcard-body") and page.is_visible("#handling")
    page.keyboard.press("c")  # the card's own button
    page.wait_for_selector("#confirm-dialog[open]")
    page.click("#confirm-submit")
    page.wait_for_selector("#decision.decided", timeout=10000)
    assert "Decided by officer" in page.inner_text("#decision")
    assert ctx.reader().execute("SELECT action FROM dispositions").fetchall() == [("confirmed",)]


# -- 4. stale lists --------------------------------------------------------------------------
def test_a_stale_list_is_said_plainly_at_the_booth_and_red_on_the_console(live, page, ctx, documents):
    with ctx.write() as db:
        db.execute("UPDATE lists SET published_at = '2020-01-01T00:00:00+00:00' WHERE name = 'demo-watchlist'")
    open_booth(page, live.url)
    page.fill("#mrz-input", documents["CLEAR"][0])
    page.click("#mrz-submit")
    page.wait_for_selector("#verdict[data-decision='POSSIBLE_MATCH']", timeout=10000)
    assert page.is_hidden("#btn-hitcard")
    page.keyboard.press("h")
    assert not page.is_visible("#hitcard")  # no hit card without a list entry
    assert "cannot clear anyone" in page.inner_text("#decision")
    assert "out of date" in page.inner_text("#reasons").lower() and "lists stale" not in page.inner_text("#reasons")
    page.click("text=Log out")
    open_console(page, live.url)
    lists_tile = page.locator("#tiles .tile", has_text="LISTS")
    assert lists_tile.get_attribute("data-level") == "fault" and "OUT OF DATE" in lists_tile.inner_text()
    assert "all current" not in page.inner_text("#tiles")
    page.goto(f"{live.url}/console#lists")
    row = page.locator("#lists-table tr[data-list='demo-watchlist']")
    row.wait_for()
    assert "OUT OF DATE" in row.inner_text() and "stale after 72" in row.inner_text()
    colour = row.locator("td.bad").first.evaluate("n => getComputedStyle(n).color")
    assert colour == "rgb(184, 0, 24)"


def open_console(page, base: str, user: str = "technician") -> None:
    from .conftest import log_in

    log_in(page, base, user)
    page.goto(f"{base}/console")
    page.wait_for_selector("#tiles .tile", timeout=10000)


# -- 5. double decisions ---------------------------------------------------------------------
def test_c_c_f_records_nothing_until_confirmed_and_a_change_needs_a_reason(live, lane, page, ctx, documents):
    open_booth(page, live.url)
    lane.present(by_note(documents, "HIT", "VEXMOOR"))
    page.wait_for_selector("#verdict[data-decision='HIT']", timeout=10000)
    page.keyboard.press("c")
    page.keyboard.press("c")
    page.keyboard.press("f")
    assert page.is_visible("#confirm-dialog") and not page.is_visible("#fp-dialog")
    assert ctx.reader().execute("SELECT count(*) FROM dispositions").fetchone()[0] == 0
    page.keyboard.press("Enter")
    page.wait_for_selector("#decision.decided", timeout=10000)
    assert page.is_disabled("#btn-confirm")
    page.keyboard.press("c")
    assert not page.is_visible("#confirm-dialog")
    page.keyboard.press("f")
    page.wait_for_selector("#fp-dialog[open]")
    assert page.is_visible("#fp-change-row") and "Now: decided by officer" in page.inner_text("#fp-current")
    page.fill("#fp-reason", "Different person: photo does not match")
    page.click("#fp-submit")
    assert page.is_visible("#fp-dialog")  # no reason for the change: nothing sent
    assert ctx.reader().execute("SELECT count(*) FROM dispositions").fetchone()[0] == 1
    page.fill("#fp-change-reason", "Supervisor compared the photo")
    page.click("#fp-submit")
    page.locator("#decision", has_text="false positive").wait_for(timeout=10000)
    assert "changed: Supervisor compared the photo" in page.inner_text("#decision")
    rows = ctx.reader().execute("SELECT action, superseded_at IS NULL FROM dispositions ORDER BY id").fetchall()
    assert rows == [("confirmed", 0), ("false_positive", 1)]


def test_a_decision_made_on_another_screen_shows_here(live, lane, page, browser, documents):
    open_booth(page, live.url)
    lane.present(documents["POSSIBLE_MATCH"][0])
    page.wait_for_selector("#verdict[data-decision='POSSIBLE_MATCH']", timeout=10000)
    other = browser.new_page()
    try:
        other.goto(f"{live.url}/booth/{LANE}")  # same session, a second screen of the lane
        other.wait_for_selector("#live-state.ok", timeout=10000)
        scan_id = page.get_attribute("#verdict", "data-scan-id")
        other.evaluate(f"Booth.showScan({scan_id}, true)")
        other.wait_for_selector(f"#verdict[data-scan-id='{scan_id}']")
        other.keyboard.press("c")
        other.keyboard.press("Enter")
        other.wait_for_selector("#decision.decided", timeout=10000)
    finally:
        other.close()
    page.wait_for_selector("#decision.decided", timeout=15000)  # the queue poll tells this screen
    page.keyboard.press("f")
    page.fill("#fp-reason", "namesake")
    page.click("#fp-submit")
    assert page.is_visible("#fp-dialog")  # it is a change now: a reason is asked for


# -- 6. the hit card at 1024x600 -------------------------------------------------------------
def test_the_hit_card_fits_1024x600_with_what_to_do_first(live, lane, page, documents):
    page.set_viewport_size({"width": 1024, "height": 600})
    open_booth(page, live.url)
    lane.present(by_note(documents, "HIT", "VEXMOOR"))
    page.wait_for_selector("#verdict[data-decision='HIT']", timeout=10000)
    assert page.locator("#btn-confirm").bounding_box()["y"] + 40 < 600  # the decision buttons without scrolling
    assert page.evaluate("document.querySelector('.topbar').getBoundingClientRect().height") < 50
    page.keyboard.press("h")
    page.wait_for_selector("#hitcard-body section.match", timeout=10000)
    body = page.locator("#hitcard-body")
    assert body.evaluate("n => n.firstElementChild.id") == "handling"
    text = body.inner_text()
    for words in ("WHAT TO DO", "Programme", "DEMO (fictitious)", "Remarks", "Listed on", "2026-01-01", "version t1", "No picture"):
        assert words in text, words
    assert "not applied" not in text and "_" not in text
    evidence = page.locator("section.match table.evidence").first.bounding_box()
    assert evidence["y"] + evidence["height"] <= 600, "the evidence is above the fold"
    for sel in ("#hc-confirm", "#hc-fp", "#hitcard-close", "#handling"):
        box = page.locator(sel).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 600 and box["x"] + box["width"] <= 1024, sel
    assert page.locator("section.match").count() == 1  # a person matched by name and passport is one card


def test_a_document_photographed_at_the_booth_is_the_hit_cards_portrait(live, page, documents, tmp_path):
    image = tmp_path / "card.png"
    image.write_bytes(render_document(by_note(documents, "HIT", "IDL882011")))
    open_booth(page, live.url)
    page.set_input_files("#image-input", str(image))
    page.click("#image-submit")
    page.wait_for_selector("#verdict[data-decision='HIT']", timeout=60000)
    page.keyboard.press("h")
    page.wait_for_selector("#portrait img", timeout=10000)
    assert page.locator("#portrait img").evaluate("img => img.complete && img.naturalWidth") == 1300


# -- 7. leftovers ----------------------------------------------------------------------------
def test_an_expired_passport_says_expired_not_a_tick(live, page, documents):
    open_booth(page, live.url)
    page.fill("#mrz-input", by_note(documents, "DOCUMENT_INVALID", "WHITLOCK"))
    page.click("#mrz-submit")
    page.wait_for_selector("#verdict[data-decision='DOCUMENT_INVALID']", timeout=10000)
    cell = page.locator("td[data-field='expiry_date']")
    assert "EXPIRED" in cell.inner_text() and "check digit right" in cell.inner_text() and "✓" not in cell.inner_text()
    assert page.locator("tr.bad", has=cell).count() == 1


def test_a_failed_image_read_clears_the_previous_traveller(live, lane, page, documents, tmp_path):
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("L", (800, 500), 255).save(blank)
    open_booth(page, live.url)
    lane.present(by_note(documents, "HIT", "VEXMOOR"))
    page.wait_for_selector("#verdict[data-decision='HIT']", timeout=10000)
    page.set_input_files("#image-input", str(blank))
    page.click("#image-submit")
    page.wait_for_selector("#verdict-word:text('IMAGE NOT READ')", timeout=60000)
    assert "VEXMOOR" not in page.inner_text("#verdict-col")
    assert page.get_attribute("#verdict", "data-decision") is None and page.is_hidden("#actions")


# -- 8. the reader is unplugged --------------------------------------------------------------
def test_an_unplugged_reader_greys_the_last_verdict_and_speaks_to_the_officer(live, lane, page, documents, as_user):
    open_booth(page, live.url)
    lane.present(documents["CLEAR"][0])
    page.wait_for_selector("#verdict[data-decision='CLEAR']", timeout=10000)
    lane.scanner.unplug()
    page.wait_for_selector("#booth[data-mode='reader-lost-previous']", timeout=15000)
    assert page.is_visible("#reader-lost") and page.is_visible("#previous-label")
    assert "previous" in page.get_attribute("#verdict", "class") and page.is_hidden("#actions")
    words = page.inner_text("#reader-lost")
    assert "READER NOT CONNECTED" in words and "Type the MRZ" in words
    for technical in ("/dev", "/tmp", "firmware-bridge", "scanner-lane", "errno", "Errno"):
        assert technical not in page.inner_text("body"), technical
    page.reload()  # a fresh page must not invite the officer to present a document
    page.wait_for_selector("#booth[data-mode='reader-lost']", timeout=10000)
    assert page.is_hidden("#verdict") and "Present a document to the reader" not in page.inner_text("#verdict-col")
    lanes = as_user("technician").get("/api/v1/status").get_json()["lanes"]
    assert [x for x in lanes if x["name"] == LANE][0]["state"] == "disconnected"  # the device detail is the console's
    lane.scanner.replug()
    page.wait_for_selector("#booth[data-mode='waiting']", timeout=20000)


def test_a_lane_whose_bridge_never_reported_is_not_ready(live, page, tmp_path):
    from appliance.config import load_config

    ctx = live.app.extensions["appliance"]
    ctx.config = load_config(data_dir=ctx.data_dir, overrides={"lanes": {LANE: {"port": str(tmp_path / "nothing")}}})
    open_booth(page, live.url)
    page.wait_for_selector("#booth[data-mode='reader-lost']", timeout=10000)
    assert "NO READER REPORTING" in page.inner_text("#reader-lost")


# -- 10. the console -------------------------------------------------------------------------
def test_console_at_1024x600_speaks_in_words(live, page, ctx, documents, tokens, client):
    from sync.client import state

    from .conftest import bearer

    client.post("/api/v1/scans", json={"lane": LANE, "mrz": documents["HIT"][0]}, headers=bearer(tokens["bridge"]))
    db = ctx._writer
    state.put(db, credential={"id": "box-7"}, hub_url="https://hub.example.invalid", appliance="box-7", link="offline",
              last_success="2026-01-01T10:00:00+00:00", last_attempt="2026-01-01T11:00:00+00:00", last_error="connection refused",
              failures=4)
    page.set_viewport_size({"width": 1024, "height": 600})
    open_console(page, live.url)
    assert page.evaluate("document.querySelector('.topbar').getBoundingClientRect().height") < 50
    levels = [x.lower() for x in page.locator("#tiles .tile .level").all_inner_texts()]
    assert set(levels) <= {"ok", "warning", "fault"} and "fault" in levels  # the hub cannot be reached
    page.goto(f"{live.url}/console#sync")
    page.wait_for_selector("#sync-headline")
    sync = page.inner_text("#sync-info")
    assert "The hub cannot be reached (connection refused)" in sync and "Last exchange that worked" in sync
    assert "4 failed in a row" in sync and "of which 1 hit(s) go first" in sync
    for raw in ("queue depth", "Outbox depth", "state never", "ok no", "hits pending", "_"):
        assert raw not in sync, raw
    page.goto(f"{live.url}/console#lists")
    age = page.locator("#lists-table tr[data-list='demo-lost-stolen'] td").nth(4).inner_text()
    assert age.endswith("min old") and "h" not in age.replace("min old", "")
    page.goto(f"{live.url}/console#charts")
    page.wait_for_selector("#chart-lists svg")
    for chart in ("reads", "verdicts", "backlog", "lists", "latency", "disk"):
        assert page.locator(f"#chart-{chart} svg").count() == 1, chart
    for legend in ("legend-reads", "legend", "legend-backlog", "legend-lists", "legend-latency", "legend-disk"):
        assert page.locator(f"#{legend} span").count() >= 1 and page.inner_text(f"#{legend}").strip(), legend
    page.click("text=Log out")
    open_console(page, live.url, "admin")  # the audit log is the admin's
    page.goto(f"{live.url}/console#audit")
    page.wait_for_selector("#audit-table tbody tr")
    box = page.locator("#audit-table").bounding_box()
    assert box["x"] + box["width"] <= 1024


# -- 11. the supervisor ----------------------------------------------------------------------
def test_the_supervisor_page_shows_every_lane_and_approves_suppressions(live, page, tokens, documents, as_user, tmp_path):
    from .conftest import OTHER_LANE, bearer, log_in

    client = live.app.test_client()
    hit = client.post("/api/v1/scans", json={"lane": LANE, "mrz": documents["HIT"][0]}, headers=bearer(tokens["bridge"])).get_json()
    other = client.post("/api/v1/scans", json={"lane": OTHER_LANE, "mrz": documents["HIT"][1]}, headers=bearer(tokens["bridge_all"])).get_json()
    pm = client.post("/api/v1/scans", json={"lane": LANE, "mrz": documents["POSSIBLE_MATCH"][0]}, headers=bearer(tokens["bridge"])).get_json()
    as_user("officer").post(f"/api/v1/scans/{pm['id']}/disposition", json={"action": "false_positive", "reason": "namesake", "suppress_days": 2})
    log_in(page, live.url, "supervisor")
    page.goto(f"{live.url}/console")
    page.wait_for_url(lambda url: url.endswith("/supervisor"))
    page.wait_for_selector("#sup-open tr[data-scan]", timeout=10000)
    assert page.locator("#sup-open tr[data-scan]").count() == 2
    text = page.inner_text("#sup-open")
    assert LANE in text and OTHER_LANE in text
    page.click("#sup-supp button:has-text('Approve')")
    page.locator("#sup-state", has_text="approved").wait_for(timeout=10000)
    assert page.locator("#sup-supp", has_text="No suppression waits").count() == 1
    page.click(f"#sup-open tr[data-scan='{other['id']}'] a")
    page.wait_for_selector(f"#verdict[data-scan-id='{other['id']}']", timeout=10000)
    assert hit["id"] != other["id"]


def test_a_technician_sets_a_lists_handling_instructions_and_the_hit_card_shows_them_first(live, page, documents, as_user, tokens):
    from .conftest import bearer

    open_console(page, live.url)
    page.goto(f"{live.url}/console#lists")
    page.wait_for_selector("#handling-list option[value='demo-watchlist']", state="attached")
    page.select_option("#handling-list", "demo-watchlist")
    page.fill("#handling-title", "National watchlist (demo)")
    page.fill("#handling-text", "Keep the passport; call the duty officer on 2396 before anything else.")
    page.click("#handling-save")
    page.locator("#handling-state", has_text="Saved").wait_for(timeout=10000)
    assert "National watchlist (demo)" in page.inner_text("#lists-handling")
    scan = live.app.test_client().post("/api/v1/scans", json={"lane": LANE, "mrz": by_note(documents, "HIT", "VEXMOOR")},
                                       headers=bearer(tokens["bridge"])).get_json()
    card = as_user("officer").get(f"/api/v1/scans/{scan['id']}/hitcard").get_json()
    assert card["handling"][0]["text"] == "Keep the passport; call the duty officer on 2396 before anything else."
    assert card["handling"][0]["title"] == "National watchlist (demo)"
    audit = as_user("admin").get("/api/v1/audit?action=config.change").get_json()["records"]
    assert any("lists.demo-watchlist" in str(r["detail"]) for r in audit)
