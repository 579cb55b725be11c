"""Open the appliance database: WAL, busy timeout, and every named migration set applied."""

from __future__ import annotations

import importlib
import sqlite3
from pathlib import Path

import sqlite_utils

DB_FILENAME = "appliance.db"

#: Migration sets applied in this order, each owned by one area ("module:attribute").
MIGRATION_SETS = (
    "appliance.store.migrations:migrations",
    "appliance.screening.migrations:migrations",
    "appliance.web.migrations:migrations",
    "sync.client.migrations:migrations",
    "appliance.store.trust:migrations",
    "appliance.manifests.migrations:migrations",
)


def migration_sets():
    """Return the sqlite-utils Migrations objects in order."""
    out = []
    for spec in MIGRATION_SETS:
        module_name, attr = spec.split(":")
        out.append(getattr(importlib.import_module(module_name), attr))
    return out


def connect(path: str | Path, *, busy_timeout_ms: int = 5000, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the database at ``path`` in WAL mode and migrate it."""
    conn = sqlite3.connect(str(path), timeout=busy_timeout_ms / 1000, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    db = sqlite_utils.Database(conn)
    if migrate:
        for migrations in migration_sets():
            migrations.apply(db)
    return db


def database_path(data_dir: str | Path) -> Path:
    """Path of the appliance database inside a data directory."""
    return Path(data_dir) / DB_FILENAME
