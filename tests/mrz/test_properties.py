"""Property-based tests: composed documents of all five formats parse back; corruptions are caught."""

from __future__ import annotations

import datetime as dt
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware_bridge.mrz import NotAnMRZ, compose, parse_mrz
from firmware_bridge.mrz.checkdigit import char_value
from firmware_bridge.mrz.states import ICAO_SPECIAL, ISO_CODES

from .helpers import TODAY

FORMATS = ("TD1", "TD2", "TD3", "MRVA", "MRVB")
NAME_WIDTH = {"TD1": 30, "TD2": 31, "TD3": 39, "MRVA": 39, "MRVB": 31}
MRZ_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
CODES = sorted(ISO_CODES - {"DEU"}) + sorted(ICAO_SPECIAL)

letters = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=9)
alnum = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=9)
#: MRZ_HYPOTHESIS_EXAMPLES=5000 runs a longer search (the default keeps the suite fast).
_EXAMPLES = int(os.environ.get("MRZ_HYPOTHESIS_EXAMPLES", "150"))
MRZ_SETTINGS = settings(max_examples=_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def documents(draw, formats=FORMATS):
    """Field values of a valid document plus its format."""
    fmt = draw(st.sampled_from(formats))
    birth = draw(st.dates(TODAY - dt.timedelta(days=365 * 99), TODAY))
    expiry = draw(st.dates(max(birth, TODAY - dt.timedelta(days=365 * 75)), dt.date(TODAY.year + 20, 1, 1)))
    number = draw(alnum)
    if fmt in ("TD1", "TD2") and draw(st.booleans()):
        number = number + draw(st.text("0123456789ABC", min_size=1, max_size=3))
        number = (number * 4)[: max(10, len(number))]
    opt_room = {"TD1": 15, "TD2": 7, "TD3": 14, "MRVA": 16, "MRVB": 8}[fmt]
    if len(number) > 9:
        opt_room -= len(number) - 9 + 2
    optional = draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=max(opt_room, 0)))
    fields = dict(
        issuing_state=draw(st.sampled_from(CODES)),
        nationality=draw(st.sampled_from(CODES)),
        surname=" ".join(draw(st.lists(letters, min_size=1, max_size=3))),
        given_names=" ".join(draw(st.lists(letters, max_size=3))),
        document_number=number,
        birth_date=birth,
        expiry_date=expiry,
        sex=draw(st.sampled_from("MFX<")),
        optional_data=optional,
        optional_data_2=draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=11)) if fmt == "TD1" else "",
        document_code=draw(st.sampled_from({"TD1": ["I<", "ID", "AC", "IR"], "TD2": ["I<", "ID", "A<"],
                                            "TD3": ["P<", "PN", "PD"], "MRVA": ["V<", "VI"],
                                            "MRVB": ["V<", "VB", "VD"]}[fmt])),
    )
    return fmt, fields


@MRZ_SETTINGS
@given(documents())
def test_round_trip_all_formats(doc):
    fmt, fields = doc
    text = compose(fmt, **fields)
    res = parse_mrz(text, today=TODAY)
    assert res.valid, (text, res.errors)
    assert res.format == fmt and res.corrections == []
    assert res.document_number == fields["document_number"]
    assert res.birth_date == fields["birth_date"].isoformat()
    assert res.expiry_date == fields["expiry_date"].isoformat()
    assert res.issuing_state == fields["issuing_state"] and res.nationality == fields["nationality"]
    assert res.sex == fields["sex"] and res.document_code == fields["document_code"]
    assert res.optional_data == fields["optional_data"]
    assert res.optional_data_2 == fields["optional_data_2"]
    full = (fields["surname"] + "<<" + fields["given_names"]).replace(" ", "<").rstrip("<")
    if len(full) < NAME_WIDTH[fmt]:
        assert not res.name_truncated
        assert res.surname == fields["surname"] and res.given_names == fields["given_names"]
    else:  # cut to the field: what is read is a prefix of the real name
        shown = (res.surname + "<<" + res.given_names).replace(" ", "<")
        assert full.startswith(shown.rstrip("<")) and len(full) >= NAME_WIDTH[fmt]


@MRZ_SETTINGS
@given(documents(), st.data())
def test_input_shapes_give_the_same_result(doc, data):
    fmt, fields = doc
    text = compose(fmt, **fields)
    lines = text.split("\n")
    sep = data.draw(st.sampled_from(["\r\n", "\r", "\n", ""]))
    shaped = sep.join(lines)
    if data.draw(st.booleans()):
        shaped = shaped.lower()
    assert parse_mrz(shaped, today=TODAY).to_dict() | {"warnings": []} == \
        parse_mrz(text, today=TODAY).to_dict() | {"warnings": []}


def _covered_positions(fmt, lines):
    """(line, index) positions covered by some check digit, per Doc 9303."""
    if fmt == "TD1":
        return [(0, i) for i in range(5, 30)] + [(1, i) for i in range(0, 30) if i not in (7, 15, 16, 17)]
    width = len(lines[0])
    covered = list(range(0, 10)) + list(range(13, 20)) + list(range(21, 28))
    if fmt == "TD3":
        covered += list(range(28, 44))
    elif fmt == "TD2":
        covered += list(range(28, 36))
    assert width in (36, 44)
    return [(1, i) for i in covered]


@settings(max_examples=2 * _EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.data())
def test_single_character_corruption_is_detected(doc, data):
    """Changing one check-covered character never yields a valid document with other fields.

    The only undetectable substitutions are those whose values differ by a multiple of 10
    (e.g. G/6, A/0/<): a property of the 7-3-1 scheme itself (Doc 9303 Part 3 §4.9).
    """
    fmt, fields = doc
    text = compose(fmt, **fields)
    lines = text.split("\n")
    li, idx = data.draw(st.sampled_from(_covered_positions(fmt, lines)))
    old = lines[li][idx]
    new = data.draw(st.sampled_from([c for c in MRZ_ALPHABET if c != old]))
    bad = lines[:]
    bad[li] = bad[li][:idx] + new + bad[li][idx + 1:]
    try:
        res = parse_mrz("\n".join(bad), today=TODAY)
    except NotAnMRZ:  # pragma: no cover - a corrupted MRZ is still MRZ-shaped
        raise AssertionError("corrupted MRZ not recognised")
    if not res.valid:
        return
    same = res.to_dict() | {"corrections": [], "warnings": []} == \
        parse_mrz(text, today=TODAY).to_dict() | {"corrections": [], "warnings": []}
    assert same or (char_value(new) - char_value(old)) % 10 == 0, (text, li, idx, new)


@MRZ_SETTINGS
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes(text):
    try:
        res = parse_mrz(text, today=TODAY)
    except NotAnMRZ:
        return
    assert res.status in ("valid", "invalid", "read_error")


@MRZ_SETTINGS
@given(st.sampled_from([(3, 30), (2, 36), (2, 44)]), st.data())
def test_arbitrary_mrz_shaped_lines_never_crash(shape, data):
    count, width = shape
    alphabet = MRZ_ALPHABET + "_*?"
    lines = [data.draw(st.text(alphabet, min_size=width, max_size=width)) for _ in range(count)]
    res = parse_mrz("\n".join(lines), today=TODAY)
    assert res.status in ("valid", "invalid", "read_error")
    assert tuple(res.to_dict()) == tuple(res.to_dict().keys())
