"""Change sets and full snapshots, each applied in one transaction (used by imports and the sync client)."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Iterable

from ..lists.model import DocumentRecord, WatchlistEntry
from . import docfiles
from .dockeys import record_keys
from .errors import StoreError
from .hashing import hasher_for
from .lists import data_dir_of, ensure_list, get_list, list_lists, log_action, now_iso, storage_path
from .tx import write_transaction
from .watchlists import counts, delete_entries, insert_entries, reindex

log = logging.getLogger(__name__)


def hashing_default(db) -> bool:
    """``store.document_hashing`` from the configuration of the database's data directory."""
    from ..config import load_config

    return bool(load_config(data_dir=data_dir_of(db))["store"]["document_hashing"])


def _entry(x) -> WatchlistEntry:
    return x if isinstance(x, WatchlistEntry) else WatchlistEntry.from_dict(x)


def _doc(x) -> DocumentRecord:
    return x if isinstance(x, DocumentRecord) else DocumentRecord.from_dict(x)


def _doc_tuple(x) -> tuple:
    d = _doc(x)
    return d.issuing_state, d.document_type, d.document_number, d.status, d.reported_on, d.reference


def _removal_key(x) -> tuple[str, str, str]:
    """(state, type, number) of a document removal given as a record, a dict or a tuple."""
    if isinstance(x, DocumentRecord):
        return x.issuing_state, x.document_type, x.document_number
    if isinstance(x, dict):
        from ..lists.countries import normalize_state
        from ..lists.docnumbers import normalize_type

        return normalize_state(x.get("issuing_state")), normalize_type(x.get("document_type")), x["document_number"]
    state, dtype, number = x
    return state, dtype, number


def _shown(db, name: str) -> dict:
    return next(d for d in list_lists(db) if d["name"] == name)


def apply_changes(db, list_name: str, *, kind: str, version: str | None, upserts: Iterable = (),
                  removals: Iterable = (), full: bool = False, published_at: str | None = None,
                  source: str | None = None, format: str | None = None, hashing: bool | None = None) -> dict:
    """Apply upserts and removals (or, with ``full``, replace the list) in one transaction.

    Watchlist upserts are WatchlistEntry objects or their dicts, removals are entry ids;
    documents upserts are DocumentRecord objects or dicts, removals records/dicts with
    issuing_state, document_type and document_number. Returns the list's ``lists show`` object.
    """
    if kind == "watchlist":
        return _apply_watchlist(db, list_name, version, upserts, removals, full, published_at, source, format)
    if kind == "documents":
        return _apply_documents(db, list_name, version, upserts, removals, full, published_at, source, format, hashing)
    raise StoreError(f"unknown list kind {kind!r}")


def _apply_watchlist(db, name, version, upserts, removals, full, published_at, source, format) -> dict:
    entries = [_entry(x) for x in upserts]
    removed_ids = [str(x["entry_id"] if isinstance(x, dict) else x) for x in removals]
    with write_transaction(db):
        row = ensure_list(db, name, "watchlist")
        if full:
            delete_entries(db, row["id"], None)
        else:
            delete_entries(db, row["id"], removed_ids + [e.entry_id for e in entries])
        insert_entries(db, row["id"], entries)
        c = counts(db, row["id"])
        _update_row(db, row, version, published_at, source, format, c)
        log_action(db, name, "snapshot" if full else "changes", version, len(entries) + len(removed_ids))
        changed = None if full else list(dict.fromkeys([e.entry_id for e in entries] + removed_ids))
        reindex(db, name, changed)
        return _shown(db, name)


def _update_row(db, row, version, published_at, source, format, c: dict, **extra) -> None:
    sets = {"version": version, "published_at": published_at, "source": source, "format": format,
            "imported_at": now_iso(), **c, **extra}
    sets = {k: v for k, v in sets.items() if v is not None or k in ("storage",)}
    db.conn.execute(
        f"UPDATE lists SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?", [*sets.values(), row["id"]]
    )


def switch_documents_file(db, name: str, new_file: Path, records: int, hashed: bool, *, version, published_at,
                          source, format, rejected: int = 0, action: str = "import") -> dict:
    """Point list ``name`` at a finished file in one transaction, then delete the old file."""
    old = None
    try:
        with write_transaction(db):
            row = ensure_list(db, name, "documents")
            old = storage_path(db, row)
            _update_row(db, row, version, published_at, source, format,
                        {"persons": 0, "entities": 0, "names": 0, "documents": records},
                        storage=new_file.name, hashed=int(hashed))
            log_action(db, name, action, version, records, rejected)
            shown = _shown(db, name)
    except BaseException:
        docfiles.remove_file(new_file)
        raise
    if old is not None and old != new_file:
        docfiles.remove_file(old)
    return shown


def _apply_documents(db, name, version, upserts, removals, full, published_at, source, format, hashing) -> dict:
    data_dir = data_dir_of(db)
    row = get_list(db, name)
    if row is not None and row["kind"] != "documents":
        from .errors import ListKindMismatch

        raise ListKindMismatch(f"list {name!r} is a {row['kind']} list, not a documents list")
    if hashing is None:
        hashing = bool(row["hashed"]) if (row is not None and not full) else hashing_default(db)
    hasher = hasher_for(data_dir, hashing, create=True)
    path = storage_path(db, row) if row is not None else None
    if full or path is None or not path.exists():
        builder = docfiles.Builder(docfiles.new_path(data_dir, name), hasher)
        try:
            builder.add(_doc_tuple(x) for x in upserts)
            final, records = builder.finish({"list": name, "version": version})
        except BaseException:
            builder.abort()
            raise
        if full or not removals:
            return switch_documents_file(db, name, final, records, hashing, version=version, published_at=published_at,
                                         source=source, format=format, action="snapshot" if full else "changes")
        switch_documents_file(db, name, final, records, hashing, version=None, published_at=None, source=source,
                              format=format, action="create")
        return _apply_documents(db, name, version, (), removals, False, published_at, source, format, None)
    hasher = hasher_for(data_dir, bool(row["hashed"]))
    conn = docfiles.open_writer(path)
    try:
        with write_transaction(db):
            conn.execute("BEGIN IMMEDIATE")
            try:
                delta, n = _file_changes(conn, hasher, upserts, removals)
                records = row["documents"] + delta
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?), ('documents', ?)", (version, str(records)))
                _update_row(db, row, version, published_at, source, format, {"documents": records})
                log_action(db, name, "changes", version, n)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        # fold the WAL back into the list file so the file alone is complete at rest (backups copy it)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:  # pragma: no cover - readers busy: SQLite checkpoints later by itself
            log.debug("checkpoint of %s postponed", path)
        return _shown(db, name)
    finally:
        conn.close()


def _file_changes(conn, hasher, upserts, removals) -> tuple[int, int]:
    """Apply upserts and removals to an open list file; returns (change in records, operations).

    Everything goes through ``executemany`` (the loops run in SQLite, not Python): removals
    delete both key rows of a number; upserts are an ``INSERT OR IGNORE`` (whose row count is
    the number of new records) followed by an ``UPDATE`` that gives existing records their new
    status, date and reference.
    """
    deletes = []
    n = 0
    for x in removals:
        state, dtype, number = _removal_key(x)
        deletes.extend(k[:4] for k in record_keys(state, dtype, number, hasher))
        n += 1
    delta = 0
    if deletes:
        full_keys = [k for k in deletes if k[3] % 2 == 0]
        delta -= conn.executemany("DELETE FROM docs WHERE state = ? AND num = ? AND pfx = ? AND kind = ?", full_keys).rowcount
        conn.executemany("DELETE FROM docs WHERE state = ? AND num = ? AND pfx = ? AND kind = ?",
                         [k for k in deletes if k[3] % 2 == 1])
    full_rows: list = []
    variant_rows: list = []
    for row in docfiles.key_rows((_doc_tuple(x) for x in upserts), hasher):
        if len(row) == 5:
            row = (*row, None, None)
        (full_rows if row[3] % 2 == 0 else variant_rows).append(row)
        if len(full_rows) >= 50_000:
            n += len(full_rows)
            delta += _upsert(conn, full_rows, variant_rows)
    n += len(full_rows)
    delta += _upsert(conn, full_rows, variant_rows)
    return delta, n


def _upsert(conn, full_rows: list, variant_rows: list) -> int:
    """Write a batch of upserted key rows (emptying the lists); returns how many records are new."""
    delta = 0
    for rows, counted in ((full_rows, True), (variant_rows, False)):
        if not rows:
            continue
        added = conn.executemany("INSERT OR IGNORE INTO docs VALUES (?,?,?,?,?,?,?)", rows).rowcount
        if counted:
            delta += added
        conn.executemany(
            "UPDATE docs SET info = ?, ref = ?, tail = ? WHERE state = ? AND num = ? AND pfx = ? AND kind = ?",
            [(r[4], r[5], r[6], r[0], r[1], r[2], r[3]) for r in rows],
        )
        rows.clear()
    return delta
