"""The real UN and OFAC files from ../shared: exact counts, and every listed passport is found."""

from __future__ import annotations

import json

import pytest

from appliance.lists.common_numbers import document_numbers
from appliance.lists.docnumbers import normalize_number
from appliance.store.db import connect, database_path
from appliance.store.documents import check
from appliance.store.importing import import_list

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def shared_db(shared_dir, tmp_path_factory):
    d = tmp_path_factory.mktemp("shared-data")
    db = connect(database_path(d))
    w = shared_dir / "corpus" / "watchlists"
    un = import_list(db, "un", "un-xml", [w / "un_consolidated" / "UN_consolidated_2026-02-27.xml"])
    sdn = import_list(db, "ofac-sdn", "ofac-csv", sorted((w / "ofac_sdn_2021").glob("*.csv")))
    cons = import_list(db, "ofac-cons", "ofac-csv", sorted((w / "ofac_cons_2025").glob("*.csv")))
    yield db, un, sdn, cons
    db.conn.close()


def test_counts(shared_db):
    _db, un, sdn, cons = shared_db
    assert (un.list["persons"], un.list["entities"]) == (730, 273)
    assert un.list["published_at"] == "2026-02-27T00:00:09.554Z" and un.rejected == []
    assert sdn.list["persons"] == 4620 and sdn.records == 8976 and sdn.rejected == []
    assert cons.records == 442 and cons.list["persons"] == 79


@pytest.mark.parametrize("name", ["un", "ofac-sdn", "ofac-cons"])
def test_every_listed_passport_is_found(shared_db, name):
    db = shared_db[0]
    checked = 0
    rows = db.execute("SELECT e.entry_id, e.data FROM watchlist_entries e JOIN lists l ON l.id = e.list_id"
                      " WHERE l.name = ?", [name]).fetchall()
    for entry_id, data in rows:
        for doc in json.loads(data)["documents"]:
            if doc["document_type"] != "P":
                continue
            state = doc["issuing_state"] or "XXA"
            for number in document_numbers(doc["number"]) + [normalize_number(doc["number"])]:
                found = check(db, state, number, "P")
                assert any(m["list"] == name and m["reference"] == entry_id for m in found), (entry_id, number)
                checked += 1
    assert checked >= {"un": 300, "ofac-sdn": 1000, "ofac-cons": 0}[name]
