"""Fixtures of the hub and sync tests: both database backends, a hub data directory, a served hub."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from sync.hub import keys as hub_keys
from sync.hub import schema
from sync.hub.service import Hub
from sync.hub.settings import load_settings

from .pgserver import reset, throwaway_database

VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="session", autouse=True)
def cheap_argon2():
    """Real argon2id for console users, with parameters cheap enough for the shared test machine."""
    from argon2 import PasswordHasher

    from sync.hub import accounts

    previous = accounts.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    accounts.use_hasher(previous)


@pytest.fixture(scope="session")
def pg_url():
    """A throwaway PostgreSQL database for this test session."""
    with throwaway_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """Each hub test runs on SQLite and on PostgreSQL."""
    return request.param


@pytest.fixture
def hub_dir(tmp_path, backend, request) -> Path:
    """An initialised hub data directory on the current backend."""
    d = tmp_path / "hub"
    d.mkdir()
    database = None
    if backend == "postgresql":
        database = request.getfixturevalue("pg_url")
        reset(database)
    settings = load_settings(d, database, must_exist=False)
    (d / "hub.toml").write_text(settings.to_toml(), encoding="utf-8")
    hub = Hub(settings)
    schema.create(hub.db)
    hub_keys.ensure_key(settings, hub.db)
    hub.close()
    return d


@pytest.fixture
def hub(hub_dir):
    """The Hub object over ``hub_dir``."""
    h = Hub(load_settings(hub_dir))
    yield h
    h.close()


def free_port() -> int:
    """A free TCP port on localhost."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def script(name: str) -> str:
    """Path of a console script of this project."""
    return str(VENV_BIN / name)


class ServedHub:
    """``screening-hub serve`` as a real subprocess on a free port."""

    def __init__(self, data_dir: Path, log_path: Path):
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.proc = None

    def start(self) -> "ServedHub":
        """Start and wait until /healthz answers."""
        env = {**os.environ, "SCREENING_HUB_DATA_DIR": str(self.data_dir)}
        env.pop("SCREENING_HUB_DATABASE", None)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([script("screening-hub"), "serve", "--port", str(self.port), "--threads", "8"],
                                     env=env, stdout=subprocess.DEVNULL, stderr=self._log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub exited: {self.log_path.read_text()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError("hub did not start")

    def stop(self) -> None:
        """Stop the hub process."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if getattr(self, "_log", None):
            self._log.close()
            self._log = None


@pytest.fixture
def served_hub(hub_dir, tmp_path):
    """A hub served by waitress in a subprocess."""
    s = ServedHub(hub_dir, tmp_path / "hub.log").start()
    yield s
    s.stop()
