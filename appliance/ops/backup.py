"""Online backup and restore of a box: its database, its documents lists and its small files.

A backup is a gzip'd tar holding ``appliance.db`` and every documents list file the database
names (``lists/<file>``), both copied through SQLite's online backup API from one consistent
cut while the services keep writing (see :mod:`.listfiles`), the data directory's other
files (keys, tokens; always ``document-hash.key``) under ``files/``, a copy of the
configuration under ``config/`` and, last, ``manifest.json`` with the SHA-256 of every
member. Large files are streamed through the tar, never held in memory. With a passphrase
the whole stream is sealed (see :mod:`.crypto`).

Restore (:mod:`.restore`) goes the same way back.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import logging
import os
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from appliance.store.docfiles import process_alive

from . import listfiles
from .crypto import EncryptingWriter
from .errors import BackupError

log = logging.getLogger(__name__)

DB_NAME = "appliance.db"
HASH_KEY = "document-hash.key"  # appliance.store.hashing.KEY_FILENAME
FORMAT = 2  # 2: list files under lists/ (a consistent cut), manifest last; 1 is still restored
#: Data-directory entries never copied into a backup (live database files, queues, old copies).
SKIP_DIRS = {"bridge-queue", "backups", "restored-config", "__pycache__"}
SKIP_SUFFIXES = ("-wal", "-shm", "-journal", ".tmp", ".lock", ".sock")
#: Cap for the *other* data files (list files and the database have none).
MAX_FILE = 64 * 1024 * 1024
GZIP_LEVEL = 1


@dataclass
class BackupSummary:
    """What a backup or restore did, for the command's report."""

    path: Path
    encrypted: bool
    tables: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    safety_copy: Path | None = None
    config_copy: Path | None = None
    lists_included: bool = True
    lists: dict[str, int] = field(default_factory=dict)  # documents lists in the backup: name -> records
    lists_left_out: list[str] = field(default_factory=list)  # lists named by the database but not copied
    lists_kept: list[str] = field(default_factory=list)  # restore: not in the backup, the box's file kept
    lists_removed: list[str] = field(default_factory=list)  # restore: replaced list files deleted
    warnings: list[str] = field(default_factory=list)


def _now_stamp() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def table_counts(db_path: Path) -> dict[str, int]:
    """Row count of every user table of the SQLite file at ``db_path``."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


def snapshot_database(source: Path, dest: Path, *, busy_timeout: float = 30.0) -> None:
    """Copy the live database ``source`` to ``dest`` in one read transaction (online)."""
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    try:
        src = sqlite3.connect(str(source), timeout=busy_timeout)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {source}: {exc}") from None
    try:
        dst = sqlite3.connect(str(dest))
        try:
            src.backup(dst)  # pages=-1: every page in one step, i.e. one consistent snapshot
            dst.execute("PRAGMA journal_mode = DELETE")
            check = dst.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupError(f"backup of {source} failed: {exc}") from None
    finally:
        src.close()
    if check != "ok":
        raise BackupError(f"the copy of {source} fails SQLite's check: {check}")


def _data_files(data_dir: Path) -> list[Path]:
    """The data directory's small regular files that belong in a backup (not the databases, not lists/)."""
    out = []
    for root, dirs, files in os.walk(data_dir):
        top = Path(root) == data_dir
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(".restore-")
                         and not (top and d == listfiles.LISTS_DIR))
        for name in sorted(files):
            path = Path(root) / name
            rel = path.relative_to(data_dir).as_posix()
            if rel in (DB_NAME, HASH_KEY) or name.endswith(SKIP_SUFFIXES) or ".before-restore-" in name:
                continue
            if path.is_symlink() or not path.is_file():
                continue
            if path.stat().st_size > MAX_FILE:
                log.warning("backup leaves out %s (over %d MB)", path, MAX_FILE >> 20)
                continue
            out.append(path)
    return out


class _HashingReader:
    """A file wrapper that hashes what tarfile reads from it (one pass over a large file)."""

    def __init__(self, fh):
        self.fh = fh
        self.sha = hashlib.sha256()

    def read(self, size=-1):
        """Read and hash."""
        data = self.fh.read(size)
        self.sha.update(data)
        return data


def _add(tar: tarfile.TarFile, name: str, path: Path, digests: dict) -> None:
    """Stream the file at ``path`` into the archive as ``name`` (never all in memory)."""
    info = tar.gettarinfo(str(path), arcname=name)
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    with open(path, "rb") as fh:
        reader = _HashingReader(fh)
        tar.addfile(info, reader)
    digests[name] = reader.sha.hexdigest()


def create_backup(data_dir: Path, out: Path, *, passphrase: str | None = None, config_path: Path | None = None,
                  kdf: dict | None = None, with_lists: bool = True, lock_timeout: float = 120.0) -> BackupSummary:
    """Write a backup of ``data_dir`` (and the config file) to ``out``; encrypt with a passphrase.

    The database and the documents list files are one consistent cut (see :mod:`.listfiles`);
    ``with_lists=False`` leaves the list files out (the hub can resend them).
    """
    data_dir, out = Path(data_dir), Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    summary = BackupSummary(path=out, encrypted=passphrase is not None, lists_included=with_lists)
    if not (data_dir / DB_NAME).is_file():
        raise BackupError(f"no database at {data_dir / DB_NAME}")
    partial = out.with_name(out.name + ".tmp")
    _remove_stale(out.parent, ".appliance-backup-")
    # staged copies go beside the output, on disk (not a RAM-backed /tmp): a list may be gigabytes
    with tempfile.TemporaryDirectory(prefix=f".appliance-backup-{os.getpid()}-", dir=out.parent) as tmp:
        staged_dir = Path(tmp)
        # The small files first, then the database: a checkpoint file such as audit.head
        # then never names a record the database copy lacks.
        sources = [(f"files/{p.relative_to(data_dir).as_posix()}", p) for p in _data_files(data_dir)]
        if config_path and Path(config_path).is_file():
            sources.append((f"config/{Path(config_path).name}", Path(config_path)))
        small: list[tuple[str, Path]] = []
        for name, path in sources:
            staged = staged_dir / "staged" / name
            staged.parent.mkdir(parents=True, exist_ok=True)
            try:
                shutil.copyfile(path, staged)
            except OSError as exc:
                raise BackupError(f"cannot read {path}: {exc.strerror}") from None
            small.append((name, staged))
            if name.startswith("files/"):
                summary.files.append(name[len("files/"):])
        digests: dict[str, str] = {}
        lists_manifest: dict = {"included": with_lists, "files": {}, "left_out": []}
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw:
                sink = EncryptingWriter(raw, passphrase, kdf=kdf) if passphrase is not None else raw
                # fast compression: an online backup should take little CPU from the booths
                with gzip.GzipFile(fileobj=sink, mode="wb", compresslevel=GZIP_LEVEL, mtime=0) as gz, \
                        tarfile.open(fileobj=gz, mode="w|") as tar:
                    for name, path in small:
                        _add(tar, name, path, digests)
                    _add_database_and_lists(tar, data_dir, staged_dir, summary, digests, lists_manifest,
                                            with_lists, lock_timeout)
                    manifest = {
                        "format": FORMAT,
                        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                        "data_dir": str(data_dir),
                        "config_path": str(config_path) if config_path else None,
                        "tables": summary.tables,
                        "lists": lists_manifest,
                        "sha256": digests,
                    }
                    blob = json.dumps(manifest, indent=2, sort_keys=True).encode()
                    info = tarfile.TarInfo("manifest.json")  # last: it holds the sums of everything before
                    info.size, info.mode, info.mtime = len(blob), 0o600, int(dt.datetime.now().timestamp())
                    tar.addfile(info, io.BytesIO(blob))
                if sink is not raw:
                    sink.close()
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, out)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise BackupError(f"cannot write {out}: {exc.strerror or exc}") from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    log.info("backup written to %s (%d tables, %d files, %d documents lists)", out, len(summary.tables),
             len(summary.files), len(summary.lists))
    return summary


def _add_database_and_lists(tar, data_dir: Path, staged_dir: Path, summary: BackupSummary, digests: dict,
                            lists_manifest: dict, with_lists: bool, lock_timeout: float) -> None:
    """Copy the database and its list files from one cut into the archive, one staged file at a time."""
    cut = listfiles.open_cut(data_dir / DB_NAME, data_dir, with_lists=with_lists, timeout=lock_timeout)
    try:
        copy = staged_dir / DB_NAME
        try:
            listfiles.copy_snapshot(cut.main, copy)
        except sqlite3.Error as exc:
            raise BackupError(f"backup of {data_dir / DB_NAME} failed: {exc}") from None
        cut.release_main()  # the booths' checkpoints need not wait for the list copies
        _quick_check(copy, data_dir / DB_NAME)
        summary.tables = table_counts(copy)
        _add(tar, DB_NAME, copy, digests)
        copy.unlink()
        # The hash key after the cut: it is created before any hashed list is built, and never changes.
        key = data_dir / HASH_KEY
        hashed = [s.name for s in cut.lists if s.hashed]
        if key.is_file():
            staged = staged_dir / HASH_KEY
            shutil.copyfile(key, staged)
            _add(tar, f"files/{HASH_KEY}", staged, digests)
            summary.files.append(HASH_KEY)
        elif hashed:
            summary.warnings.append(f"no {HASH_KEY} on this box: the hashed lists {', '.join(hashed)} cannot be "
                                    "checked here or after a restore")
        for src in cut.lists:
            if not with_lists:
                lists_manifest["left_out"].append(src.name)
                continue
            if src.conn is None:
                lists_manifest["left_out"].append(src.name)
                summary.warnings.append(f"documents list {src.name} is not in the backup: {src.problem}")
                continue
            staged = staged_dir / listfiles.LISTS_DIR / src.storage
            staged.parent.mkdir(exist_ok=True)
            entry = listfiles.copy_list(src, staged)
            src.conn.close()  # this list's snapshot is copied: let its checkpoints run
            src.conn = None
            _add(tar, f"{listfiles.LISTS_DIR}/{src.storage}", staged, digests)
            staged.unlink()
            lists_manifest["files"][src.storage] = entry
            summary.lists[src.name] = src.documents or 0
        summary.lists_left_out = list(lists_manifest["left_out"])
    finally:
        cut.close()


def _remove_stale(folder: Path, prefix: str) -> None:
    """Delete working folders (``<prefix><pid>-...``) left by a backup or restore that was killed."""
    for d in Path(folder).glob(f"{prefix}*"):
        pid = d.name[len(prefix):].split("-", 1)[0]
        if d.is_dir() and pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(d, ignore_errors=True)


def sqlite_check(path: Path, what: str, pragma: str = "quick_check") -> None:
    """Run SQLite's ``quick_check`` (or ``integrity_check``) on ``path``; BackupError naming ``what``."""
    try:
        conn = sqlite3.connect(str(path))
        try:
            check = conn.execute(f"PRAGMA {pragma}").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupError(f"{what} cannot be read ({exc})") from None
    if check != "ok":
        raise BackupError(f"{what} fails SQLite's check: {check}")


def _quick_check(copy: Path, source: Path) -> None:
    sqlite_check(copy, f"the copy of {source}")


def timestamped_name(now: dt.datetime | None = None) -> str:
    """File name of a backup written into a directory: ``appliance-<UTC time>.bak``."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return f"appliance-{now.strftime('%Y%m%dT%H%M%S')}Z.bak"


def prune_backups(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` ``appliance-*.bak`` files in ``folder``; return the removed."""
    found = sorted(Path(folder).glob("appliance-*Z.bak"))  # the names sort by time
    removed = found[: max(0, len(found) - keep)]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def __getattr__(name: str):
    """``restore_backup`` and ``backup_kind`` live in :mod:`.restore`; still importable from here."""
    if name in ("restore_backup", "backup_kind"):
        from . import restore

        return getattr(restore, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
