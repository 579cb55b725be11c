"""Per-lane udev rules: give each configured lane's reader a stable ``/dev/mrz-<lane>`` name.

The rules are derived from ``lanes.<name>.port`` in the configuration when it names a
stable link (``/dev/serial/by-id/...`` or ``/dev/serial/by-path/...``), from an explicit
selector (``--match lane=usb:VID:PID[:SERIAL]``, ``lane=path:ID_PATH``), or from a plugged-in
device (``--from-device lane=/dev/ttyUSB0``, read with ``udevadm info``). Run it as::

    python -m appliance.ops.udev [--config FILE] [--match ...] [--from-device ...] [--output FILE]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from .errors import OpsError

RULES_FILE = "61-mrz-lanes.rules"
_LANE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_HEX4 = re.compile(r"^[0-9a-fA-F]{4}$")
_SAFE_VALUE = re.compile(r'^[^"\n\\*?\[\]|]+$')


class RuleError(OpsError):
    """A lane's reader cannot be matched by a stable udev rule."""


def _check_lane(lane: str) -> str:
    if not _LANE_RE.match(lane):
        raise RuleError(f"lane {lane!r}: a /dev name needs letters, digits, '-', '_' or '.'")
    return lane


def _quote(value: str, what: str) -> str:
    if not _SAFE_VALUE.match(value):
        raise RuleError(f"{what} {value!r} cannot be used in a udev rule")
    return value


def _rule(lane: str, matches: list[str], source: str) -> str:
    """One rule line (with a comment) naming the device /dev/mrz-<lane>."""
    actions = [
        f'SYMLINK+="mrz-{lane}"', f'ENV{{MRZ_LANE}}="{lane}"', 'GROUP="dialout"', 'MODE="0660"',
        'ENV{ID_MM_DEVICE_IGNORE}="1"', 'TAG+="systemd"',
    ]
    return f"# lane {lane}: {source}\n" + ", ".join(['SUBSYSTEM=="tty"', 'ACTION!="remove"', *matches, *actions])


def rule_for_port(lane: str, port: str) -> str | None:
    """A rule for a lane whose configured port is a stable link; None for non-device ports."""
    _check_lane(lane)
    if not port or "://" in port:
        return None  # image-only lane, loop://, socket://, rfc2217:// ...
    for prefix in ("/dev/serial/by-id/", "/dev/serial/by-path/"):
        if port.startswith(prefix):
            link = _quote(port[len("/dev/"):], "port")
            return _rule(lane, [f'SYMLINK=="{link}"'], f"from lanes.{lane}.port")
    if port == f"/dev/mrz-{lane}":
        raise RuleError(f"lane {lane}: the port is /dev/mrz-{lane} itself; say which reader it is "
                        f"with --match {lane}=usb:VID:PID[:SERIAL] or --from-device {lane}=/dev/ttyUSB0")
    raise RuleError(f"lane {lane}: port {port} may change between boots; use a /dev/serial/by-id/ "
                    f"path, or --match / --from-device")


def rule_for_selector(lane: str, selector: str) -> str:
    """A rule from ``usb:VID:PID[:SERIAL]``, ``path:ID_PATH`` or a by-id / by-path link."""
    _check_lane(lane)
    if selector.startswith("/dev/serial/"):
        rule = rule_for_port(lane, selector)
        assert rule is not None
        return rule
    if selector.startswith("/dev/"):
        raise RuleError(f"lane {lane}: {selector} may change between boots; "
                        f"use --from-device {lane}={selector} to match the reader plugged in there")
    kind, _, rest = selector.partition(":")
    if kind == "usb":
        parts = rest.split(":", 2)
        if len(parts) < 2 or not all(_HEX4.match(p) for p in parts[:2]):
            raise RuleError(f"lane {lane}: expected usb:VID:PID[:SERIAL] with 4-digit hex IDs, got {selector!r}")
        matches = [f'ATTRS{{idVendor}}=="{parts[0].lower()}"', f'ATTRS{{idProduct}}=="{parts[1].lower()}"']
        if len(parts) == 3 and parts[2]:
            matches.append(f'ENV{{ID_SERIAL_SHORT}}=="{_quote(parts[2], "serial number")}"')
        return _rule(lane, matches, f"selector {selector}")
    if kind == "path" and rest:
        return _rule(lane, [f'ENV{{ID_PATH}}=="{_quote(rest, "path")}"'], f"selector {selector}")
    raise RuleError(f"lane {lane}: unknown selector {selector!r} (usb:VID:PID[:SERIAL], path:ID_PATH or a by-id link)")


def parse_properties(text: str) -> dict[str, str]:
    """``udevadm info --query=property`` output as a dict."""
    props = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            props[key.strip()] = value.strip()
    return props


def rule_for_properties(lane: str, props: dict[str, str], device: str = "") -> str:
    """A rule matching one plugged-in device: vendor, product and serial number, else its USB path."""
    _check_lane(lane)
    vid, pid, serial = props.get("ID_VENDOR_ID"), props.get("ID_MODEL_ID"), props.get("ID_SERIAL_SHORT")
    if vid and pid and serial:
        return rule_for_selector(lane, f"usb:{vid}:{pid}:{serial}").replace(
            f"selector usb:{vid}:{pid}:{serial}", f"device {device} ({vid}:{pid} serial {serial})".strip())
    if props.get("ID_PATH"):
        rule = rule_for_selector(lane, f"path:{props['ID_PATH']}")
        return rule.replace(f"selector path:{props['ID_PATH']}",
                            f"device {device} without a serial number: bound to its USB socket {props['ID_PATH']}")
    raise RuleError(f"lane {lane}: {device or 'the device'} has neither a serial number nor a USB path")


def device_properties(device: str) -> dict[str, str]:
    """Ask udev about a device node (``udevadm info``)."""
    try:
        out = subprocess.run(["udevadm", "info", "--query=property", f"--name={device}"],
                             capture_output=True, text=True, timeout=10)
    except FileNotFoundError:
        raise RuleError("udevadm is not installed") from None
    if out.returncode != 0:
        raise RuleError(f"{device}: udev does not know this device ({out.stderr.strip() or out.returncode})")
    return parse_properties(out.stdout)


def generate(lanes: dict[str, dict], *, matches: dict[str, str] | None = None,
             devices: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """The rules file text for ``lanes`` and notes about lanes left out."""
    matches, devices = matches or {}, devices or {}
    rules, notes = [], []
    for lane in sorted(set(lanes) | set(matches) | set(devices)):
        if lane in devices:
            rules.append(rule_for_properties(lane, device_properties(devices[lane]), devices[lane]))
        elif lane in matches:
            rules.append(rule_for_selector(lane, matches[lane]))
        else:
            port = str(lanes[lane].get("port") or "")
            rule = rule_for_port(lane, port)
            if rule is None:
                notes.append(f"lane {lane}: no serial device ({port or 'image-only'}), no rule")
            else:
                rules.append(rule)
    head = ("# Generated by `python -m appliance.ops.udev` from the appliance configuration:\n"
            "# each lane's reader appears as /dev/mrz-<lane>. Regenerate instead of editing.\n")
    return head + "".join(f"\n{r}\n" for r in rules), notes


def _pairs(values: list[str], what: str) -> dict[str, str]:
    out = {}
    for v in values:
        lane, sep, rest = v.partition("=")
        if not sep or not lane or not rest:
            raise RuleError(f"{what} {v!r}: expected LANE=VALUE")
        out[lane] = rest
    return out


def main(argv: list[str] | None = None) -> int:
    """Write udev rules giving each lane's reader the name /dev/mrz-<lane> (no third-party imports)."""
    parser = argparse.ArgumentParser(prog="python -m appliance.ops.udev", description=main.__doc__)
    parser.add_argument("--config", help="configuration file (default: the usual search)")
    parser.add_argument("--match", action="append", default=[], metavar="LANE=SELECTOR",
                        help="usb:VID:PID[:SERIAL], path:ID_PATH or a /dev/serial/by-id link")
    parser.add_argument("--from-device", action="append", default=[], metavar="LANE=DEVICE",
                        help="match the reader plugged in at DEVICE (asks udevadm)")
    parser.add_argument("--output", help=f"write here (e.g. /etc/udev/rules.d/{RULES_FILE}); default: standard output")
    args = parser.parse_args(argv)
    from ..config import load_config
    from ..errors import ApplianceError

    try:
        lanes = load_config(args.config).lanes
        text, notes = generate(lanes, matches=_pairs(args.match, "--match"),
                               devices=_pairs(args.from_device, "--from-device"))
        for note in notes:
            print(note, file=sys.stderr)
        if args.output:
            Path(args.output).write_text(text)
            print(f"wrote {args.output}; apply with: udevadm control --reload && udevadm trigger --subsystem-match=tty",
                  file=sys.stderr)
        else:
            sys.stdout.write(text)
    except ApplianceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised through a subprocess in the tests
    sys.exit(main())
