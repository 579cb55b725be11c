"""Named migrations of users, tokens, scans, dispositions and the audit log."""

from sqlite_utils import Migrations

migrations = Migrations("appliance.web")


@migrations(name="0001_users_tokens")
def m0001_users_tokens(db):
    """People (argon2 hashes, role, lockout state) and API tokens (hashed, role, lanes)."""
    db.execute(
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT,
            session_epoch INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            last_login_at TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            prefix TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL,
            lanes TEXT NOT NULL,
            label TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL DEFAULT '',
            last_used_at TEXT,
            revoked_at TEXT
        )
        """
    )


@migrations(name="0002_scans")
def m0002_scans(db):
    """Encounters (one per read), officers' dispositions and approved suppressions."""
    db.execute(
        """
        CREATE TABLE scans (
            id INTEGER PRIMARY KEY,
            read_id TEXT UNIQUE,
            lane TEXT NOT NULL,
            source TEXT NOT NULL,
            created_at TEXT NOT NULL,
            decision TEXT NOT NULL,
            doc_key TEXT,
            mrz TEXT NOT NULL,
            result TEXT NOT NULL,
            elapsed_ms REAL,
            submitted_by TEXT NOT NULL DEFAULT ''
        )
        """
    )
    db.execute("CREATE INDEX scans_lane ON scans(lane, id)")
    db.execute("CREATE INDEX scans_created ON scans(created_at)")
    db.execute(
        """
        CREATE TABLE dispositions (
            id INTEGER PRIMARY KEY,
            scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
            action TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            referred INTEGER NOT NULL DEFAULT 0,
            username TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX dispositions_scan ON dispositions(scan_id)")
    db.execute(
        """
        CREATE TABLE suppressions (
            id INTEGER PRIMARY KEY,
            doc_key TEXT NOT NULL,
            list_name TEXT NOT NULL,
            entry_ref TEXT NOT NULL,
            scan_id INTEGER,
            reason TEXT NOT NULL,
            days INTEGER NOT NULL,
            status TEXT NOT NULL,
            requested_by TEXT NOT NULL,
            requested_at TEXT NOT NULL,
            decided_by TEXT,
            decided_at TEXT,
            expires_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX suppressions_doc ON suppressions(doc_key, status)")


@migrations(name="0003_audit_lanes")
def m0003_audit_lanes(db):
    """Append-only, hash-chained audit log (triggers forbid change) and reader state per lane."""
    db.execute(
        """
        CREATE TABLE audit_log (
            seq INTEGER PRIMARY KEY,
            ts TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '{}',
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )
        """
    )
    db.execute(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
    )
    db.execute(
        """
        CREATE TABLE lane_status (
            lane TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            profile TEXT,
            port TEXT,
            last_read_at TEXT,
            reads INTEGER,
            read_errors INTEGER,
            detail TEXT,
            reported_at TEXT NOT NULL
        )
        """
    )


@migrations(name="0004_read_times_decisions_images")
def m0004_read_times_decisions_images(db):
    """Read time of each scan, one current decision per scan (changes kept with reasons), uploaded document images."""
    db.execute("ALTER TABLE scans ADD COLUMN read_at TEXT")
    db.execute("ALTER TABLE dispositions ADD COLUMN replaces INTEGER")
    db.execute("ALTER TABLE dispositions ADD COLUMN change_reason TEXT")
    db.execute("ALTER TABLE dispositions ADD COLUMN superseded_at TEXT")
    # boxes from before this migration may hold several dispositions of one scan: the newest is the decision
    db.execute(
        "UPDATE dispositions SET superseded_at = created_at"
        " WHERE id NOT IN (SELECT max(id) FROM dispositions GROUP BY scan_id)"
    )
    db.execute("CREATE UNIQUE INDEX dispositions_current ON dispositions(scan_id) WHERE superseded_at IS NULL")
    db.execute("CREATE INDEX scans_decision ON scans(decision, lane, id)")
    db.execute(
        """
        CREATE TABLE scan_images (
            scan_id INTEGER PRIMARY KEY REFERENCES scans(id) ON DELETE CASCADE,
            media_type TEXT NOT NULL,
            data BLOB NOT NULL,
            created_at TEXT NOT NULL
        )
        """
    )
