"""Online backups and restores, plain and encrypted, through the ``appliance`` command.

The second half covers documents lists: one consistent cut with the database, atomic
restore, the hash key and ``--without-lists``.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import sqlite3
import tarfile
import threading
import time

import pytest

from appliance.lists.model import DocumentRecord
from appliance.ops import backup as backup_mod
from appliance.ops.backup import create_backup, restore_backup
from appliance.ops.errors import BackupError, PassphraseError
from appliance.store.changes import apply_changes
from appliance.store.db import connect
from appliance.store.documents import check
from appliance.store.errors import ListUnavailable
from appliance.store.lists import list_lists
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
    assert out.returncode == 2 and "was never initialised" in out.stderr and "Traceback" not in out.stderr
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


# ---------------------------------------------------------------- documents lists


def rec(number: str) -> DocumentRecord:
    """A fictitious stolen Utopian passport."""
    return DocumentRecord("UTO", "P", number, "stolen", "2024-01-02", None)


def numbers(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i:07d}" for i in range(1, n + 1)]


def put(data_dir, version: str, nums, *, full=True, hashing=None) -> dict:
    """Apply a snapshot (or change set) of the list ``sltd`` the way the sync client does."""
    db = connect(data_dir / "appliance.db")
    try:
        return apply_changes(db, "sltd", kind="documents", version=version, upserts=[rec(x) for x in nums],
                             full=full, source="test", format="documents-csv", hashing=hashing)
    finally:
        db.conn.close()


def found(data_dir, number: str) -> bool:
    """`appliance documents check` on the box (exit 0 found, 1 not found; anything else fails)."""
    out = run_appliance("documents", "check", "--state", "UTO", "--number", number, "--json", data_dir=data_dir)
    assert out.returncode in (0, 1), out.stdout + out.stderr
    return json.loads(out.stdout)["found"]


def found_here(data_dir, number: str) -> bool:
    """The same check in-process (for many numbers)."""
    db = connect(data_dir / "appliance.db")
    try:
        return bool(check(db, "UTO", number, "P"))
    finally:
        db.conn.close()


def shown(data_dir) -> dict:
    """The `lists show --json` objects by name (in-process)."""
    db = connect(data_dir / "appliance.db")
    try:
        return {d["name"]: d for d in list_lists(db)}
    finally:
        db.conn.close()


def list_files(data_dir) -> list[str]:
    return sorted(p.name for p in (data_dir / "lists").iterdir() if p.name.endswith(".db"))


def test_backup_during_a_reimport_restores_the_committed_version(data_dir, tmp_path):
    """A re-import building its file while the backup runs is not in it; the committed version is, whole."""
    v1, v2 = numbers("A", 300), numbers("B", 300)
    put(data_dir, "1", v1)
    halfway, release = threading.Event(), threading.Event()

    def slow_records():
        for i, x in enumerate(v2):
            if i == 150:
                halfway.set()
                release.wait(60)
            yield rec(x)

    errors = []

    def reimport():
        db = connect(data_dir / "appliance.db")
        try:
            apply_changes(db, "sltd", kind="documents", version="2", upserts=slow_records(), full=True)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            db.conn.close()

    worker = threading.Thread(target=reimport)
    worker.start()
    try:
        assert halfway.wait(30)
        out = run_appliance("backup", str(tmp_path / "box.bak"), data_dir=data_dir)
    finally:
        release.set()
        worker.join(60)
    assert out.returncode == 0, out.stderr
    assert "1 documents list (300 records)" in out.stdout
    assert not errors and shown(data_dir)["sltd"]["version"] == "2"

    fresh = tmp_path / "fresh"
    out = run_appliance("restore", str(tmp_path / "box.bak"), data_dir=fresh)
    assert out.returncode == 0, out.stderr
    assert "1 documents list (300 records)" in out.stdout
    assert found(fresh, v1[0]) and not found_here(fresh, v2[0])
    assert all(found_here(fresh, x) for x in v1[::37]) and not any(found_here(fresh, x) for x in v2[::37])
    assert (shown(fresh)["sltd"]["version"], shown(fresh)["sltd"]["documents"]) == ("1", 300)

    # over the live box (now at version 2): its file is replaced, never overwritten in place
    v2_file = list_files(data_dir)
    summary = restore_backup(tmp_path / "box.bak", data_dir)
    assert summary.lists == {"sltd": 300} and len(summary.lists_removed) == 1
    assert found_here(data_dir, v1[-1]) and not found_here(data_dir, v2[-1])
    assert len(list_files(data_dir)) == 1 and list_files(data_dir) != v2_file


def test_backup_under_list_churn_is_one_consistent_version(data_dir, tmp_path):
    """Change sets and snapshot switches during the backup: the restored list is exactly the version its row names."""
    base = numbers("A", 200)
    put(data_dir, "0", base)
    stop = threading.Event()
    applied = []

    def churn():
        db = connect(data_dir / "appliance.db")
        try:
            k = 0
            while not stop.is_set():
                k += 1
                adds = [f"C{i:07d}" for i in range(1, k + 1)]
                if k % 4 == 0:  # a full snapshot: new file, switch, old file deleted
                    apply_changes(db, "sltd", kind="documents", version=str(k), upserts=[rec(x) for x in base + adds],
                                  full=True)
                else:
                    apply_changes(db, "sltd", kind="documents", version=str(k), upserts=[rec(adds[-1])])
                applied.append(k)
        finally:
            db.conn.close()

    worker = threading.Thread(target=churn)
    worker.start()
    try:
        while len(applied) < 5:
            stop.wait(0.02)
        out = run_appliance("backup", str(tmp_path / "box.bak"), data_dir=data_dir)
        during = len(applied)
    finally:
        stop.set()
        worker.join(60)
    assert out.returncode == 0, out.stderr
    assert "warning" not in out.stderr
    fresh = tmp_path / "fresh"
    assert not restore_backup(tmp_path / "box.bak", fresh).warnings
    row = shown(fresh)["sltd"]
    v = int(row["version"])
    assert 5 <= v <= during + 1, (v, during)
    assert row["documents"] == 200 + v
    assert found_here(fresh, f"C{v:07d}") and not found_here(fresh, f"C{v + 1:07d}")
    assert all(found_here(fresh, f"C{i:07d}") for i in range(1, v + 1))


def test_keyed_hash_box_restores_with_working_checks(data_dir, tmp_path):
    """The hash key travels with the backup: the restored box can still check a hashed list."""
    nums = numbers("H", 50)
    assert put(data_dir, "1", nums, hashing=True)["hashed"] is True
    key = (data_dir / "document-hash.key").read_bytes()
    assert create_backup(data_dir, tmp_path / "box.bak").lists == {"sltd": 50}
    fresh = tmp_path / "fresh"
    out = run_appliance("restore", str(tmp_path / "box.bak"), data_dir=fresh)
    assert out.returncode == 0, out.stderr
    assert (fresh / "document-hash.key").read_bytes() == key
    assert found(fresh, nums[7]) and not found_here(fresh, "H9999999")
    stored = (fresh / "lists" / list_files(fresh)[0]).read_bytes()
    assert nums[7].encode() not in stored


def test_encrypted_backup_with_a_list_round_trips(data_dir, tmp_path):
    """An encrypted backup seals the list file too and restores it whole."""
    nums = numbers("E", 100)
    put(data_dir, "7", nums)
    bak = tmp_path / "box.enc"
    summary = create_backup(data_dir, bak, passphrase=PASS, kdf={"memory_kib": 1024, "time_cost": 1})
    assert summary.lists == {"sltd": 100}
    raw = bak.read_bytes()
    assert b"SQLite format 3" not in raw and nums[3].encode() not in raw
    (tmp_path / "pass").write_text(PASS + "\n")
    fresh = tmp_path / "fresh"
    out = run_appliance("restore", str(bak), "--passphrase-file", str(tmp_path / "pass"), data_dir=fresh)
    assert out.returncode == 0, out.stderr
    assert "1 documents list (100 records)" in out.stdout
    assert found_here(fresh, nums[3]) and (shown(fresh)["sltd"]["version"], shown(fresh)["sltd"]["documents"]) == ("7", 100)


def test_without_lists_is_quick_and_says_so(data_dir, tmp_path):
    """--without-lists leaves the list files out (not the hash key); restore says so and checks fail loudly."""
    nums = numbers("W", 40)
    put(data_dir, "3", nums, hashing=True)
    bak = tmp_path / "quick.bak"
    out = run_appliance("backup", str(bak), "--without-lists", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert "not included (--without-lists) (sltd)" in out.stdout and "0 documents lists" in out.stdout
    with tarfile.open(fileobj=gzip.open(bak), mode="r|") as tar:
        members = [m.name for m in tar]
    assert "files/document-hash.key" in members and not any(m.startswith("lists/") for m in members)

    fresh = tmp_path / "fresh"
    out = run_appliance("restore", str(bak), data_dir=fresh)
    assert out.returncode == 0, out.stderr
    assert "documents lists were not in the backup" in out.stdout
    assert "documents lists without their file: sltd" in out.stdout and "appliance sync --once" in out.stdout
    assert (fresh / "document-hash.key").read_bytes() == (data_dir / "document-hash.key").read_bytes()
    row = shown(fresh)["sltd"]
    assert row["version"] is None and row["documents"] == 0  # the sync client fetches a full snapshot
    with pytest.raises(ListUnavailable, match="sltd"):  # `documents check` fails (status 2), never "not found"
        found_here(fresh, nums[0])

    # the same box (its list file still there): the file is kept and the row follows it
    summary = restore_backup(bak, data_dir)
    assert summary.lists_kept == ["sltd"] and not summary.lists_included
    assert found_here(data_dir, nums[0]) and shown(data_dir)["sltd"]["version"] == "3"


def test_list_files_have_no_size_cap_and_no_orphans(data_dir, tmp_path, monkeypatch):
    """The small-file cap never drops a list; files no list names (a killed import's) stay out."""
    put(data_dir, "1", numbers("S", 20))
    (data_dir / "lists" / "sltd-999999-deadbeef.db.part").write_bytes(b"half an import")
    monkeypatch.setattr(backup_mod, "MAX_FILE", 16)
    bak = tmp_path / "box.bak"
    summary = create_backup(data_dir, bak)
    assert summary.lists == {"sltd": 20} and not summary.lists_left_out
    target = tmp_path / "t"
    restored = restore_backup(bak, target)
    assert restored.lists == {"sltd": 20} and restored.lists_included
    assert len(list_files(target)) == 1 and not list(target.joinpath("lists").glob("*.part"))
    assert found_here(target, "S0000003")


def test_a_damaged_list_file_in_the_backup_changes_nothing(data_dir, tmp_path):
    """A list member that fails its checksum is refused before anything is put in place."""
    put(data_dir, "1", numbers("D", 20))
    bak = tmp_path / "box.bak"
    create_backup(data_dir, bak)
    evil = tmp_path / "evil.bak"
    with tarfile.open(fileobj=gzip.open(bak), mode="r|") as src, tarfile.open(evil, "w:gz") as dst:
        for m in src:
            data = src.extractfile(m).read()
            if m.name.startswith("lists/"):
                data = data[:-1] + bytes([data[-1] ^ 1])
            dst.addfile(m, io.BytesIO(data))
    before = list_files(data_dir)
    with pytest.raises(BackupError, match="damaged"):
        restore_backup(evil, data_dir)
    assert list_files(data_dir) == before and found_here(data_dir, "D0000001")


def test_a_backup_of_the_previous_format_restores_its_list_copies(data_dir, tmp_path):
    """Format 1 kept raw list copies under files/lists/: they are checked and put in place the same way."""
    put(data_dir, "4", numbers("L", 30))
    bak = tmp_path / "box.bak"
    create_backup(data_dir, bak)
    old = tmp_path / "old.bak"
    with tarfile.open(fileobj=gzip.open(bak), mode="r|") as src, tarfile.open(old, "w:gz") as dst:
        members = [(m, src.extractfile(m).read()) for m in src]
        manifest = json.loads(dict((m.name, d) for m, d in members)["manifest.json"])
        manifest = {"format": 1, "sha256": {("files/" + k if k.startswith("lists/") else k): v
                                            for k, v in manifest["sha256"].items()}}
        blob = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(blob)
        dst.addfile(info, io.BytesIO(blob))
        for m, data in members:
            if m.name != "manifest.json":
                m.name = "files/" + m.name if m.name.startswith("lists/") else m.name
                dst.addfile(m, io.BytesIO(data))
    target = tmp_path / "t"
    summary = restore_backup(old, target)
    assert summary.lists == {"sltd": 30} and summary.lists_included
    assert not any(f.startswith("lists/") for f in summary.files)
    assert found_here(target, "L0000030") and len(list_files(target)) == 1
