"""Document list files: one compact SQLite file per lost/stolen documents list.

A documents list lives in ``<data dir>/lists/<name>-<token>.db`` with a single WITHOUT ROWID
table whose primary key is the lookup key (see :mod:`.dockeys`), so the table is its own index.
A full import builds a new file with journaling off (staging rows, then one sorted insert),
fsyncs it and only then points the ``lists`` row at it; the old file is deleted after that
commit. Change sets are one transaction on the list's file (WAL).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import re
import secrets
import sqlite3
import threading
from pathlib import Path
from typing import Iterable

from ..lists.docnumbers import _NOT_ALNUM, STATUS_CODES, state_code, type_code
from .dockeys import Hasher, keys_of

log = logging.getLogger(__name__)

LISTS_DIR = "lists"
_EPOCH = dt.date(1970, 1, 1).toordinal()
DOCS_DDL = (
    "CREATE TABLE docs (state INTEGER NOT NULL, num NOT NULL, pfx NOT NULL, kind INTEGER NOT NULL,"
    " info INTEGER NOT NULL, ref TEXT, tail TEXT, PRIMARY KEY (state, num, pfx, kind)) WITHOUT ROWID"
)
META_DDL = "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)"
BATCH = 20000


@functools.lru_cache(maxsize=65536)
def _days(reported_on: str | None) -> int:
    """Days since 1970-01-01 of an ISO date (0 when unknown)."""
    if not reported_on:
        return 0
    return dt.date.fromisoformat(reported_on).toordinal() - _EPOCH


def pack_info(status: str, reported_on: str | None) -> int:
    """Status and report date in one small integer: days * 8 + status code."""
    return _days(reported_on) * 8 + STATUS_CODES[status]


def unpack_info(info: int) -> tuple[str, str | None]:
    """Inverse of :func:`pack_info`."""
    from ..lists.docnumbers import STATUSES

    days, code = divmod(info, 8)
    reported = dt.date.fromordinal(days + _EPOCH).isoformat() if days else None
    return STATUSES[code], reported


def key_rows(records: Iterable[tuple], hasher: Hasher):
    """Turn (state, type, number, status, reported_on, reference) tuples into docs rows.

    Rows are 7-tuples (state, num, pfx, kind, info, ref, tail), or 5-tuples when ref and
    tail are both NULL (binding two fewer parameters is a third cheaper in bulk loads).

    One tight loop with caches: it runs once per record of a 10^8-record list.
    """
    infos: dict = {}
    states: dict = {}
    types: dict = {}
    sub = _NOT_ALNUM.sub
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    plain = hasher.key is None
    for state, dtype, number, status, reported, ref in records:
        info = infos.get((status, reported))
        if info is None:
            info = infos[(status, reported)] = pack_info(status, reported)
        sc = states.get(state)
        if sc is None:
            sc = states[state] = state_code(state)
        tc2 = types.get(dtype)
        if tc2 is None:
            tc2 = types[dtype] = type_code(dtype) * 2
        if number.isalnum() and number.isascii():
            n = number.upper()
        else:
            n = sub("", number.upper())
            if not n:
                continue
        if plain and len(n) <= 9:
            if n[0] <= "9":
                pfx, rest = "", n
            else:
                rest = n.lstrip(letters)
                if rest:
                    pfx = n[: len(n) - len(rest)]
                else:
                    pfx, rest = "", n
            if rest[0] != "0" and rest.isdigit():
                rest = int(rest)
            if ref is None:
                yield sc, rest, pfx, tc2, info  # the common short form: ref and tail are NULL
            else:
                yield sc, rest, pfx, tc2, info, ref, None
        else:
            for sc_, num, pfx, kind, tail in keys_of(n, state, sc, tc2, hasher):
                yield sc_, num, pfx, kind, info, ref, tail


def lists_dir(data_dir: str | Path) -> Path:
    """The folder of document list files (created when missing)."""
    d = Path(data_dir) / LISTS_DIR
    d.mkdir(parents=True, exist_ok=True)
    return d


def new_path(data_dir: str | Path, list_name: str) -> Path:
    """A fresh file name for a new version of a list (ends in .part until finished)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", list_name)[:40]
    return lists_dir(data_dir) / f"{safe}-{os.getpid()}-{secrets.token_hex(4)}.db.part"


class Builder:
    """Bulk-build a list file: stage rows unsorted, then one sorted insert into the keyed table."""

    def __init__(self, path: Path, hasher: Hasher, *, cache_mb: int = 64):
        self.path = path
        self.hasher = hasher
        self.stage_path = path.with_name(path.name + ".stage")
        self.conn = sqlite3.connect(str(path), isolation_level=None)
        c = self.conn
        c.execute("PRAGMA journal_mode = OFF")
        c.execute("PRAGMA synchronous = OFF")
        c.execute(f"PRAGMA cache_size = -{cache_mb * 1024}")
        c.execute("PRAGMA temp_store = FILE")
        c.execute("PRAGMA threads = 2")  # the sorter may use a helper thread
        c.execute(DOCS_DDL)
        c.execute(META_DDL)
        c.execute("ATTACH DATABASE ? AS stage", (str(self.stage_path),))
        c.execute("PRAGMA stage.journal_mode = OFF")
        c.execute("PRAGMA stage.synchronous = OFF")
        c.execute("CREATE TABLE stage.rows (state, num, pfx, kind, info, ref, tail)")
        c.execute("BEGIN")
        self.staged = 0

    def add(self, records: Iterable[tuple]) -> None:
        """Stage (state, type, number, status, reported_on, reference) tuples."""
        short: list = []
        full: list = []
        add_short, add_full = short.append, full.append
        for row in key_rows(records, self.hasher):
            if len(row) == 5:
                add_short(row)
                if len(short) >= BATCH:
                    self._flush(short, full)
            else:
                add_full(row)
                if len(full) >= BATCH:
                    self._flush(short, full)
        self._flush(short, full)

    def _flush(self, short: list, full: list) -> None:
        if short:
            self.conn.executemany("INSERT INTO stage.rows (state, num, pfx, kind, info) VALUES (?,?,?,?,?)", short)
            self.staged += len(short)
            short.clear()
        if full:
            self.conn.executemany("INSERT INTO stage.rows VALUES (?,?,?,?,?,?,?)", full)
            self.staged += len(full)
            full.clear()

    def finish(self, meta: dict) -> tuple[Path, int]:
        """Sort into the keyed table, write meta, fsync, rename; return (final path, records)."""
        c = self.conn
        c.execute(
            "INSERT OR REPLACE INTO docs SELECT state, num, pfx, kind, info, ref, tail FROM stage.rows"
            " ORDER BY state, num, pfx, kind, rowid"
        )
        c.execute("COMMIT")
        c.execute("DETACH DATABASE stage")
        _unlink(self.stage_path)
        records = c.execute("SELECT count(*) FROM docs WHERE kind % 2 = 0").fetchone()[0]
        meta = {**meta, "documents": str(records), "hashed": "1" if self.hasher.hashed else "0"}
        c.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, str(v)) for k, v in meta.items() if v is not None])
        c.execute("PRAGMA journal_mode = WAL")
        c.close()
        with open(self.path, "rb") as fh:
            os.fsync(fh.fileno())
        final = self.path.with_name(self.path.name[: -len(".part")])
        os.replace(self.path, final)
        _fsync_dir(final.parent)
        return final, records

    def abort(self) -> None:
        """Throw the half-built file away."""
        try:
            self.conn.close()
        except sqlite3.Error:  # pragma: no cover
            pass
        _unlink(self.stage_path)
        _unlink(self.path)


def _unlink(path: Path) -> None:
    for p in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm"), Path(str(path) + "-journal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def remove_file(path: Path) -> None:
    """Delete a list file and its WAL/SHM companions."""
    _unlink(path)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_writer(path: Path, busy_timeout_ms: int = 5000) -> sqlite3.Connection:
    """A connection for applying a change set to a list file."""
    conn = sqlite3.connect(str(path), timeout=busy_timeout_ms / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def create_empty(data_dir: Path, list_name: str, hasher: Hasher, meta: dict) -> tuple[Path, int]:
    """A new, empty list file (for a list first created by a change set)."""
    b = Builder(new_path(data_dir, list_name), hasher)
    return b.finish(meta)


_local = threading.local()


def reader(path: str | Path) -> sqlite3.Connection:
    """A per-thread read connection to a list file (cached; stale ones closed by :func:`prune`)."""
    cache = getattr(_local, "conns", None)
    if cache is None:
        cache = _local.conns = {}
    conn = cache.get(path)
    if conn is None:
        # mode=rw: never create an empty file in place of a missing list
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, check_same_thread=False)
        conn.execute("PRAGMA query_only = 1")
        conn.execute("PRAGMA cache_size = -8192")
        cache[path] = conn
    return conn


def prune(current: set) -> None:
    """Close this thread's cached connections to files that are no longer in use."""
    cache = getattr(_local, "conns", {})
    for path in [p for p in cache if p not in current]:
        cache.pop(path).close()


def cleanup(data_dir: str | Path, in_use: set[str]) -> int:
    """Delete list files no list points to (left by a killed import); returns how many."""
    d = Path(data_dir) / LISTS_DIR
    if not d.is_dir():
        return 0
    removed = 0
    for p in d.iterdir():
        name = p.name
        if name.endswith(("-wal", "-shm", "-journal")):
            continue
        if name.endswith(".db") and name in in_use:
            continue
        m = re.search(r"-(\d+)-[0-9a-f]{8}\.db", name)
        if m and _alive(int(m.group(1))):
            continue  # an import in a running process is building or committing it
        _unlink(p)
        removed += 1
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover
        return True
    return True
