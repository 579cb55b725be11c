"""One write transaction on the main database (BEGIN IMMEDIATE ... COMMIT, rolled back on error)."""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def write_transaction(db):
    """Hold the write lock for the block; commit at the end, roll back on any exception."""
    conn = db.conn
    if conn.in_transaction:
        conn.execute("COMMIT")  # an implicit transaction left open by a plain read-write call
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
