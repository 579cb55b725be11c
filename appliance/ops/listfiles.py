"""Documents list files in backups: a consistent cut at backup time, atomic placement at restore.

Each documents list lives in its own SQLite file under ``<data dir>/lists/`` and the main
database's ``lists`` row names it (``storage``) and records its version and record count. The
store changes that pair only under the main database's write lock:

* a full import builds a new file aside, then switches ``lists.storage`` to it in one short
  write transaction, and deletes the old file after that commit;
* a change set is one transaction on the list file, committed while the main database's
  write transaction (which updates ``lists.version`` / ``documents``) is still open.

So while a connection holds the main write lock, every list file agrees with the row that
names it. :func:`open_cut` takes that lock for a moment, starts a read transaction on the
main database and on every list file it names, and lets the lock go: those read
transactions (WAL snapshots) are one consistent pair, copied afterwards through SQLite's
online backup API while imports, change sets and scans go on. A file deleted by a later
switch stays readable through the descriptor the cut holds.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BackupError

log = logging.getLogger(__name__)

LISTS_DIR = "lists"
#: A list file name as the store makes them (no folders, no dot files).
_STORAGE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\.db$")


@dataclass
class ListSource:
    """One documents list named by the main database at the cut, and its open snapshot."""

    name: str
    storage: str
    hashed: bool
    documents: int | None
    version: str | None
    conn: sqlite3.Connection | None = None  # None: the file is missing or unreadable
    problem: str | None = None


@dataclass
class Cut:
    """Read snapshots of the main database and of its list files, taken at one instant."""

    main: sqlite3.Connection
    lists: list[ListSource] = field(default_factory=list)

    def release_main(self) -> None:
        """End the main database's read transaction (once its copy is made)."""
        if self.main is not None:
            self.main.close()
            self.main = None

    def close(self) -> None:
        """End every read transaction."""
        self.release_main()
        for src in self.lists:
            if src.conn is not None:
                src.conn.close()
                src.conn = None


def valid_storage(name) -> bool:
    """True for a plain list file name (a crafted database or archive cannot name another path)."""
    return isinstance(name, str) and bool(_STORAGE_NAME.match(name)) and ".." not in name


def documents_lists(conn: sqlite3.Connection) -> list[dict]:
    """The documents lists a database names: name, storage, hashed, documents, version."""
    try:
        rows = conn.execute(
            "SELECT name, storage, hashed, documents, version FROM lists"
            " WHERE kind = 'documents' AND storage IS NOT NULL ORDER BY name").fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc) or "no such column" in str(exc):
            return []  # a database without the list store, or from before list files
        raise
    return [dict(zip(("name", "storage", "hashed", "documents", "version"), r)) for r in rows]


def open_cut(db_path: Path, data_dir: Path, *, with_lists: bool = True, timeout: float = 120.0) -> Cut:
    """Take the main write lock briefly and open read snapshots of the database and its list files."""
    try:
        lock = sqlite3.connect(str(db_path), timeout=timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {db_path}: {exc}") from None
    cut = None
    try:
        try:
            # waits for a change set or a list switch in progress (they hold this lock)
            lock.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise BackupError(f"{db_path} stayed locked for {timeout:.0f} s ({exc}); try again") from None
        main = sqlite3.connect(str(db_path), timeout=timeout, isolation_level=None)
        cut = Cut(main)
        main.execute("BEGIN")
        main.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the first read starts the snapshot
        rows = documents_lists(main)
        for row in rows:
            src = ListSource(row["name"], row["storage"], bool(row["hashed"]), row["documents"], row["version"])
            cut.lists.append(src)
            if not with_lists:
                continue
            if not valid_storage(src.storage):
                src.problem = f"unexpected file name {src.storage!r}"
                continue
            path = Path(data_dir) / LISTS_DIR / src.storage
            try:
                # mode=rw: never create an empty file in place of a missing list
                conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=timeout, isolation_level=None)
                try:
                    conn.execute("BEGIN")
                    conn.execute("SELECT count(*) FROM meta").fetchone()  # opens the snapshot (and the WAL)
                except sqlite3.Error:
                    conn.close()
                    raise
                src.conn = conn
            except sqlite3.Error as exc:
                src.problem = f"{path} cannot be read ({exc})"
                log.warning("documents list %s: %s", src.name, src.problem)
    except sqlite3.Error as exc:
        if cut is not None:
            cut.close()
        raise BackupError(f"cannot read {db_path}: {exc}") from None
    except BaseException:
        if cut is not None:
            cut.close()
        raise
    finally:
        try:
            if lock.in_transaction:
                lock.execute("ROLLBACK")
        finally:
            lock.close()
    return cut


def copy_snapshot(conn: sqlite3.Connection, dest: Path) -> None:
    """Copy the database behind ``conn`` (inside its open read transaction, if any) to ``dest``."""
    dst = sqlite3.connect(str(dest))
    try:
        conn.backup(dst)  # pages=-1: every page in one step, from the connection's snapshot
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    finally:
        dst.close()


def file_meta(path: Path) -> dict:
    """The ``meta`` table of a list file (list, version, documents, hashed)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT key, value FROM meta").fetchall())
    finally:
        conn.close()


def copy_list(src: ListSource, dest: Path) -> dict:
    """Copy one list's snapshot to ``dest``; return its manifest entry (name, counts)."""
    try:
        copy_snapshot(src.conn, dest)
        meta = file_meta(dest)
    except sqlite3.Error as exc:
        raise BackupError(f"backup of documents list {src.name!r} failed: {exc}") from None
    entry = {"list": src.name, "version": src.version, "documents": src.documents, "hashed": src.hashed}
    if str(meta.get("documents")) != str(src.documents):
        # only after a crash between a change set's two commits: the sync client re-applies it
        entry["file_documents"] = meta.get("documents")
        log.warning("documents list %s: the file holds %s records, the database says %s",
                    src.name, meta.get("documents"), src.documents)
    return entry


# ---------------------------------------------------------------- restore


@dataclass
class ListRestore:
    """What a restore did with the documents lists."""

    restored: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # not in the backup; the box's own file kept
    missing: list[str] = field(default_factory=list)  # not in the backup nor on the box
    placed: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fresh_name(list_name: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", list_name)[:40].lstrip(".") or "list"
    return f"{safe}-{os.getpid()}-{os.urandom(4).hex()}.db"


def place_file(staged: Path, lists_dir: Path, list_name: str) -> Path:
    """Move a complete, synced list file into ``lists_dir`` under a fresh name, atomically.

    A fresh name means no open connection, WAL or SHM file of the box's current version
    can ever be paired with the restored file.
    """
    final = lists_dir / _fresh_name(list_name)
    _fsync(staged)
    try:
        os.replace(staged, final)
    except OSError as exc:
        if exc.errno != errno.EXDEV:  # lists/ on another file system: copy beside, then rename
            raise
        part = final.with_name(final.name + ".part")
        shutil.copyfile(staged, part)
        _fsync(part)
        os.replace(part, final)
    _fsync(lists_dir)
    os.chmod(final, 0o600)
    return final


def _prepare_file(staged: Path, *, check: bool) -> dict:
    """Make a staged list file what the store expects (WAL) and read its meta; BackupError if unusable."""
    try:
        conn = sqlite3.connect(str(staged), isolation_level=None)
        try:
            if check:
                verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
                if verdict != "ok":
                    raise BackupError(f"the list file {staged.name} in the backup fails SQLite's check: {verdict}")
            conn.execute("PRAGMA journal_mode = WAL")
            return dict(conn.execute("SELECT key, value FROM meta").fetchall())
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupError(f"the list file {staged.name} in the backup cannot be read ({exc})") from None


def restore_lists(restored_db: Path, staged_dir: Path | None, data_dir: Path, *, legacy: bool = False) -> ListRestore:
    """Put the backup's list files in place and point the restored database (not yet live) at them.

    ``staged_dir`` holds the extracted list files by their stored names (None: the backup has
    none). A list whose file is not in the backup keeps the box's file of that name when there
    is one (its row takes the file's version and count); otherwise its version is cleared, so
    the sync client fetches a full snapshot, and checks against it fail loudly until then.
    """
    out = ListRestore()
    lists_dir = Path(data_dir) / LISTS_DIR
    conn = sqlite3.connect(str(restored_db), isolation_level=None)
    try:
        rows = documents_lists(conn)
        conn.execute("BEGIN")
        for row in rows:
            name, storage = row["name"], row["storage"]
            staged = staged_dir / storage if (staged_dir is not None and valid_storage(storage)) else None
            if staged is not None and staged.is_file():
                meta = _prepare_file(staged, check=legacy)
                if str(meta.get("documents")) != str(row["documents"]):
                    out.warnings.append(f"documents list {name}: the file holds {meta.get('documents')} records,"
                                        f" the database {row['documents']} (the sync client re-applies the last change)")
                lists_dir.mkdir(parents=True, exist_ok=True)
                final = place_file(staged, lists_dir, name)
                out.placed.append(final)
                conn.execute("UPDATE lists SET storage = ? WHERE name = ?", (final.name, name))
                out.restored.append(name)
                continue
            here = lists_dir / storage if valid_storage(storage) else None
            meta = None
            if here is not None and here.is_file():
                try:
                    meta = file_meta(here)
                except sqlite3.Error:
                    meta = None
            if meta is not None and str(meta.get("documents", "")).isdigit():
                conn.execute("UPDATE lists SET version = ?, documents = ? WHERE name = ?",
                             (meta.get("version"), int(meta["documents"]), name))
                out.kept.append(name)
            else:
                conn.execute("UPDATE lists SET version = NULL, documents = 0 WHERE name = ?", (name,))
                out.missing.append(name)
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        discard(out.placed)
        raise BackupError(f"the documents lists of the backup could not be restored ({exc})") from None
    except BaseException:
        discard(out.placed)
        raise
    finally:
        conn.close()
    return out




def discard(paths) -> None:
    """Delete list files (and their WAL/SHM companions)."""
    for p in paths:
        for q in (Path(p), Path(f"{p}-wal"), Path(f"{p}-shm"), Path(f"{p}-journal")):
            try:
                q.unlink()
            except FileNotFoundError:
                pass


def storages_of(db_path: Path) -> set[str]:
    """List file names a database points to (empty when there is no database or no list store)."""
    if not Path(db_path).is_file() or Path(db_path).stat().st_size == 0:
        return set()
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return {r["storage"] for r in documents_lists(conn)}
    except sqlite3.Error:
        return set()
    finally:
        conn.close()


def remove_replaced(data_dir: Path, before: set[str], after: set[str]) -> list[str]:
    """Delete the list files the database named before the restore and no longer names."""
    gone = sorted(s for s in before - after if valid_storage(s))
    discard(Path(data_dir) / LISTS_DIR / s for s in gone)
    return gone
