"""Watchlist entries in the main database: write, delete, count, and keep the screening index in step."""

from __future__ import annotations

import importlib
import json
import logging
from typing import Iterable

from ..lists.common_numbers import document_numbers
from ..lists.model import WatchlistEntry
from .dockeys import PLAIN, record_keys

log = logging.getLogger(__name__)


def insert_entries(db, list_id: int, entries: Iterable[WatchlistEntry]) -> int:
    """Insert entries (caller owns the transaction and has removed older copies); returns how many."""
    conn = db.conn
    n = 0
    for e in entries:
        cur = conn.execute(
            "INSERT INTO watchlist_entries (list_id, entry_id, entity_type, primary_name, sex, programme, remarks,"
            " listed_on, data) VALUES (?,?,?,?,?,?,?,?,?)",
            (list_id, e.entry_id, e.entity_type, e.primary_name, e.sex, e.programme, e.remarks, e.listed_on,
             json.dumps(e.to_dict(), ensure_ascii=False, separators=(",", ":"))),
        )
        rowid = cur.lastrowid
        conn.executemany(
            "INSERT INTO watchlist_names (entry, name, kind, quality, script) VALUES (?,?,?,?,?)",
            [(rowid, x.name, x.kind, x.quality, x.script) for x in e.names if x.name.strip()],
        )
        if e.dates_of_birth:
            conn.executemany(
                "INSERT INTO watchlist_dobs (entry, date_from, date_to, precision, approximate) VALUES (?,?,?,?,?)",
                [(rowid, d.date_from, d.date_to, d.precision, int(d.approximate)) for d in e.dates_of_birth],
            )
        if e.nationalities:
            conn.executemany(
                "INSERT INTO watchlist_nationalities (entry, country) VALUES (?,?)",
                [(rowid, c) for c in e.nationalities],
            )
        for d in e.documents:
            numbers = document_numbers(d.number)
            doc_id = conn.execute(
                "INSERT INTO watchlist_documents (entry, document_type, number, normalized, issuing_state, note)"
                " VALUES (?,?,?,?,?,?)",
                (rowid, d.document_type, d.number, numbers[0] if numbers else "", d.issuing_state or "", d.note),
            ).lastrowid
            keys = {}
            for number in numbers:
                for sc, num, pfx, kind, tail in record_keys(d.issuing_state or "", d.document_type, number, PLAIN):
                    keys[(sc, num, pfx, kind)] = tail
            conn.executemany(
                "INSERT INTO watchlist_doc_keys (state, num, pfx, kind, document, tail) VALUES (?,?,?,?,?,?)",
                [(sc, num, pfx, kind, doc_id, tail) for (sc, num, pfx, kind), tail in keys.items()],
            )
        n += 1
    return n


def delete_entries(db, list_id: int, entry_ids: Iterable[str] | None = None) -> int:
    """Delete a list's entries (all, or those with the given source ids); cascades to their rows."""
    if entry_ids is None:
        return db.conn.execute("DELETE FROM watchlist_entries WHERE list_id = ?", (list_id,)).rowcount
    n = 0
    for eid in entry_ids:
        n += db.conn.execute(
            "DELETE FROM watchlist_entries WHERE list_id = ? AND entry_id = ?", (list_id, str(eid))
        ).rowcount
    return n


def counts(db, list_id: int) -> dict:
    """persons, entities, names and documents of a watchlist."""
    persons, entities = db.conn.execute(
        "SELECT coalesce(sum(entity_type = 'individual'), 0), coalesce(sum(entity_type != 'individual'), 0)"
        " FROM watchlist_entries WHERE list_id = ?",
        (list_id,),
    ).fetchone()
    names = db.conn.execute(
        "SELECT count(*) FROM watchlist_names n JOIN watchlist_entries e ON e.id = n.entry WHERE e.list_id = ?",
        (list_id,),
    ).fetchone()[0]
    documents = db.conn.execute(
        "SELECT count(*) FROM watchlist_documents d JOIN watchlist_entries e ON e.id = d.entry WHERE e.list_id = ?",
        (list_id,),
    ).fetchone()[0]
    return {"persons": persons, "entities": entities, "names": names, "documents": documents}


def reindex(db, list_name: str, entry_ids: list[str] | None) -> bool:
    """Call the screening engine's ``reindex`` in the caller's transaction; False when it is not built yet."""
    try:
        module = importlib.import_module("appliance.screening.index")
    except ModuleNotFoundError as exc:
        if exc.name in ("appliance.screening.index",):
            log.debug("screening index module not present; skipping reindex of %s", list_name)
            return False
        raise
    module.reindex(db, list_name, entry_ids)
    return True
