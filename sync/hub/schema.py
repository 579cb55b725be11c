"""The hub's schema, created by ``screening-hub init`` and checked at start-up."""

from __future__ import annotations

from .db import HubDatabase
from .errors import HubConfigError

SCHEMA_VERSION = "2"
#: older schema versions that ``screening-hub init`` upgrades in place (new tables only)
UPGRADABLE = ("1",)

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
    "CREATE INDEX IF NOT EXISTS records_received ON records (received_at)",
]

#: The hit desk, notifications and the console (schema version 2).
DESK_STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS hits (
        id {pk},
        appliance_id {big} NOT NULL,
        read_id TEXT NOT NULL,
        record_key TEXT NOT NULL,
        scan_id TEXT,
        decision TEXT NOT NULL,
        post TEXT NOT NULL,
        lane TEXT NOT NULL,
        read_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        lists TEXT NOT NULL,
        card TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'new',
        assignee TEXT,
        outcome TEXT,
        booth_action TEXT,
        updated_at TEXT NOT NULL,
        UNIQUE (appliance_id, read_id)
    )""",
    "CREATE INDEX IF NOT EXISTS hits_state ON hits (state, id)",
    "CREATE INDEX IF NOT EXISTS hits_post ON hits (post, id)",
    "CREATE INDEX IF NOT EXISTS hits_decision ON hits (decision, id)",
    "CREATE INDEX IF NOT EXISTS hits_read_at ON hits (read_at)",
    """CREATE TABLE IF NOT EXISTS hit_history (
        id {pk},
        hit_id {big} NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS hit_history_hit ON hit_history (hit_id, id)",
    """CREATE TABLE IF NOT EXISTS booth_dispositions (
        appliance_id {big} NOT NULL,
        record_key TEXT NOT NULL,
        read_id TEXT NOT NULL,
        action TEXT NOT NULL,
        referred INTEGER NOT NULL,
        reason TEXT NOT NULL,
        officer TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (appliance_id, record_key)
    )""",
    "CREATE INDEX IF NOT EXISTS booth_dispositions_read ON booth_dispositions (appliance_id, read_id)",
    """CREATE TABLE IF NOT EXISTS desk_events (
        seq {pk},
        hit_id {big} NOT NULL,
        kind TEXT NOT NULL,
        at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS encounter_counts (
        hour TEXT NOT NULL,
        appliance_id {big} NOT NULL,
        post TEXT NOT NULL,
        encounters INTEGER NOT NULL,
        hits INTEGER NOT NULL,
        possible INTEGER NOT NULL,
        PRIMARY KEY (hour, appliance_id)
    )""",
    """CREATE TABLE IF NOT EXISTS post_counts (
        hour TEXT NOT NULL,
        post TEXT NOT NULL,
        encounters INTEGER NOT NULL,
        hits INTEGER NOT NULL,
        possible INTEGER NOT NULL,
        PRIMARY KEY (hour, post)
    )""",
    """CREATE TABLE IF NOT EXISTS notifications (
        id {pk},
        hit_id {big} NOT NULL,
        channel TEXT NOT NULL,
        event_id TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at TEXT NOT NULL,
        lease_until TEXT,
        lease_owner TEXT,
        last_error TEXT,
        created_at TEXT NOT NULL,
        delivered_at TEXT,
        UNIQUE (hit_id, channel)
    )""",
    "CREATE INDEX IF NOT EXISTS notifications_due ON notifications (state, next_at)",
    """CREATE TABLE IF NOT EXISTS console_users (
        id {pk},
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        created_at TEXT NOT NULL,
        last_login_at TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS console_sessions (
        token_hash TEXT PRIMARY KEY,
        user_id {big} NOT NULL,
        csrf TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        expires_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS audit_log (
        seq {big} PRIMARY KEY,
        ts TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
]

#: The audit log refuses UPDATE and DELETE (a database administrator can still drop the
#: triggers; the hash chain then shows any change).
AUDIT_GUARDS = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$",
        "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    ],
}


def create(db: HubDatabase) -> None:
    """Create every table (idempotent) and record the schema version."""
    db.ddl(STATEMENTS + DESK_STATEMENTS)
    with db.tx(write=True) as cur:
        row = cur.execute("SELECT value FROM hub_meta WHERE key = 'schema_version'").fetchone()
        if row and row[0] != SCHEMA_VERSION and row[0] not in UPGRADABLE:
            raise HubConfigError(f"the hub database has schema version {row[0]}, newer than this hub ({SCHEMA_VERSION})")
        cur.execute(
            "INSERT INTO hub_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [SCHEMA_VERSION],
        )
    db.ddl(AUDIT_GUARDS[db.dialect])


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
        raise HubConfigError("the hub database has an older or unknown schema version (run `screening-hub init` to upgrade it)")
