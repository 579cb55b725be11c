"""Screenshots of every booth state for docs/booth.md, made in headless Chromium.

    .venv/bin/python docs/tools/booth_screenshots.py [--out docs/images/booth] [--sizes 1280x800,1024x600]

Starts the appliance on a throw-away data directory with the fictitious demo lists, a lane
read by the bridge's ``LaneRunner`` from a virtual scanner on a pseudo-terminal, delivered by
the bridge's ``Deliverer`` over HTTP (exactly as ``appliance demo``), logs in as an officer
and photographs: waiting, every verdict, the hit card, the decision dialog, a decided HIT,
a burst of late reads with the needs-decision queue, the reader unplugged, a stale list,
the service stopped, the supervisor page and the console. Everything shown is fictitious.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
LANE = "north-1"
PASSWORDS = {"officer": "officer-shots-1", "supervisor": "supervisor-shots-1", "supervisor2": "supervisor-shots-2",
             "technician": "technician-shots-1"}


class Box:
    """A data directory with demo lists and users, served on waitress, with one lane fed by a virtual scanner."""

    def __init__(self, root: Path, *, stale: bool = False):
        from appliance.config import load_config
        from appliance.demo import data
        from appliance.store.db import connect
        from appliance.store.importing import import_list
        from appliance.web import accounts
        from appliance.web.context import Appliance

        self.root = root
        self.data = root / "data"
        self.data.mkdir(parents=True)
        (self.data / "appliance.toml").write_text(
            '[appliance]\nsite_name = "Harbour crossing (fictitious)"\n'
            f'[booth]\nlate_read_seconds = 3\n[lanes.{LANE}]\nport = "{root / "scanner"}"\nprofile = "lines"\n'
            'description = "Arrivals, booth 1"\n[lists.demo-watchlist]\ntitle = "Demo watchlist (fictitious)"\n'
            'handling = "Do not tell the traveller. Keep the passport, ask the traveller to wait in the booth and call the duty '
            'supervisor on extension 2396. Check the listed entry below before you decide."\n'
            '[lists.demo-lost-stolen]\ntitle = "Lost and stolen documents (fictitious)"\n', encoding="utf-8")
        ctx = Appliance(load_config(data_dir=self.data), self.data)
        wl, docs = data.write_lists(root / "lists")
        db = connect(ctx.db_path)
        published = "2020-01-01T00:00:00+00:00" if stale else None
        import_list(db, data.WATCHLIST_NAME, "csv", [wl], version="2026-03")
        import_list(db, data.DOCUMENTS_NAME, "documents-csv", [docs], version="2026-03-11")
        if published:
            db.conn.execute("UPDATE lists SET published_at = ? WHERE name = ?", [published, data.WATCHLIST_NAME])
            db.conn.commit()
        db.conn.close()
        with ctx.write() as wdb:
            for name, pw in PASSWORDS.items():
                accounts.create_user(wdb, name, pw, "officer" if name == "officer" else ("technician" if name == "technician" else "supervisor"))
            self.token, _ = accounts.create_token(wdb, "bridge", [LANE], label="screenshots")
        ctx.close()

    def serve(self) -> str:
        """Start the service; return its URL."""
        import waitress

        from appliance.web import create_app

        self.app = create_app({"DATA_DIR": self.data})
        self.app.extensions["appliance"].warm_up()
        self.server = waitress.create_server(self.app, host="127.0.0.1", port=0, threads=16)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        return self.url

    def stop_service(self) -> None:
        """Stop the service as a crash or `systemctl stop` would."""
        from appliance.cli.service import stop_server

        from appliance.web.system import wait_for_streams

        self.app.extensions["appliance"].events.close()
        wait_for_streams(self.app.extensions["appliance"])
        stop_server(self.server)
        self.thread.join(5)
        self.app.extensions["appliance"].close()

    def lane(self):
        """The lane: virtual scanner -> LaneRunner -> Deliverer -> this service."""
        from appliance.demo.runner import DemoLane

        settings = {"port": str(self.root / "scanner"), "profile": "lines", "dedupe_seconds": 0.0}
        return DemoLane(LANE, settings, self.url, self.token, self.root / "queue", [], 3600.0).start()


def documents() -> dict[str, list[str]]:
    """Demo travellers by what they should get."""
    from appliance.demo.data import travellers

    out: dict[str, list[str]] = {}
    for t in travellers():
        out.setdefault(t.expect, []).append(t.mrz)
    return out


def log_in(page, url: str, user: str) -> None:
    page.goto(f"{url}/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORDS[user])
    page.click("#login-submit")
    page.wait_for_url(lambda u: "/login" not in u)


def wait_decision(page, decision: str) -> None:
    page.wait_for_selector(f"#verdict[data-decision='{decision}']", timeout=15000)
    page.wait_for_timeout(2900)  # let the HIT pulse finish


def shoot(page, out: Path, name: str, size: str) -> None:
    """Save a screenshot as a small 256-colour PNG (the screens are flat colours and text)."""
    import io

    from PIL import Image

    path = out / f"{name}-{size}.png"
    image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def booth_states(pw, out: Path, size: str, work: Path) -> None:
    """Every state of the booth at one screen size."""
    w, h = (int(x) for x in size.split("x"))
    docs = documents()
    box = Box(work / f"booth-{size}")
    url = box.serve()
    lane = box.lane()
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
    page = browser.new_page(viewport={"width": w, "height": h})
    try:
        log_in(page, url, "officer")
        page.goto(f"{url}/booth/{LANE}")
        page.wait_for_selector("#booth[data-mode='waiting']", timeout=10000)
        shoot(page, out, "01-waiting", size)
        for name, doc in (("02-clear", docs["CLEAR"][0]), ("03-hit", [m for m in docs["HIT"] if "VEXMOOR" in m][0]),
                          ("04-possible-match", docs["POSSIBLE_MATCH"][0]), ("05-document-invalid", [m for m in docs["DOCUMENT_INVALID"] if "WHITLOCK" in m][0]),
                          ("06-read-error", "P<UTOHELLO<<<\nNOT AN MRZ AT ALL")):
            lane.present(doc)
            wait_decision(page, name.split("-", 1)[1].upper().replace("-", "_"))
            shoot(page, out, name, size)
        lane.present([m for m in docs["HIT"] if "VEXMOOR" in m][0])
        wait_decision(page, "HIT")
        page.keyboard.press("h")
        page.wait_for_selector("#hitcard-body section.match", timeout=10000)
        page.wait_for_timeout(300)
        shoot(page, out, "07-hit-card", size)
        page.keyboard.press("c")
        page.wait_for_selector("#confirm-dialog[open]")
        shoot(page, out, "08-confirm-dialog", size)
        page.click("#confirm-submit")
        page.wait_for_selector("#decision.decided", timeout=10000)
        shoot(page, out, "09-decided", size)
        # a backlog: the bridge cannot reach the service for a while, then delivers its queue at once
        lane.deliverer.stop()
        for doc in (docs["CLEAR"][1], docs["POSSIBLE_MATCH"][1], docs["CLEAR"][2], [m for m in docs["HIT"] if "NAKAMURA" in m][0], docs["CLEAR"][3]):
            lane.present(doc)
            time.sleep(0.8)
        time.sleep(3.5)
        from firmware_bridge.delivery import Deliverer

        lane.deliverer = Deliverer(lane.deliverer.queue, url, box.token).start()
        page.wait_for_selector("#burst:not([hidden])", timeout=15000)
        page.wait_for_timeout(1500)
        shoot(page, out, "10-backlog-queue", size)
        # the reader is unplugged
        lane.scanner.unplug()
        page.wait_for_selector("#booth[data-mode='reader-lost-previous']", timeout=15000)
        shoot(page, out, "11-reader-unplugged", size)
        lane.scanner.replug()
        page.wait_for_selector("#reader-state.ok", timeout=20000)
        # the service stops
        lane.stop()
        box.stop_service()
        page.wait_for_selector("#booth[data-mode='offline']", timeout=5000)
        shoot(page, out, "12-not-connected", size)
    finally:
        browser.close()


def stale_and_console(pw, out: Path, size: str, work: Path) -> None:
    """A stale watchlist at the booth and on the console; the supervisor page."""
    w, h = (int(x) for x in size.split("x"))
    docs = documents()
    box = Box(work / f"stale-{size}", stale=True)
    url = box.serve()
    lane = box.lane()
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
    page = browser.new_page(viewport={"width": w, "height": h})
    try:
        log_in(page, url, "officer")
        page.goto(f"{url}/booth/{LANE}")
        page.wait_for_selector("#booth[data-mode='waiting']", timeout=10000)
        lane.present(docs["CLEAR"][0])
        wait_decision(page, "POSSIBLE_MATCH")
        shoot(page, out, "13-stale-list-booth", size)
        lane.present(docs["HIT"][0])
        wait_decision(page, "HIT")
        page.click("text=Log out")
        log_in(page, url, "supervisor")
        page.goto(f"{url}/supervisor")
        page.wait_for_selector("#sup-open tr[data-scan]", timeout=10000)
        shoot(page, out, "14-supervisor", size)
        page.click("text=Log out")
        log_in(page, url, "technician")
        page.goto(f"{url}/console")
        page.wait_for_selector("#tiles .tile", timeout=10000)
        shoot(page, out, "15-console-stale", size)
        page.goto(f"{url}/console#sync")
        page.wait_for_selector("#sync-headline", timeout=10000)
        shoot(page, out, "16-console-sync", size)
        page.goto(f"{url}/console#charts")
        page.wait_for_selector("#chart-verdicts svg", timeout=10000)
        page.wait_for_timeout(500)
        shoot(page, out, "17-console-charts", size)
    finally:
        browser.close()
        lane.stop()
        box.stop_service()


def main() -> None:
    """Make the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "booth")
    parser.add_argument("--sizes", default="1280x800,1024x600")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from appliance.ops.logging import configure

    configure("WARNING")
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="booth-shots-"))
    started = dt.datetime.now()
    try:
        with sync_playwright() as pw:
            for size in args.sizes.split(","):
                print(f"{size}:")
                booth_states(pw, args.out, size, work)
                stale_and_console(pw, args.out, size, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"done in {(dt.datetime.now() - started).seconds} s")


if __name__ == "__main__":
    main()
