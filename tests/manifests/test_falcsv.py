"""FAL Form 5 (crew) and Form 6 (passenger) CSV: columns, header spellings, dates, refusals with line numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from appliance.manifests.errors import ManifestRefused
from appliance.manifests.falcsv import read_fal_csv

from .conftest import DATA

TODAY = dt.date(2026, 12, 1)
HEAD = "ship_name,voyage_number,arrival_port,arrival_date,family_name,given_names,nationality,date_of_birth,document_number\n"


def read(*names):
    """Read fixture files as one import."""
    return read_fal_csv([(n, (DATA / n).read_bytes()) for n in names], today=TODAY)


def refused(text: str | bytes):
    """Problems of a refused one-file import."""
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(ManifestRefused) as exc:
        read_fal_csv([("list.csv", data)], today=TODAY)
    return exc.value.problems


def test_form5_crew_list():
    m = read("fal5_crew.csv")
    v = m.voyage
    assert (v.vessel, v.vessel_id, v.voyage, v.arrival_port, v.arrival_at, v.flag_state, v.mode) == (
        "MV CORAL BAY", "9123456", "CB-2035-11", "XXHBR", "2035-09-14T08:00:00", "UTO", "sea")
    assert [p.kind for p in m.persons] == ["crew"] * 3
    emma, jurgen, chinedu = m.persons
    assert (emma.rank, emma.sex, emma.place_of_birth, emma.line) == ("Master", "F", "Göteborg", 2)
    assert (jurgen.surname, jurgen.birth_date, jurgen.nationality) == ("Müller-Gößmann", "1961-03-12", "D")
    doc = jurgen.travel_document()
    assert (doc.type, doc.number, doc.issuing_state, doc.expiry_date) == ("P", "C01X00T47", "D", "2037-03-14")
    assert chinedu.travel_document().number == "NG7788990"


def test_form6_passenger_list_with_semicolons_and_both_forms_together():
    m = read("fal5_crew.csv", "fal6_passengers.csv")
    assert sorted(m.kinds) == ["crew", "passenger"] and len(m.persons) == 5
    haddad = m.persons[3]
    assert (haddad.kind, haddad.embarkation, haddad.in_transit) == ("passenger", "UTPRT", False)


def test_unknown_column_and_missing_columns_are_refused():
    problems = refused("ship,family name,shoe size\nX,DOE,42\n")
    reasons = " | ".join(p["reason"] for p in problems)
    assert "column 'shoe size' is not a FAL list column" in reasons
    assert "missing columns: date_of_birth, nationality, document_number" in reasons
    assert all(p["line"] == 1 for p in problems)


@pytest.mark.parametrize("dob, reason", [
    ("03/12/1961", "ambiguous (day/month order)"),
    ("1961-02-30", "not a calendar date"),
    ("2099-01-01", "in the future"),
])
def test_bad_dates_are_refused_with_their_line(dob, reason):
    text = HEAD + "MV X,V1,XXHBR,2035-09-14,DOE,JOHN,UTO,1961-03-12,A1\n" + f"MV X,V1,XXHBR,2035-09-14,ROE,JANE,UTO,{dob},A2\n"
    problems = refused(text)
    assert problems == [{"line": 3, "reason": f"date_of_birth: {problems[0]['reason'].split(': ', 1)[1]}"}]
    assert reason in problems[0]["reason"]


def test_rows_of_different_voyages_are_refused():
    text = HEAD + "MV X,V1,XXHBR,2035-09-14,DOE,JOHN,UTO,1961-03-12,A1\nMV X,V2,XXHBR,2035-09-14,ROE,JANE,UTO,1970-01-01,A2\n"
    problems = refused(text)
    assert problems[0]["line"] == 3 and "one voyage per import" in problems[0]["reason"]


def test_not_utf8_is_refused():
    problems = refused((HEAD + "MV X,V1,XXHBR,2035-09-14,MÜLLER,JÜRGEN,D,1961-03-12,A1\n").encode("latin-1"))
    assert problems[0]["line"] == 2 and "not UTF-8" in problems[0]["reason"]


def test_header_without_rows_and_unnamed_person_are_refused():
    assert "no person" in refused(HEAD)[0]["reason"]
    problems = refused(HEAD + "MV X,V1,XXHBR,2035-09-14,,,UTO,1961-03-12,A1\n")
    assert problems == [{"line": 2, "reason": "no family name or given names"}]
