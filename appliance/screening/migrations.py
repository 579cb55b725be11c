"""Named migrations of the screening engine's derived index tables.

Everything here is derived from the watchlist entries by :func:`appliance.screening.index.reindex`
and can be rebuilt at any time (``appliance screen --reindex``).
"""

from sqlite_utils import Migrations

migrations = Migrations("appliance.screening")


@migrations(name="screening_index_v1")
def screening_index_v1(db):
    """Candidate-key tables: names, token vocabulary with keys, postings, entry features."""
    db.execute(
        """CREATE TABLE IF NOT EXISTS screening_entries (
            list_name TEXT NOT NULL,
            entry_id TEXT NOT NULL,
            features TEXT NOT NULL,
            PRIMARY KEY (list_name, entry_id)
        )"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS screening_names (
            name_id INTEGER PRIMARY KEY,
            list_name TEXT NOT NULL,
            entry_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            weak INTEGER NOT NULL DEFAULT 0,
            script TEXT NOT NULL DEFAULT 'latin',
            display TEXT NOT NULL,
            tokens TEXT NOT NULL,
            surname_count INTEGER,
            consonantal INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS screening_names_entry ON screening_names (list_name, entry_id)")
    db.execute(
        """CREATE TABLE IF NOT EXISTS screening_vocab (
            token_id INTEGER PRIMARY KEY,
            token TEXT NOT NULL UNIQUE,
            df INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS screening_vocab_keys (
            key TEXT NOT NULL,
            token_id INTEGER NOT NULL,
            PRIMARY KEY (key, token_id)
        ) WITHOUT ROWID"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS screening_postings (
            token_id INTEGER NOT NULL,
            name_id INTEGER NOT NULL,
            PRIMARY KEY (token_id, name_id)
        ) WITHOUT ROWID"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS screening_doc_keys (
            number TEXT NOT NULL,
            list_name TEXT NOT NULL,
            entry_id TEXT NOT NULL,
            PRIMARY KEY (number, list_name, entry_id)
        ) WITHOUT ROWID"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS screening_meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )"""
    )


@migrations(name="screening_index_v2_birth_years")
def screening_index_v2_birth_years(db):
    """Postings carry the listed birth-year range (for ranking candidates); the index is rebuilt.

    The derived tables are emptied; ``Screener`` (or ``appliance screen --reindex``) rebuilds
    them from the watchlist entries.
    """
    db.execute("DROP TABLE IF EXISTS screening_postings")
    db.execute(
        """CREATE TABLE screening_postings (
            token_id INTEGER NOT NULL,
            name_id INTEGER NOT NULL,
            yob_lo INTEGER NOT NULL DEFAULT 0,
            yob_hi INTEGER NOT NULL DEFAULT 9999,
            PRIMARY KEY (token_id, name_id)
        ) WITHOUT ROWID"""
    )
    for table in ("screening_names", "screening_entries", "screening_doc_keys", "screening_meta"):
        db.execute(f"DELETE FROM {table}")
    db.execute("UPDATE screening_vocab SET df = 0")
