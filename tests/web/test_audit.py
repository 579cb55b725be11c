"""The hash-chained audit log: records, append-only triggers, and tampering detected."""

from __future__ import annotations

import sqlite3

import pytest

from appliance.web.audit import AuditLog


def _records(ctx, n=5):
    for i in range(n):
        ctx.record("tester", "config.change", f"item:{i}", {"i": i})


def _raw(ctx) -> sqlite3.Connection:
    """A plain connection that bypasses the service (what an attacker with file access has)."""
    conn = sqlite3.connect(ctx.db_path)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    return conn


def test_intact_chain_verifies(ctx):
    _records(ctx)
    report = ctx.audit.verify(ctx.reader())
    assert report.ok and report.count >= 6 and not report.notes


def test_triggers_refuse_update_and_delete(ctx):
    _records(ctx, 2)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        with ctx.write() as db:
            db.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        with ctx.write() as db:
            db.execute("DELETE FROM audit_log WHERE seq = 1")


def test_edited_record_is_detected(ctx):
    _records(ctx)
    conn = _raw(ctx)
    conn.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3")
    conn.commit()
    report = ctx.audit.verify(ctx.reader())
    assert not report.ok and any("record 3" in p and "edited" in p for p in report.problems)


def test_deleted_record_in_the_middle_is_detected(ctx):
    _records(ctx)
    conn = _raw(ctx)
    conn.execute("DELETE FROM audit_log WHERE seq = 2")
    conn.commit()
    report = ctx.audit.verify(ctx.reader())
    assert not report.ok and any("missing" in p for p in report.problems)


def test_deleted_tail_is_detected_through_the_head_checkpoint(ctx):
    _records(ctx)
    conn = _raw(ctx)
    conn.execute("DELETE FROM audit_log WHERE seq >= (SELECT max(seq) - 1 FROM audit_log)")
    conn.commit()
    report = ctx.audit.verify(ctx.reader())
    assert not report.ok and any("at the end" in p for p in report.problems)


def test_recomputed_chain_without_the_key_is_detected(ctx):
    """Rewriting a record and re-hashing the chain needs the HMAC key, which the database does not hold."""
    _records(ctx, 3)
    forger = AuditLog(b"guessed-key")
    conn = _raw(ctx)
    rows = conn.execute("SELECT seq, ts, actor, action, target, detail FROM audit_log ORDER BY seq").fetchall()
    conn.execute("DELETE FROM audit_log")
    prev = "0" * 64
    from appliance.web.audit import record_hash

    for seq, ts, actor, action, target, detail in rows:
        actor = "forger" if seq == 2 else actor
        digest = record_hash(forger.key, prev, seq, ts, actor, action, target, detail)
        conn.execute("INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?)", [seq, ts, actor, action, target, detail, prev, digest])
        prev = digest
    conn.commit()
    report = ctx.audit.verify(ctx.reader())
    assert not report.ok


def test_audit_api_lists_and_verifies(as_user, ctx):
    _records(ctx, 2)
    admin = as_user("admin")
    records = admin.get("/api/v1/audit?limit=3").get_json()["records"]
    assert len(records) == 3 and records[0]["seq"] > records[1]["seq"]
    only = admin.get("/api/v1/audit?action=login").get_json()["records"]
    assert only and all(r["action"].startswith("login") for r in only)
    assert admin.get("/api/v1/audit/verify").get_json()["ok"] is True
