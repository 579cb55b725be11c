"""Console self-test: a fictitious document through a virtual scanner, a lane reader and screening.

Nothing is stored and nothing reaches the booth screen: the test proves the read path
(pseudo-terminal, wire profile, frame, MRZ) and the screening engine work on this box.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

log = logging.getLogger(__name__)

#: Seconds to wait for the virtual scanner's read to arrive.
READ_TIMEOUT = 8.0


def test_document() -> str:
    """A fictitious TD3 passport of the ICAO specimen state Utopia (UTO)."""
    from firmware_bridge.mrz import compose

    today = dt.date.today()
    return compose(
        "TD3", issuing_state="UTO", surname="SELFTEST", given_names="LANE CHECK", document_number="ST0000001",
        nationality="UTO", birth_date="1980-01-01", sex="X", expiry_date=today.replace(year=today.year + 5),
    )


def run_selftest(ctx, lane: str, timeout: float = READ_TIMEOUT) -> dict:
    """Run the self-test for ``lane``; return ``{"ok", "steps": [...], ...}``, never raise."""
    steps: list[dict] = []
    out = {"lane": lane, "ok": False, "steps": steps}

    def step(name: str, ok: bool, detail: str = "", **extra):
        steps.append({"step": name, "ok": ok, "detail": detail, **extra})
        return ok

    try:
        from firmware_bridge.lanes import LaneRunner
        from firmware_bridge.simulate import VirtualScanner
    except ImportError as exc:
        step("bridge", False, f"scanner bridge not installed ({exc.name})")
        return out
    from .scans import screen

    doc = test_document()
    got = threading.Event()
    reads: list = []

    def on_read(read: dict) -> None:
        reads.append(read)
        got.set()

    scanner = runner = None
    t0 = time.monotonic()
    try:
        scanner = VirtualScanner(profile="lines", documents=None, interval=3600.0)
        port = scanner.start()
        step("virtual scanner", True, "pseudo-terminal opened")
        runner = LaneRunner(f"selftest-{lane}", {"port": port, "profile": "lines", "dedupe_seconds": 0.0}, on_read)
        runner.start()
        deadline = time.monotonic() + timeout
        while str(getattr(runner.state, "value", runner.state)).lower() != "connected" and time.monotonic() < deadline:
            time.sleep(0.05)
        step("lane reader", True, f"state {getattr(runner.state, 'value', runner.state)}")
        t_send = time.monotonic()
        scanner.send(doc)
        if not got.wait(max(0.1, deadline - time.monotonic())):
            step("read", False, f"no read within {timeout:g} s")
            return out
        read_ms = round((time.monotonic() - t_send) * 1000, 1)
        text = reads[0].get("mrz") or ""
        same = text.replace("\r", "").strip() == doc
        if not step("read", same, f"read in {read_ms} ms" + ("" if same else "; the text differs from what was sent"), read_ms=read_ms):
            return out
        result = screen(ctx, text)
        decision = result.get("decision")
        step("screening", decision in ("CLEAR", "HIT", "POSSIBLE_MATCH", "DOCUMENT_INVALID"),
             f"verdict {decision} in {result.get('elapsed_ms')} ms", decision=decision, elapsed_ms=result.get("elapsed_ms"))
        out["ok"] = all(s["ok"] for s in steps)
    except Exception as exc:  # noqa: BLE001 - a self-test reports, it does not crash the console
        log.warning("self-test of lane %s failed: %s", lane, type(exc).__name__)
        log.debug("self-test failure", exc_info=True)
        step("error", False, f"{type(exc).__name__}: {exc}")
    finally:
        for part in (runner, scanner):
            if part is not None:
                try:
                    part.stop()
                except Exception:  # noqa: BLE001
                    log.debug("self-test cleanup failed", exc_info=True)
        out["total_ms"] = round((time.monotonic() - t0) * 1000, 1)
    return out
