"""The lists on the box: their rows, ``lists show`` objects, and removal."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from . import docfiles
from .errors import ListNotFound, StoreError
from .tx import write_transaction
from .watchlists import delete_entries, reindex

log = logging.getLogger(__name__)

SHOW_KEYS = ("name", "kind", "version", "source", "format", "imported_at", "published_at",
             "persons", "entities", "names", "documents")


def now_iso() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def data_dir_of(db) -> Path:
    """The data directory: the folder holding the main database file."""
    for _seq, name, file in db.conn.execute("PRAGMA database_list"):
        if name == "main":
            if not file:
                raise StoreError("the database is in memory; list files need a data directory")
            return Path(file).parent
    raise StoreError("no main database")  # pragma: no cover


def get_list(db, name: str) -> dict | None:
    """The ``lists`` row of ``name`` as a dict, or None."""
    cur = db.conn.execute("SELECT * FROM lists WHERE name = ?", (name,))
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([c[0] for c in cur.description], row))


def storage_path(db, row: dict) -> Path | None:
    """The file of a documents list, or None."""
    if not row.get("storage"):
        return None
    return data_dir_of(db) / docfiles.LISTS_DIR / row["storage"]


def list_lists(db) -> list[dict]:
    """The ``appliance lists show --json`` objects, one per list, by name."""
    cur = db.conn.execute(f"SELECT {', '.join(SHOW_KEYS)}, hashed FROM lists ORDER BY name")
    out = []
    for row in cur.fetchall():
        d = dict(zip(SHOW_KEYS + ("hashed",), row))
        d["hashed"] = bool(d["hashed"])
        out.append(d)
    return out


def ensure_list(db, name: str, kind: str) -> dict:
    """The row of ``name``, created (empty) when missing; raises on a kind mismatch."""
    from .errors import ListKindMismatch

    row = get_list(db, name)
    if row is None:
        db.conn.execute("INSERT INTO lists (name, kind, imported_at) VALUES (?, ?, ?)", (name, kind, now_iso()))
        row = get_list(db, name)
    elif row["kind"] != kind:
        raise ListKindMismatch(f"list {name!r} is a {row['kind']} list, not a {kind} list")
    return row


def log_action(db, name: str, action: str, version: str | None, records: int, rejected: int = 0) -> None:
    """Record an import, change set or removal in ``list_imports``."""
    db.conn.execute(
        "INSERT INTO list_imports (list, action, version, at, records, rejected) VALUES (?,?,?,?,?,?)",
        (name, action, version, now_iso(), records, rejected),
    )


def remove_list(db, name: str) -> dict:
    """Remove a list and everything in it, in one transaction; returns its last ``show`` object."""
    conn = db.conn
    with write_transaction(db):
        row = get_list(db, name)
        if row is None:
            raise ListNotFound(f"no list named {name!r}")
        shown = {k: row[k] for k in SHOW_KEYS}
        path = storage_path(db, row)
        if row["kind"] == "watchlist":
            delete_entries(db, row["id"], None)
            conn.execute("DELETE FROM lists WHERE id = ?", (row["id"],))
            reindex(db, name, None)
        else:
            conn.execute("DELETE FROM lists WHERE id = ?", (row["id"],))
        log_action(db, name, "remove", row["version"], 0)
    if path is not None:
        docfiles.remove_file(path)
    log.info("removed list %s", name)
    return shown


def storage_in_use(db) -> set[str]:
    """File names of documents lists that the database points to."""
    return {r[0] for r in db.conn.execute("SELECT storage FROM lists WHERE storage IS NOT NULL")}
