"""Every person screened with the booth's engine and policy; what the manifest adds to the verdict."""

from __future__ import annotations

import datetime as dt

import pytest

from appliance.manifests.adapter import compose_for, screen_person
from appliance.manifests.model import Document, Person
from appliance.manifests.runner import screen_all
from appliance.screening import Screener, screening_policy
from appliance.store.db import database_path
from firmware_bridge.mrz import parse_mrz

NOW = dt.datetime.now(dt.timezone.utc)
POLICY = screening_policy(None)


def person(surname, given, birth, nat, number=None, state=None, expiry="2036-01-01", dtype="P", sex="M"):
    """A manifest person with one document."""
    docs = [Document(dtype, number, state or nat, expiry)] if number else []
    return Person("passenger", surname, given, sex=sex, birth_date=birth, nationality=nat, documents=docs)


@pytest.fixture
def screener(box):
    """The booth's Screener over the fixture lists."""
    return Screener(database_path(box), {"screening": POLICY})


def verdict(screener, p, arrival=None):
    """Screen one person now."""
    return screen_person(screener, p, policy=POLICY, arrival=arrival, now=NOW)


def test_listed_person_is_a_hit_with_its_explanation(screener):
    v = verdict(screener, person("HADDAD", "ABDUL RAHMAN", "1964-12-03", "LBN", "RL1234567"))
    assert v["decision"] == "HIT" and "watchlist_hit" in v["reasons"] and "manifest_entry" in v["reasons"]
    assert v["matches"][0]["entry_id"] == "M-001" and v["source"] == "manifest"
    assert {x["name"] for x in v["lists"]} == {"wl", "sltd"}


def test_same_verdict_as_a_booth_scan_of_the_same_document(screener):
    p = person("SMITH", "JANE", "1975-07-04", "UTO", "L898902C3", sex="F")
    mrz, _, _ = compose_for(p, NOW.date())
    booth = screener.screen(mrz, now=NOW).to_dict()
    v = verdict(screener, p)
    assert v["decision"] == booth["decision"] == "HIT" and "document_lost" in v["reasons"]
    assert v["matches"] == booth["matches"]


def test_iso_code_deu_is_screened_as_icao_d(screener):
    p = person("MUELLER GOESSMANN", "JUERGEN", "1961-03-12", "D", "C01X00T47")
    mrz, _, _ = compose_for(p, NOW.date())
    assert parse_mrz(mrz).issuing_state == "D"
    assert "document_stolen" in verdict(screener, p)["reasons"]


def test_cyrillic_name_is_transliterated_and_found(screener):
    v = verdict(screener, person("ЩЕРБАКОВА", "ЮЛИЯ СЕРГЕЕВНА", "1985-11-04", "RUS", "7512345678", sex="F"))
    assert v["decision"] == "HIT" and v["matches"][0]["entry_id"] == "M-003"


def test_not_listed_person_is_clear(screener):
    assert verdict(screener, person("OKAFOR", "CHINEDU", "1995-01-20", "NGA", "NG7788990"))["decision"] == "CLEAR"


def test_document_expiring_before_arrival_is_invalid(screener):
    p = person("WANJIKU", "GRACE", "1992-04-12", "KEN", "AK0011223", expiry=(NOW.date() + dt.timedelta(days=5)).isoformat())
    assert verdict(screener, p)["decision"] == "CLEAR"
    v = verdict(screener, p, arrival=NOW.date() + dt.timedelta(days=10))
    assert v["decision"] == "DOCUMENT_INVALID" and "expires_before_arrival" in v["reasons"]


def test_no_travel_document_says_so(screener):
    v = verdict(screener, person("TANAKA", "HIROSHI", "1970-06-15", "JPN"))
    assert v["decision"] == "DOCUMENT_INVALID"
    assert "manifest_no_travel_document" in v["reasons"] and "invalid:document number is empty" in v["reasons"]
    assert not any(r.startswith("check_digit_failed") for r in v["reasons"])


def test_name_without_mrz_transliteration_is_never_clear(screener):
    v = verdict(screener, person("Παπαδόπουλος", "Ελευθέριος", "1979-02-14", "GRC", "AE1234567"))
    assert v["decision"] == "POSSIBLE_MATCH" and "manifest_incomplete:name_not_transliterable" in v["reasons"]


def test_birth_century_an_mrz_cannot_hold_is_never_clear(screener):
    p = person("ELDER", "ANNA", f"{NOW.year - 101}-01-01", "UTO", "E1234567", sex="F")
    v = verdict(screener, p)
    assert v["decision"] == "POSSIBLE_MATCH" and "manifest_incomplete:birth_century" in v["reasons"]


def test_long_name_is_screened_truncated_and_flagged(screener):
    p = person("HADDAD", "ABDUL RAHMAN MOHAMMED IBRAHIM KHALIL YOUSSEF", "1964-12-03", "LBN", "RL1234567")
    mrz, notes, gaps = compose_for(p, NOW.date())
    assert "manifest_name_truncated_for_mrz" in notes and gaps == []
    assert parse_mrz(mrz).name_truncated
    v = verdict(screener, p)
    assert v["decision"] in ("HIT", "POSSIBLE_MATCH") and "manifest_name_truncated_for_mrz" in v["reasons"]


def test_long_document_number_uses_the_td1_layout(screener):
    p = person("ALMANSOORI", "SARA", "1993-05-05", "ARE", "784199312345671", dtype="I", sex="F")
    mrz, _, _ = compose_for(p, NOW.date())
    r = parse_mrz(mrz)
    assert r.format == "TD1" and r.document_number == "784199312345671" and r.valid
    assert verdict(screener, p)["decision"] == "CLEAR"


def test_missing_issuing_state_and_nationality_are_noted(screener):
    p = Person("crew", "DOE", "JOHN", birth_date="1980-01-01", documents=[Document("P", "Z1234567")])
    v = verdict(screener, p)
    assert "manifest_no_nationality" in v["reasons"] and "manifest_no_issuing_state" in v["reasons"]


def test_worker_processes_give_the_same_verdicts(box):
    people = [person("HADDAD", "ABDUL RAHMAN", "1964-12-03", "LBN", "RL1234567"),
              person("OKAFOR", "CHINEDU", "1995-01-20", "NGA", "NG7788990"),
              person("SMITH", "JANE", "1975-07-04", "UTO", "L898902C3", sex="F")] * 110
    inline = screen_all(database_path(box), POLICY, people, arrival=None, now=NOW, workers=1)
    parallel = screen_all(database_path(box), POLICY, people, arrival=None, now=NOW, workers=2)
    assert [v["decision"] for v in parallel] == [v["decision"] for v in inline] == ["HIT", "CLEAR", "HIT"] * 110
