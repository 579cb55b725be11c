"""Append-only, hash-chained audit log.

Every record carries the HMAC-SHA256 (keyed by ``<data_dir>/audit.key``) of the previous
record's hash and its own content, so an edited, inserted or deleted record breaks the
chain. The newest ``seq`` and hash are also written to ``<data_dir>/audit.head`` after each
commit, so cutting records off the end is detected too. Triggers in the database refuse
UPDATE and DELETE on the table. Records name people, scans and settings, never travellers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from .errors import AuditError

log = logging.getLogger(__name__)

GENESIS = "0" * 64
KEY_FILE = "audit.key"
HEAD_FILE = "audit.head"


def _now() -> str:
    """Current UTC time, ISO 8601 with microseconds."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def load_key(data_dir: str | Path, *, create: bool = True) -> bytes:
    """Read (or create, mode 0600) the audit HMAC key of a data directory."""
    path = Path(data_dir) / KEY_FILE
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        if not create:
            raise AuditError(f"{path}: audit key is missing") from None
    except ValueError:
        raise AuditError(f"{path}: audit key is damaged") from None
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key.hex() + "\n")
    return key


def record_hash(key: bytes, prev_hash: str, seq: int, ts: str, actor: str, action: str, target: str, detail: str) -> str:
    """HMAC of one record's content chained to the previous record's hash."""
    body = json.dumps([prev_hash, seq, ts, actor, action, target, detail], separators=(",", ":"))
    return hmac.new(key, body.encode("utf-8"), hashlib.sha256).hexdigest()


class AuditLog:
    """Writes and verifies the audit chain of one database."""

    def __init__(self, key: bytes, head_path: str | Path | None = None):
        self.key = key
        self.head_path = Path(head_path) if head_path else None
        self.dirty = False

    def append(self, db, actor: str, action: str, target: str = "", detail: dict | None = None) -> int:
        """Add one record inside the caller's write transaction; return its ``seq``."""
        row = db.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
        ts = _now()
        detail_json = json.dumps(detail or {}, separators=(",", ":"), sort_keys=True)
        digest = record_hash(self.key, prev, seq, ts, actor, action, str(target), detail_json)
        db.execute(
            "INSERT INTO audit_log (seq, ts, actor, action, target, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?)",
            [seq, ts, actor, action, str(target), detail_json, prev, digest],
        )
        self.dirty = True
        return seq

    def write_head(self, db) -> None:
        """Checkpoint the newest record to the head file (after a commit that appended)."""
        if self.head_path is None or not self.dirty:
            return
        self.dirty = False
        row = db.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        if not row:
            return
        tmp = self.head_path.with_suffix(".tmp")
        try:
            tmp.write_text(f"{row[0]} {row[1]}\n")
            os.replace(tmp, self.head_path)
        except OSError as exc:  # the chain itself is still intact
            log.warning("cannot write audit head %s: %s", self.head_path, exc.strerror)

    def read_head(self) -> tuple[int, str] | None:
        """The checkpointed (seq, hash), or None when there is none."""
        if self.head_path is None or not self.head_path.exists():
            return None
        try:
            seq, digest = self.head_path.read_text().split()
            return int(seq), digest
        except (ValueError, OSError):
            return (-1, "")

    def verify(self, db) -> "VerifyReport":
        """Recompute the whole chain and compare it with the head checkpoint."""
        report = VerifyReport()
        prev = GENESIS
        expected_seq = 1
        last_hash = {}
        for seq, ts, actor, action, target, detail, prev_hash, digest in db.execute(
            "SELECT seq, ts, actor, action, target, detail, prev_hash, hash FROM audit_log ORDER BY seq"
        ):
            report.count += 1
            if seq != expected_seq:
                report.problems.append(f"record {expected_seq}..{seq - 1} missing (deleted)")
            if prev_hash != prev:
                report.problems.append(f"record {seq}: does not follow record {seq - 1} (chain broken)")
            if record_hash(self.key, prev_hash, seq, ts, actor, action, target, detail) != digest:
                report.problems.append(f"record {seq}: content does not match its hash (edited)")
            prev = digest
            expected_seq = seq + 1
            last_hash[seq] = digest
            report.last_seq = seq
        head = self.read_head()
        if head is None:
            report.notes.append("no head checkpoint file; truncation at the end cannot be ruled out")
        elif head[0] < 0:
            report.problems.append("head checkpoint file is damaged")
        elif head[0] > report.last_seq:
            report.problems.append(f"records {report.last_seq + 1}..{head[0]} missing at the end (deleted)")
        elif last_hash.get(head[0]) != head[1]:
            report.problems.append(f"record {head[0]}: differs from the head checkpoint")
        return report


@dataclass
class VerifyReport:
    """Outcome of :meth:`AuditLog.verify`."""

    count: int = 0
    last_seq: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def to_dict(self) -> dict:
        """JSON form for ``appliance audit verify --json``."""
        return {"ok": self.ok, "records": self.count, "last_seq": self.last_seq, "problems": self.problems, "notes": self.notes}


def recent(db, limit: int = 100, action: str | None = None) -> list[dict]:
    """The newest audit records, newest first."""
    sql = "SELECT seq, ts, actor, action, target, detail FROM audit_log"
    args: list = []
    if action:
        sql += " WHERE action LIKE ?"
        args.append(action.rstrip("*") + "%")
    sql += " ORDER BY seq DESC LIMIT ?"
    args.append(int(limit))
    out = []
    for seq, ts, actor, act, target, detail in db.execute(sql, args):
        out.append({"seq": seq, "ts": ts, "actor": actor, "action": act, "target": target, "detail": json.loads(detail)})
    return out
