"""The chunked, multi-process bulk load builds exactly what the csv-module reader builds."""

from __future__ import annotations

import sqlite3

import pytest

from appliance.lists.importers import documents_fast, open_reader
from appliance.store import docfiles
from appliance.store.dockeys import Hasher
from appliance.store.documents import lookup
from appliance.store.importing import import_list
from tests.store.conftest import write

GOOD = [
    "FRA,P,AB1234567,lost,2020-01-31",
    "D,P,123456789,stolen,2021-02-28,R-1",
    "DEU,I,012345678,revoked,,  spaced ref  ",
    "GBR,,K12345678,stolen_blank,2019-12-31,",
    "ITA,P,1234567890123,invalidated,2018-06-01,long",  # longer than nine: a first-nine row too
    "ESP,P,ABCDEF,lost,2017-01-01",  # letters only
    "USA,V,A1B2C3,stolen,",
    "fra,p,ab 123-456,lost,2020-01-01",  # lower case and separators: read line by line
    "NLD,P,XK12345678901,lost,2016-05-05,ref",
]
BAD = [
    ("FRA,P,777777777,lost,2021-02-30", "reported_on is not a YYYY-MM-DD date"),
    ("FRA,P,777777778,gone,", "status must be one of lost, stolen, stolen_blank, revoked, invalidated"),
    ("FRA,P,777777779", "expected 5 or 6 columns, found 3"),
    ("1X,P,777777780,lost,", "issuing_state is not a country code"),
    ("FRA,P,--,lost,", "document_number is empty"),
]


def _content(repeat: int = 40) -> tuple[str, list[tuple[int, str]]]:
    """A documents-csv text with varied rows, duplicates (a later row wins) and bad rows."""
    lines = ["issuing_state,document_type,document_number,status,reported_on,reference"]
    expected = []
    for i in range(repeat):
        for j, row in enumerate(GOOD):
            lines.append(row.replace("2020", str(2000 + i % 20)) if j else row.replace("AB1234567", f"AB{i % 25:07d}"))
        lines.append(f"POL,P,{100000000 + i},lost,2020-01-01")
        lines.append("")  # blank lines are skipped
        if i % 9 == 4:
            row, reason = BAD[(i // 9) % len(BAD)]
            lines.append(row)
            expected.append((len(lines), reason))
    return "\r\n".join(lines) + "\r\n", expected


def _rows(path) -> list:
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute("SELECT * FROM docs ORDER BY state, num, pfx, kind").fetchall()
    finally:
        conn.close()


def _classic(tmp_path, files, hasher):
    errors: list = []
    builder = docfiles.Builder(tmp_path / "classic.db.part", hasher)
    builder.add(open_reader("documents-csv", files, errors=errors).rows())
    final, records = builder.finish({"list": "x"})
    return _rows(final), records, [(e.file, e.line, e.reason) for e in errors]


def _fast(tmp_path, files, hasher, workers, label):
    builder, rejected, too_many = docfiles.build_from_csv(tmp_path / f"{label}.db.part", files, hasher,
                                                          max_errors=1000, workers=workers)
    assert not too_many
    final, records = builder.finish({"list": "x"})
    lines = {}
    out = []
    for file, start, line, reason in rejected:
        base = lines.setdefault((file, start), documents_fast.absolute_lines(type(tmp_path)(file), start))
        out.append((type(tmp_path)(file).name, base + line, reason))
    return _rows(final), records, out


@pytest.mark.parametrize("hashed", [False, True], ids=["plain", "keyed-hash"])
def test_chunked_and_parallel_builds_equal_the_csv_reader(tmp_path, monkeypatch, hashed):
    text, expected_bad = _content()
    files = [write(tmp_path / "a.csv", text), write(tmp_path / "b.csv", text.replace("POL,", "CZE,"))]
    hasher = Hasher(b"k" * 32 if hashed else None)
    classic = _classic(tmp_path, files, hasher)
    assert sorted((f, n) for f, n, _ in classic[2] if f == "a.csv") == [(
        "a.csv", n) for n, _ in expected_bad]
    monkeypatch.setattr(documents_fast, "CHUNK_BYTES", 700)  # many chunks, some cut mid-file
    monkeypatch.setattr(docfiles, "PARALLEL_MIN_BYTES", 0)
    one = _fast(tmp_path, files, hasher, 1, "one")
    three = _fast(tmp_path, files, hasher, 3, "three")
    assert one == classic
    assert three == classic
    assert not [p for p in tmp_path.iterdir() if ".p" in p.suffix or p.name.endswith(".stage")]


def test_later_rows_win_across_worker_ranges(tmp_path, monkeypatch):
    rows = [f"FRA,P,{100000000 + i},lost,2020-01-01" for i in range(3000)]
    rows += [f"FRA,P,{100000000 + i},stolen,2024-02-02,second" for i in range(0, 3000, 7)]
    f = write(tmp_path / "d.csv", "\n".join(rows) + "\n")
    monkeypatch.setattr(docfiles, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(documents_fast, "CHUNK_BYTES", 4096)
    assert len(documents_fast.split_ranges([f], 4)) == 4
    builder, rejected, _ = docfiles.build_from_csv(tmp_path / "x.db.part", [f], Hasher(None), workers=4)
    final, records = builder.finish({"list": "x"})
    assert records == 3000 and rejected == []
    got = {num: (info % 8, ref) for _s, num, _p, _k, info, ref, _t in _rows(final)}
    assert got[100000007] == (1, "second") and got[100000001] == (0, None)


def test_import_uses_workers_and_reports_lines_of_later_ranges(db, tmp_path, monkeypatch):
    rows = [f"FRA,P,{100000000 + i},lost," for i in range(5000)]
    rows[4321] = "FRA,P,999999999,lost,2020-13-01"
    f = write(tmp_path / "d.csv", "\n".join(rows) + "\n")
    monkeypatch.setattr(docfiles, "PARALLEL_MIN_BYTES", 0)
    report = import_list(db, "sltd", "documents-csv", [f], max_errors=1, workers=2)
    assert [(r.file, r.line) for r in report.rejected] == [("d.csv", 4322)]
    assert report.records == 4999
    assert lookup(db, "FRA", "100004999")[0]["status"] == "lost"


def test_quoted_fields_fall_back_to_the_csv_module(db, tmp_path):
    f = write(tmp_path / "d.csv", 'FRA,P,123456789,lost,2020-01-01,"ref, with comma"\nFRA,P,223456789,stolen,\n')
    report = import_list(db, "sltd", "documents-csv", [f])
    assert report.records == 2
    assert lookup(db, "FRA", "123456789")[0]["reference"] == "ref, with comma"


def test_check_sees_lists_changed_through_another_connection(db, data_dir, tmp_path):
    from appliance.store.db import connect, database_path
    from appliance.store.documents import check
    from appliance.store.lists import remove_list

    assert check(db, "FRA", "123456789") == []  # caches the (empty) list of lists
    other = connect(database_path(data_dir))
    import_list(other, "sltd", "documents-csv", [write(tmp_path / "d.csv", "FRA,P,123456789,lost,\n")])
    assert [m["list"] for m in check(db, "FRA", "123456789")] == ["sltd"]
    remove_list(other, "sltd")
    assert check(db, "FRA", "123456789") == []
    other.conn.close()


def test_too_many_errors_across_worker_ranges_changes_nothing(db, data_dir, tmp_path, monkeypatch):
    from appliance.lists.errors import TooManyErrors
    from tests.store.conftest import snapshot

    rows = [f"FRA,P,{100000000 + i},lost," for i in range(4000)]
    for i in (10, 1500, 3900):
        rows[i] = f"FRA,P,{100000000 + i},missing,"
    f = write(tmp_path / "d.csv", "\n".join(rows) + "\n")
    monkeypatch.setattr(docfiles, "PARALLEL_MIN_BYTES", 0)
    before = snapshot(data_dir)
    with pytest.raises(TooManyErrors) as exc:
        import_list(db, "sltd", "documents-csv", [f], max_errors=1, workers=2)
    assert [r.line for r in exc.value.rejected] == [11, 1501]
    assert snapshot(data_dir) == before


def test_a_failing_worker_is_a_store_error(tmp_path, monkeypatch):
    from appliance.store.errors import StoreError

    f = write(tmp_path / "d.csv", "".join(f"FRA,P,{100000000 + i},lost,\n" for i in range(100)))
    monkeypatch.setattr(docfiles, "PARALLEL_MIN_BYTES", 0)
    with pytest.raises(StoreError, match="worker"):
        docfiles.build_from_csv(tmp_path / "no such dir" / "x.db.part", [f], Hasher(None), workers=2)
