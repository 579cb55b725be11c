"""The hub's schema, created by ``screening-hub init`` and checked at start-up."""

from __future__ import annotations

from .db import HubDatabase
from .errors import HubConfigError

SCHEMA_VERSION = "1"

STATEMENTS = [
    "CREATE TABLE IF NOT EXISTS hub_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS signing_keys (
        key_id TEXT PRIMARY KEY,
        public_key TEXT NOT NULL,
        created_at TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 0,
        rotation TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS appliances (
        id {pk},
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        token_hash TEXT,
        token_expires TEXT,
        secret_hash TEXT,
        enrolled_at TEXT,
        last_seen TEXT,
        status TEXT NOT NULL DEFAULT '{}',
        disabled INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS lists (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        format TEXT NOT NULL,
        version INTEGER NOT NULL,
        record_count INTEGER NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS list_versions (
        list_name TEXT NOT NULL,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        upserts INTEGER NOT NULL,
        removals INTEGER NOT NULL,
        record_count INTEGER NOT NULL,
        source TEXT NOT NULL,
        PRIMARY KEY (list_name, version)
    )""",
    """CREATE TABLE IF NOT EXISTS list_records (
        list_name TEXT NOT NULL,
        record_key TEXT NOT NULL,
        data TEXT NOT NULL,
        data_hash TEXT NOT NULL,
        version INTEGER NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (list_name, record_key)
    )""",
    "CREATE INDEX IF NOT EXISTS list_records_version ON list_records (list_name, version)",
    """CREATE TABLE IF NOT EXISTS payloads (
        sha256 TEXT PRIMARY KEY,
        list_name TEXT NOT NULL,
        version INTEGER NOT NULL,
        base_version INTEGER NOT NULL,
        full_snapshot INTEGER NOT NULL,
        size {big} NOT NULL,
        record_count INTEGER NOT NULL,
        upserts INTEGER NOT NULL,
        removals INTEGER NOT NULL,
        data {blob} NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (list_name, version, base_version)
    )""",
    """CREATE TABLE IF NOT EXISTS records (
        appliance_id {big} NOT NULL,
        record_key TEXT NOT NULL,
        kind TEXT NOT NULL,
        priority INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        payload TEXT NOT NULL,
        PRIMARY KEY (appliance_id, record_key)
    )""",
    "CREATE INDEX IF NOT EXISTS records_hits ON records (priority, received_at)",
]


def create(db: HubDatabase) -> None:
    """Create every table (idempotent) and record the schema version."""
    db.ddl(STATEMENTS)
    with db.tx(write=True) as cur:
        cur.execute(
            "INSERT INTO hub_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO NOTHING",
            [SCHEMA_VERSION],
        )


def check(db: HubDatabase) -> None:
    """Fail with a clear message unless ``screening-hub init`` has prepared this database."""
    try:
        with db.tx() as cur:
            row = cur.execute("SELECT value FROM hub_meta WHERE key = 'schema_version'").fetchone()
    except HubConfigError:
        raise
    except Exception as exc:  # sqlite3.Error / psycopg.Error: table missing
        raise HubConfigError(f"the hub database is not initialised (run `screening-hub init`): {type(exc).__name__}") from None
    if row is None or row[0] != SCHEMA_VERSION:
        raise HubConfigError("the hub database has an unknown schema version (run `screening-hub init`)")
