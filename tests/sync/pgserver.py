"""A real PostgreSQL for the hub tests: the one at 127.0.0.1:5432 when it answers, else one we start.

Starting one: initdb + pg_ctl from /usr/lib/postgresql/*/bin on a free port in a temporary
directory, run as the unprivileged ``postgres`` user when the tests run as root (PostgreSQL
refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg


def _answers(host: str, port: int) -> bool:
    try:
        with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres", connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or ([shutil.which(name)] if shutil.which(name) else [])
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (scripts/setup --test installs it)")
    return found[-1]


@contextmanager
def _own_server():
    base = Path(tempfile.mkdtemp(prefix="hub-pg-"))
    port = _free_port()
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    if as_root:
        shutil.chown(base, "postgres", "postgres")
    data = base / "data"
    subprocess.run(prefix + [_bin("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"],
                   check=True, capture_output=True)
    subprocess.run(prefix + [_bin("pg_ctl"), "-D", str(data), "-w", "-l", str(base / "log"), "-o",
                             f"-p {port} -k {base} -h 127.0.0.1 -c fsync=off", "start"], check=True, capture_output=True)
    try:
        yield "127.0.0.1", port
    finally:
        subprocess.run(prefix + [_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def throwaway_database():
    """Yield the URL of a new, empty database; drop it afterwards."""
    host, port = "127.0.0.1", 5432
    with (_noop() if _answers(host, port) else _own_server()) as server:
        if server:
            host, port = server
        name = f"hub_test_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql://postgres@{host}:{port}/{name}"
        finally:
            deadline = time.monotonic() + 10
            with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
                while True:
                    conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name])
                    try:
                        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                        break
                    except psycopg.Error:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.2)


@contextmanager
def _noop():
    yield None


def reset(url: str) -> None:
    """Empty the database (drop and recreate the public schema)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
