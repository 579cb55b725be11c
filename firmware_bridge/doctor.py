"""``firmware-bridge doctor``: open a port, wait for one scan, explain what arrived.

Shows the detected profile, timing (first byte, frame duration, largest gap), a hex dump
and the decoded lines, with MRZ characters masked unless ``show_raw``; ends with a
diagnosis in plain words (no data, wrong line settings, no frame, or OK).
"""

from __future__ import annotations

import time

from .profiles import decoder_for
from .profiles.base import is_mostly_text
from .reads import parse_document
from .transport import SerialSettings, open_port, stable_path
from .wirelog import hexdump, mask_text

NO_DATA = 2
UNREADABLE = 3


def diagnose(url: str, settings: SerialSettings, *, profile: str = "auto", timeout: float = 30.0, frame_timeout: float = 0.2,
             show_raw: bool = False, on_open=None) -> dict:
    """Open ``url`` (PortError when it cannot be opened), call ``on_open()``, wait up to ``timeout`` s for a scan; return the report."""
    decoder = decoder_for(profile, frame_timeout=frame_timeout)
    port = open_port(url, settings, timeout=0.02)
    if on_open is not None:
        on_open()  # only now is there anything to wait for
    raw = bytearray()
    frames = []
    stamps: list[float] = []
    started = time.monotonic()
    try:
        arm = decoder.on_connect()
        if arm:
            port.write(arm)
        while True:
            now = time.monotonic()
            data = port.read(port.in_waiting or 1)
            now = time.monotonic()
            if data:
                raw += data
                stamps.append(now)
                frames += decoder.feed(data, now)
            else:
                frames += decoder.idle(now)
            if not stamps:
                if now - started > timeout:
                    break
                continue
            quiet = now - stamps[-1]
            if frames and quiet > 2 * frame_timeout:
                break
            if quiet > max(1.0, 5 * frame_timeout) or now - started > timeout + 5:
                frames += decoder.idle(now + 3600)
                break
    finally:
        port.close()
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    report = {
        "port": url,
        "stable_path": stable_path(url),
        "settings": settings.describe(),
        "profile_requested": profile,
        "profile_detected": decoder.profile if frames else None,
        "bytes": len(raw),
        "first_byte_after_s": round(stamps[0] - started, 3) if stamps else None,
        "duration_ms": round((stamps[-1] - stamps[0]) * 1000, 1) if stamps else None,
        "largest_gap_ms": round(max(gaps) * 1000, 1) if gaps else 0.0,
        "hexdump": hexdump(bytes(raw[:2048]), masked=not show_raw),
        "masked": not show_raw,
        "frames": [],
    }
    for frame in frames:
        status, document = parse_document(frame.text) if frame.text else ("read_error", None)
        if frame.error:
            status = "read_error"
        problem = None
        if status != "ok":
            problem = frame.error or next(iter((document or {}).get("errors") or []), None)
        report["frames"].append(
            {
                "status": status,
                "problem": problem,
                "lines": [line if show_raw else mask_text(line) for line in frame.lines],
                "line_lengths": [len(line) for line in frame.lines],
                "format": (document or {}).get("format"),
                "valid": (document or {}).get("valid"),
            }
        )
    report["diagnosis"], report["exit_code"] = _diagnosis(report, bytes(raw), profile, settings)
    return report


def _diagnosis(report: dict, raw: bytes, profile: str, settings: SerialSettings) -> tuple[str, int]:
    if not raw:
        hint = "" if profile == "idbox" else " For an Elyctis IDBOX use --profile idbox so continuous reading is armed."
        return (
            "No data arrived. Check that the reader is powered, scan a document during the wait, and make sure the "
            "reader is in serial/virtual-COM mode, not keyboard (HID) mode." + hint,
            NO_DATA,
        )
    if not report["frames"]:
        if not is_mostly_text(raw):
            return (
                f"Bytes arrived but they are not text at {settings.describe()}: the baud rate, parity or data bits "
                "are probably wrong (try 9600 8N1, 115200 8N1, or 9600 7E1 for CUTE-mode readers).",
                UNREADABLE,
            )
        return (
            f"Text arrived but no MRZ frame was recognised with profile {profile!r}; try --profile auto or another "
            "profile, and check the hex dump for the envelope bytes.",
            UNREADABLE,
        )
    bad = [f for f in report["frames"] if f["status"] != "ok"]
    if bad:
        return (
            f"Reader works ({report['profile_detected']}), but {len(bad)} of {len(report['frames'])} read(s) were "
            "damaged (reject characters or missing lines): clean the window and re-scan.",
            0,
        )
    return f"Reader works: profile {report['profile_detected']}, {len(report['frames'])} good read(s).", 0


def render(report: dict) -> str:
    """The report as text for a technician."""
    out = [
        f"port:      {report['port']}" + (f"  (stable path {report['stable_path']})" if report["stable_path"] != report["port"] else ""),
        f"settings:  {report['settings']}   profile: {report['profile_requested']}"
        + (f" -> detected {report['profile_detected']}" if report["profile_detected"] else ""),
        f"received:  {report['bytes']} bytes"
        + (
            f", first byte after {report['first_byte_after_s']} s, frame took {report['duration_ms']} ms,"
            f" largest gap {report['largest_gap_ms']} ms"
            if report["bytes"]
            else ""
        ),
    ]
    for i, frame in enumerate(report["frames"], 1):
        out.append(
            f"read {i}:    {frame['status']}  format={frame['format']} valid={frame['valid']} "
            f"lines={frame['line_lengths']}" + (f"  problem: {frame['problem']}" if frame["problem"] else "")
        )
        out += [f"           {line}" for line in frame["lines"]]
    if report["bytes"]:
        out.append("hex dump" + (" (MRZ characters masked; --show-raw to see them):" if report["masked"] else ":"))
        out.append(report["hexdump"])
    out.append(f"diagnosis: {report['diagnosis']}")
    return "\n".join(out)
