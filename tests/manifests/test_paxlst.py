"""PAXLST reading: D05B passengers, D02B crew, multi-part, release characters, UNA advice, refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from appliance.manifests.errors import ManifestRefused
from appliance.manifests.paxlst import read_paxlst

from .conftest import DATA

TODAY = dt.date(2026, 12, 1)


def read(*names, today=TODAY):
    """Read fixture files as one import."""
    return read_paxlst([(n, (DATA / n).read_bytes()) for n in names], today=today)


def refused(*files):
    """The problems of an import that must be refused (files: (name, bytes))."""
    with pytest.raises(ManifestRefused) as exc:
        read_paxlst(list(files), today=TODAY)
    return exc.value.problems


def test_d05b_passenger_list():
    m = read("pax_d05b.edi")
    v = m.voyage
    assert (v.carrier, v.voyage, v.vessel, v.vessel_id, v.mode) == ("UTL", "UTL77", "MV NORTHERN STAR", "9876543", "sea")
    assert (v.departure_port, v.departure_at) == ("UTPRT", "2035-06-01T06:00:00")
    assert (v.arrival_port, v.arrival_at) == ("XXHBR", "2035-06-02T14:00:00")
    assert m.format == "paxlst-d05b" and m.warnings == []
    assert [p.kind for p in m.persons] == ["passenger"] * 4
    haddad, obrien, smith, wanjiku = m.persons
    assert (haddad.surname, haddad.given_names, haddad.sex, haddad.birth_date) == ("HADDAD", "ABDUL RAHMAN", "M", "1964-12-03")
    assert haddad.nationality == "LBN" and haddad.verified is True and haddad.references == {"AVF": "QX4Z2A"}
    assert (haddad.embarkation, haddad.disembarkation, haddad.residence) == ("UTPRT", "XXHBR", "LBN")
    doc = haddad.travel_document()
    assert (doc.type, doc.number, doc.issuing_state, doc.expiry_date) == ("P", "RL1234567", "LBN", "2038-01-01")
    # release character: ?' is an apostrophe and ?+ a plus sign inside the data
    assert (obrien.surname, obrien.given_names) == ("O'BRIEN", "SEAN+PATRICK")
    assert obrien.travel_document().expiry_date == "2039-03-15"  # DTM without format code, YYMMDD
    assert wanjiku.in_transit and wanjiku.role == "DDU"
    assert [d.type for d in wanjiku.documents] == ["P", "V"] and wanjiku.travel_document().type == "P"
    assert m.declared_counts == {"passenger": 4}


def test_d02b_crew_list_in_utf8():
    m = read("crew_d02b.edi")
    assert m.format == "paxlst-d02b"
    assert [p.kind for p in m.persons] == ["crew"] * 3
    emma, yulia, hiroshi = m.persons
    assert emma.rank == "MASTER" and emma.birth_date == "1990-09-09" and emma.role == "FM"
    assert (yulia.surname, yulia.given_names) == ("ЩЕРБАКОВА", "ЮЛИЯ СЕРГЕЕВНА")
    assert yulia.travel_document().number == "7512345678"
    assert hiroshi.travel_document() is None


def test_crew_and_passenger_lists_of_one_voyage_join():
    m = read("pax_d05b.edi", "crew_d02b.edi")
    assert sorted(m.kinds) == ["crew", "passenger"]
    assert len(m.persons) == 7 and m.format == "paxlst-d02b+d05b"


def test_multi_part_message_is_joined_in_order():
    m = read("multi_part3.edi", "multi_part1.edi", "multi_part2.edi")
    assert [p.surname for p in m.persons] == ["NOWAK", "DUBOIS", "ROSSI", "HADDAD"]
    assert m.voyage.mode == "road" and m.voyage.arrival_at == "2035-07-10T11:30:00"
    assert m.warnings == []  # CNT+42:2 in part 1 counts that part, CNT+42:4 in part 3 the whole list


def test_missing_middle_part_is_refused():
    files = [(n, (DATA / n).read_bytes()) for n in ("multi_part1.edi", "multi_part3.edi")]
    problems = refused(*files)
    assert any("part 2 of the multi-part message is missing" in p["reason"] for p in problems)


def test_missing_final_part_is_refused():
    files = [(n, (DATA / n).read_bytes()) for n in ("multi_part1.edi", "multi_part2.edi")]
    problems = refused(*files)
    assert any("no final part" in p["reason"] for p in problems)


def test_a_lone_first_part_is_refused():
    problems = refused(("multi_part1.edi", (DATA / "multi_part1.edi").read_bytes()))
    assert "only part 1" in problems[0]["reason"]


def test_una_service_string_advice_is_honoured():
    m = read("custom_una.edi")
    assert [(p.surname, p.given_names) for p in m.persons] == [("D$ANGELO", "MARIA*LUISA"), ("DANIELSSON", "EMMA")]
    assert m.voyage.mode == "road" and m.warnings == []


def test_broken_segment_is_refused_with_its_number_and_line():
    problems = refused(("broken_segment.edi", (DATA / "broken_segment.edi").read_bytes()))
    assert problems == [{"line": 17, "reason": "segment 17 (DTM): date '19801341' is not a calendar date"}]


def test_truncated_file_is_refused():
    problems = refused(("truncated.edi", (DATA / "truncated.edi").read_bytes()))
    assert problems[0]["line"] == 10
    assert "segment 10" in problems[0]["reason"] and "truncated" in problems[0]["reason"]


def test_message_without_trailer_is_refused():
    text = (DATA / "pax_d05b.edi").read_text().replace("UNT+48+PAX1'\n", "")
    problems = refused(("x.edi", text.encode()))
    assert any("no UNT" in p["reason"] for p in problems)


def test_mismatched_trailer_reference_is_refused():
    text = (DATA / "pax_d05b.edi").read_text().replace("UNT+48+PAX1'", "UNT+47+PAX2'")
    problems = refused(("x.edi", text.encode()))
    assert problems[0]["line"] == 51 and "does not match" in problems[0]["reason"]


@pytest.mark.parametrize("bad, reason", [
    ("DTM+329:1980:102'", "does not have the 8 digits of format 102"),
    ("DTM+329:19800101:999'", "format code 999 is not supported"),
    ("DTM+329:20990101:102'", "in the future"),
    ("NAT+2+U1O'", "not a three-letter country code"),
])
def test_wrong_data_is_refused(bad, reason):
    text = (DATA / "broken_segment.edi").read_text().replace("DTM+329:19801341:102'", bad)
    problems = refused(("x.edi", text.encode()))
    assert len(problems) == 1 and reason in problems[0]["reason"] and problems[0]["line"] == 17


def test_liberal_variants_are_read():
    """Telex envelope lines, wrapped lines, stray spaces, year-only birth date, no UNA/UNG, no S010."""
    text = ("QK XXPORTAX\n.UTOLNXH 010600\nUNB+UNOA:4+UTL+XX+350601:0600+R1'UNH+1+PAXLST:D:05B:UN:IATA'BGM+745'"
            "TDT+20+UTL80'LOC+87+XXHBR'DTM+232: 3506051400:201'NAD+FL+++LONG\nNAME:ANNA'DTM+329:19700000:102'"
            "NAT+2+DEU'DOC+P+C01X00T47'LOC+91+DEU'DTM+36:'UNT+12+1'UNZ+1+R1'")
    m = read_paxlst([("telex.txt", text.encode())], today=TODAY)
    p = m.persons[0]
    assert (p.surname, p.birth_date, p.nationality) == ("LONGNAME", "1970", "D")
    assert p.travel_document().issuing_state == "D" and p.travel_document().expiry_date is None
    assert m.voyage.arrival_at == "2035-06-05T14:00:00" and m.voyage.carrier == "UTL"
    assert any("before the interchange were ignored" in w for w in m.warnings)


def test_control_total_mismatch_is_a_warning_not_a_refusal():
    text = (DATA / "pax_d05b.edi").read_text().replace("CNT+42:4'", "CNT+42:9'")
    m = read_paxlst([("x.edi", text.encode())], today=TODAY)
    assert len(m.persons) == 4
    assert any("counts 9 passenger entries" in w for w in m.warnings)


def test_different_voyages_in_one_import_are_refused():
    other = (DATA / "crew_d02b.edi").read_text().replace("UTL77", "UTL99")
    problems = refused(("pax.edi", (DATA / "pax_d05b.edi").read_bytes()), ("crew.edi", other.encode()))
    assert "import each voyage on its own" in problems[0]["reason"]


def test_not_a_paxlst_and_bad_advice():
    assert "is not PAXLST" in refused(("x.edi", b"UNB+UNOA:4+A+B+350601:0600+R'UNH+1+CUSCAR:D:95B:UN'BGM+85'"
                                                b"UNT+3+1'UNZ+1+R'"))[0]["reason"]
    assert "malformed" in refused(("x.edi", b"UNA:::? 'UNB+UNOA:4'"))[0]["reason"]
    assert "empty" in refused(("x.edi", b"  \n"))[0]["reason"]


def test_a_lone_final_message_numbered_above_one_is_read_with_a_note():
    """Carriers number re-transmissions of a flight's list in S010 too ('02:F' alone)."""
    text = (DATA / "pax_d05b.edi").read_text().replace("+01:F'", "+02:F'")
    m = read_paxlst([("x.edi", text.encode())], today=TODAY)
    assert len(m.persons) == 4 and any("numbered 2 (final)" in w for w in m.warnings)


def test_character_sets():
    base = (DATA / "custom_una.edi").read_text()
    latin = base.replace("UNOA:4", "UNOC:3").replace("D?$ANGELO", "DÉSIRÉE")
    assert read_paxlst([("x.edi", latin.encode("latin-1"))], today=TODAY).persons[0].surname == "DÉSIRÉE"
    windows = base.replace("D?$ANGELO", "ŠTĚPÁNEK".replace("Ě", "E"))
    m = read_paxlst([("x.edi", windows.encode("cp1252"))], today=TODAY)
    assert m.persons[0].surname == "ŠTEPÁNEK" and any("Windows-1252" in w for w in m.warnings)
    utf8 = base.replace("UNOA:4", "UNOY:4").replace("D?$ANGELO", "ŞAHİN")
    assert read_paxlst([("x.edi", utf8.encode())], today=TODAY).persons[0].surname == "ŞAHİN"
    problems = refused(("x.edi", base.replace("UNOA:4", "UNOY:4").encode() + b"\xff\xfe"))
    assert "not valid utf-8 text" in problems[0]["reason"]
