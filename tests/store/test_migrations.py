"""Named migrations: on an empty database and on one made by the previous schema."""

from __future__ import annotations

import sqlite3

import sqlite_utils

from appliance.store.db import connect, database_path
from appliance.store.documents import check
from appliance.store.lists import list_lists
from appliance.store.migrations import migrations


def _tables(db) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_empty_database_gets_every_migration_recorded(data_dir):
    db = connect(database_path(data_dir))
    assert {"lists", "watchlist_entries", "watchlist_names", "watchlist_dobs", "watchlist_nationalities",
            "watchlist_documents", "watchlist_doc_keys", "list_imports"} <= _tables(db)
    applied = [m.name for m in migrations.applied(db)]
    assert applied == ["0001_lists_and_watchlists", "0002_document_lookup"]
    db.conn.close()
    db = connect(database_path(data_dir))  # applying again is a no-op
    assert [m.name for m in migrations.applied(db)] == applied


def test_database_of_the_previous_schema_is_upgraded_keeping_its_data(data_dir):
    path = database_path(data_dir)
    old = sqlite_utils.Database(sqlite3.connect(str(path)))
    migrations.apply(old, stop_before="0002_document_lookup")
    assert "watchlist_doc_keys" not in _tables(old)
    old.execute("INSERT INTO lists (name, kind, version, persons, names) VALUES ('old', 'watchlist', '7', 1, 1)")
    old.execute("INSERT INTO watchlist_entries (list_id, entry_id, entity_type, primary_name, data)"
                " VALUES (1, 'E1', 'individual', 'OLD PERSON', '{}')")
    old.execute("INSERT INTO watchlist_names (entry, name, kind) VALUES (1, 'OLD PERSON', 'primary')")
    old.conn.commit()
    old.conn.close()

    db = connect(path)
    assert [m.name for m in migrations.applied(db)][-1] == "0002_document_lookup"
    shown = list_lists(db)
    assert [(r["name"], r["version"], r["persons"], r["hashed"]) for r in shown] == [("old", "7", 1, False)]
    assert db.execute("SELECT primary_name FROM watchlist_entries").fetchone()[0] == "OLD PERSON"
    assert check(db, "FRA", "123") == []


def test_removing_a_list_cascades(data_dir):
    from appliance.lists.model import Name, WatchlistEntry
    from appliance.store.changes import apply_changes
    from appliance.store.lists import remove_list

    db = connect(database_path(data_dir))
    apply_changes(db, "w", kind="watchlist", version="1", full=True,
                  upserts=[WatchlistEntry("1", "individual", [Name("A B"), Name("C D", "alias", "good")])])
    remove_list(db, "w")
    for t in ("watchlist_entries", "watchlist_names", "watchlist_documents", "watchlist_doc_keys"):
        assert db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] == 0
