"""Named migrations of the box's sync state and outbox."""

from sqlite_utils import Migrations

migrations = Migrations("sync.client")


@migrations(name="0001_outbox")
def m0001_outbox(db):
    """Outbox of records waiting for the hub, written in the same transaction as the record."""
    db.execute(
        """
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            record_key TEXT NOT NULL UNIQUE,
            priority INTEGER NOT NULL DEFAULT 0,
            payload TEXT NOT NULL,
            created_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            delivered_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX outbox_pending ON outbox(delivered_at, priority DESC, seq)")


@migrations(name="0002_sync_state")
def m0002_sync_state(db):
    """Enrollment and link state, lists held from the hub, refused-update alarms, rejected records."""
    db.execute("CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        """
        CREATE TABLE sync_lists (
            list_name TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            key_id TEXT,
            payload_sha256 TEXT,
            created TEXT,
            fresh_until TEXT,
            applied_at TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE sync_alarms (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            list_name TEXT,
            detail TEXT NOT NULL,
            first_at TEXT NOT NULL,
            last_at TEXT NOT NULL,
            count INTEGER NOT NULL DEFAULT 1,
            resolved_at TEXT,
            acknowledged_at TEXT
        )
        """
    )
    db.execute("ALTER TABLE outbox ADD COLUMN rejected_at TEXT")
    db.execute("ALTER TABLE outbox ADD COLUMN last_error TEXT")
