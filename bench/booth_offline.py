"""How fast the booth stops showing a verdict it can no longer vouch for (headless Chromium).

    nice -n 10 .venv/bin/python bench/booth_offline.py [--trials 5]

Three cases, each from the moment it happens to the moment the booth page changed its state
(the page records ``Date.now()`` when ``#booth[data-mode]`` changes; same machine clock):

* the service stops (its event stream closes): until NOT CONNECTED;
* the link goes silent (a TCP proxy holds every byte, nothing closes): until NOT CONNECTED;
* the reader is unplugged (a virtual scanner's pseudo-terminal vanishes, the bridge reports
  it): until the reader-lost state.

The goal is 2 s for each. The booth is the real page, served by waitress, fed by the bridge's
LaneRunner and Deliverer from a virtual scanner, as in ``docs/tools/booth_screenshots.py``.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WATCH = """() => { window.__modes = []; new MutationObserver(() => window.__modes.push([document.getElementById('booth').dataset.mode, Date.now()]))
  .observe(document.getElementById('booth'), {attributes: true, attributeFilter: ['data-mode']}); }"""


def _shots():
    spec = importlib.util.spec_from_file_location("booth_screenshots", ROOT / "docs" / "tools" / "booth_screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _changed_at(page, modes: tuple[str, ...], timeout: float = 15.0) -> float:
    """Epoch seconds at which the page entered one of ``modes``."""
    page.wait_for_function(f"() => (window.__modes || []).some(m => {list(modes)!r}.includes(m[0]))", timeout=timeout * 1000)
    return next(t for m, t in page.evaluate("window.__modes") if m in modes) / 1000


def _open(shots, page, url: str) -> None:
    shots.log_in(page, url, "officer")
    page.goto(f"{url}/booth/{shots.LANE}")
    page.wait_for_selector("#booth[data-mode='waiting']", timeout=15000)
    page.evaluate(WATCH)


def run(trials: int) -> dict:
    """Measure each case ``trials`` times; return the delays in ms."""
    from playwright.sync_api import sync_playwright

    from tests.web.tcpproxy import TcpProxy

    shots = _shots()
    work = Path(tempfile.mkdtemp(prefix="booth-offline-"))
    out: dict[str, list[float]] = {"service stopped": [], "link silent": [], "reader unplugged": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shots.CHROMIUM, headless=True, args=shots.FLAGS)
        for i in range(trials):
            box = shots.Box(work / f"box-{i}")
            url = box.serve()
            lane = box.lane()
            page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            _open(shots, page, url)
            lane.scanner.unplug()
            t0 = time.time()
            out["reader unplugged"].append((_changed_at(page, ("reader-lost", "reader-lost-previous")) - t0) * 1000)
            lane.scanner.replug()
            page.wait_for_selector("#booth[data-mode='waiting']", timeout=20000)
            proxy = TcpProxy(int(url.rsplit(":", 1)[1]))
            silent = page.context.new_page()
            _open(shots, silent, proxy.url)
            proxy.freeze()
            t0 = time.time()
            out["link silent"].append((_changed_at(silent, ("offline",)) - t0) * 1000)
            proxy.close()
            page.evaluate(WATCH)
            lane.stop()
            t0 = time.time()
            box.stop_service()
            out["service stopped"].append((_changed_at(page, ("offline",)) - t0) * 1000)
            page.context.close()
        browser.close()
    return out


def main() -> None:
    """Print the delays per case."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=5)
    args = parser.parse_args()
    from appliance.ops.logging import configure

    configure("ERROR")
    results = run(args.trials)
    print(f"{'case':<18} {'trials':>6} {'median ms':>10} {'max ms':>8}  goal 2000 ms")
    for case, values in results.items():
        print(f"{case:<18} {len(values):>6} {statistics.median(values):>10.0f} {max(values):>8.0f}  "
              f"{'met' if max(values) <= 2000 else 'NOT met'}")


if __name__ == "__main__":
    main()
