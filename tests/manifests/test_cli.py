"""``appliance manifests`` as an officer uses it: import, refusal, list, show, rescreen, close and the no-show report."""

from __future__ import annotations

import datetime as dt

from appliance.manifests import store
from appliance.manifests.linking import link
from appliance.store.db import connect, database_path
from appliance.store.tx import write_transaction
from firmware_bridge.mrz import compose, parse_mrz

from .conftest import DATA, WATCHLIST, listed, load_lists, run, run_json

KEYS = {"manifest_id", "carrier", "voyage", "vessel", "arrival_port", "arrival_at", "persons", "crew", "passengers",
        "screened", "rejected"}


def test_import_json_counts_and_verdicts(box):
    r = run_json("import", DATA / "pax_d05b.edi", DATA / "crew_d02b.edi", data_dir=box)
    assert set(r) == KEYS
    assert r["manifest_id"] == 1 and r["carrier"] == "UTL" and r["voyage"] == "UTL77"
    assert (r["vessel"], r["arrival_port"], r["arrival_at"]) == ("MV NORTHERN STAR", "XXHBR", "2035-06-02T14:00:00")
    assert (r["persons"], r["crew"], r["passengers"]) == (7, 3, 4)
    assert r["screened"] == {"HIT": 4, "POSSIBLE_MATCH": 0, "DOCUMENT_INVALID": 2, "CLEAR": 1}
    assert r["rejected"] == []


def test_refused_import_exits_2_stores_nothing_and_names_the_segment(box):
    r = run_json("import", DATA / "pax_d05b.edi", DATA / "broken_segment.edi", data_dir=box, check=2)
    assert set(r) == KEYS and r["manifest_id"] is None and r["persons"] == 0
    assert r["rejected"] == [{"line": 17, "reason": "broken_segment.edi: segment 17 (DTM): date '19801341' is not a calendar date"}]
    assert run_json("list", data_dir=box) == []
    p = run("import", DATA / "truncated.edi", data_dir=box, check=2)
    assert "refused: nothing was imported" in p.stderr and "line 10" in p.stderr and "Traceback" not in p.stderr


def test_unreadable_and_unknown_files_are_refused(box, tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("hello\n")
    r = run_json("import", other, data_dir=box, check=2)
    assert "neither a PAXLST message nor a FAL CSV" in r["rejected"][0]["reason"]
    r = run_json("import", tmp_path / "missing.edi", data_dir=box, check=2)
    assert "cannot read" in r["rejected"][0]["reason"]


def test_fal_csv_import_and_crew_list_added_later(box):
    r1 = run_json("import", DATA / "fal6_passengers.csv", data_dir=box)
    assert (r1["persons"], r1["crew"], r1["passengers"]) == (2, 0, 2)
    r2 = run_json("import", "--format", "fal-csv", DATA / "fal5_crew.csv", data_dir=box)
    assert r2["manifest_id"] == r1["manifest_id"] and (r2["persons"], r2["crew"]) == (5, 3)
    assert r2["screened"] == {"HIT": 4, "POSSIBLE_MATCH": 0, "DOCUMENT_INVALID": 0, "CLEAR": 1}
    r3 = run_json("import", DATA / "fal5_crew.csv", data_dir=box)  # the crew list sent again replaces it
    assert r3["manifest_id"] == r1["manifest_id"] and r3["persons"] == 5


def test_show_lists_hits_first_with_matches_and_presentation(box):
    run_json("import", DATA / "pax_d05b.edi", data_dir=box)
    m = run_json("show", "1", data_dir=box)
    assert m["status"] == "open" and m["person_count"] == 4 and set(m["list_versions"]) == {"wl", "sltd"}
    decisions = [p["decision"] for p in m["persons"]]
    assert decisions == ["HIT", "HIT", "DOCUMENT_INVALID", "CLEAR"]
    haddad = m["persons"][0]
    assert haddad["surname"] == "HADDAD" and haddad["matches"][0]["entry_id"] == "M-001"
    assert haddad["presentation"] == "expected" and haddad["line"] == 14
    text = run("show", "1", data_dir=box, check=0).stdout
    assert "HADDAD, ABDUL RAHMAN" in text and "wl/M-001" in text and "expires_before_arrival" in text
    assert run("show", "99", data_dir=box).returncode == 2


def test_close_reports_who_never_presented(box):
    run_json("import", DATA / "pax_d05b.edi", data_dir=box)
    db = connect(database_path(box))
    scanned = parse_mrz(compose("TD3", issuing_state="LBN", surname="HADDAD", given_names="ABDUL RAHMAN",
                                document_number="RL1234567", nationality="LBN", birth_date="1964-12-03", sex="M",
                                expiry_date="2038-01-01")).to_dict()
    candidates = store.link_candidates(db, scanned)
    assert [c["surname"] for c in candidates] == ["HADDAD"]
    found = link(scanned, candidates)
    assert [(x.how, x.manifest_id, x.decision) for x in found] == [("document", 1, "HIT")]
    other = parse_mrz(compose("TD3", issuing_state="LBN", surname="HADDAD", given_names="ABDUL RAHMAN",
                              document_number="NEW000001", nationality="LBN", birth_date="1964-12-03", sex="M",
                              expiry_date="2038-01-01")).to_dict()
    assert [x.how for x in link(other, store.link_candidates(db, other))] == ["name_and_birth_date"]
    stranger = parse_mrz(compose("TD3", issuing_state="UTO", surname="NOBODY", given_names="KNOWN",
                                 document_number="Z0000001", nationality="UTO", birth_date="1980-01-01", sex="M",
                                 expiry_date="2038-01-01")).to_dict()
    assert link(stranger, store.link_candidates(db, stranger)) == []
    with write_transaction(db):
        store.mark_presented(db, found[0].person_id, at=dt.datetime.now(dt.timezone.utc).isoformat(), ref="scan-1")
    db.conn.close()
    r = run_json("close", "1", data_dir=box)
    assert (r["persons"], r["presented"]) == (4, 1)
    assert [p["surname"] for p in r["never_presented"]] == ["SMITH", "WANJIKU", "O'BRIEN"]  # hits first
    assert run_json("list", data_dir=box)[0]["status"] == "closed"
    p = run("close", "1", data_dir=box, check=2)
    assert "already closed" in p.stderr


def test_multi_part_list_in_one_import(box):
    r = run_json("import", DATA / "multi_part2.edi", DATA / "multi_part3.edi", DATA / "multi_part1.edi", data_dir=box)
    assert (r["persons"], r["passengers"], r["screened"]["HIT"]) == (4, 4, 1)
    names = [p["surname"] for p in sorted(run_json("show", r["manifest_id"], data_dir=box)["persons"],
                                          key=lambda p: p["seq"])]
    assert names == ["NOWAK", "DUBOIS", "ROSSI", "HADDAD"]


def test_list_update_rescreens_open_manifests_and_says_what_changed(box):
    run_json("import", DATA / "pax_d05b.edi", data_dir=box)
    assert run_json("rescreen", data_dir=box)[0]["skipped"] == "lists unchanged"
    # the list is updated: Haddad is delisted, O'Brien is listed
    load_lists(box, watchlist=[w for w in WATCHLIST if w["entry_id"] != "M-001"]
               + [listed("M-005", "O'BRIEN, Sean Patrick", "1980-01-01", "IRL", "male")], version="2")
    reports = run_json("rescreen", data_dir=box)
    assert len(reports) == 1 and reports[0]["rescreened"] == 4
    changes = {c["name"]: (c["from"], c["to"]) for c in reports[0]["changed"]}
    assert changes == {"HADDAD, ABDUL RAHMAN": ("HIT", "CLEAR"), "O'BRIEN, SEAN+PATRICK": ("CLEAR", "HIT")}
    assert reports[0]["lists_after"]["wl"].startswith("2 @")
    assert run_json("show", "1", data_dir=box)["screened"]["HIT"] == 2
    text = run("rescreen", "--force", data_dir=box, check=0).stdout
    assert "4 persons re-screened, 0 verdicts changed" in text


def test_human_output(box):
    p = run("import", DATA / "pax_d05b.edi", DATA / "crew_d02b.edi", data_dir=box, check=0)
    assert "imported as manifest 1" in p.stdout and "7 persons (3 crew, 4 passengers)" in p.stdout
    out = run("list", data_dir=box, check=0).stdout
    assert "MV NORTHERN STAR" in out and "4 HIT" in out
