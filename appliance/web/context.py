"""The service's shared objects (``app.extensions["appliance"]``): config, database, audit, events."""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from ..config import Config
from ..store import db as store_db
from .audit import HEAD_FILE, AuditLog, load_key
from .events import EventHub

log = logging.getLogger(__name__)

SECRET_FILE = "secret_key"


def load_secret(data_dir: Path) -> str:
    """Read (or create, mode 0600) the session signing key of a data directory."""
    path = data_dir / SECRET_FILE
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key


class Appliance:
    """One data directory opened for the service: a single writer, a reader per thread."""

    def __init__(self, config: Config, data_dir: str | Path):
        self.config = config
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.db_path = store_db.database_path(self.data_dir)
        busy = int(config["store"]["busy_timeout_ms"])
        self._busy = busy
        self._write_lock = threading.RLock()
        self._writer = store_db.connect(self.db_path, busy_timeout_ms=busy)
        self._local = threading.local()
        self.audit = AuditLog(load_key(self.data_dir), self.data_dir / HEAD_FILE)
        self.events = EventHub()
        self.started = time.time()
        self._screener = None
        self._screener_lock = threading.Lock()

    # -- database -------------------------------------------------------------------
    def reader(self):
        """A database connection for reading, private to the calling thread."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = store_db.connect(self.db_path, busy_timeout_ms=self._busy, migrate=False)
            self._local.db = db
        return db

    @contextmanager
    def write(self):
        """The single writer connection inside one IMMEDIATE transaction (nested use joins it)."""
        with self._write_lock:
            if getattr(self._local, "writing", False):
                yield self._writer
                return
            conn = self._writer.conn
            if conn.in_transaction:
                conn.commit()
            conn.execute("BEGIN IMMEDIATE")
            self._local.writing = True
            try:
                yield self._writer
            except BaseException:
                conn.rollback()
                self.audit.dirty = False
                raise
            finally:
                self._local.writing = False
            conn.commit()
            self.audit.write_head(self._writer)

    def record(self, actor: str, action: str, target: str = "", detail: dict | None = None) -> int:
        """Append one audit record in its own transaction."""
        with self.write() as db:
            return self.audit.append(db, actor, action, target, detail)

    # -- screening ------------------------------------------------------------------
    @property
    def screener(self):
        """The screening engine (created on first use; thread-safe)."""
        if self._screener is None:
            with self._screener_lock:
                if self._screener is None:
                    from ..screening import Screener  # noqa: PLC0415 - lands with the screening area

                    self._screener = Screener(self.db_path, self.config)
        return self._screener

    def warm_up(self) -> None:
        """Open the screening engine now, so the first scan is as fast as the others."""
        try:
            self.screener
        except ImportError as exc:
            log.warning("screening engine not available: %s", exc.name)

    def close(self) -> None:
        """End event streams and close the writer connection."""
        self.events.close()
        self._writer.conn.close()
