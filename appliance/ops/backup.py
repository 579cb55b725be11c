"""Online backup and restore of a box: its database plus the small files of its data directory.

A backup is a gzip'd tar holding ``manifest.json``, ``appliance.db`` (a consistent copy made
through SQLite's online backup API while the services keep writing), the data directory's
other files (keys, tokens) under ``files/`` and a copy of the configuration under
``config/``. With a passphrase the whole stream is sealed (see :mod:`.crypto`).

Restore goes the same way back: the database is written *into* the live file through the
backup API (so running services see either the old or the restored database, never a torn
one), after a safety copy of the current one; the files come back next to it.
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

from .crypto import DecryptingReader, EncryptingWriter, MAGIC
from .errors import BackupError

log = logging.getLogger(__name__)

DB_NAME = "appliance.db"
FORMAT = 1
#: Data-directory entries never copied into a backup (live database files, queues, old copies).
SKIP_DIRS = {"bridge-queue", "backups", "restored-config", "__pycache__"}
SKIP_SUFFIXES = ("-wal", "-shm", "-journal", ".tmp", ".lock", ".sock")
MAX_FILE = 64 * 1024 * 1024
GZIP_LEVEL = 1
_SQLITE_MAGIC = b"SQLite format 3\x00"
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class BackupSummary:
    """What a backup or restore did, for the command's report."""

    path: Path
    encrypted: bool
    tables: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    safety_copy: Path | None = None
    config_copy: Path | None = None


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
    """The data directory's small regular files that belong in a backup (not the database)."""
    out = []
    for root, dirs, files in os.walk(data_dir):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(".restore-"))
        for name in sorted(files):
            path = Path(root) / name
            rel = path.relative_to(data_dir)
            if rel.as_posix() == DB_NAME or name.endswith(SKIP_SUFFIXES) or ".before-restore-" in name:
                continue
            if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_FILE:
                continue
            out.append(path)
    return out


def create_backup(data_dir: Path, out: Path, *, passphrase: str | None = None,
                  config_path: Path | None = None, kdf: dict | None = None) -> BackupSummary:
    """Write a backup of ``data_dir`` (and the config file) to ``out``; encrypt with a passphrase."""
    data_dir, out = Path(data_dir), Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    summary = BackupSummary(path=out, encrypted=passphrase is not None)
    with tempfile.TemporaryDirectory(prefix="appliance-backup-") as tmp:
        if not (data_dir / DB_NAME).is_file():
            raise BackupError(f"no database at {data_dir / DB_NAME}")
        members: list[tuple[str, Path]] = []
        # The small files first, then the database: a checkpoint file such as audit.head
        # then never names a record the database copy lacks.
        sources = [(f"files/{p.relative_to(data_dir).as_posix()}", p) for p in _data_files(data_dir)]
        if config_path and Path(config_path).is_file():
            sources.append((f"config/{Path(config_path).name}", Path(config_path)))
        for name, path in sources:
            staged = Path(tmp) / "staged" / name
            staged.parent.mkdir(parents=True, exist_ok=True)
            try:
                shutil.copyfile(path, staged)
            except OSError as exc:
                raise BackupError(f"cannot read {path}: {exc.strerror}") from None
            members.append((name, staged))
            if name.startswith("files/"):
                summary.files.append(name[len("files/"):])
        copy = Path(tmp) / DB_NAME
        snapshot_database(data_dir / DB_NAME, copy)
        summary.tables = table_counts(copy)
        members.insert(0, (DB_NAME, copy))
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "data_dir": str(data_dir),
            "config_path": str(config_path) if config_path else None,
            "tables": summary.tables,
            "sha256": {name: _sha256(p) for name, p in members},
        }
        partial = out.with_name(out.name + ".tmp")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw:
                sink = EncryptingWriter(raw, passphrase, kdf=kdf) if passphrase is not None else raw
                # fast compression: an online backup should take little CPU from the booths
                with gzip.GzipFile(fileobj=sink, mode="wb", compresslevel=GZIP_LEVEL, mtime=0) as gz, \
                        tarfile.open(fileobj=gz, mode="w|") as tar:
                    blob = json.dumps(manifest, indent=2, sort_keys=True).encode()
                    info = tarfile.TarInfo("manifest.json")
                    info.size, info.mode, info.mtime = len(blob), 0o600, int(dt.datetime.now().timestamp())
                    tar.addfile(info, io.BytesIO(blob))
                    for name, path in members:
                        tar.add(str(path), arcname=name, recursive=False)
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
    log.info("backup written to %s (%d tables, %d files)", out, len(summary.tables), len(summary.files))
    return summary


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


def backup_kind(path: Path) -> str:
    """``encrypted``, ``archive`` or ``sqlite`` for a backup file; BackupError otherwise."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file") from None
    except OSError as exc:
        raise BackupError(f"{path}: cannot read: {exc.strerror}") from None
    if head.startswith(MAGIC):
        return "encrypted"
    if head.startswith(_GZIP_MAGIC):
        return "archive"
    if head.startswith(_SQLITE_MAGIC):
        return "sqlite"
    raise BackupError(f"{path}: not an appliance backup")


def _extract(path: Path, kind: str, passphrase: str | None, into: Path) -> dict:
    """Unpack a backup archive into ``into``; return its manifest after checking every hash."""
    with open(path, "rb") as raw:
        source = raw
        if kind == "encrypted":
            if passphrase is None:
                raise BackupError(f"{path} is encrypted: give its passphrase (--passphrase-file)")
            source = io.BufferedReader(DecryptingReader(raw, passphrase), 1 << 16)
        manifest = None
        try:
            with tarfile.open(fileobj=source, mode="r|gz") as tar:
                for member in tar:
                    name = member.name
                    parts = Path(name).parts
                    if not member.isfile() or Path(name).is_absolute() or ".." in parts:
                        raise BackupError(f"{path}: unexpected entry {name!r} in the backup")
                    data = tar.extractfile(member)
                    if name == "manifest.json":
                        manifest = json.loads(data.read())
                        continue
                    target = into / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with open(target, "wb") as fh:
                        shutil.copyfileobj(data, fh)
        except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
            raise BackupError(f"{path}: the backup is damaged ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: the backup has no readable manifest")
    for name, digest in manifest.get("sha256", {}).items():
        if not isinstance(name, str) or Path(name).is_absolute() or ".." in Path(name).parts:
            raise BackupError(f"{path}: unexpected entry {name!r} in the backup's manifest")
        target = into / name
        if not target.is_file() or _sha256(target) != digest:
            raise BackupError(f"{path}: {name} is missing or damaged in the backup")
    return manifest


def _copy_into_live(restored: Path, live: Path) -> None:
    """Write ``restored`` into the live database file through the backup API."""
    src = sqlite3.connect(str(restored))
    try:
        dst = sqlite3.connect(str(live), timeout=60)
        try:
            live_size = dst.execute("PRAGMA page_size").fetchone()[0]
            if src.execute("PRAGMA page_size").fetchone()[0] != live_size and live.stat().st_size > 0:
                src.execute(f"PRAGMA page_size = {int(live_size)}")
                src.execute("VACUUM")  # WAL databases only accept a copy with their own page size
            src.backup(dst)
            dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            dst.close()
    finally:
        src.close()


def restore_backup(path: Path, data_dir: Path, *, passphrase: str | None = None) -> BackupSummary:
    """Restore the backup at ``path`` into ``data_dir`` (safety copy of the current database first)."""
    path, data_dir = Path(path), Path(data_dir)
    kind = backup_kind(path)
    data_dir.mkdir(parents=True, exist_ok=True)
    summary = BackupSummary(path=path, encrypted=kind == "encrypted")
    stamp = _now_stamp()
    work = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir))
    try:
        if kind == "sqlite":
            shutil.copyfile(path, work / DB_NAME)
            manifest: dict = {}
        else:
            manifest = _extract(path, kind, passphrase, work)
        restored = work / DB_NAME
        try:
            check = sqlite3.connect(str(restored))
            try:
                verdict = check.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                check.close()
        except sqlite3.Error as exc:
            raise BackupError(f"{path}: the database in the backup cannot be read ({exc})") from None
        if verdict != "ok":
            raise BackupError(f"{path}: the database in the backup fails SQLite's check: {verdict}")
        live = data_dir / DB_NAME
        if live.is_file() and live.stat().st_size > 0:
            summary.safety_copy = data_dir / f"{DB_NAME}.before-restore-{stamp}"
            snapshot_database(live, summary.safety_copy)
        try:
            _copy_into_live(restored, live)
        except sqlite3.Error as exc:
            raise BackupError(f"cannot write the restored database into {live}: {exc}") from None
        _migrate(live)
        summary.tables = table_counts(live)
        for rel in sorted(n[len("files/"):] for n in manifest.get("sha256", {}) if n.startswith("files/")):
            _restore_file(work / "files" / rel, data_dir / rel, stamp)
            summary.files.append(rel)
        configs = sorted((work / "config").glob("*")) if (work / "config").is_dir() else []
        for cfg in configs:
            dest = data_dir / "restored-config" / cfg.name
            dest.parent.mkdir(exist_ok=True)
            shutil.copyfile(cfg, dest)
            os.chmod(dest, 0o600)
            summary.config_copy = dest
        _match_owner(data_dir, [live, *(data_dir / f for f in summary.files),
                                *([summary.safety_copy] if summary.safety_copy else []),
                                *([summary.config_copy.parent, summary.config_copy] if summary.config_copy else [])])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("restored %s into %s", path, data_dir)
    return summary


def _migrate(live: Path) -> None:
    """Bring a restored database up to this version's migrations."""
    from appliance.store import db as store_db

    try:
        store_db.connect(live).conn.close()
    except sqlite3.Error as exc:
        raise BackupError(f"the restored database could not be migrated: {exc}") from None


def _restore_file(src: Path, dest: Path, stamp: str) -> None:
    """Put one data file back; a different existing file is kept aside first."""
    if dest.is_file():
        if _sha256(dest) == _sha256(src):
            return
        dest.rename(dest.with_name(f"{dest.name}.before-restore-{stamp}"))
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    os.chmod(dest, 0o600)


def _match_owner(data_dir: Path, paths: list[Path]) -> None:
    """When run as root, give restored files to the owner of the data directory."""
    if os.geteuid() != 0:
        return
    st = data_dir.stat()
    for p in paths:
        for q in (p, Path(f"{p}-wal"), Path(f"{p}-shm")):
            if q.exists():
                os.chown(q, st.st_uid, st.st_gid)
