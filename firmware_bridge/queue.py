"""The bounded on-disk delivery queue: reads wait here, in order, until the appliance takes them.

One SQLite file (WAL, synchronous=FULL) with two tables: ``pending`` (in arrival order) and
``rejected`` (reads the appliance refused for good, kept for the technician). A read leaves
``pending`` only after the appliance confirmed it, so a crash or power cut loses nothing;
its ``read_id`` doubles as idempotency key so a retry is never stored twice. The file
holds MRZ text: it is created with mode 0600.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
from pathlib import Path

from .errors import DeliveryError, QueueFullError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    read_id TEXT NOT NULL UNIQUE,
    lane TEXT NOT NULL,
    body TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE TABLE IF NOT EXISTS rejected (
    seq INTEGER PRIMARY KEY,
    read_id TEXT NOT NULL,
    lane TEXT NOT NULL,
    body TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    rejected_at TEXT NOT NULL,
    status_code INTEGER,
    reason TEXT
);
"""


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class DeliveryQueue:
    """FIFO of reads on disk, bounded by ``max_items``; safe to share between threads."""

    FILE_NAME = "queue.sqlite3"

    def __init__(self, directory: str | os.PathLike, max_items: int = 10000):
        self.directory = Path(directory)
        self.max_items = max_items
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.path = self.directory / self.FILE_NAME
            if not self.path.exists():
                fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
                os.close(fd)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise DeliveryError(f"{directory}: cannot open the delivery queue: {exc}") from None
        self._lock = threading.Lock()
        self._count = self._db.execute("SELECT count(*) FROM pending").fetchone()[0]
        self.changed = threading.Event()

    def put(self, body: dict) -> int:
        """Append a read (the POST body); raise QueueFullError when the queue is full."""
        with self._lock:
            # other processes (one systemd instance per lane) may share the file: count afresh
            self._count = self._db.execute("SELECT count(*) FROM pending").fetchone()[0]
            if self._count >= self.max_items:
                if self._db.execute("SELECT 1 FROM pending WHERE read_id = ?", (body["read_id"],)).fetchone():
                    return 0  # already queued: putting it again changes nothing
                raise QueueFullError(
                    f"delivery queue full ({self.max_items} reads waiting); the appliance has been unreachable too long"
                )
            try:
                cur = self._db.execute(
                    "INSERT OR IGNORE INTO pending (read_id, lane, body, queued_at) VALUES (?, ?, ?, ?)",
                    (body["read_id"], body.get("lane", ""), json.dumps(body, separators=(",", ":")), _now()),
                )
            except sqlite3.Error as exc:
                raise DeliveryError(f"cannot write to the delivery queue: {exc}") from None
            if cur.rowcount:
                self._count += 1
            seq = cur.lastrowid
        self.changed.set()
        return seq

    def peek(self, limit: int = 1, lanes: list[str] | None = None, exclude: list[str] | None = None) -> list[tuple[int, dict, int]]:
        """The oldest ``limit`` reads (of ``lanes``, default all; none of ``exclude``) as (seq, body, attempts)."""
        clauses, args = [], []
        if lanes:
            clauses.append(f"lane IN ({','.join('?' * len(lanes))})")
            args += list(lanes)
        if exclude:
            clauses.append(f"lane NOT IN ({','.join('?' * len(exclude))})")
            args += list(exclude)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        with self._lock:
            rows = self._db.execute(
                f"SELECT seq, body, attempts FROM pending {where} ORDER BY seq LIMIT ?", (*args, limit)
            ).fetchall()
        return [(seq, json.loads(body), attempts) for seq, body, attempts in rows]

    def ack(self, seq: int) -> None:
        """Remove a read the appliance confirmed."""
        with self._lock:
            cur = self._db.execute("DELETE FROM pending WHERE seq = ?", (seq,))
            self._count -= cur.rowcount

    def failed_attempt(self, seq: int, error: str) -> None:
        """Count a failed delivery attempt (the read stays at the head)."""
        with self._lock:
            self._db.execute("UPDATE pending SET attempts = attempts + 1, last_error = ? WHERE seq = ?", (error[:200], seq))

    def reject(self, seq: int, status_code: int | None, reason: str) -> None:
        """Move a read the appliance refused for good to ``rejected``."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "INSERT INTO rejected (seq, read_id, lane, body, queued_at, rejected_at, status_code, reason) "
                    "SELECT seq, read_id, lane, body, queued_at, ?, ?, ? FROM pending WHERE seq = ?",
                    (_now(), status_code, reason[:200], seq),
                )
                cur = self._db.execute("DELETE FROM pending WHERE seq = ?", (seq,))
                self._db.execute("COMMIT")
            except sqlite3.Error:
                self._db.execute("ROLLBACK")
                raise
            self._count -= cur.rowcount

    def requeue_rejected(self) -> int:
        """Put every rejected read back at the end of the queue; return how many."""
        with self._lock:
            rows = self._db.execute("SELECT read_id, lane, body, queued_at FROM rejected ORDER BY seq").fetchall()
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT OR IGNORE INTO pending (read_id, lane, body, queued_at) VALUES (?, ?, ?, ?)", rows
            )
            self._db.execute("DELETE FROM rejected")
            self._db.execute("COMMIT")
            self._count = self._db.execute("SELECT count(*) FROM pending").fetchone()[0]
        self.changed.set()
        return len(rows)

    def __len__(self) -> int:
        with self._lock:
            self._count = self._db.execute("SELECT count(*) FROM pending").fetchone()[0]
            return self._count

    def stats(self) -> dict:
        """Counts and ages for ``firmware-bridge queue`` and the status report."""
        with self._lock:
            pending, oldest = self._db.execute("SELECT count(*), min(queued_at) FROM pending").fetchone()
            rejected = self._db.execute("SELECT count(*) FROM rejected").fetchone()[0]
            reasons = self._db.execute(
                "SELECT status_code, reason, count(*) FROM rejected GROUP BY status_code, reason ORDER BY 3 DESC LIMIT 10"
            ).fetchall()
        return {
            "path": str(self.path),
            "pending": pending,
            "oldest_pending_at": oldest,
            "max": self.max_items,
            "rejected": rejected,
            "rejected_reasons": [{"status_code": c, "reason": r, "count": n} for c, r, n in reasons],
        }

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
