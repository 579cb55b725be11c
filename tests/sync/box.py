"""The box side of the end-to-end tests: a data directory, its database, CLI subprocesses."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from appliance.store.db import connect, database_path
from sync.client import outbox
from sync.client.runner import SyncSettings

from .conftest import script

FAST = SyncSettings(connect_timeout=2.0, read_timeout=20.0, batch_size=20)


class Box:
    """One appliance data directory with its database."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.db = connect(database_path(data_dir))

    def env(self) -> dict:
        """Environment for the box's CLI subprocesses."""
        env = {**os.environ, "APPLIANCE_DATA_DIR": str(self.data_dir)}
        env.pop("APPLIANCE_CONFIG", None)
        return env

    def run(self, *args, timeout: float = 60) -> subprocess.CompletedProcess:
        """Run ``appliance ARGS`` as a subprocess."""
        return subprocess.run([script("appliance"), *args], env=self.env(), capture_output=True, text=True, timeout=timeout)

    def scan(self, i: int, *, hit: bool = False) -> None:
        """Queue one fictitious encounter (the way the booth does, in one transaction)."""
        with self.db.conn:
            outbox.enqueue(self.db, kind="scan", record_key=f"scan/{i}",
                           payload={"decision": "HIT" if hit else "CLEAR", "lane": "1", "n": i},
                           priority=outbox.PRIORITY_HIT if hit else outbox.PRIORITY_ROUTINE)

    def list_version(self, name: str) -> tuple[str | None, int]:
        """(version, documents+persons+entities) of a list in the box's store."""
        row = self.db.execute("SELECT version, documents + persons + entities FROM lists WHERE name = ?", [name]).fetchone()
        return (row[0], row[1]) if row else (None, 0)
