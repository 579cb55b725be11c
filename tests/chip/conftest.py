"""Fixtures of the chip tests: a test PKI, MRZ files, pcscd with the vpcd driver, virtual chips."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from firmware_bridge.chip.pki import create_pki
from firmware_bridge.mrz.compose import compose

HOLDER = dict(issuing_state="UTO", surname="ERIKSSON", given_names="ANNA MARIA", nationality="UTO",
              birth_date="740812", sex="F", optional_data="ZE184226B")
MRZ = compose("TD3", document_number="L898902C3", expiry_date="340415", **HOLDER)
OTHER_MRZ = compose("TD3", document_number="X12345674", expiry_date="330101", **HOLDER)
LOCK_DIR = Path(os.environ.get("CHIP_TEST_LOCK_DIR", "/tmp"))
READERS = ("Virtual PCD 00 00", "Virtual PCD 00 01")


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> Path:
    """A test PKI (ECDSA) made by ``create_pki``."""
    d = tmp_path_factory.mktemp("pki")
    create_pki(d)
    return d


@pytest.fixture
def mrz_file(tmp_path) -> Path:
    """A file holding the fictitious specimen MRZ."""
    p = tmp_path / "mrz.txt"
    p.write_text(MRZ + "\n")
    return p


def _readers() -> list[str]:
    from firmware_bridge.chip.errors import ReaderError
    from firmware_bridge.chip.pcsc import list_readers

    try:
        return list_readers()
    except ReaderError:
        return []


@pytest.fixture(scope="session")
def pcscd():
    """pcscd running with vsmartcard's vpcd driver (started here when needed)."""
    if not all(r in _readers() for r in READERS):
        exe = shutil.which("pcscd") or "/usr/sbin/pcscd"
        if not os.path.exists(exe) or not os.path.exists("/usr/lib/pcsc/drivers/serial/libifdvpcd.so"):
            pytest.skip("pcscd and vsmartcard-vpcd are not installed (scripts/setup --test installs them)")
        if os.geteuid() != 0:
            pytest.skip("pcscd is not running and only root can start it")
        subprocess.run([exe], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not all(r in _readers() for r in READERS):
            time.sleep(0.2)
        if not all(r in _readers() for r in READERS):
            pytest.fail("pcscd started but the vpcd readers did not appear")
    return READERS


@pytest.fixture
def slot(pcscd):
    """An exclusive vpcd reader slot (a lock file per slot serialises test processes sharing pcscd)."""
    handles = []
    for number in (0, 1):
        f = open(LOCK_DIR / f"firmware-bridge-vpcd-slot{number}.lock", "w")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.close()
            continue
        handles.append(f)
        break
    if not handles:  # both busy: wait for slot 0
        f = open(LOCK_DIR / "firmware-bridge-vpcd-slot0.lock", "w")
        fcntl.flock(f, fcntl.LOCK_EX)
        handles.append(f)
        number = 0
    try:
        yield number
    finally:
        for f in handles:
            fcntl.flock(f, fcntl.LOCK_UN)
            f.close()


def bridge(*args, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``firmware-bridge ARGS`` (as the console script does) and capture its output."""
    return subprocess.run([sys.executable, "-m", "firmware_bridge.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONWARNINGS": "error"})


@contextlib.contextmanager
def virtual_chip(slot: int, mrz_path: Path, pki: Path, *extra: str):
    """Run ``chip simulate`` on a slot until the block ends; wait for its ``ready`` line."""
    proc = subprocess.Popen([sys.executable, "-m", "firmware_bridge.cli", "chip", "simulate", "--mrz-file", str(mrz_path),
                             "--pki", str(pki), "--slot", str(slot), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        if line.strip() != "ready":
            proc.kill()
            raise AssertionError(f"simulator did not get ready: {line!r} {proc.stderr.read()}")
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    # let pcscd notice the removal before the next card goes into this slot
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _card_present(READERS[slot]):
        time.sleep(0.05)


def _card_present(reader: str) -> bool:
    from smartcard.System import readers

    try:
        r = next(x for x in readers() if str(x) == reader)
        c = r.createConnection()
        c.connect()
        c.disconnect()
        return True
    except Exception:
        return False


def chip_read(slot: int, mrz_path: Path, trust: Path | None, *extra: str) -> tuple[int, dict, str]:
    """Run ``chip read --json`` on the slot's reader; return (exit status, JSON object, stderr)."""
    args = ["chip", "read", "--mrz-file", str(mrz_path), "--reader", READERS[slot], "--json", *extra]
    if trust is not None:
        args += ["--trust", str(trust)]
    proc = bridge(*args)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout), proc.stderr
