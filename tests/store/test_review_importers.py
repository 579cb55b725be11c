"""Review pass over the list importers: misreadings found in the real lists, re-made with fictitious data."""

from __future__ import annotations

import json

import pytest

from appliance.cli import main
from appliance.lists.errors import FileFormatError
from appliance.lists.importers import read_records
from appliance.lists.importers.ofac import parse_remarks
from appliance.lists.model import Name, WatchlistEntry
from tests.store.conftest import snapshot, write

UN_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<CONSOLIDATED_LIST dateGenerated="2025-01-02T03:04:05.000Z">\n'


def _un(tmp_path, individuals: str = "", entities: str = ""):
    text = UN_HEAD + f"<INDIVIDUALS>{individuals}</INDIVIDUALS><ENTITIES>{entities}</ENTITIES></CONSOLIDATED_LIST>\n"
    return list(read_records("un-xml", [write(tmp_path / "un.xml", text)]))


def _person(ref: str, body: str) -> str:
    return (f"<INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>TEST</FIRST_NAME><SECOND_NAME>PERSON</SECOND_NAME>"
            f"<REFERENCE_NUMBER>{ref}</REFERENCE_NUMBER>{body}</INDIVIDUAL>")


def test_un_entity_alias_quality_is_good_or_low(tmp_path):
    entities = ("<ENTITY><DATAID>9</DATAID><FIRST_NAME>EXAMPLE CO</FIRST_NAME><REFERENCE_NUMBER>TSe.9</REFERENCE_NUMBER>"
                "<ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>EXCO</ALIAS_NAME></ENTITY_ALIAS>"
                "<ENTITY_ALIAS><QUALITY>f.k.a.</QUALITY><ALIAS_NAME>OLD EXCO</ALIAS_NAME></ENTITY_ALIAS>"
                "<ENTITY_ALIAS><QUALITY/><ALIAS_NAME>EX CO</ALIAS_NAME></ENTITY_ALIAS></ENTITY>")
    (entry,) = _un(tmp_path, entities=entities)
    assert [(n.name, n.quality) for n in entry.names if n.kind == "alias"] == [
        ("EXCO", "good"), ("OLD EXCO", "low"), ("EX CO", "good")]


def test_un_dates_of_birth_in_notes_and_alias_dates(tmp_path):
    body = ("<INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>T P</ALIAS_NAME>"
            "<DATE_OF_BIRTH>1966-05-25</DATE_OF_BIRTH></INDIVIDUAL_ALIAS>"
            "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><NOTE>Nov. 1973 </NOTE></INDIVIDUAL_DATE_OF_BIRTH>"
            "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><YEAR>1958</YEAR><NOTE>Sep.</NOTE>"
            "</INDIVIDUAL_DATE_OF_BIRTH>"
            "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1955</FROM_YEAR>"
            "<TO_YEAR>1958</TO_YEAR><NOTE>Approximately</NOTE></INDIVIDUAL_DATE_OF_BIRTH>"
            "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><NOTE>30-35 years old</NOTE>"
            "</INDIVIDUAL_DATE_OF_BIRTH><INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE/></INDIVIDUAL_DATE_OF_BIRTH>")
    (entry,) = _un(tmp_path, _person("TSi.9", body))
    got = [(d.date_from, d.date_to, d.precision, d.approximate) for d in entry.dates_of_birth]
    assert got == [("1973-11-01", "1973-11-30", "month", False), ("1958-09-01", "1958-09-30", "month", False),
                   ("1955-01-01", "1958-12-31", "range", True), ("1966-05-25", "1966-05-25", "exact", False)]


def test_un_document_number_only_in_the_second_type_and_internal_passports(tmp_path):
    body = ("<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>National Identification Number</TYPE_OF_DOCUMENT>"
            "<TYPE_OF_DOCUMENT2>Afghan national identification card (tazkira) number 545167</TYPE_OF_DOCUMENT2>"
            "</INDIVIDUAL_DOCUMENT>"
            "<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>National Identification Number</TYPE_OF_DOCUMENT>"
            "<TYPE_OF_DOCUMENT2>Residential card number 665</TYPE_OF_DOCUMENT2></INDIVIDUAL_DOCUMENT>"
            "<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>National Identification Number</TYPE_OF_DOCUMENT>"
            "<TYPE_OF_DOCUMENT2>national passport</TYPE_OF_DOCUMENT2><NUMBER>9100000001</NUMBER>"
            "<ISSUING_COUNTRY>Russian Federation</ISSUING_COUNTRY></INDIVIDUAL_DOCUMENT>")
    body += ("<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NOTE>Tunisian passport number "
             "L 100001 issued on 28 Feb. 1996</NOTE></INDIVIDUAL_DOCUMENT>"
             "<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>National Identification Number</TYPE_OF_DOCUMENT>"
             "<NOTE>04600001 issued on 18 Jun. 1999</NOTE></INDIVIDUAL_DOCUMENT>"
             "<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NOTE>issued in 1993, under name X"
             "</NOTE></INDIVIDUAL_DOCUMENT>"
             "<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>National Identification Number</TYPE_OF_DOCUMENT>"
             "<NOTE>SSN 100-00-0001 (United States of America)</NOTE></INDIVIDUAL_DOCUMENT>")
    (entry,) = _un(tmp_path, _person("TSi.8", body))
    assert [(d.document_type, d.number, d.issuing_state) for d in entry.documents] == [
        ("I", "545167", ""), ("P", "9100000001", "RUS"), ("P", "L 100001", ""), ("I", "04600001", "")]


def _remarks(text: str) -> WatchlistEntry:
    entry = WatchlistEntry("1", "individual", [Name("Test Person")])
    parse_remarks(text, entry)
    return entry


def test_ofac_remarks_dates_nationality_gender():
    e = _remarks("DOB 1961; alt. DOB 1962; alt. DOB circa 1950; alt. DOB 1955 to 1958; alt. DOB Jan 1960; "
                 "alt. DOB 19 Jun 1951; POB Somewhere; nationality Korea, North; alt. citizen Egypt; Gender Female; "
                 "Secretary for Gender and Culture.")
    assert [(d.date_from, d.date_to, d.precision, d.approximate) for d in e.dates_of_birth] == [
        ("1961-01-01", "1961-12-31", "year", False), ("1962-01-01", "1962-12-31", "year", False),
        ("1950-01-01", "1950-12-31", "year", True), ("1955-01-01", "1958-12-31", "range", False),
        ("1960-01-01", "1960-01-31", "month", False), ("1951-06-19", "1951-06-19", "exact", False)]
    assert e.nationalities == ["PRK", "EGY"] and e.sex == "F" and e.places_of_birth == ["Somewhere"]


@pytest.mark.parametrize("remark, expected", [
    ("Passport AB 149814 (Colombia) issued 01 Jan 2010 expires 01 Jan 2020", ("P", "AB 149814", "COL", None)),
    ("National ID No. D000009(9) (Hong Kong)", ("I", "D000009(9)", "HKG", None)),
    ("National ID No. 7/ABCDEF(N)000001 (Burma)", ("I", "7/ABCDEF(N)000001", "MMR", None)),
    ("British National Overseas Passport 700000001 (United Kingdom)", ("P", "700000001", "GBR", None)),
    ("Passport #H0000001 (Iraq)", ("P", "H0000001", "IRQ", None)),
    ("alt. Passport Booklet: A0000001 (Pakistan)", ("P", "A0000001", "PAK", "booklet number")),
    ("Passport AF000001 Colombia", ("P", "AF000001", "COL", None)),
    ("Passport 100001 D", ("P", "100001 D", "", None)),
    ("Passport D000000001, Diplomatic (Syria)", ("P", "D000000001", "SYR", "Diplomatic")),
    ("Passport S/000001 issued 08 Nov 2012", ("P", "S/000001", "", None)),
])
def test_ofac_remarks_documents(remark, expected):
    (doc,) = _remarks(remark).documents
    assert (doc.document_type, doc.number, doc.issuing_state, doc.note) == expected


def test_ofac_weak_aliases_in_remarks_are_low_quality_names():
    e = _remarks("DOB 1961; a.k.a. 'EL EJEMPLO'; a.k.a. 'PRUEBA, Juan'; a.k.a. 'TEST PERSON'")
    assert [(n.name, n.kind, n.quality) for n in e.names] == [
        ("Test Person", "primary", None), ("EL EJEMPLO", "alias", "low"), ("Juan PRUEBA", "alias", "low")]


def test_ofac_remarks_without_numbers_and_parentheses_with_semicolons():
    e = _remarks("U.S.A. Passport issued 21 Jun 1992 in Amman, Jordan; Passport 1000001 (Egypt); "
                 "(data from a passport issued under an alias: DOB 10 Oct 1969; Passport No.: 1000002, Egypt); "
                 "DOB 1969")
    assert [d.number for d in e.documents] == ["1000001"] and len(e.dates_of_birth) == 1
    unbalanced = _remarks("(unclosed note; DOB 1970; Passport 1000003 (Egypt)")
    assert [d.number for d in unbalanced.documents] == ["1000003"] and len(unbalanced.dates_of_birth) == 1


def _csv(tmp_path, text: str | bytes, errors=None):
    return list(read_records("csv", [write(tmp_path / "w.csv", text)], errors=errors))


def test_csv_header_errors_never_quote_the_row(tmp_path):
    with pytest.raises(FileFormatError) as exc:
        _csv(tmp_path, "entry_id,nmae,Maria Fictitia\nA1,Maria Fictitia,x\n")
    msg = str(exc.value)
    assert "Fictitia" not in msg and "column 2" in msg and "did you mean name?" in msg and "column 3" in msg
    with pytest.raises(FileFormatError, match="column name appears 2 times"):
        _csv(tmp_path, "entry_id,name,name\n")
    with pytest.raises(FileFormatError, match="not valid UTF-8"):
        _csv(tmp_path, b"entry_id,name,Jos\xe9\n")


def test_repeated_entry_ids_and_empty_names_are_rejected_rows(tmp_path):
    errors = []
    rows = _csv(tmp_path, "entry_id,name,original_script_name\nA1,Test One,\nA1,Test Again,\nA2,,Тест\n", errors)
    assert [e.entry_id for e in rows] == ["A1"]
    assert [str(r) for r in errors] == ["w.csv:3: duplicate entry_id (first at w.csv:2)", "w.csv:4: name is empty"]
    path = write(tmp_path / "w.ndjson", '{"entry_id": "J1", "name": "Test One"}\n{"entry_id": "J1", "name": "T"}\n')
    errors = []
    assert len(list(read_records("ndjson", [path], errors=errors))) == 1 and errors[0].line == 2


def test_csv_documented_schema(tmp_path):
    (e,) = _csv(tmp_path, (
        "name,entry_id,entity_type,original_script_name,aliases,low_quality_aliases,dates_of_birth,nationalities,"
        "sex,documents,programme,remarks,listed_on\n"
        "Ivan Primer,N-7,individual,Иван Пример,Vanya P|I. Primer,The Example,1970-01-31|circa 1966|1965 to 1968,"
        "RUS|France,m,P:RUS:71 1234567|I::99887766,national,fictitious,2023-04-05\n"))
    d = e.to_dict()
    assert [(n["name"], n["kind"], n["quality"], n["script"]) for n in d["names"]] == [
        ("Ivan Primer", "primary", None, "Latn"), ("Иван Пример", "original_script", None, "Cyrl"),
        ("Vanya P", "alias", "good", "Latn"), ("I. Primer", "alias", "good", "Latn"),
        ("The Example", "alias", "low", "Latn")]
    assert [x["precision"] for x in d["dates_of_birth"]] == ["exact", "year", "range"]
    assert d["nationalities"] == ["RUS", "FRA"] and d["sex"] == "M" and d["listed_on"] == "2023-04-05"
    assert [(x["document_type"], x["number"], x["issuing_state"]) for x in d["documents"]] == [
        ("P", "71 1234567", "RUS"), ("I", "99887766", "")]
    errors = []
    assert _csv(tmp_path, "entry_id,name,documents\nA1,Test One,P:Narnia:123456\n", errors) == []
    assert [str(r) for r in errors] == ["w.csv:2: documents: the issuing state is not an ICAO code"]


NDJSON_BAD = [
    ('{"entry_id": "A1", "name": "Test One", "nationalities": "IRN"}', "nationalities must be a JSON array"),
    ('{"entry_id": "A2", "name": "Test One", "documents": ["P:IRN:K1"]}', "each document must be an object"),
    ('{"entry_id": "A3", "name": "Test One", "dates_of_birth": [1970]}', "bad date of birth"),
    ('{"entry_id": "A4", "name": "Test One", "names": [{"name": "T O", "kind": "alias", "quality": "medium"}]}',
     "name quality must be good, low or null"),
    ('{"entry_id": "A5", "name": "Test One", "colour": "blue"}', "unknown field(s): colour"),
    ('{"entry_id": "A6", "names": [{"kind": "alias"}]}', "each name must be a string or an object"),
    ('{"entry_id": "A7", "name": "Test One", "dates_of_birth": [{"date_from": "1970-02-30", "date_to": "x"}]}',
     "bad date of birth"),
    ('{"entry_id": "A8", "name": "Test One", "sex": 1}', "sex must be a string or null"),
    ('{"entry_id": "A9", "name": "Test One", "documents": [{"number": "K1", "issuing_state": "Narnia"}]}',
     "the issuing state is not an ICAO code"),
]


def test_ndjson_rejects_what_the_schema_does_not_allow(tmp_path):
    path = write(tmp_path / "w.ndjson", "\n".join(line for line, _ in NDJSON_BAD) + "\n")
    errors = []
    assert list(read_records("ndjson", [path], errors=errors)) == []
    assert [r.line for r in errors] == list(range(1, len(NDJSON_BAD) + 1))
    assert all(reason in r.reason for r, (_, reason) in zip(errors, NDJSON_BAD))
    assert not any("Test One" in r.reason or "1970" in r.reason or "K1" in r.reason for r in errors)


def test_ndjson_documented_shapes(tmp_path):
    full = {"entry_id": "J-1", "entity_type": "Individual", "names": [
        {"name": "Ivan Primer", "kind": "primary", "quality": None, "script": "Latn"}, "Vanya Primer",
        {"name": "The Example", "kind": "alias", "quality": "low"}],
        "dates_of_birth": [{"date_from": "1966-01-01", "date_to": "1966-12-31", "precision": "year",
                            "approximate": True}, "Jan 1970"],
        "nationalities": ["RUS"], "sex": "M",
        "documents": [{"document_type": "P", "number": "71 1234567", "issuing_state": "RUS"}],
        "programme": "national", "remarks": "fictitious", "listed_on": "2023-04-05"}
    path = write(tmp_path / "w.ndjson", json.dumps(full) + "\n")
    (e,) = read_records("ndjson", [path])
    again = list(read_records("ndjson", [write(tmp_path / "again.ndjson", json.dumps(e.to_dict()) + "\n")]))
    assert again[0].to_dict() == e.to_dict()
    assert [(n.kind, n.quality) for n in e.names] == [("primary", None), ("alias", "good"), ("alias", "low")]
    assert e.entity_type == "individual" and [d.precision for d in e.dates_of_birth] == ["year", "month"]


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_max_errors_boundaries_and_unchanged_store(capsys, data_dir, tmp_path, files):
    code, _, _ = run(capsys, "lists", "import", "--list", "w", "--format", "ndjson", str(files["ndjson"][0]))
    assert code == 0
    before = snapshot(data_dir)
    bad = write(tmp_path / "bad.csv", "entry_id,name,sex\nA1,Test One,X\nA2,Test Two,F\nA3,Test Three,Q\n")
    code, _, err = run(capsys, "lists", "import", "--list", "w", "--format", "csv", "--max-errors", "1", str(bad))
    assert code == 2 and "bad.csv:2" in err and "bad.csv:4" in err and "Test" not in err
    assert snapshot(data_dir) == before
    for name, content in [("empty.csv", b""), ("binary.csv", bytes(range(256)) * 4), ("other.csv", UN_HEAD.encode())]:
        code, _, err = run(capsys, "lists", "import", "--list", "w", "--format", "csv", str(write(tmp_path / name, content)))
        assert code == 2 and "Traceback" not in err and name in err
        assert snapshot(data_dir) == before
    code, out, _ = run(capsys, "lists", "import", "--list", "w", "--format", "csv", "--max-errors", "2", "--json", str(bad))
    assert code == 0 and json.loads(out)["records"] == 1
    after = snapshot(data_dir)
    all_bad = write(tmp_path / "allbad.csv", "entry_id,name,sex\nA1,Test One,X\nA3,Test Three,Q\n")
    code, _, err = run(capsys, "lists", "import", "--list", "w", "--format", "csv", "--max-errors", "5", str(all_bad))
    assert code == 2 and "allbad.csv:2: sex must be" in err and "allbad.csv:3" in err and "all 2 row(s)" in err
    assert snapshot(data_dir) == after


@pytest.mark.shared
def test_real_lists_read_as_the_source_says(shared_dir):
    w = shared_dir / "corpus" / "watchlists"
    un = {e.entry_id: e for e in read_records("un-xml", [w / "un_consolidated" / "UN_consolidated_2026-02-27.xml"])}
    assert sum(e.is_person for e in un.values()) == 730 and sum(not e.is_person for e in un.values()) == 273
    assert {n.quality for e in un.values() for n in e.names if n.kind == "alias"} == {"good", "low"}
    assert [(d.date_from, d.precision) for d in un["CDi.004"].dates_of_birth] == [("1973-11-01", "month")]
    sdn = {e.entry_id: e for e in read_records("ofac-csv", sorted((w / "ofac_sdn_2021").glob("*.csv")))}
    assert sum(e.is_person for e in sdn.values()) == 4620
    docs = {(d.document_type, d.number, d.issuing_state) for d in sdn["9340"].documents}
    assert {("I", "D489833(9)", "HKG"), ("P", "750200421", "GBR"), ("P", "2355009C", "CHN")} <= docs
    assert all(d.number[0].isalnum() or d.number[0] == "(" for e in sdn.values() for d in e.documents)


@pytest.mark.parametrize("name", ["a\tb", "x" * 65, "-x", "bad name!", ""])
def test_import_refuses_list_names_the_hub_would_not_publish(capsys, data_dir, files, name):
    code, _, err = run(capsys, "lists", "import", "--list", name, "--format", "csv", str(files["csv"][0]))
    assert code == 2 and "--list" in err and "Traceback" not in err
    assert run(capsys, "lists", "show", "--json")[1].strip() == "[]"


def _doc_example(section: str, fence: str) -> str:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "lists.md").read_text(encoding="utf-8")
    part = text[text.index(section):]
    start = part.index(f"```{fence}\n") + len(fence) + 4
    return part[start:part.index("```", start)]


def test_the_documented_examples_import_as_documented(tmp_path):
    rows = _csv(tmp_path, _doc_example("### `csv` (national watchlists)", "csv"))
    path = write(tmp_path / "w.ndjson", _doc_example("### `ndjson` (national watchlists)", "json"))
    entries = list(read_records("ndjson", [path]))
    assert [e.entry_id for e in rows] == ["N-1", "N-2"] and [e.entry_id for e in entries] == ["J-1", "J-2"]
    person, ndperson = rows[0], entries[0]
    assert [n.kind for n in person.names] == ["primary", "original_script", "alias", "alias", "alias"]
    assert [(n.kind, n.quality) for n in ndperson.names] == [
        ("primary", None), ("original_script", None), ("alias", "low"), ("alias", "good")]
    assert [d.issuing_state for d in person.documents] == ["RUS", ""] and ndperson.documents[0].issuing_state == "RUS"
    assert rows[1].entity_type == entries[1].entity_type == "entity"


@pytest.mark.parametrize("fmt", ["un-xml", "ofac-csv", "csv", "ndjson"])
def test_a_directory_or_missing_file_is_a_file_error(tmp_path, fmt):
    for path in (tmp_path, tmp_path / "missing.file"):
        with pytest.raises(FileFormatError, match="cannot read"):
            list(read_records(fmt, [path]))


def test_ofac_files_are_recognised_by_name_words_not_substrings(tmp_path):
    from tests.store.conftest import OFAC_ALT, OFAC_SDN

    main_file = write(tmp_path / "baltic" / "sdn_salt_2021.csv", OFAC_SDN)
    alt = write(tmp_path / "cons_alt.csv", OFAC_ALT)
    entries = {e.entry_id: e for e in read_records("ofac-csv", [main_file, alt])}
    assert len(entries) == 4 and "Johnny DOE" in [n.name for n in entries["101"].names]
