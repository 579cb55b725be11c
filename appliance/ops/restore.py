"""``appliance restore``: unpack a backup, put its list files in place, write the database into the live file.

Order (see :mod:`.listfiles` for why the pair is consistent): the hash key first; the list
files under fresh names (complete, synced files renamed into ``lists/``) with the restored
copy of the database pointed at them; then the database, written *into* the live file
through SQLite's backup API after a safety copy (readers see the old database with its old
lists or the restored one with its restored lists, never a mix); then the other files; last,
the list files only the old database named are deleted.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import sqlite3
import tarfile
import tempfile
from pathlib import Path

from . import listfiles
from .backup import (DB_NAME, sqlite_check, FORMAT, HASH_KEY, BackupSummary, _now_stamp, _remove_stale, _sha256,
                     snapshot_database, table_counts)
from .crypto import DecryptingReader, MAGIC
from .errors import BackupError

log = logging.getLogger(__name__)

_SQLITE_MAGIC = b"SQLite format 3\x00"
_GZIP_MAGIC = b"\x1f\x8b"


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
    if not isinstance(manifest, dict) or manifest.get("format") not in (1, FORMAT):
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
    _remove_stale(data_dir, ".restore-")
    work = Path(tempfile.mkdtemp(prefix=f".restore-{os.getpid()}-", dir=data_dir))
    try:
        if kind == "sqlite":
            shutil.copyfile(path, work / DB_NAME)
            manifest: dict = {}
        else:
            manifest = _extract(path, kind, passphrase, work)
        restored = work / DB_NAME
        sqlite_check(restored, f"{path}: the database in the backup", "integrity_check")
        live = data_dir / DB_NAME
        legacy = manifest.get("format") == 1  # list files were raw copies under files/lists/
        if legacy:
            staged_lists = work / "files" / listfiles.LISTS_DIR
        else:
            staged_lists = work / listfiles.LISTS_DIR if kind != "sqlite" else None
        listed = manifest.get("lists")
        summary.lists_included = bool(listed.get("included")) if isinstance(listed, dict) else legacy
        # 1. the hash key, so hashed lists are readable the moment the database names them
        names = sorted(n[len("files/"):] for n in manifest.get("sha256", {}) if n.startswith("files/"))
        names = [n for n in names if not n.startswith(f"{listfiles.LISTS_DIR}/")]
        key_aside = None
        if HASH_KEY in names:
            key_aside = _restore_file(work / "files" / HASH_KEY, data_dir / HASH_KEY, stamp)
        lists = None
        try:
            # 2. the list files under fresh names, and the restored copy pointed at them
            before = listfiles.storages_of(live)
            lists = listfiles.restore_lists(restored, staged_lists, data_dir, legacy=legacy)
            summary.lists = {n: 0 for n in lists.restored}
            summary.lists_kept, summary.lists_left_out = lists.kept, lists.missing
            summary.warnings.extend(lists.warnings)
            # 3. the database, written into the live file in one step: readers see the old database
            #    with its old list files or the restored one with the restored files, never a mix
            if live.is_file() and live.stat().st_size > 0:
                summary.safety_copy = data_dir / f"{DB_NAME}.before-restore-{stamp}"
                snapshot_database(live, summary.safety_copy)
            try:
                _copy_into_live(restored, live)
            except sqlite3.Error as exc:
                raise BackupError(f"cannot write the restored database into {live}: {exc}") from None
        except BaseException:
            # nothing changed: the box keeps its database, its list files and its hash key
            if lists is not None:
                listfiles.discard(lists.placed)
            if key_aside is not None:
                os.replace(key_aside, data_dir / HASH_KEY)
            raise
        _migrate(live)
        summary.tables = table_counts(live)
        summary.lists = _list_counts(live, summary.lists)
        # 4. the list files only the old database named
        summary.lists_removed = listfiles.remove_replaced(data_dir, before, listfiles.storages_of(live))
        for rel in names:
            if rel != HASH_KEY:
                _restore_file(work / "files" / rel, data_dir / rel, stamp)
            summary.files.append(rel)
        configs = sorted((work / "config").glob("*")) if (work / "config").is_dir() else []
        for cfg in configs:
            dest = data_dir / "restored-config" / cfg.name
            dest.parent.mkdir(exist_ok=True)
            shutil.copyfile(cfg, dest)
            os.chmod(dest, 0o600)
            summary.config_copy = dest
        _match_owner(data_dir, [live, *(data_dir / f for f in summary.files), *lists.placed,
                                *([lists.placed[0].parent] if lists.placed else []),
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


def _list_counts(live: Path, restored: dict[str, int]) -> dict[str, int]:
    """Records of each restored documents list, from the live database."""
    conn = sqlite3.connect(f"file:{live}?mode=ro", uri=True)
    try:
        rows = {r["name"]: r["documents"] or 0 for r in listfiles.documents_lists(conn)}
    finally:
        conn.close()
    return {n: rows.get(n, 0) for n in restored}


def _restore_file(src: Path, dest: Path, stamp: str) -> Path | None:
    """Put one data file back atomically; a different existing file is kept aside first (returned)."""
    aside = None
    if dest.is_file():
        if _sha256(dest) == _sha256(src):
            return None
        aside = dest.with_name(f"{dest.name}.before-restore-{stamp}")
        shutil.copy2(dest, aside)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(f".{dest.name}.restore-part")
    shutil.copyfile(src, part)
    os.chmod(part, 0o600)
    os.replace(part, dest)
    return aside


def _match_owner(data_dir: Path, paths: list[Path]) -> None:
    """When run as root, give restored files to the owner of the data directory."""
    if os.geteuid() != 0:
        return
    st = data_dir.stat()
    for p in paths:
        for q in (p, Path(f"{p}-wal"), Path(f"{p}-shm")):
            if q.exists():
                os.chown(q, st.st_uid, st.st_gid)
