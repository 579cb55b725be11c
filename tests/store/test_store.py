"""The store: imports all or nothing, document checks, keyed hashing, change sets, removal."""

from __future__ import annotations

import pytest

from appliance.lists.errors import FileFormatError, TooManyErrors
from appliance.lists.model import DocumentRecord, Name, WatchlistEntry
from appliance.store.changes import apply_changes
from appliance.store.documents import check, lookup
from appliance.store.errors import ListKindMismatch, ListNotFound
from appliance.store.importing import import_list
from appliance.store.lists import SHOW_KEYS, list_lists, remove_list
from tests.store.conftest import snapshot, write


def _show(db, name):
    return next(r for r in list_lists(db) if r["name"] == name)


def test_store_is_wal_with_busy_timeout(db):
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_import_every_format_and_show(db, files):
    expected = {
        "un-xml": (2, 1, 7, 3), "ofac-csv": (2, 2, 7, 4), "csv": (1, 1, 4, 2), "ndjson": (1, 1, 3, 1),
        "documents-csv": (0, 0, 0, 5),
    }
    for fmt, (persons, entities, names, documents) in expected.items():
        report = import_list(db, f"l-{fmt}", fmt, files[fmt])
        shown = _show(db, f"l-{fmt}")
        assert set(SHOW_KEYS) <= set(shown)
        assert (shown["persons"], shown["entities"], shown["names"], shown["documents"]) == (
            persons, entities, names, documents), fmt
        assert shown["kind"] == ("documents" if fmt == "documents-csv" else "watchlist")
        assert shown["format"] == fmt and shown["imported_at"] and report.rejected == []
    assert _show(db, "l-un-xml")["version"] == "2025-01-02"
    assert _show(db, "l-un-xml")["published_at"] == "2025-01-02T03:04:05.000Z"


@pytest.mark.parametrize("state, number, doc_type, how", [
    ("FRA", "12AB34567", None, "exact"),
    ("FRA", "12 AB 345-67", "P", "exact"),
    ("DEU", "C01X00T47", None, "exact"),        # DEU and D are the same state
    ("D", "C01X00T47<", "P", "exact"),
    ("GBR", "ABC123456", "P", "first9"),        # as a TD3 MRZ prints a long number
    ("GBR", "ABC1234567890", None, "exact"),
    ("ESP", "348486", "I", "no_prefix"),        # letter prefix dropped by the other source
    ("ESP", "K348486", None, "exact"),
    ("ITA", "YA0000001", "V", "exact"),
])
def test_document_check_variants(db, files, state, number, doc_type, how):
    import_list(db, "sltd", "documents-csv", files["documents-csv"])
    found = lookup(db, state, number, doc_type)
    assert [m["match"] for m in found] == [how]
    assert set(check(db, state, number, doc_type)[0]) == {
        "list", "issuing_state", "document_type", "document_number", "status", "reference"}


@pytest.mark.parametrize("state, number, doc_type", [
    ("FRA", "12AB34568", None),   # different number
    ("ITA", "12AB34567", None),   # other state
    ("FRA", "12AB34567", "I"),    # other type
    ("GBR", "ABC1234567899", None),  # long numbers that differ after the ninth character
    ("ESP", "L348486", None),     # a different letter prefix is a different document
    ("FRA", "", None),
])
def test_document_check_misses(db, files, state, number, doc_type):
    import_list(db, "sltd", "documents-csv", files["documents-csv"])
    assert check(db, state, number, doc_type) == []


def test_check_reports_record_fields(db, files):
    import_list(db, "sltd", "documents-csv", files["documents-csv"])
    assert check(db, "GBR", "ABC123456") == [{
        "list": "sltd", "issuing_state": "GBR", "document_type": "P", "document_number": "ABC1234567890",
        "status": "revoked", "reference": "R3"}]
    assert lookup(db, "GBR", "ABC1234567890")[0]["reported_on"] == "2020-05-05"


def test_passports_of_listed_people_are_document_records(db, files):
    import_list(db, "un", "un-xml", files["un-xml"])
    import_list(db, "ofac", "ofac-csv", files["ofac-csv"])
    m = check(db, "IRN", "K348486", "P")
    assert m == [{"list": "un", "issuing_state": "IRN", "document_type": "P", "document_number": "K348486",
                  "status": "listed_person", "reference": "TSi.001"}]
    assert check(db, "XXX", "7654321098765")[0]["reference"] == "TSi.001"  # unknown issuing state: any state
    assert check(db, "RUS", "765432109")[0]["reference"] == "TSi.001"      # its first nine, as in an MRZ
    assert check(db, "EGY", "1084010")[0]["list"] == "ofac"
    assert check(db, "COL", "AB149814")[0]["reference"] == "103"
    assert check(db, "TUR", "TRP614166", "I")[0]["reference"] == "TSi.001"


def test_reimport_replaces_and_remove(db, files, tmp_path):
    import_list(db, "sltd", "documents-csv", files["documents-csv"])
    smaller = write(tmp_path / "small.csv", "FRA,P,XY0000001,lost,2024-02-02\n")
    import_list(db, "sltd", "documents-csv", [smaller])
    assert check(db, "FRA", "12AB34567") == [] and check(db, "FRA", "XY0000001")
    assert _show(db, "sltd")["documents"] == 1
    remove_list(db, "sltd")
    assert check(db, "FRA", "XY0000001") == [] and list_lists(db) == []
    with pytest.raises(ListNotFound):
        remove_list(db, "sltd")


def test_only_the_current_list_file_remains(db, files, data_dir):
    for _ in range(3):
        import_list(db, "sltd", "documents-csv", files["documents-csv"])
    names = [p.name for p in (data_dir / "lists").iterdir() if p.name.endswith(".db")]
    assert names == [db.execute("SELECT storage FROM lists").fetchone()[0]]


def test_kind_mismatch_is_refused(db, files):
    import_list(db, "x", "documents-csv", files["documents-csv"])
    with pytest.raises(ListKindMismatch):
        import_list(db, "x", "un-xml", files["un-xml"])


MALFORMED = {
    "truncated xml": ("un-xml", "un.xml", None),
    "non-utf8 xml": ("un-xml", "un.xml", b"<?xml version='1.0' encoding='UTF-8'?>\n<CONSOLIDATED_LIST><INDIVIDUALS>"
                     b"<INDIVIDUAL><REFERENCE_NUMBER>\xe9</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"),
    "wrong columns csv": ("csv", "n.csv", "id,who\n1,x\n"),
    "bad date csv": ("csv", "n.csv", "entry_id,name,dates_of_birth\nA,Good Person,1970\nB,Bad Person,1970-02-30\n"),
    "non-utf8 documents": ("documents-csv", "d.csv", b"FRA,P,111111111,lost,,\nFRA,P,22\xff2222222,lost,,\n"),
    "bad status documents": ("documents-csv", "d.csv", "FRA,P,111111111,lost,,\nFRA,P,222222222,gone,,\n"),
    "wrong columns ofac": ("ofac-csv", "sdn.csv", '1,"A, B","individual","X"\r\n'),
    "bad date ndjson": ("ndjson", "n.ndjson", '{"entry_id": "A", "name": "A", "dates_of_birth": ["1970-13-01"]}\n'),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_file_leaves_store_exactly_as_it_was(db, files, data_dir, tmp_path, case):
    from tests.store.conftest import UN_XML

    import_list(db, "target", "un-xml" if MALFORMED[case][0] != "documents-csv" else "documents-csv",
                files["un-xml"] if MALFORMED[case][0] != "documents-csv" else files["documents-csv"])
    import_list(db, "other", "csv", files["csv"])
    before = snapshot(data_dir)
    fmt, fname, content = MALFORMED[case]
    if content is None:
        content = UN_XML[: int(len(UN_XML) * 0.7)]
    bad = write(tmp_path / "bad" / fname, content)
    with pytest.raises((FileFormatError, TooManyErrors)) as exc:
        import_list(db, "target", fmt, [bad])
    if isinstance(exc.value, TooManyErrors):
        assert exc.value.rejected[0].line >= 1 and exc.value.rejected[0].reason
    else:
        assert exc.value.reason
    assert snapshot(data_dir) == before


def test_max_errors_skips_bad_rows_up_to_the_limit(db, tmp_path, data_dir):
    rows = "".join(f"FRA,P,{i:09d},lost,,\n" for i in range(1, 11))
    bad = write(tmp_path / "d.csv", rows + "FRA,P,X,lost,1999-99-99,\nFRA,P,Y,nope,,\n" + rows)
    before = snapshot(data_dir)
    with pytest.raises(TooManyErrors) as exc:
        import_list(db, "sltd", "documents-csv", [bad], max_errors=1)
    assert [r.line for r in exc.value.rejected] == [11, 12]
    assert snapshot(data_dir) == before
    report = import_list(db, "sltd", "documents-csv", [bad], max_errors=2)
    assert [(r.line, r.reason) for r in report.rejected] == [
        (11, "reported_on is not a YYYY-MM-DD date"), (12, "status must be one of lost, stolen, stolen_blank, revoked, invalidated")]
    assert report.records == 10 and _show(db, "sltd")["documents"] == 10


def test_empty_file_is_refused(db, tmp_path):
    with pytest.raises(FileFormatError):
        import_list(db, "sltd", "documents-csv", [write(tmp_path / "e.csv", "")])


def test_keyed_hash_storage(db, data_dir, tmp_path):
    secret = "QZ7654321"
    f = write(tmp_path / "d.csv", f"FRA,P,{secret},stolen,2024-01-01,R9\nGBR,P,ZZ98765432101,lost,,\n")
    report = import_list(db, "secret", "documents-csv", [f], hashing=True)
    assert report.list["hashed"] is True
    assert (data_dir / "document-hash.key").stat().st_mode & 0o777 == 0o600
    blob = b"".join(p.read_bytes() for p in (data_dir / "lists").iterdir())
    assert b"7654321" not in blob and b"987654321" not in blob
    assert check(db, "FRA", "QZ 7654321") == [{
        "list": "secret", "issuing_state": "FRA", "document_type": "P", "document_number": "QZ7654321",
        "status": "stolen", "reference": "R9"}]
    assert check(db, "FRA", "7654321")  # without prefix, like plain mode
    assert check(db, "GBR", "ZZ9876543") and check(db, "GBR", "ZZ98765432101")
    assert check(db, "FRA", "QZ7654322") == []
    # a change set on a hashed list stays hashed
    apply_changes(db, "secret", kind="documents", version="2", upserts=[DocumentRecord("ITA", "P", "AA1111111", "lost")],
                  removals=[{"issuing_state": "FRA", "document_type": "P", "document_number": "QZ7654321"}])
    assert check(db, "FRA", "QZ7654321") == [] and check(db, "ITA", "AA1111111")
    assert _show(db, "secret")["documents"] == 2


def test_hashing_follows_the_configuration(db, data_dir, files):
    (data_dir / "appliance.toml").write_text("[store]\ndocument_hashing = true\n")
    assert import_list(db, "sltd", "documents-csv", files["documents-csv"]).list["hashed"] is True
    assert check(db, "GBR", "ABC123456")[0]["status"] == "revoked"


def test_document_change_set(db, files):
    import_list(db, "sltd", "documents-csv", files["documents-csv"])
    shown = apply_changes(
        db, "sltd", kind="documents", version="v2", published_at="2025-01-01T00:00:00Z", source="hub", format="sync",
        upserts=[DocumentRecord("FRA", "P", "NEW000001", "stolen", "2025-01-01", "N1"),
                 {"issuing_state": "FRA", "document_type": "P", "document_number": "12AB34567", "status": "revoked"}],
        removals=[DocumentRecord("GBR", "P", "ABC1234567890", "revoked")],
    )
    assert shown["version"] == "v2" and shown["documents"] == 5
    assert check(db, "FRA", "NEW000001")[0]["reference"] == "N1"
    assert check(db, "FRA", "12AB34567")[0]["status"] == "revoked"
    assert check(db, "GBR", "ABC123456") == [] and check(db, "GBR", "ABC1234567890") == []


def test_document_full_snapshot_and_new_list_by_change_set(db):
    apply_changes(db, "fresh", kind="documents", version="1", upserts=[DocumentRecord("FRA", "P", "A1", "lost")])
    assert check(db, "FRA", "A1")
    apply_changes(db, "fresh", kind="documents", version="2", full=True, upserts=[DocumentRecord("FRA", "P", "B2", "lost")])
    assert check(db, "FRA", "A1") == [] and check(db, "FRA", "B2") and _show(db, "fresh")["version"] == "2"


def _person(eid, name, passport=None):
    from appliance.lists.model import IdentityDocument

    docs = [IdentityDocument("P", passport, "FRA")] if passport else []
    return WatchlistEntry(eid, "individual", [Name(name)], documents=docs)


def test_watchlist_change_set(db, files):
    import_list(db, "un", "un-xml", files["un-xml"])
    shown = apply_changes(
        db, "un", kind="watchlist", version="v2", upserts=[_person("TSi.002", "JANE SAMPLE", "FP1234567"),
                                                            _person("TSi.009", "NEW PERSON").to_dict()],
        removals=["TSe.001"],
    )
    assert (shown["persons"], shown["entities"], shown["version"]) == (3, 0, "v2")
    assert check(db, "FRA", "FP1234567")[0]["reference"] == "TSi.002"
    apply_changes(db, "un", kind="watchlist", version="v3", removals=["TSi.002"])
    assert check(db, "FRA", "FP1234567") == []
    names = db.execute("SELECT count(*) FROM watchlist_names").fetchone()[0]
    assert names == _show(db, "un")["names"]


def test_change_set_of_the_wrong_kind(db, files):
    import_list(db, "un", "un-xml", files["un-xml"])
    with pytest.raises(ListKindMismatch):
        apply_changes(db, "un", kind="documents", version="1", upserts=[DocumentRecord("FRA", "P", "A1", "lost")])
    with pytest.raises(ListKindMismatch):
        apply_changes(db, "un", kind="documents", version="1", full=True, upserts=[])


def test_failed_change_set_changes_nothing(db, files, data_dir):
    import_list(db, "sltd", "documents-csv", files["documents-csv"])
    before = snapshot(data_dir)
    with pytest.raises(KeyError):
        apply_changes(db, "sltd", kind="documents", version="v2",
                      upserts=[DocumentRecord("FRA", "P", "NEW000001", "stolen")], removals=[{"issuing_state": "FRA"}])
    assert snapshot(data_dir) == before


def test_a_missing_list_file_is_an_error_not_a_silent_miss(db, files, data_dir):
    from appliance.store.errors import ListUnavailable

    import_list(db, "sltd", "documents-csv", files["documents-csv"])
    storage = db.execute("SELECT storage FROM lists").fetchone()[0]
    from appliance.store import docfiles

    docfiles.prune(set())
    (data_dir / "lists" / storage).unlink()
    with pytest.raises(ListUnavailable):
        check(db, "FRA", "12AB34567")
    assert not (data_dir / "lists" / storage).exists()
    import_list(db, "sltd", "documents-csv", files["documents-csv"])  # a re-import repairs it
    assert check(db, "FRA", "12AB34567")


def test_apply_changes_joins_the_callers_transaction(db, files):
    import_list(db, "un", "un-xml", files["un-xml"])
    db.conn.execute("BEGIN IMMEDIATE")
    apply_changes(db, "un", kind="watchlist", version="v9", removals=["TSi.002"])
    db.conn.execute("ROLLBACK")  # the caller's rollback takes the change set with it
    assert _show(db, "un")["persons"] == 2 and _show(db, "un")["version"] == "2025-01-02"


def test_screening_index_follows_every_watchlist_change(db, files):
    pytest.importorskip("appliance.screening.index")

    def indexed():
        return {r[0] for r in db.execute("SELECT entry_id FROM screening_entries WHERE list_name = 'un'")}

    import_list(db, "un", "un-xml", files["un-xml"])
    people = {"TSi.001", "TSi.002"}
    assert people <= indexed()
    apply_changes(db, "un", kind="watchlist", version="v2", upserts=[_person("TSi.009", "NEW PERSON")],
                  removals=["TSi.002"])
    assert {"TSi.001", "TSi.009"} <= indexed() and "TSi.002" not in indexed()
    remove_list(db, "un")
    assert indexed() == set()
