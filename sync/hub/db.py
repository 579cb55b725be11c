"""One storage code path for SQLite and PostgreSQL (psycopg 3).

SQL is written once with ``?`` placeholders and portable syntax (``INSERT ... ON CONFLICT``);
this module adapts placeholders and the few DDL types that differ. Connections are kept
one per thread (waitress serves each request on a worker thread).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from .errors import HubConfigError

log = logging.getLogger(__name__)

_DDL_TYPES = {
    "sqlite": {"{pk}": "INTEGER PRIMARY KEY AUTOINCREMENT", "{blob}": "BLOB", "{big}": "INTEGER"},
    "postgresql": {"{pk}": "BIGSERIAL PRIMARY KEY", "{blob}": "BYTEA", "{big}": "BIGINT"},
}


def _describe(url: str) -> str:
    """A database URL without its password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}@{host}"
    return url


class Cursor:
    """A thin cursor that accepts ``?`` placeholders on both backends."""

    def __init__(self, raw, dialect: str):
        self._raw = raw
        self._pg = dialect == "postgresql"

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self._pg else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> "Cursor":
        """Run one statement."""
        self._raw.execute(self._sql(sql), tuple(params))
        return self

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run one statement for many rows; return the number of rows changed."""
        rows = [tuple(r) for r in rows]
        if not rows:
            return 0
        self._raw.executemany(self._sql(sql), rows)
        return max(self._raw.rowcount, 0)

    def fetchone(self):
        """Next row or None."""
        return self._raw.fetchone()

    def fetchall(self) -> list:
        """All remaining rows."""
        return self._raw.fetchall()

    @property
    def rowcount(self) -> int:
        """Rows changed by the last statement."""
        return self._raw.rowcount

    def dicts(self) -> list[dict]:
        """All remaining rows as dicts keyed by column name."""
        names = [d[0] for d in self._raw.description]
        return [dict(zip(names, row)) for row in self._raw.fetchall()]


class HubDatabase:
    """The hub's database: ``sqlite:///path``, a plain file path, or ``postgresql://...``."""

    def __init__(self, url: str):
        self.url = str(url)
        if self.url.startswith(("postgresql://", "postgres://")):
            self.dialect = "postgresql"
        elif "://" in self.url and not self.url.startswith("sqlite:///"):
            raise HubConfigError(
                f"unsupported database URL {_describe(self.url)!r}: use postgresql://..., sqlite:///PATH or a file path"
            )
        else:
            self.dialect = "sqlite"
            path = self.url[len("sqlite:///"):] if self.url.startswith("sqlite:///") else self.url
            self.path = Path(path)
        self._local = threading.local()
        self._all: list = []
        self._lock = threading.Lock()

    def __repr__(self):
        return f"HubDatabase({_describe(self.url)!r})"

    def _open(self):
        if self.dialect == "postgresql":
            import psycopg

            try:
                conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            except psycopg.Error as exc:
                raise HubConfigError(f"cannot connect to {_describe(self.url)}: {str(exc).strip()}") from None
            return conn
        try:
            conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise HubConfigError(f"cannot open {self.path}: {exc}") from None
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA busy_timeout = 30000")
        return conn

    def _conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is not None and self.dialect == "postgresql" and conn.closed:
            conn = None
        if conn is None:
            conn = self._open()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def tx(self, write: bool = False) -> Iterator[Cursor]:
        """A transaction on this thread's connection; committed on success, rolled back on error."""
        conn = self._conn()
        if self.dialect == "postgresql":
            raw = conn.cursor()
            try:
                with conn.transaction():
                    yield Cursor(raw, self.dialect)
            except Exception:
                if conn.broken:
                    self._local.conn = None
                raise
            finally:
                raw.close()
            return
        raw = conn.cursor()
        raw.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield Cursor(raw, self.dialect)
        except BaseException:
            conn.rollback()
            raise
        else:
            conn.commit()
        finally:
            raw.close()

    def ddl(self, statements: Iterable[str]) -> None:
        """Run schema statements, adapting the dialect-specific type tokens."""
        types = _DDL_TYPES[self.dialect]
        with self.tx(write=True) as cur:
            for stmt in statements:
                for token, real in types.items():
                    stmt = stmt.replace(token, real)
                cur.execute(stmt)

    def blob(self, value) -> bytes:
        """Normalise a blob column value to bytes."""
        return bytes(value) if value is not None else b""

    def close(self) -> None:
        """Close every connection this object opened."""
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            try:
                conn.close()
            except Exception:  # pragma: no cover - closing is best effort
                log.debug("closing a connection failed", exc_info=True)
        self._local = threading.local()
