"""The port factory and technician helpers (loop:// is enough here)."""

from __future__ import annotations

import pytest

from firmware_bridge.errors import PortError
from firmware_bridge.profiles import decoder_for, encode
from firmware_bridge.transport import SerialSettings, list_ports, open_port, stable_path
from firmware_bridge.wirelog import hexdump, mask_text, short_hex

from .conftest import SPECIMEN_TD1


def test_loop_port_carries_a_frame_through_the_factory():
    port = open_port("loop://", SerialSettings(baud=115200, bytesize=7, parity="E", stopbits=1.0), timeout=0.2)
    try:
        assert port.baudrate == 115200 and port.bytesize == 7 and port.parity == "E"
        assert port.exclusive is True
        port.write(encode("rte", SPECIMEN_TD1.split("\n")))
        data = port.read(500)
    finally:
        port.close()
    dec = decoder_for("auto")
    [frame] = dec.feed(data, 1.0)
    assert dec.profile == "rte" and frame.text == SPECIMEN_TD1 and frame.error is None


@pytest.mark.parametrize(
    "url,reason,words",
    [
        ("/dev/serial/by-id/usb-nothing-here", "absent", "no such port"),
        ("", "settings", "no port configured"),
        ("bogus://x", "settings", "not a usable port URL"),
    ],
)
def test_open_errors_are_explained(url, reason, words):
    with pytest.raises(PortError, match=words) as info:
        open_port(url)
    assert info.value.reason == reason


def test_unusable_settings_are_explained():
    with pytest.raises(PortError, match="unusable serial settings"):
        open_port("loop://", SerialSettings(baud=-5))


def test_settings_describe_and_stable_path():
    assert SerialSettings(baud=9600, bytesize=7, parity="E", stopbits=1.0).describe() == "9600 7E1"
    assert stable_path("loop://") == "loop://"
    assert stable_path("/dev/ttyNOPE0") == "/dev/ttyNOPE0"  # no by-id link: kept as given
    assert isinstance(list_ports(), list)


def test_masking_hides_letters_and_digits_but_keeps_structure():
    line = SPECIMEN_TD1.split("\n")[0]
    masked = mask_text(line)
    assert set(masked) <= {"X", "9", "<"} and len(masked) == len(line)
    dump = hexdump(b"\x1c\x02" + line.encode() + b"\r\x03\x1d")
    assert "1c 02" in dump and "UTO" not in dump and "55 54 4f" not in dump
    assert "UTO" in hexdump(line.encode(), masked=False)
    assert short_hex(b"AB12<", masked=True) == "58 58 39 39 3c"


@pytest.mark.parametrize(
    "code,reason,words",
    [(13, "permission", "dialout"), (16, "busy", "in use"), (11, "busy", "in use"), (2, "absent", "no such port"), (5, "absent", "not responding")],
)
def test_os_errors_become_actionable_messages(code, reason, words):
    import os

    import serial

    from firmware_bridge.transport import port_error

    err = port_error("/dev/serial/by-id/x", serial.SerialException(code, f"could not open port: [Errno {code}] {os.strerror(code)}"))
    assert err.reason == reason and words in str(err)
