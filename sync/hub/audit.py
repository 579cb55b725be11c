"""The hub's append-only, hash-chained audit log (the box's convention, in the hub's database).

Every record carries the HMAC-SHA256, keyed by ``<data dir>/keys/audit.key`` (copy it to every
replica with the signing keys), of the previous record's hash and its own content: an edited,
inserted or deleted record breaks the chain. Triggers refuse UPDATE and DELETE. Appends are
serialised (an advisory lock on PostgreSQL, the write lock on SQLite), so replicas writing at
the same moment still make one chain. The newest ``seq`` and hash are also kept in
``hub_meta`` so ``screening-hub audit verify`` notices records cut off the end. Records name
console users, hits, lists and boxes, never travellers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from .errors import HubConfigError

GENESIS = "0" * 64
KEY_FILE = "audit.key"
_LOCK_ID = 7_203_961_144  # pg_advisory_xact_lock key of the audit chain


def load_key(keys_dir: Path, *, create: bool = True) -> bytes:
    """Read (or create, mode 0600) the audit HMAC key."""
    path = Path(keys_dir) / KEY_FILE
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        if not create:
            raise HubConfigError(f"{path}: the audit key is missing (copy keys/ from the first hub)") from None
    except ValueError:
        raise HubConfigError(f"{path}: the audit key is damaged") from None
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(fd, "w") as fh:
        fh.write(key.hex() + "\n")
    return key


def record_hash(key: bytes, prev_hash: str, seq: int, ts: str, actor: str, action: str, target: str, detail: str) -> str:
    """HMAC of one record's content chained to the previous record's hash."""
    body = json.dumps([prev_hash, seq, ts, actor, action, target, detail], separators=(",", ":"))
    return hmac.new(key, body.encode("utf-8"), hashlib.sha256).hexdigest()


class AuditLog:
    """Appends to and verifies the audit chain in the hub database."""

    def __init__(self, key: bytes, dialect: str):
        self.key = key
        self.dialect = dialect

    def append(self, cur, actor: str, action: str, target: str = "", detail: dict | None = None) -> int:
        """Add one record inside the caller's write transaction; return its ``seq``."""
        if self.dialect == "postgresql":
            cur.execute("SELECT pg_advisory_xact_lock(?)", [_LOCK_ID])
        row = cur.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (int(row[0]) + 1, row[1]) if row else (1, GENESIS)
        ts = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
        detail_json = json.dumps(detail or {}, separators=(",", ":"), sort_keys=True)
        digest = record_hash(self.key, prev, seq, ts, actor[:100], action, str(target)[:200], detail_json)
        cur.execute(
            "INSERT INTO audit_log (seq, ts, actor, action, target, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [seq, ts, actor[:100], action, str(target)[:200], detail_json, prev, digest],
        )
        cur.execute(
            "INSERT INTO hub_meta (key, value) VALUES ('audit_head', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [f"{seq} {digest}"],
        )
        return seq

    def verify(self, db) -> "VerifyReport":
        """Recompute the whole chain and compare it with the head kept in ``hub_meta``."""
        report = VerifyReport()
        prev = GENESIS
        expected = 1
        hashes: dict[int, str] = {}
        with db.tx() as cur:
            rows = cur.execute("SELECT seq, ts, actor, action, target, detail, prev_hash, hash FROM audit_log ORDER BY seq").fetchall()
            head = cur.execute("SELECT value FROM hub_meta WHERE key = 'audit_head'").fetchone()
        for seq, ts, actor, action, target, detail, prev_hash, digest in rows:
            seq = int(seq)
            report.count += 1
            if seq != expected:
                report.problems.append(f"record {expected}..{seq - 1} missing (deleted)")
            if prev_hash != prev:
                report.problems.append(f"record {seq}: does not follow record {seq - 1} (chain broken)")
            if record_hash(self.key, prev_hash, seq, ts, actor, action, target, detail) != digest:
                report.problems.append(f"record {seq}: content does not match its hash (edited)")
            prev, expected, report.last_seq = digest, seq + 1, seq
            hashes[seq] = digest
        if head:
            head_seq, _, head_hash = head[0].partition(" ")
            if int(head_seq) > report.last_seq:
                report.problems.append(f"records {report.last_seq + 1}..{head_seq} missing at the end (deleted)")
            elif hashes.get(int(head_seq)) != head_hash:
                report.problems.append(f"record {head_seq}: differs from the recorded head")
        elif report.count:
            report.problems.append("the recorded head of the chain is missing")
        return report


@dataclass
class VerifyReport:
    """Outcome of :meth:`AuditLog.verify`."""

    count: int = 0
    last_seq: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def to_dict(self) -> dict:
        """JSON form for ``screening-hub audit verify --json`` and the console."""
        return {"ok": self.ok, "records": self.count, "last_seq": self.last_seq, "problems": self.problems}


def recent(db, *, limit: int = 200, action: str | None = None) -> list[dict]:
    """The newest audit records, newest first."""
    sql = "SELECT seq, ts, actor, action, target, detail FROM audit_log"
    args: list = []
    if action:
        sql += " WHERE action LIKE ?"
        args.append(action.rstrip("*") + "%")
    sql += " ORDER BY seq DESC LIMIT ?"
    args.append(int(limit))
    with db.tx() as cur:
        rows = cur.execute(sql, args).fetchall()
    return [{"seq": int(r[0]), "ts": r[1], "actor": r[2], "action": r[3], "target": r[4], "detail": json.loads(r[5])} for r in rows]
