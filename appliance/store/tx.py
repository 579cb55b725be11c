"""One write transaction on the main database (BEGIN IMMEDIATE ... COMMIT, rolled back on error)."""

from __future__ import annotations

import contextlib
import secrets


@contextlib.contextmanager
def write_transaction(db):
    """Hold the write lock for the block; commit at the end, roll back on any exception.

    Inside a transaction the caller already holds (for example the sync client recording the
    version it applied), the block runs in a savepoint and the caller commits.
    """
    conn = db.conn
    if conn.in_transaction:
        name = f"store_{secrets.token_hex(4)}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield db
        except BaseException:
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            conn.execute(f"RELEASE SAVEPOINT {name}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
