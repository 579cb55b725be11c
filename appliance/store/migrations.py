"""Named migrations of the lists and documents store (see docs/lists.md for the tables)."""

from sqlite_utils import Migrations

migrations = Migrations("appliance.store")


def _run(db, script: str) -> None:
    """Run DDL statements one by one (executescript would commit the migration's transaction)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations(name="0001_lists_and_watchlists")
def m0001_lists_and_watchlists(db):
    """Lists and watchlist entries with their names, dates of birth, nationalities, documents."""
    _run(
        db,
        """
        CREATE TABLE lists (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL CHECK (kind IN ('watchlist', 'documents')),
            source TEXT,
            format TEXT,
            version TEXT,
            published_at TEXT,
            imported_at TEXT,
            persons INTEGER NOT NULL DEFAULT 0,
            entities INTEGER NOT NULL DEFAULT 0,
            names INTEGER NOT NULL DEFAULT 0,
            documents INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE watchlist_entries (
            id INTEGER PRIMARY KEY,
            list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
            entry_id TEXT NOT NULL,
            entity_type TEXT NOT NULL,
            primary_name TEXT NOT NULL,
            sex TEXT,
            programme TEXT,
            remarks TEXT,
            listed_on TEXT,
            data TEXT NOT NULL,
            UNIQUE (list_id, entry_id)
        );
        CREATE TABLE watchlist_names (
            entry INTEGER NOT NULL REFERENCES watchlist_entries(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            quality TEXT,
            script TEXT
        );
        CREATE INDEX watchlist_names_entry ON watchlist_names(entry);
        CREATE TABLE watchlist_dobs (
            entry INTEGER NOT NULL REFERENCES watchlist_entries(id) ON DELETE CASCADE,
            date_from TEXT NOT NULL,
            date_to TEXT NOT NULL,
            precision TEXT NOT NULL,
            approximate INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX watchlist_dobs_entry ON watchlist_dobs(entry);
        CREATE TABLE watchlist_nationalities (
            entry INTEGER NOT NULL REFERENCES watchlist_entries(id) ON DELETE CASCADE,
            country TEXT NOT NULL
        );
        CREATE INDEX watchlist_nationalities_entry ON watchlist_nationalities(entry);
        CREATE TABLE watchlist_documents (
            id INTEGER PRIMARY KEY,
            entry INTEGER NOT NULL REFERENCES watchlist_entries(id) ON DELETE CASCADE,
            document_type TEXT NOT NULL,
            number TEXT NOT NULL,
            normalized TEXT NOT NULL,
            issuing_state TEXT NOT NULL DEFAULT '',
            note TEXT
        );
        CREATE INDEX watchlist_documents_entry ON watchlist_documents(entry);
        """
    )


@migrations(name="0002_document_lookup")
def m0002_document_lookup(db):
    """Document lookup keys: lists get a storage file and hashing flag; listed people's documents get keys."""
    _run(
        db,
        """
        ALTER TABLE lists ADD COLUMN storage TEXT;
        ALTER TABLE lists ADD COLUMN hashed INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE watchlist_doc_keys (
            state INTEGER NOT NULL,
            num NOT NULL,
            pfx NOT NULL,
            kind INTEGER NOT NULL,
            document INTEGER NOT NULL REFERENCES watchlist_documents(id) ON DELETE CASCADE,
            tail TEXT
        );
        CREATE INDEX watchlist_doc_keys_lookup ON watchlist_doc_keys(state, num);
        CREATE INDEX watchlist_doc_keys_document ON watchlist_doc_keys(document);
        CREATE TABLE list_imports (
            id INTEGER PRIMARY KEY,
            list TEXT NOT NULL,
            action TEXT NOT NULL,
            version TEXT,
            at TEXT NOT NULL,
            records INTEGER NOT NULL DEFAULT 0,
            rejected INTEGER NOT NULL DEFAULT 0
        );
        """
    )
