"""The real pages in headless Chromium: live verdicts from a virtual scanner, hit card, disposition, manual entry."""

from __future__ import annotations

import pytest

from .conftest import LANE, log_in

pytestmark = pytest.mark.browser

def test_scanner_read_shows_live_then_hit_card_and_disposition(live, lane, page, ctx, documents, tmp_path):
    log_in(page, live.url, "officer")
    page.goto(f"{live.url}/booth/{LANE}")
    page.wait_for_selector("#live-state.ok", timeout=10000)
    lane.present([m for m in documents["HIT"] if "VEXMOOR" in m][0])
    page.wait_for_selector("#verdict[data-decision='HIT']", timeout=10000)
    assert page.inner_text("#verdict-word") == "HIT"
    assert "VEXMOOR" in page.inner_text("#fields")
    assert page.is_visible("#btn-hitcard")
    page.screenshot(path=str(tmp_path / "booth-hit.png"))
    box = page.locator("#booth").bounding_box()
    assert box["x"] + box["width"] <= 1280  # fits a 1280x800 screen without scrolling sideways
    assert page.locator("#verdict").bounding_box()["y"] + page.locator("#verdict").bounding_box()["height"] < 800

    page.keyboard.press("h")
    page.wait_for_selector("#hitcard-body section.match", timeout=10000)
    card = page.inner_text("#hitcard-body")
    assert "Listed entry" in card and "VEXMOOR" in card and "Date of birth" in card and "old" in card
    page.screenshot(path=str(tmp_path / "hitcard.png"))
    page.keyboard.press("Escape")
    assert not page.is_visible("#hitcard")

    page.keyboard.press("c")  # a decision is confirmed in a dialog, not taken by one key
    page.wait_for_selector("#confirm-dialog[open]")
    page.keyboard.press("Enter")
    page.locator("#disposition-state", has_text="Recorded").wait_for(timeout=10000)
    scan_id = int(page.get_attribute("#verdict", "data-scan-id"))
    db = ctx.reader()
    assert db.execute("SELECT action, referred, username FROM dispositions WHERE scan_id = ?", [scan_id]).fetchall() == [("confirmed", 1, "officer")]
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'hitcard.view' AND target = ?", [f"scan:{scan_id}"]).fetchone()[0] == 1

    lane.present(documents["CLEAR"][0])
    page.wait_for_selector("#verdict[data-decision='CLEAR']", timeout=10000)
    assert page.is_hidden("#actions")


def test_false_positive_from_the_keyboard(live, lane, page, ctx, documents):
    log_in(page, live.url, "officer")
    page.goto(f"{live.url}/booth/{LANE}")
    page.wait_for_selector("#live-state.ok", timeout=10000)
    lane.present(documents["POSSIBLE_MATCH"][0])
    page.wait_for_selector("#verdict[data-decision='POSSIBLE_MATCH']", timeout=10000)
    assert page.inner_text("#verdict-word") == "POSSIBLE MATCH"
    page.keyboard.press("f")
    page.wait_for_selector("#fp-dialog[open]")
    page.keyboard.type("Different person: birth date and photo do not match")
    page.check("#fp-suppress")
    page.click("#fp-submit")
    page.locator("#disposition-state", has_text="supervisor").wait_for(timeout=10000)
    row = ctx.reader().execute("SELECT status, requested_by FROM suppressions").fetchone()
    assert row == ("pending", "officer")

    page.click("text=Log out")
    page.wait_for_url(lambda url: "/login" in url)
    log_in(page, live.url, "supervisor")
    page.goto(f"{live.url}/booth/{LANE}")
    page.locator("#suppressions li", has_text="Different person").wait_for(timeout=10000)
    page.click("#suppressions button:has-text('Show scan')")  # the supervisor sees the evidence first
    page.wait_for_selector("#hitcard[open] .evidence", timeout=10000)
    page.keyboard.press("Escape")
    page.click("#suppressions button:has-text('Approve')")
    page.locator("#suppressions li", has_text="None waiting").wait_for(timeout=10000)
    assert ctx.reader().execute("SELECT status, decided_by FROM suppressions").fetchone() == ("approved", "supervisor")
    lane.present(documents["POSSIBLE_MATCH"][0])
    page.wait_for_selector("#verdict[data-decision='CLEAR']", timeout=10000)
    assert "suppressed" in page.inner_text("#reasons").lower()
    # a supervisor's own request waits for another supervisor: no Approve button for it
    page.fill("#mrz-input", documents["POSSIBLE_MATCH"][1])
    page.click("#mrz-submit")
    page.wait_for_selector("#verdict[data-decision='POSSIBLE_MATCH']", timeout=10000)
    page.keyboard.press("f")
    page.keyboard.type("Checked the photo: another person")
    page.check("#fp-suppress")
    page.click("#fp-submit")
    own = page.locator("#suppressions li", has_text="another person")
    own.wait_for(timeout=10000)
    assert "your own request" in own.inner_text() and own.locator("button", has_text="Approve").count() == 0


def test_a_read_during_the_false_positive_dialog_waits_and_a_stolen_document_cannot_be_suppressed(live, lane, page, ctx, documents):
    log_in(page, live.url, "officer")
    page.goto(f"{live.url}/booth/{LANE}")
    page.wait_for_selector("#live-state.ok", timeout=10000)
    lane.present([m for m in documents["HIT"] if "NAKAMURA" in m][0])  # a passport on the lost/stolen list only
    page.wait_for_selector("#verdict[data-decision='HIT']", timeout=10000)
    hit_id = int(page.get_attribute("#verdict", "data-scan-id"))
    page.keyboard.press("f")
    page.wait_for_selector("#fp-dialog[open]")
    assert not page.is_visible("#fp-suppress")  # nothing to suppress: only a watchlist match can be
    assert str(hit_id) in page.inner_text("#fp-title")
    lane.present(documents["CLEAR"][0])  # the next traveller's document arrives meanwhile
    page.locator("#recent li", has_text="CLEAR").wait_for(timeout=10000)
    assert page.get_attribute("#verdict", "data-decision") == "HIT"
    page.keyboard.type("Document recovered and returned to its holder")
    page.click("#fp-submit")
    page.wait_for_selector("#verdict[data-decision='CLEAR']", timeout=10000)
    rows = ctx.reader().execute("SELECT scan_id, action FROM dispositions").fetchall()
    assert rows == [(hit_id, "false_positive")]
    assert ctx.reader().execute("SELECT count(*) FROM suppressions").fetchone()[0] == 0


def test_a_live_verdict_does_not_take_the_keyboard_from_an_officer_typing(live, lane, page, ctx, documents):
    log_in(page, live.url, "officer")
    page.goto(f"{live.url}/booth/{LANE}")
    page.wait_for_selector("#live-state.ok", timeout=10000)
    lane.present([m for m in documents["HIT"] if "VEXMOOR" in m][0])
    page.wait_for_selector("#verdict[data-decision='HIT']", timeout=10000)
    page.keyboard.press("m")
    page.keyboard.type("P<UTOKALD")
    lane.present(documents["HIT"][1])  # another read arrives while the officer types
    page.locator("#recent li").nth(1).wait_for(timeout=10000)
    page.keyboard.type("ERON<<FACE<CHECK")  # C, F and H must land in the text, not act as shortcuts
    assert page.input_value("#mrz-input") == "P<UTOKALDERON<<FACE<CHECK"
    assert page.evaluate("document.activeElement.id") == "mrz-input"
    assert ctx.reader().execute("SELECT count(*) FROM dispositions").fetchone()[0] == 0


def test_manual_entry_validates_as_you_type_and_screens(live, page, documents):
    log_in(page, live.url, "officer")
    page.goto(f"{live.url}/booth/{LANE}")
    mrz = documents["CLEAR"][1]
    line1, line2 = mrz.split("\n")
    box = page.locator("#mrz-input")
    box.click()
    page.keyboard.type(line1)
    page.keyboard.press("Enter")
    wrong = line2[:9] + str((int(line2[9]) + 1) % 10)
    page.keyboard.type(wrong)
    page.wait_for_selector("#mrz-feedback li.chk.bad[data-check='document number']")
    assert "should be " + line2[9] in page.inner_text("#mrz-feedback")
    page.keyboard.press("Control+Enter")  # unfinished: nothing is screened, the officer is told what is missing
    page.wait_for_selector("#mrz-incomplete")
    assert "line 2 has 10 of" in page.inner_text("#mrz-incomplete")
    assert page.get_attribute("#verdict", "data-decision") is None
    page.keyboard.press("Backspace")
    page.keyboard.type(line2[9:])
    page.wait_for_selector("#mrz-feedback[data-valid='yes']")
    assert "All check digits are right" in page.inner_text("#mrz-feedback")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#verdict[data-decision='CLEAR']", timeout=10000)
    assert "typed by hand" in page.inner_text("#verdict-meta")
    assert page.input_value("#mrz-input") == ""  # the next traveller starts from an empty box
    page.wait_for_selector("#verdict:focus", timeout=5000)  # the verdict asked for takes the focus
    broken = [m for m in documents["DOCUMENT_INVALID"] if "FONTAINE" in m][0]  # wrong document number check digit
    page.fill("#mrz-input", broken)
    page.click("#mrz-submit")
    page.wait_for_selector("#verdict[data-decision='DOCUMENT_INVALID']", timeout=10000)
    reasons = page.inner_text("#reasons")
    assert "Wrong check digit: document number" in reasons and "Invalid:" not in reasons  # said once, not twice


def test_console_shows_status_and_runs_a_self_test(live, lane, page, tmp_path):
    log_in(page, live.url, "technician")
    page.goto(f"{live.url}/console")
    page.wait_for_selector("#tiles .tile")
    tiles = page.inner_text("#tiles")
    for word in ("READERS", "LISTS", "SYNC WITH THE HUB", "DISK", "MEMORY", "CLOCK"):
        assert word in tiles
    page.screenshot(path=str(tmp_path / "console.png"))
    page.goto(f"{live.url}/console#lanes")
    page.click(f"button.selftest[data-lane='{LANE}']")
    page.locator("#selftest-result", has_text="PASSED").wait_for(timeout=20000)
    page.goto(f"{live.url}/console#charts")
    page.wait_for_selector("#chart-verdicts svg")
