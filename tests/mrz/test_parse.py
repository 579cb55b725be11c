"""Table-driven tests of parse_mrz: formats, checks, names, dates, codes, shapes, errors."""

from __future__ import annotations

import datetime as dt

import pytest

from firmware_bridge.errors import BridgeError
from firmware_bridge.mrz import RESULT_KEYS, MRZError, NotAnMRZ, compose, parse_mrz

from .helpers import MRVA, MRVB, SPECIMENS, TD1, TD1_EXTENDED, TD2, TD2_EXTENDED, TD3, TODAY, replace_at


def parse(text, today=TODAY):
    return parse_mrz(text, today=today)


def make(fmt="TD3", **over):
    fields = dict(
        issuing_state="UTO", surname="Eriksson", given_names="Anna Maria", document_number="L898902C3",
        nationality="UTO", birth_date="1974-08-12", sex="F", expiry_date="2030-04-15",
    )
    fields.update(over)
    return compose(fmt, **fields)


# --- formats and the JSON contract -------------------------------------------------------

SPECIMEN_FIELDS = [
    ("TD1", TD1, "I<", "D23145890", "", {"document_number", "birth_date", "expiry_date", "composite"}),
    ("TD2", TD2, "I<", "D23145890", "", {"document_number", "birth_date", "expiry_date", "composite"}),
    ("TD3", TD3, "P<", "L898902C3", "ZE184226B",
     {"document_number", "birth_date", "expiry_date", "optional_data", "composite"}),
    ("MRVA", MRVA, "V<", "L8988901C", "6ZE184226B", {"document_number", "birth_date", "expiry_date"}),
    ("MRVB", MRVB, "V<", "L8988901C", "", {"document_number", "birth_date", "expiry_date"}),
]


@pytest.mark.parametrize("fmt,text,code,number,optional,checks", SPECIMEN_FIELDS)
def test_icao_specimens(fmt, text, code, number, optional, checks):
    res = parse(text)
    assert res.valid and res.status == "valid" and res.format == fmt
    assert res.document_code == code and res.document_number == number
    assert res.optional_data == optional and res.optional_data_2 == ""
    assert set(res.checks) == checks and all(res.checks.values())
    assert res.surname == "ERIKSSON" and res.given_names == "ANNA MARIA"
    assert res.errors == []


def test_to_dict_has_exactly_the_contract_keys():
    d = parse(TD3).to_dict()
    assert tuple(d) == RESULT_KEYS
    assert d["birth_date"] == "1974-08-12" and d["expiry_date"] == "2012-04-15"
    assert d["valid"] is True and d["sex"] == "F" and d["name_truncated"] is False
    assert isinstance(d["corrections"], list) and isinstance(d["warnings"], list)


def test_errors_hierarchy():
    assert issubclass(NotAnMRZ, MRZError) and issubclass(MRZError, BridgeError)


# --- check digits --------------------------------------------------------------------------

CHECK_FAILURES = [
    (TD1, 1, 15, "8", "document_number"),
    (TD1, 2, 7, "3", "birth_date"),
    (TD1, 2, 15, "8", "expiry_date"),
    (TD1, 2, 30, "5", "composite"),
    (TD2, 2, 10, "8", "document_number"),
    (TD2, 2, 36, "7", "composite"),
    (TD3, 2, 43, "2", "optional_data"),
    (TD3, 2, 44, "2", "composite"),
    (MRVA, 2, 20, "9", "birth_date"),
    (MRVB, 2, 28, "8", "expiry_date"),
]


@pytest.mark.parametrize("text,line,pos,char,check", CHECK_FAILURES)
def test_wrong_check_digit_is_invalid(text, line, pos, char, check):
    res = parse(replace_at(text, line, pos, char))
    assert res.status == "invalid" and not res.valid
    assert res.checks[check] is False
    assert any("check digit" in e for e in res.errors)


@pytest.mark.parametrize("text,line,pos", [(TD1, 2, 30), (TD2, 2, 36), (TD3, 2, 44)])
def test_composite_filler_is_invalid(text, line, pos):
    res = parse(replace_at(text, line, pos, "<"))
    assert res.status == "invalid" and res.checks["composite"] is False


def test_personal_number_check_filler_rules():
    empty = make(optional_data="")
    assert empty.split("\n")[1][42] == "<"
    assert parse(empty).valid
    assert parse(replace_at(empty, 2, 43, "0")).valid  # '0' also means "empty" (c071)
    nonempty = make(optional_data="ZE184226B")
    res = parse(replace_at(nonempty, 2, 43, "<"))
    assert not res.valid and res.checks["optional_data"] is False


def test_visa_has_no_composite_and_optional_data_to_line_end():
    res = parse(MRVA)
    assert "composite" not in res.checks and res.optional_data == "6ZE184226B"


# --- extended document numbers -------------------------------------------------------------

@pytest.mark.parametrize("text,fmt", [(TD1_EXTENDED, "TD1"), (TD2_EXTENDED, "TD2")])
def test_extended_document_number_icao(text, fmt):
    res = parse(text)
    assert res.valid and res.format == fmt
    assert res.document_number == "D23145890734" and res.optional_data == ""
    assert res.document_number_check_variant == "standard"


@pytest.mark.parametrize("variant", ["standard", "filler_included"])
@pytest.mark.parametrize("fmt", ["TD1", "TD2"])
def test_extended_number_both_check_variants(fmt, variant):
    text = make(fmt, document_number="000590240601", optional_data="AB", number_check_variant=variant)
    res = parse(text)
    assert res.valid, res.errors
    assert res.document_number == "000590240601" and res.optional_data == "AB"
    assert res.document_number_check_variant == variant
    assert any("filler included" in w for w in res.warnings) == (variant == "filler_included")


def test_extended_number_without_overflow_is_invalid():
    text = replace_at(TD1, 1, 15, "<")
    res = parse(text)
    assert not res.valid and res.checks["document_number"] is False


def test_short_number_keeps_fillers_for_the_check_only():
    res = parse(make(document_number="L898902C"))
    assert res.valid and res.document_number == "L898902C"


# --- names -----------------------------------------------------------------------------------

NAMES = [
    ("ERIKSSON<<ANNA<MARIA", "ERIKSSON", "ANNA MARIA", False),
    ("<<ANNA<MARIA", "", "ANNA MARIA", False),
    ("DE<BRUIJN<<WILLEKE", "DE BRUIJN", "WILLEKE", False),
    ("OSPELT<BECK<<MARISA", "OSPELT BECK", "MARISA", False),
    ("TEST", "TEST", "", False),
    ("MEGAN<ELLA<RUTH<BIN<ISMAELAR<EZZAHUDDIN", "MEGAN ELLA RUTH BIN ISMAELAR EZZAHUDDIN", "", True),
    ("VAN<NIEUWENHUIZEN<<GERARD<ROBBERT<MARTI", "VAN NIEUWENHUIZEN", "GERARD ROBBERT MARTI", True),
]


@pytest.mark.parametrize("field,surname,given,truncated", NAMES)
def test_names(field, surname, given, truncated):
    line1 = ("P<UTO" + field + "<" * 39)[:44]
    res = parse(line1 + "\n" + TD3.split("\n")[1])
    assert (res.surname, res.given_names, res.name_truncated) == (surname, given, truncated)
    assert res.valid
    assert any("truncated" in w for w in res.warnings) == truncated


def test_names_are_never_corrected():
    text = replace_at(TD3, 1, 6, "3RIK55ON")
    res = parse(text)
    assert res.surname == "3RIK55ON" and res.corrections == []
    assert any("digits" in w for w in res.warnings)


# --- dates -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "today,birth,expiry,birth_iso,expiry_iso",
    [
        (dt.date(2026, 11, 27), "261127", "461127", "2026-11-27", "2046-11-27"),
        (dt.date(2026, 11, 27), "261128", "461128", "1926-11-28", "1946-11-28"),
        (dt.date(2026, 11, 27), "000229", "300101", "2000-02-29", "2030-01-01"),
        (dt.date(2026, 11, 27), "740812", "120415", "1974-08-12", "2012-04-15"),
        (dt.date(2099, 1, 1), "740812", "120415", "2074-08-12", "2112-04-15"),
        (dt.date(2026, 11, 27), "150101", "140101", "1915-01-01", "2014-01-01"),
    ],
)
def test_century_rule(today, birth, expiry, birth_iso, expiry_iso):
    text = make(birth_date=birth, expiry_date=expiry)
    res = parse(text, today=today)
    assert (res.birth_date, res.expiry_date) == (birth_iso, expiry_iso)
    assert res.valid


@pytest.mark.parametrize("birth,expiry,label", [
    ("880941", "300716", "birth date"), ("881311", "300716", "birth date"),
    ("010229", "300716", "birth date"), ("880911", "300746", "expiry date"),
])
def test_impossible_dates_are_reported(birth, expiry, label):
    res = parse(make(birth_date=birth, expiry_date=expiry))
    assert not res.valid and res.status == "invalid"
    assert any(label in e and "calendar" in e for e in res.errors)
    field = res.birth_date if label == "birth date" else res.expiry_date
    assert field is None


def test_expired_document_is_valid_with_a_warning():
    res = parse(TD3)
    assert res.valid and any("expired" in w for w in res.warnings)
    assert not any("expired" in w for w in parse(make()).warnings)


def test_long_validity_warning():
    res = parse(make(expiry_date="2045-01-01"))
    assert res.valid and any("10 years" in w for w in res.warnings)


def test_no_expiry_date_with_zero_check():
    text = replace_at(TD1, 2, 9, "<<<<<<0")
    text = replace_at(text, 2, 30, compose_composite(text))
    res = parse(text)
    assert res.valid and res.expiry_date is None
    assert any("no expiry date" in w for w in res.warnings)


def compose_composite(text):
    from firmware_bridge.mrz import check_digit

    l1, l2, _ = text.split("\n")
    return check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])


def test_letters_in_dates_do_not_crash():
    res = parse(replace_at(TD3, 2, 14, "XX"))
    assert not res.valid and res.birth_date is None


# --- sex and codes ---------------------------------------------------------------------------

@pytest.mark.parametrize("sex,ok", [("M", True), ("F", True), ("X", True), ("<", True), ("Q", False)])
def test_sex(sex, ok):
    res = parse(replace_at(TD3, 2, 21, sex))
    assert res.sex == sex and res.valid is ok


@pytest.mark.parametrize("code,shown,warning", [
    ("D<<", "D", None), ("UTO", "UTO", None), ("XXX", "XXX", None), ("XOM", "XOM", None),
    ("EUE", "EUE", None), ("UNO", "UNO", None), ("XBA", "XBA", None), ("XXA", "XXA", None),
    ("ZZQ", "ZZQ", "unknown"), ("BOS", "BOS", "not current"),
])
def test_state_codes(code, shown, warning):
    text = replace_at(TD3, 2, 11, code)
    res = parse(text)
    assert res.nationality == shown and res.valid
    assert any(warning in w for w in res.warnings) if warning else not any("code" in w for w in res.warnings)


def test_malformed_state_code_is_invalid():
    res = parse(replace_at(TD3, 1, 3, "<<<"))
    assert not res.valid and any("issuing state" in e for e in res.errors)


# --- input shapes ----------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", sorted(SPECIMENS))
@pytest.mark.parametrize("shape", ["crlf", "cr", "concatenated", "trailing_newlines", "spaces", "lower"])
def test_input_shapes(fmt, shape):
    text = SPECIMENS[fmt]
    lines = text.split("\n")
    shaped = {
        "crlf": "\r\n".join(lines) + "\r\n",
        "cr": "\r".join(lines) + "\r",
        "concatenated": "".join(lines),
        "trailing_newlines": "\n\n" + text + "\n\n",
        "spaces": "\n".join("  " + line[:10] + " " + line[10:] + " " for line in lines),
        "lower": text.lower(),
    }[shape]
    res = parse(shaped)
    assert res.valid and res.format == fmt
    assert res.to_dict() | {"warnings": []} == parse(text).to_dict() | {"warnings": []}
    assert bool(res.warnings != parse(text).warnings) == (shape in ("spaces", "lower"))


def test_junk_lines_are_dropped_with_a_warning():
    res = parse("scanner ready\n" + TD3 + "\nOK\n")
    assert res.valid and any("ignored 2 line" in w for w in res.warnings)


def test_reader_padding_underscores_after_complete_lines():
    padded = "\n".join(line + "_" * 8 for line in TD2.split("\n"))
    res = parse(padded)
    assert res.valid and res.format == "TD2" and any("padding" in w for w in res.warnings)


def test_reader_envelope_control_bytes_are_ignored():
    res = parse("\x1c\x02" + TD3.replace("\n", "\r") + "\r\x03\x1d")
    assert res.valid


# --- read errors versus not an MRZ -------------------------------------------------------------

@pytest.mark.parametrize("char", ["_", "*", "?"])
def test_reject_characters_are_read_errors(char):
    res = parse(replace_at(TD3, 2, 5, char))
    assert res.status == "read_error" and not res.valid
    assert res.format == "TD3" and any("re-scan" in e for e in res.errors)


@pytest.mark.parametrize("text", [
    TD3.split("\n")[0],                       # one line of a passport
    TD3.split("\n")[1],
    "\n".join(TD1.split("\n")[:2]),           # two lines of an ID card
    "\n".join(TD1.split("\n")[:2]) + "\n" + TD1.split("\n")[2][:28],
    TD3.split("\n")[0] + "\n" + TD3.split("\n")[1][:43],
    TD3 + "\n" + TD3,                         # four lines
])
def test_missing_or_short_lines_are_read_errors(text):
    res = parse(text)
    assert res.status == "read_error" and not res.valid and res.errors


def test_illegal_character_is_a_read_error():
    res = parse(replace_at(TD1, 3, 30, ">"))
    assert res.status == "read_error"


@pytest.mark.parametrize("text", [
    "", "   \n\n", "THISISNOTVALIDMRZDATA", "hello world", "\x00\x01\x02binary\xff",
    "D1NLD15094962111659VW87Z78NB84", "x" * 100_000, "<" * 5000, b"\x89PNG\r\n\x1a\n\x00",
])
def test_not_an_mrz(text):
    with pytest.raises(NotAnMRZ):
        parse(text)


def test_non_text_input_is_not_an_mrz():
    with pytest.raises(NotAnMRZ):
        parse_mrz(12345)


# --- OCR correction ----------------------------------------------------------------------------

@pytest.mark.parametrize("text,line,pos,wrong,right,field", [
    (TD3, 2, 16, "O", "0", "birth_date"),
    (TD3, 2, 17, "B", "8", "birth_date"),
    (TD3, 2, 20, "Z", "2", "birth_date_check"),
    (TD3, 2, 24, "O", "0", "expiry_date"),
    (TD3, 2, 27, "S", "5", "expiry_date"),
    (TD3, 2, 44, "O", "0", "composite_check"),
    (TD1, 2, 2, "I", "4", None),
    (TD1, 1, 15, "I", "7", None),
    (TD1, 2, 15, "S", "9", None),
    (TD1, 1, 14, "O", "0", None),              # document numbers are alphanumeric: not rewritten
    (TD2, 2, 4, "I", "1", None),
    (TD1, 2, 7, "Z", "2", "birth_date_check"),
    (TD1, 2, 30, "G", "6", "composite_check"),
    (TD2, 2, 10, "Z", "7", None),
])
def test_ocr_corrections(text, line, pos, wrong, right, field):
    noisy = replace_at(text, line, pos, wrong)
    res = parse(noisy)
    if field is None:  # not a confusable pair for that digit: never "corrected"
        assert not res.valid and res.corrections == []
        return
    assert res.valid, res.errors
    assert res.corrections == [{"field": field, "line": line, "position": pos, "from": wrong, "to": right}]
    assert res.to_dict() | {"corrections": []} == parse(text).to_dict()


def test_correction_only_when_the_check_digit_verifies():
    noisy = replace_at(replace_at(TD3, 2, 16, "O"), 2, 20, "3")   # O in date and a wrong check
    res = parse(noisy)
    assert not res.valid and res.corrections == []


def test_state_codes_are_not_corrected():
    res = parse(replace_at(TD3, 2, 13, "0"))
    assert res.nationality == "UT0" and res.corrections == [] and not res.valid


@pytest.mark.parametrize("text,line,pos", [(TD3, 2, 6, ), (MRVA, 2, 2), (TD1, 1, 14)])
def test_document_number_confusion_is_suggested_not_applied(text, line, pos):
    res = parse(replace_at(text, line, pos, "O" if text[0] != "V" else "B"))
    assert not res.valid and res.corrections == []
    assert any(f"line {line} position {pos}" in w and "not corrected" in w for w in res.warnings)


def test_check_digit_letter_of_document_number_is_corrected():
    res = parse(replace_at(TD3, 2, 10, "G"))     # check digit 6 read as G
    assert res.valid and res.corrections[0]["field"] == "document_number_check"


def test_digit_field_correction_with_reject_chars_is_not_attempted():
    res = parse(replace_at(replace_at(TD3, 2, 16, "O"), 2, 2, "*"))
    assert res.status == "read_error" and res.corrections == []


def test_g_for_6_in_a_date_is_corrected_although_the_check_cannot_see_it():
    """G (16) and 6 weigh the same modulo 10, so the raw field 'verifies'; it is still no date."""
    text = make(birth_date="1963-03-21")
    noisy = replace_at(text, 2, 14, "G")
    res = parse(noisy)
    assert res.valid and res.birth_date == "1963-03-21"
    assert res.corrections == [{"field": "birth_date", "line": 2, "position": 14, "from": "G", "to": "6"}]


def test_extra_mrz_like_line_around_a_complete_block_is_ignored():
    res = parse("<<<READER<OK<<<<<<<<<<<<<<\n" + TD3)
    assert res.valid and any("extra line" in w for w in res.warnings)
    assert parse(TD3 + "\n" + TD3).status == "read_error"  # two documents in one read


def test_french_pre_2021_identity_card():
    from firmware_bridge.mrz import check_digit

    line1 = "IDFRA" + "DUPONT<MARTIN".ljust(25, "<") + "075012"
    head = "180175012345"
    middle = head + check_digit(head) + "JEAN<<PAUL".ljust(14, "<") + "800101" + check_digit("800101") + "M"
    line2 = middle + check_digit(line1 + middle)
    res = parse(line1 + "\n" + line2)
    assert res.valid and res.format is None
    assert (res.surname, res.given_names, res.document_number) == ("DUPONT MARTIN", "JEAN PAUL", head)
    assert (res.birth_date, res.expiry_date, res.sex, res.optional_data) == ("1980-01-01", None, "M", "075012")
    assert res.issuing_state == res.nationality == "FRA"
    assert set(res.checks) == {"document_number", "birth_date", "composite"}
    assert any("French national identity card" in w for w in res.warnings)
    bad = parse(replace_at(line1 + "\n" + line2, 2, 36, "0" if line2[-1] != "0" else "1"))
    assert bad.status == "invalid" and bad.checks["composite"] is False


def test_nothing_is_logged_above_debug(caplog):
    """Personal data may only reach DEBUG logs; the engine logs nothing above it."""
    import logging

    caplog.set_level(logging.DEBUG, logger="firmware_bridge.mrz")
    for text in (TD3, replace_at(TD3, 2, 5, "*"), replace_at(TD3, 2, 44, "1"), "P<UTO"):
        try:
            parse(text)
        except NotAnMRZ:
            pass
    assert all(r.levelno <= logging.DEBUG for r in caplog.records)
    assert not any("ERIKSSON" in r.getMessage() or "L898902C3" in r.getMessage() for r in caplog.records)


def test_trailing_junk_typed_as_non_mrz_characters_is_cut():
    l1, l2 = TD3.split("\n")
    res = parse(f"useless line\n{l1}extrachars\n{l2}.\n")
    assert res.valid and any("junk after the end" in w for w in res.warnings)
    assert parse(f"{l1}<<\n{l2}").status == "read_error"      # extra fillers: maybe a misread
    assert parse(f"{l1}EXTRA\n{l2}").status == "read_error"   # MRZ letters: maybe a misread


def test_punctuation_around_lines_is_removed():
    l1, l2 = TD3.split("\n")
    res = parse(f'"{l1}",\n  \u00ab{l2}\u00bb.')
    assert res.valid and any("punctuation" in w for w in res.warnings)
    with pytest.raises(NotAnMRZ, match="no line looks like"):
        parse("...")
