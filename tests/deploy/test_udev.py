"""udev rules: reader families by USB ID, and per-lane /dev/mrz-<lane> rules from the configuration."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from appliance.ops.udev import RuleError, generate, parse_properties, rule_for_port, rule_for_properties, rule_for_selector

from .units import ROOT

RULES = ROOT / "udev" / "60-mrz-readers.rules"
_PAIR = re.compile(r'^\s*([A-Z_]+(?:\{[A-Za-z0-9_.]+\})?)\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*$')
_MATCH_KEYS = {"ACTION", "SUBSYSTEM", "SUBSYSTEMS", "KERNEL", "ATTRS", "ENV", "SYMLINK", "TAG"}
_ASSIGN_KEYS = {"ENV", "GROUP", "MODE", "SYMLINK", "TAG", "GOTO", "LABEL"}


def parse_rule(line: str) -> list[tuple[str, str, str]]:
    """Split one rule line into (key, operator, value); fail on anything malformed."""
    pairs = []
    for part in re.split(r',\s*(?=[A-Z_]+(?:\{[^}]*\})?\s*(?:==|!=|\+=|-=|:=|=)\s*")', line.strip()):
        m = _PAIR.match(part)
        assert m, f"malformed rule part {part!r} in {line!r}"
        key, op, value = m.groups()
        base = key.split("{")[0]
        if op in ("==", "!="):
            assert base in _MATCH_KEYS, f"unexpected match key {key} in {line!r}"
        else:
            assert base in _ASSIGN_KEYS, f"unexpected assignment key {key} in {line!r}"
        pairs.append((key, op, value))
    return pairs


def rule_lines(text: str) -> list[str]:
    return [l for l in text.splitlines() if l.strip() and not l.lstrip().startswith("#")]


def test_shipped_rules_are_well_formed_and_cover_the_families():
    """Every line parses; Access-IS (0db5) and the common USB-serial bridges are recognised."""
    text = RULES.read_text()
    parsed = [parse_rule(l) for l in rule_lines(text)]
    labels = [v for p in parsed for k, op, v in p if k == "LABEL"]
    gotos = {v for p in parsed for k, op, v in p if k == "GOTO"}
    assert gotos <= set(labels)
    vendors = {v for p in parsed for k, op, v in p if k == "ATTRS{idVendor}"}
    assert {"0db5", "0403", "067b", "10c4", "1a86"} <= vendors
    assert all(re.fullmatch(r"[0-9a-f]{4}", v) for v in vendors)
    assert 'ENV{ID_MM_DEVICE_IGNORE}="1"' in text


def test_lane_rule_from_a_by_id_port():
    """A by-id port gives a rule that matches that link and adds /dev/mrz-<lane>."""
    rule = rule_for_port("lane1", "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A9XYZ-if00-port0")
    line = rule_lines(rule)[0]
    pairs = parse_rule(line)
    assert ("SYMLINK", "==", "serial/by-id/usb-FTDI_FT232R_USB_UART_A9XYZ-if00-port0") in pairs
    assert ("SYMLINK", "+=", "mrz-lane1") in pairs
    assert ("ENV{ID_MM_DEVICE_IGNORE}", "=", "1") in pairs


def test_lane_rule_from_selectors_and_device_properties():
    """usb:VID:PID:SERIAL, path:ID_PATH and udevadm properties all give stable matches."""
    pairs = parse_rule(rule_lines(rule_for_selector("north", "usb:0DB5:0139:ABC123"))[0])
    assert ("ATTRS{idVendor}", "==", "0db5") in pairs and ("ENV{ID_SERIAL_SHORT}", "==", "ABC123") in pairs
    props = parse_properties(
        "DEVNAME=/dev/ttyUSB0\nID_VENDOR_ID=067b\nID_MODEL_ID=2303\nID_PATH=platform-fd500000.pcie-pci-0000:01:00.0-usb-0:1.3:1.0\n"
    )
    pairs = parse_rule(rule_lines(rule_for_properties("south", props, "/dev/ttyUSB0"))[0])
    assert ("ENV{ID_PATH}", "==", props["ID_PATH"]) in pairs and ("SYMLINK", "+=", "mrz-south") in pairs
    props["ID_SERIAL_SHORT"] = "0001"
    pairs = parse_rule(rule_lines(rule_for_properties("south", props))[0])
    assert ("ENV{ID_SERIAL_SHORT}", "==", "0001") in pairs


@pytest.mark.parametrize(
    "lane,port,message",
    [
        ("lane1", "/dev/ttyUSB0", "may change between boots"),
        ("lane1", "/dev/mrz-lane1", "say which reader"),
        ("bad name", "/dev/serial/by-id/x", "a /dev name needs"),
        ("lane1", '/dev/serial/by-id/x"y', "cannot be used"),
    ],
)
def test_unstable_or_unsafe_ports_are_refused(lane, port, message):
    """Kernel names, the lane's own link, odd lane names and quotes are refused with advice."""
    with pytest.raises(RuleError, match=message):
        rule_for_port(lane, port)


def test_generate_from_configuration_command(tmp_path):
    """`python -m appliance.ops.udev` writes rules for serial lanes and notes the others."""
    cfg = tmp_path / "appliance.toml"
    cfg.write_text(
        '[lanes.lane1]\nport = "/dev/serial/by-id/usb-Access_IS_OCR315-if00"\n'
        '[lanes.images]\nport = ""\nwatch_dir = "/srv/images"\n'
        '[lanes.sim]\nport = "loop://"\n'
    )
    out_file = tmp_path / "61-mrz-lanes.rules"
    out = subprocess.run([sys.executable, "-m", "appliance.ops.udev", "--config", str(cfg), "--match", "lane2=usb:0403:6001",
                          "--output", str(out_file)], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    text = out_file.read_text()
    assert "mrz-lane1" in text and "mrz-lane2" in text and "images" not in rule_lines(text)[0]
    assert "lane images: no serial device" in out.stderr
    for line in rule_lines(text):
        parse_rule(line)
    bad = subprocess.run([sys.executable, "-m", "appliance.ops.udev", "--config", str(cfg), "--match", "lane3=/dev/ttyS0"],
                         capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert bad.returncode == 1 and "--from-device lane3=/dev/ttyS0" in bad.stderr and "Traceback" not in bad.stderr


def test_generate_is_deterministic():
    """Same configuration, same file (so re-running the installer changes nothing)."""
    lanes = {"b": {"port": "/dev/serial/by-path/platform-usb-0:1.2:1.0-port0"}, "a": {"port": "/dev/serial/by-id/usb-x-if00"}}
    assert generate(lanes) == generate(dict(reversed(list(lanes.items()))))
    assert generate(lanes)[0].index("lane a") < generate(lanes)[0].index("lane b")


def test_udevadm_verify_when_available(tmp_path):
    """systemd 253+ ships `udevadm verify`: run it on the shipped and the generated rules."""
    if shutil.which("udevadm") is None:
        pytest.skip("udevadm is not installed")
    probe = subprocess.run(["udevadm", "verify", "--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip("`udevadm verify` needs systemd 253 or newer (Debian 12 has 252)")
    generated = tmp_path / "61-mrz-lanes.rules"
    generated.write_text(generate({"lane1": {"port": "/dev/serial/by-id/usb-x-if00"}},
                                  matches={"lane2": "usb:0db5:0139:A1"})[0])
    out = subprocess.run(["udevadm", "verify", str(RULES), str(generated)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
