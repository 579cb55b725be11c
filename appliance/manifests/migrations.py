"""Named migrations of the manifests area (tables described in docs/manifests.md)."""

from sqlite_utils import Migrations

migrations = Migrations("appliance.manifests")


@migrations(name="0001_manifests")
def m0001_manifests(db):
    """Manifests (one arrival each), their persons with verdicts and presentation, and their history."""
    for statement in (
        """
        CREATE TABLE manifests (
            id INTEGER PRIMARY KEY,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
            voyage_key TEXT NOT NULL,
            carrier TEXT, voyage TEXT, vessel TEXT, vessel_id TEXT, mode TEXT, flag_state TEXT,
            departure_port TEXT, departure_at TEXT, arrival_port TEXT, arrival_at TEXT,
            format TEXT NOT NULL,
            sources TEXT NOT NULL DEFAULT '[]',
            warnings TEXT NOT NULL DEFAULT '[]',
            declared TEXT NOT NULL DEFAULT '{}',
            persons INTEGER NOT NULL DEFAULT 0,
            crew INTEGER NOT NULL DEFAULT 0,
            passengers INTEGER NOT NULL DEFAULT 0,
            list_versions TEXT NOT NULL DEFAULT '{}',
            imported_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            screened_at TEXT,
            closed_at TEXT
        )
        """,
        "CREATE INDEX manifests_open ON manifests(status, voyage_key)",
        """
        CREATE TABLE manifest_persons (
            id INTEGER PRIMARY KEY,
            manifest_id INTEGER NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('crew', 'passenger')),
            surname TEXT NOT NULL,
            given_names TEXT NOT NULL DEFAULT '',
            sex TEXT,
            birth_date TEXT,
            nationality TEXT,
            doc_type TEXT,
            doc_number TEXT,
            doc_key TEXT,
            doc_state TEXT,
            doc_expiry TEXT,
            name_key TEXT NOT NULL,
            data TEXT NOT NULL,
            decision TEXT NOT NULL,
            reasons TEXT NOT NULL DEFAULT '[]',
            matches TEXT NOT NULL DEFAULT '[]',
            list_versions TEXT NOT NULL DEFAULT '[]',
            screened_at TEXT NOT NULL,
            presented_at TEXT,
            presented_ref TEXT
        )
        """,
        "CREATE INDEX manifest_persons_manifest ON manifest_persons(manifest_id, seq)",
        "CREATE INDEX manifest_persons_doc ON manifest_persons(doc_key)",
        "CREATE INDEX manifest_persons_name ON manifest_persons(name_key, birth_date)",
        """
        CREATE TABLE manifest_events (
            id INTEGER PRIMARY KEY,
            manifest_id INTEGER NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '{}'
        )
        """,
        "CREATE INDEX manifest_events_manifest ON manifest_events(manifest_id, id)",
    ):
        db.execute(statement)
