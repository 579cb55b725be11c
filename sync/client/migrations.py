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
