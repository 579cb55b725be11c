"""Wire profiles as pure code: tables of constructed frames in, documents out."""

from __future__ import annotations

import pytest

from firmware_bridge.errors import ProfileError
from firmware_bridge.profiles import PROFILES, decoder_for, encode
from firmware_bridge.profiles import access_is, auto, desko_cute, idbox, lines, rte
from firmware_bridge.profiles.base import Frame, payload_lines
from firmware_bridge.reads import make_read

from .conftest import SPECIMEN_TD1, SPECIMEN_TD2, SPECIMEN_TD3

TD3 = SPECIMEN_TD3.split("\n")
TD1 = SPECIMEN_TD1.split("\n")
TD2 = SPECIMEN_TD2.split("\n")
B3 = [line.encode() for line in TD3]
B1 = [line.encode() for line in TD1]
B2 = [line.encode() for line in TD2]
CR = b"\r"


def decode(profile: str, chunks: list[bytes], *, settle: bool = True) -> list[Frame]:
    """Feed chunks one clock tick apart, then (optionally) a long silence."""
    dec = decoder_for(profile, frame_timeout=0.2)
    frames: list[Frame] = []
    t = 100.0
    for chunk in chunks:
        frames += dec.feed(chunk, t)
        frames += dec.idle(t + 0.01)
        t += 0.01
    if settle:
        frames += dec.idle(t + 60)
    return frames


def summary(frames: list[Frame]) -> list[tuple[list[str], bool]]:
    """(lines, damaged?) for each frame."""
    return [(f.lines, f.error is not None) for f in frames]


def bytewise(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


LINES_CASES = [
    ("td3 CR", [B3[0] + CR + B3[1] + CR], [(TD3, False)]),
    ("td3 CRLF", [B3[0] + b"\r\n" + B3[1] + b"\r\n"], [(TD3, False)]),
    ("td3 LF", [B3[0] + b"\n" + B3[1] + b"\n"], [(TD3, False)]),
    ("no CR after last line", [B3[0] + CR + B3[1]], [(TD3, False)]),
    ("td1 three lines", [B1[0] + CR + B1[1] + CR + B1[2] + CR], [(TD1, False)]),
    ("td2", [B2[0] + CR + B2[1] + CR], [(TD2, False)]),
    ("concatenated 88", [B3[0] + B3[1] + CR], [(TD3, False)]),
    ("concatenated 90", [B1[0] + B1[1] + B1[2] + CR], [(TD1, False)]),
    ("byte by byte", bytewise(B1[0] + CR + B1[1] + CR + B1[2] + CR), [(TD1, False)]),
    ("noise line between", [B3[0] + CR + B3[1] + CR + b"\xff\xfe\x00!!\r" + B1[0] + CR + B1[1] + CR + B1[2] + CR], [(TD3, False), (TD1, False)]),
    ("noise glued to a line", [b"\x00\xff\x9b" + B3[0] + CR + B3[1] + CR], [(TD3, False)]),
    ("control bytes stripped", [b"\x02" + B3[0] + CR + B3[1] + CR], [(TD3, False)]),
    ("one row only", [B3[1] + CR], [([TD3[1]], True)]),
    ("two of three TD1 rows", [B1[0] + CR + B1[1] + CR], [(TD1[:2], True)]),
    ("ETX closes a partial read", [B1[0] + CR + b"\x03" + B3[0] + CR + B3[1] + CR], [(TD1[:1], True), (TD3, False)]),
    ("back to back", [(B3[0] + CR + B3[1] + CR) * 3], [(TD3, False)] * 3),
    ("reject characters kept", [B3[0] + CR + B3[1][:10] + b"_" + B3[1][11:] + CR], [([TD3[0], TD3[1][:10] + "_" + TD3[1][11:]], False)]),
    ("spaces removed", [B3[0] + CR + B3[1][:9] + b" " + B3[1][9:] + CR], [(TD3, False)]),
    ("only noise", [b"\xff\xfe\xfd\r\x00\x00\r"], []),
]


@pytest.mark.parametrize("chunks,expected", [c[1:] for c in LINES_CASES], ids=[c[0] for c in LINES_CASES])
def test_lines_profile(chunks, expected):
    assert summary(decode("lines", chunks)) == expected


def test_lines_profile_closes_a_partial_read_only_after_silence():
    dec = decoder_for("lines", frame_timeout=0.2)
    assert dec.feed(B3[0] + CR, 1.0) == []
    assert dec.idle(1.1) == []
    frames = dec.idle(1.3)
    assert summary(frames) == [([TD3[0]], True)]


ENVELOPE = access_is.START + B3[0] + CR + B3[1] + CR + access_is.END
ACCESS_CASES = [
    ("td3", [ENVELOPE], [(TD3, False)]),
    ("last line without CR", [access_is.START + B3[0] + CR + B3[1] + access_is.END], [(TD3, False)]),
    ("td1", [access_is.encode(TD1)], [(TD1, False)]),
    ("split anywhere", bytewise(ENVELOPE), [(TD3, False)]),
    ("garbage between frames", [b"\xff\x00junk" + ENVELOPE + b"\x7f\x80" + access_is.encode(TD2) + b"zz"], [(TD3, False), (TD2, False)]),
    ("magnetic stripe skipped", [b"\x0e\x02\x31TRACKDATA\r\x03\x0f" + ENVELOPE], [(TD3, False)]),
    ("barcode skipped", [b"\x1e\x02]C0ABC123\x03\x1f" + ENVELOPE], [(TD3, False)]),
    ("cut by the next frame", [access_is.START + B3[0] + CR + ENVELOPE], [([TD3[0]], True), (TD3, False)]),
    ("never closed", [access_is.START + B3[0] + CR], [([TD3[0]], True)]),
    ("missing line", [access_is.START + B1[0] + CR + B1[1] + CR + access_is.END], [(TD1[:2], True)]),
]


@pytest.mark.parametrize("chunks,expected", [c[1:] for c in ACCESS_CASES], ids=[c[0] for c in ACCESS_CASES])
def test_access_is_profile(chunks, expected):
    assert summary(decode("access-is", chunks)) == expected


DESKO = b"\x0e\x02" + B3[0] + CR + B3[1] + CR + b"\x03\x0f"
DESKO_CASES = [
    ("td3", [DESKO], [(TD3, False)]),
    ("td1", [desko_cute.encode(TD1)], [(TD1, False)]),
    ("other envelope bytes", [b"\x11\x02" + B2[0] + CR + B2[1] + CR + b"\x03\x12"], [(TD2, False)]),
    ("split", bytewise(DESKO) + [DESKO], [(TD3, False), (TD3, False)]),
    ("noise", [b"\xff\xaa" + DESKO + b"\x00\x00"], [(TD3, False)]),
    ("missing third line", [b"\x0e\x02" + B1[0] + CR + B1[1] + CR + b"\x03\x0f"], [(TD1[:2], True)]),
]


@pytest.mark.parametrize("chunks,expected", [c[1:] for c in DESKO_CASES], ids=[c[0] for c in DESKO_CASES])
def test_desko_cute_profile(chunks, expected):
    assert summary(decode("desko-cute", chunks)) == expected


def rte_frame(slots: list[str], *, bcc_from: str = "soh", flag: bytes = b"0") -> bytes:
    """Build an RTE frame by hand: SOH len 'OU' STX flag slots ETX BCC."""
    data = "".join(s + "\r" for s in slots).encode()
    body = b"OU\x02" + flag + data + b"\x03"
    length = bytes([0x00, len(body)])
    if bcc_from == "soh":
        check = rte.bcc(length + body)
    elif bcc_from == "stx":
        check = rte.bcc(body[3:])
    else:
        check = 0x55
    return b"\x01" + length + body + bytes([check])


RTE_CASES = [
    ("passport bottom-aligned", [rte_frame(["", TD3[0], TD3[1]])], [(TD3, False)]),
    ("td1 three slots", [rte_frame(TD1)], [(TD1, False)]),
    ("td2 padded with _", [rte_frame(["", TD2[0] + "_" * 8, TD2[1] + "_" * 8])], [(TD2, False)]),
    ("td1 padded with _", [rte_frame([TD1[0], TD1[1], TD1[2]])], [(TD1, False)]),
    ("encoder output", [rte.encode(TD3)], [(TD3, False)]),
    ("BCC after STX accepted", [rte_frame(["", TD3[0], TD3[1]], bcc_from="stx")], [(TD3, False)]),
    ("BCC mismatch", [rte_frame(["", TD3[0], TD3[1]], bcc_from="bad")], [(TD3, True)]),
    ("one line found", [rte_frame(["", "", TD3[1]])], [([TD3[1]], True)]),
    ("missing middle line", [rte_frame([TD1[0], "", TD1[2]])], [([TD1[0], TD1[2]], True)]),
    ("split and noise", [b"\xff\x01\x00"] + bytewise(rte.encode(TD1)) + [b"\x00"], [(TD1, False)]),
    ("two frames in one read", [rte.encode(TD3) + rte.encode(TD2)], [(TD3, False), (TD2, False)]),
]


@pytest.mark.parametrize("chunks,expected", [c[1:] for c in RTE_CASES], ids=[c[0] for c in RTE_CASES])
def test_rte_profile(chunks, expected):
    assert summary(decode("rte", chunks)) == expected


IDB = idbox.encode(TD3)
IDBOX_CASES = [
    ("inquire record", [IDB], [(TD3, False)]),
    ("length as documented", [b"\x49\x00\x5a" + B3[0] + CR + B3[1] + CR + CR], [(TD3, False)]),
    ("header split across reads", [IDB[:1], IDB[1:2], IDB[2:3], IDB[3:50], IDB[50:]], [(TD3, False)]),
    ("garbage before", [b"\xff\x00\x13" + IDB], [(TD3, False)]),
    ("version record ignored", [idbox.record(0x56, b"1.7.2") + idbox.encode(TD1)], [(TD1, False)]),
    ("mode acknowledgement ignored", [idbox.record(0x43) + IDB], [(TD3, False)]),
    ("one-line MRZ", [idbox.record(0x4C, b"D1UTO123456789<<<<<\r\r")], [(["D1UTO123456789<<<<<"], False)]),
    ("partial read", [idbox.record(0x49, B3[1] + CR + CR)], [([TD3[1]], True)]),
    ("record cut short", [IDB[:40]], [([TD3[0][:37]], True)]),
]


@pytest.mark.parametrize("chunks,expected", [c[1:] for c in IDBOX_CASES], ids=[c[0] for c in IDBOX_CASES])
def test_idbox_profile(chunks, expected):
    assert summary(decode("idbox", chunks)) == expected


def test_idbox_arms_on_connect_and_after_each_read():
    dec = decoder_for("idbox")
    assert dec.on_connect() == b"\x43\x00\x01\x01"
    [frame] = dec.feed(IDB, 1.0)
    assert dec.after_frame(frame) == b"\x43\x00\x01\x01"
    assert dec.keepalive() == b"\x43\x00\x01\x01"
    assert decoder_for("lines").on_connect() == b""


@pytest.mark.parametrize(
    "data,profile",
    [
        (access_is.encode(TD3), "access-is"),
        (desko_cute.encode(TD3), "desko-cute"),
        (rte.encode(TD3), "rte"),
        (idbox.encode(TD3), "idbox"),
        (lines.encode(TD3), "lines"),
        (b"\xff\x00" + access_is.encode(TD1), "access-is"),
        (lines.encode(TD1), "lines"),
        (idbox.encode(TD1), "idbox"),  # an 'I' record must not pass for a TD1 line starting with 'I'
    ],
)
def test_auto_recognises_the_envelope(data, profile):
    dec = decoder_for("auto")
    frames = dec.feed(data + data, 1.0) + dec.idle(100.0)
    assert dec.profile == profile
    assert [f.error for f in frames] == [None, None]
    assert all(f.lines in (TD3, TD1) for f in frames)


def test_auto_detect_reports_offset():
    assert auto.detect(b"\xff\xff" + access_is.START + b"P<") == ("access-is", 2)
    assert auto.detect(b"\x00\x00") is None


@pytest.mark.parametrize("profile", [p for p in PROFILES if p != "auto"])
@pytest.mark.parametrize("doc", [TD3, TD1, TD2], ids=["TD3", "TD1", "TD2"])
def test_every_encoder_round_trips(profile, doc):
    assert summary(decode(profile, [encode(profile, doc)])) == [(doc, False)]


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(ProfileError, match="unknown profile 'zebra'"):
        decoder_for("zebra")


def test_payload_lines_strips_envelope_bytes_and_padding():
    assert payload_lines(b"\x02AB<CDEFG___\r\r", strip_padding=True) == ["AB<CDEFG"]
    assert payload_lines(b"abcdefgh\r") == ["ABCDEFGH"]


@pytest.mark.parametrize(
    "lines_,error,status",
    [
        (TD3, None, "ok"),
        ([TD3[0], TD3[1][:10] + "_" + TD3[1][11:]], None, "read_error"),
        ([TD3[0], TD3[1][:5] + "*" + TD3[1][6:]], None, "read_error"),
        ([TD3[1]], "missing or partial lines", "read_error"),
        (TD3, "BCC mismatch", "read_error"),
        (["HELLO<WORLD"], "missing or partial lines", "read_error"),
    ],
)
def test_read_status(lines_, error, status):
    read = make_read("lane1", Frame("lines", lines_, error=error), "lines")
    assert read["status"] == status
    assert set(read) == {"lane", "read_id", "received_at", "profile", "status", "mrz", "document"}
    assert read["mrz"] == "\n".join(lines_)
    if status == "ok":
        assert read["document"]["valid"] is True


def test_lane_profile_setting_offers_exactly_the_profiles():
    from appliance.config.sections import LANES

    assert set(LANES.option("profile").choices) == set(PROFILES)
