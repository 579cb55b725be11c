"""Linking a scanned document to a manifest entry (pure function used by the booth later)."""

from __future__ import annotations

from appliance.manifests.linking import link
from appliance.manifests.model import Document, Person
from firmware_bridge.mrz import compose, parse_mrz

ROWS = [
    {"id": 1, "manifest_id": 7, "surname": "HADDAD", "given_names": "ABDUL RAHMAN", "birth_date": "1964-12-03",
     "doc_number": "RL1234567", "doc_state": "LBN", "decision": "HIT"},
    {"id": 2, "manifest_id": 7, "surname": "Müller-Gößmann", "given_names": "Jürgen", "birth_date": "1961-03-12",
     "doc_number": "C01X00T47", "doc_state": "D", "decision": "HIT"},
    {"id": 3, "manifest_id": 7, "surname": "OKAFOR", "given_names": "CHINEDU", "birth_date": "1995-01-20",
     "doc_number": "NG7788990", "doc_state": None, "decision": "CLEAR"},
    {"id": 4, "manifest_id": 7, "surname": "ABDULRAHMAN AL-TIKRITI BIN MOHAMMED", "given_names": "ABDULLAH IBRAHIM",
     "birth_date": "1970-01-01", "doc_number": None, "doc_state": None, "decision": "DOCUMENT_INVALID"},
]


def scan(surname, given, number, state, birth, nat=None):
    """The MRZ engine's document dict of a scanned TD3."""
    text = compose("TD3", issuing_state=state, surname=surname, given_names=given, document_number=number,
                   nationality=nat or state, birth_date=birth, sex="M", expiry_date="2031-01-01")
    return parse_mrz(text).to_dict()


def test_same_document_number_and_state():
    links = link(scan("HADDAD", "ABDUL RAHMAN", "RL1234567", "LBN", "1964-12-03"), ROWS)
    assert [(x.person_id, x.manifest_id, x.how, x.decision) for x in links] == [(1, 7, "document", "HIT")]


def test_same_name_and_birth_date_with_another_document():
    links = link(scan("HADDAD", "ABDUL RAHMAN", "NEW000001", "LBN", "1964-12-03"), ROWS)
    assert [(x.person_id, x.how) for x in links] == [(1, "name_and_birth_date")]


def test_transliterated_name_links():
    links = link(scan("MUELLER GOESSMANN", "JUERGEN", "X0000000", "D", "1961-03-12"), ROWS)
    assert [(x.person_id, x.how) for x in links] == [(2, "name_and_birth_date")]


def test_number_alone_when_the_list_gave_no_state():
    links = link(scan("OKAFOR", "CHINEDU", "NG7788990", "NGA", "1995-01-20"), ROWS)
    assert [(x.person_id, x.how) for x in links] == [(3, "document_number")]


def test_truncated_mrz_name_links_to_the_full_name():
    doc = scan("ABDULRAHMAN AL-TIKRITI BIN MOHAMMED", "ABDULLAH IBRAHIM", "Q1234567", "IRQ", "1970-01-01")
    assert doc["name_truncated"]
    assert [x.person_id for x in link(doc, ROWS)] == [4]


def test_not_on_the_manifest():
    assert link(scan("HADDAD", "ABDUL RAHMAN", "RL1234567", "SYR", "1964-12-04"), ROWS) == []
    assert link(scan("HADDAD", "ABDUL RAHMAN", "ZZ9999999", "LBN", "1964-12-04"), ROWS) == []


def test_person_objects_link_too():
    p = Person("passenger", "SMITH", "JANE", birth_date="1975-07-04", documents=[Document("P", "L898902C3", "UTO")])
    links = link(scan("SMITH", "JANE", "L898902C3", "UTO", "1975-07-04"), [p])
    assert [x.how for x in links] == ["document"]
