"""Importers: pure parsing of every format, with tables of real-world quirks."""

from __future__ import annotations

import pytest

from appliance.lists.common_numbers import document_numbers
from appliance.lists.countries import country_code, normalize_state
from appliance.lists.docnumbers import normalize_number, normalize_type, split_prefix, state_code, state_from_code
from appliance.lists.errors import FileFormatError, UnknownFormat
from appliance.lists.importers import read_records
from appliance.lists.importers.common import extract_numbers, parse_dob
from appliance.lists.model import DocumentRecord, WatchlistEntry


@pytest.mark.parametrize("raw, expected", [
    ("K-348486", "K348486"), ("A 0139243", "A0139243"), ("B/011641", "B011641"),
    ("TR-P 614 166", "TRP614166"), ("L898902C3<<", "L898902C3"), ("ab.12", "AB12"), ("", ""),
])
def test_normalize_number(raw, expected):
    assert normalize_number(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("Russian foreign travel passport number 515458008", ["515458008"]),
    ("381110042 (Expired 25 Jan. 2016)", ["381110042"]),
    ("OB 0243318", ["OB 0243318"]),
    ("TR-P 614 166", ["TR-P 614 166"]),
    ("CAR diplomatic passport no. D00000898", ["D00000898"]),
    ("1234; 5678", ["1234", "5678"]),
])
def test_extract_numbers_from_free_text(raw, expected):
    assert extract_numbers(raw) == expected


def test_document_numbers_index_both_extracted_and_whole_text():
    assert document_numbers("381110042 (Expired 25 Jan. 2016)") == ["381110042", "381110042EXPIRED25JAN2016"]


@pytest.mark.parametrize("text, lo, hi, precision, approx", [
    ("19 Jun 1951", "1951-06-19", "1951-06-19", "exact", False),
    ("1962", "1962-01-01", "1962-12-31", "year", False),
    ("circa 1960", "1960-01-01", "1960-12-31", "year", True),
    ("1955 to 1958", "1955-01-01", "1958-12-31", "range", False),
    ("Feb 1960", "1960-02-01", "1960-02-29", "month", False),
    ("01 Jan 1960 to 31 Dec 1962", "1960-01-01", "1962-12-31", "range", False),
    ("1970-05-17", "1970-05-17", "1970-05-17", "exact", False),
])
def test_parse_dob(text, lo, hi, precision, approx):
    d = parse_dob(text)
    assert (d.date_from, d.date_to, d.precision, d.approximate) == (lo, hi, precision, approx)


@pytest.mark.parametrize("text", ["31 Feb 1960", "sometime", "1960 to", "99 Foo 1950"])
def test_parse_dob_rejects_bad_dates(text):
    with pytest.raises(ValueError):
        parse_dob(text)


@pytest.mark.parametrize("name, code", [
    ("Iran (Islamic Republic of)", "IRN"), ("Korea, North", "PRK"), ("Germany", "D"), ("Türkiye", "TUR"),
    ("Burma", "MMR"), ("Congo, Democratic Republic of the.", "COD"), ("possibly Palestinian", "PSE"),
    ("United Kingdom of Great Britain and Northern Ireland", "GBR"), ("Atlantis", ""),
])
def test_country_names(name, code):
    assert country_code(name) == code


def test_state_codes_round_trip_and_germany():
    assert normalize_state("deu") == "D" and normalize_state("D<<") == "D"
    for s in ("D", "FRA", "GBR", "UNK", "XXA"):
        assert state_from_code(state_code(s)) == s
    assert state_code("") == 0 and split_prefix("K348486") == ("K", "348486")
    assert normalize_type("Numéro de passeport ") == "P" and normalize_type("National Identification Number") == "I"


def test_un_xml(files):
    entries = list(read_records("un-xml", files["un-xml"]))
    assert [e.entity_type for e in entries] == ["individual", "individual", "entity"]
    john = entries[0]
    assert john.entry_id == "TSi.001" and john.primary_name == "JOHN EXAMPLE TESTER"
    assert [(n.kind, n.quality, n.script) for n in john.names] == [
        ("primary", None, "Latn"), ("original_script", None, "Arab"), ("alias", "good", "Latn"), ("alias", "low", "Latn")]
    assert [(d.date_from, d.date_to, d.precision, d.approximate) for d in john.dates_of_birth] == [
        ("1970-05-17", "1970-05-17", "exact", False), ("1971-01-01", "1971-12-31", "year", True),
        ("1965-01-01", "1968-12-31", "range", False)]
    assert john.nationalities == ["IRN", "FRA"] and john.sex == "M" and john.programme == "Test"
    assert [(d.document_type, d.issuing_state) for d in john.documents] == [("P", "IRN"), ("P", ""), ("I", "TUR")]
    assert entries[1].sex == "F" and entries[1].dates_of_birth[0].precision == "year"
    assert [n.name for n in entries[2].names] == ["EXAMPLE TRADING CO", "EXTRACO"]


def test_un_xml_metadata(files):
    from appliance.lists.importers import open_reader

    r = open_reader("un-xml", files["un-xml"])
    list(r.records())
    assert r.published_at == "2025-01-02T03:04:05.000Z" and r.version == "2025-01-02"


def test_ofac_csv_remarks_aliases_and_comments(files):
    entries = {e.entry_id: e for e in read_records("ofac-csv", files["ofac-csv"])}
    assert set(entries) == {"101", "102", "103", "104"}
    doe = entries["101"]
    assert doe.primary_name == "John Quincy DOE" and doe.sex == "M" and doe.nationalities == ["EGY"]
    assert [(n.name, n.quality) for n in doe.names[1:]] == [("Johnny DOE", "good"), ("John DOUGH", "low")]
    assert [(d.date_from, d.precision) for d in doe.dates_of_birth] == [("1951-06-19", "exact"), ("1952-01-01", "year")]
    assert [(d.document_type, d.number, d.issuing_state) for d in doe.documents] == [
        ("P", "1084010", "EGY"), ("P", "19820215", ""), ("I", "12345678", "EGY")]
    roe = entries["103"]
    assert [d.number for d in roe.documents] == ["AB 149814"] and roe.nationalities == ["COL"]
    assert [d.precision for d in roe.dates_of_birth] == ["year", "range"]  # remarks continued in comments
    assert entries["102"].entity_type == "entity" and entries["104"].entity_type == "vessel"
    assert entries["102"].documents == [] and entries["102"].names[1].name == "EXSHIP"


def test_ofac_needs_one_main_file(files):
    with pytest.raises(FileFormatError):
        list(read_records("ofac-csv", [f for f in files["ofac-csv"] if f.name != "sdn.csv"]))


def test_watchlist_csv(files):
    entries = list(read_records("csv", files["csv"]))
    maria = entries[0]
    assert maria.nationalities == ["ESP", "PRT"] and maria.sex == "F" and maria.listed_on == "2023-04-05"
    assert [(d.document_type, d.issuing_state, d.number) for d in maria.documents] == [
        ("P", "ESP", "XDA123456"), ("I", "", "99887766Q")]
    assert len(maria.names) == 3 and len(maria.dates_of_birth) == 2
    assert entries[1].entity_type == "entity"


def test_ndjson(files):
    entries = list(read_records("ndjson", files["ndjson"]))
    assert entries[0].names[1].name == "Vanya Primer" and entries[0].nationalities == ["RUS"]
    assert entries[0].dates_of_birth[0].approximate and entries[1].entity_type == "entity"


def test_documents_csv(files):
    recs = list(read_records("documents-csv", files["documents-csv"]))
    assert recs[1] == DocumentRecord("D", "P", "C01X00T47", "lost", None, None)
    assert [r.status for r in recs] == ["stolen", "lost", "revoked", "stolen_blank", "invalidated"]
    assert recs[3].document_type == "I" and recs[4].document_type == "V"


def test_model_round_trips(files):
    for fmt in ("un-xml", "ofac-csv", "csv", "ndjson"):
        for e in read_records(fmt, files[fmt]):
            assert WatchlistEntry.from_dict(e.to_dict()) == e
    for r in read_records("documents-csv", files["documents-csv"]):
        assert DocumentRecord.from_dict(r.to_dict()) == r


def test_unknown_format(files):
    with pytest.raises(UnknownFormat):
        read_records("xlsx", files["csv"])


BAD_ROWS = [
    ("documents-csv", "FRA,P,123,stolen,2024-13-01,\n", "reported_on"),
    ("documents-csv", "FRA,P,123,misplaced,,\n", "status"),
    ("documents-csv", "FRA,P,123\n", "columns"),
    ("documents-csv", "12,P,123,lost,,\n", "issuing_state"),
    ("documents-csv", b"FRA,P,12\xff3,lost,,\n", "UTF-8"),
    ("csv", "entry_id,name,dates_of_birth\nX1,Someone,31 Feb 1960\n", "date of birth"),
    ("csv", "entry_id,name\nX1\n", "columns"),
    ("ndjson", '{"entry_id": "A", "name": "A"}\n{"entry_id": "B", "name": \n', "JSON"),
    ("ofac-csv", '1,"A, B","individual","X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 32 Jan 1950."\r\n', "date of birth"),
    ("ofac-csv", '1,"A, B","individual"\r\n', "columns"),
]


@pytest.mark.parametrize("fmt, content, reason", BAD_ROWS)
def test_bad_rows_are_rejected_with_line_and_reason(tmp_path, fmt, content, reason):
    from tests.store.conftest import write

    name = "sdn.csv" if fmt == "ofac-csv" else "bad.txt"
    path = write(tmp_path / name, content)
    errors = []
    list(read_records(fmt, [path], errors=errors))
    assert len(errors) == 1 and reason in errors[0].reason and errors[0].line >= 1
    assert errors[0].file == name
    with pytest.raises(FileFormatError):
        list(read_records(fmt, [path]))


@pytest.mark.parametrize("content, reason", [
    ("<?xml version='1.0'?><CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DAT", "not well-formed"),
    (b"<?xml version='1.0' encoding='UTF-8'?><CONSOLIDATED_LIST>\n<INDIVIDUALS>\xff</INDIVIDUALS></CONSOLIDATED_LIST>", "not well-formed"),
    ("<?xml version='1.0'?><OTHER/>", "not a UN consolidated list"),
    ("", "XML"),
])
def test_malformed_xml_is_a_file_error(tmp_path, content, reason):
    from tests.store.conftest import write

    path = write(tmp_path / "un.xml", content)
    with pytest.raises(FileFormatError) as exc:
        list(read_records("un-xml", [path], errors=[]))
    assert reason in str(exc.value)


def test_truncated_real_shaped_file_reports_line(tmp_path):
    from tests.store.conftest import UN_XML, write

    path = write(tmp_path / "un.xml", UN_XML[: len(UN_XML) // 2])
    with pytest.raises(FileFormatError) as exc:
        list(read_records("un-xml", [path], errors=[]))
    assert exc.value.line and exc.value.line > 1


def test_wrong_header_is_a_file_error(tmp_path):
    from tests.store.conftest import write

    path = write(tmp_path / "x.csv", "id,fullname\n1,A\n")
    with pytest.raises(FileFormatError, match="wrong columns"):
        list(read_records("csv", [path], errors=[]))
    path = write(tmp_path / "d.csv", "issuing_state,number\nFRA,1\n")
    with pytest.raises(FileFormatError, match="wrong columns"):
        list(read_records("documents-csv", [path], errors=[]))
