"""Online backups and restores, plain and encrypted, through the ``appliance`` command."""

from __future__ import annotations

import os
import sqlite3
import time

import pytest

from appliance.ops.backup import create_backup, restore_backup
from appliance.ops.errors import BackupError, PassphraseError
from appliance.web.audit import HEAD_FILE, AuditLog, load_key

from .conftest import run_appliance

PASS = "correct horse battery staple"


def scan_ids(db_path) -> set[int]:
    conn = sqlite3.connect(db_path)
    try:
        return {r[0] for r in conn.execute("SELECT id FROM scans")}
    finally:
        conn.close()


def audit_ok(data_dir) -> bool:
    """`appliance audit verify` when it exists, else the audit module itself."""
    out = run_appliance("audit", "verify", data_dir=data_dir)
    if "No such command" not in out.stderr:
        assert out.returncode == 0, out.stdout + out.stderr
        return True
    from appliance.store.db import connect

    db = connect(data_dir / "appliance.db")
    try:
        report = AuditLog(load_key(data_dir, create=False), data_dir / HEAD_FILE).verify(db)
    finally:
        db.conn.close()
    assert report.ok, report.problems
    return report.count > 0


def test_backup_while_scans_are_written_restores_every_committed_scan(scan_writer, data_dir, tmp_path):
    """Taken under write load, the backup holds every scan committed before it began and a valid audit chain."""
    for n in range(50):
        scan_writer.write_one(n)
    scan_writer.start()
    while scan_writer.committed < 1020:
        time.sleep(0.01)
    before = scan_ids(data_dir / "appliance.db")
    out = run_appliance("backup", str(tmp_path / "box.bak"), data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    written_during = scan_writer.committed
    scan_writer.stop()
    assert "backup written to" in out.stdout and "scans)" in out.stdout
    assert "not encrypted" in out.stderr

    restored = tmp_path / "restored"
    out = run_appliance("restore", str(tmp_path / "box.bak"), data_dir=restored)
    assert out.returncode == 0, out.stderr
    ids = scan_ids(restored / "appliance.db")
    assert before <= ids, "a scan committed before the backup is missing"
    assert len(ids) >= len(before) and written_during > 1020
    assert (restored / "audit.key").read_bytes() == (data_dir / "audit.key").read_bytes()
    assert audit_ok(restored)


def test_encrypted_round_trip_and_wrong_passphrase(scan_writer, data_dir, tmp_path):
    """With --passphrase-file the file is sealed; the right passphrase restores, a wrong one is refused clearly."""
    for n in range(10):
        scan_writer.write_one(n)
    (tmp_path / "pass").write_text(PASS + "\n")
    (tmp_path / "wrong").write_text("not it\n")
    bak = tmp_path / "box.enc"
    out = run_appliance("backup", str(bak), "--passphrase-file", str(tmp_path / "pass"), data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert "encrypted" in out.stdout
    raw = bak.read_bytes()
    assert b"SQLite format 3" not in raw and b"FICTITIOUS" not in raw and b"audit.key" not in raw
    assert bak.stat().st_mode & 0o077 == 0

    target = tmp_path / "restored"
    out = run_appliance("restore", str(bak), "--passphrase-file", str(tmp_path / "wrong"), data_dir=target)
    assert out.returncode == 3
    assert "wrong passphrase" in out.stderr and "Traceback" not in out.stderr
    assert not (target / "appliance.db").exists()

    out = run_appliance("restore", str(bak), data_dir=target)
    assert out.returncode != 0 and "--passphrase-file" in out.stderr and "Traceback" not in out.stderr

    out = run_appliance("restore", str(bak), "--passphrase-file", str(tmp_path / "pass"), data_dir=target)
    assert out.returncode == 0, out.stderr
    assert scan_ids(target / "appliance.db") == scan_ids(data_dir / "appliance.db")
    assert audit_ok(target)


def test_damaged_and_truncated_backups_are_refused(scan_writer, data_dir, tmp_path):
    """A flipped byte or a cut-off file gives a clear error and leaves the database alone."""
    scan_writer.write_one(1)
    bak = tmp_path / "box.enc"
    create_backup(data_dir, bak, passphrase=PASS, kdf={"memory_kib": 1024, "time_cost": 1})
    raw = bak.read_bytes()
    flipped = tmp_path / "flipped.enc"
    flipped.write_bytes(raw[:-40] + bytes([raw[-40] ^ 1]) + raw[-39:])
    with pytest.raises(BackupError, match="damaged"):
        restore_backup(flipped, tmp_path / "t1", passphrase=PASS)
    cut = tmp_path / "cut.enc"
    cut.write_bytes(raw[: len(raw) - 20])
    with pytest.raises(BackupError, match="truncated"):
        restore_backup(cut, tmp_path / "t2", passphrase=PASS)
    with pytest.raises(PassphraseError):
        restore_backup(bak, tmp_path / "t3", passphrase="nope")
    junk = tmp_path / "junk.bak"
    junk.write_text("hello")
    out = run_appliance("restore", str(junk), data_dir=tmp_path / "t4")
    assert out.returncode == 1 and "not an appliance backup" in out.stderr
    out = run_appliance("restore", str(tmp_path / "missing.bak"), data_dir=tmp_path / "t4")
    assert out.returncode != 0 and "Traceback" not in out.stderr


def test_restore_over_a_live_database_keeps_a_safety_copy(scan_writer, data_dir, tmp_path):
    """Restoring into a box in use writes through SQLite (open readers see the restored data)."""
    for n in range(5):
        scan_writer.write_one(n)
    bak = tmp_path / "box.bak"
    create_backup(data_dir, bak)
    for n in range(5, 12):
        scan_writer.write_one(n)
    reader = scan_writer.ctx.reader()
    assert reader.execute("SELECT count(*) FROM scans").fetchone()[0] == 12
    summary = restore_backup(bak, data_dir)
    assert reader.execute("SELECT count(*) FROM scans").fetchone()[0] == 5
    assert summary.safety_copy and summary.safety_copy.exists()
    assert len(scan_ids(summary.safety_copy)) == 12
    assert audit_ok(data_dir)


def test_plain_sqlite_file_can_be_restored(scan_writer, data_dir, tmp_path):
    """A database copied with sqlite3's .backup is accepted by `appliance restore`."""
    scan_writer.write_one(1)
    copy = tmp_path / "copy.db"
    src = sqlite3.connect(data_dir / "appliance.db")
    dst = sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.close()
    out = run_appliance("restore", str(copy), data_dir=tmp_path / "new")
    assert out.returncode == 0, out.stderr
    assert scan_ids(tmp_path / "new" / "appliance.db") == {1}


def test_backup_of_a_missing_database_is_a_clear_error(tmp_path):
    """No database yet: a one-line error, no traceback."""
    (tmp_path / "empty").mkdir()
    out = run_appliance("backup", str(tmp_path / "x.bak"), data_dir=tmp_path / "empty")
    assert out.returncode == 1 and "no database" in out.stderr and "Traceback" not in out.stderr
    (tmp_path / "blank").write_text("")
    out = run_appliance("backup", str(tmp_path / "x.bak"), "--passphrase-file", str(tmp_path / "blank"), data_dir=tmp_path)
    assert out.returncode == 3 and "empty" in out.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand files to another owner")
def test_restore_as_root_gives_files_to_the_service_user(scan_writer, data_dir, tmp_path):
    """Run as root, a restore leaves every file it wrote owned by the data directory's owner."""
    scan_writer.write_one(1)
    bak = tmp_path / "box.bak"
    create_backup(data_dir, bak)
    target = tmp_path / "svc"
    target.mkdir()
    os.chown(target, 4242, 4242)
    restore_backup(bak, target)
    restore_backup(bak, target)  # a second time: with a safety copy
    owners = {(p.name, p.stat().st_uid, p.stat().st_gid) for p in target.rglob("*")}
    assert owners and all(uid == 4242 and gid == 4242 for _, uid, gid in owners), owners


def test_backups_into_a_directory_are_rotated(scan_writer, data_dir, tmp_path):
    """`appliance backup DIR --keep N` names backups by time and keeps the newest N (the backup timer's use)."""
    scan_writer.write_one(1)
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "appliance-20200101T000000Z.bak").write_bytes(b"old")
    (folder / "notes.txt").write_text("not a backup")
    out = run_appliance("backup", str(folder), "--keep", "1", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert "removed the old backup" in out.stdout
    kept = sorted(p.name for p in folder.iterdir())
    assert len(kept) == 2 and "notes.txt" in kept and "appliance-20200101T000000Z.bak" not in kept
    out = run_appliance("backup", str(tmp_path / "single.bak"), "--keep", "3", data_dir=data_dir)
    assert out.returncode == 1 and "--keep needs FILE to be a directory" in out.stderr


def test_crafted_archive_cannot_write_outside_the_data_directory(tmp_path):
    """Entries or manifest names with '..' or absolute paths are refused before anything is written."""
    import hashlib
    import io
    import json
    import tarfile

    evil = tmp_path / "evil.bak"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    with tarfile.open(evil, "w:gz") as tar:
        for name, data in (("manifest.json", json.dumps({"format": 1, "sha256": {
                "files/../../victim.txt": hashlib.sha256(b"keep me").hexdigest()}}).encode()),):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError, match="unexpected entry"):
        restore_backup(evil, tmp_path / "box" / "data")
    assert victim.read_text() == "keep me"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("../outside.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(BackupError, match="unexpected entry"):
        restore_backup(evil, tmp_path / "box" / "data")
    assert not (tmp_path / "box" / "outside.txt").exists()
