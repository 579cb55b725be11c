"""Fixtures shared by every test area."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SCREENING_SHARED_DIR", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared corpus; tests that use it are skipped when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """A fresh appliance data directory, also exported as APPLIANCE_DATA_DIR."""
    d = tmp_path / "data"
    d.mkdir()
    monkeypatch.setenv("APPLIANCE_DATA_DIR", str(d))
    monkeypatch.delenv("APPLIANCE_CONFIG", raising=False)
    return d
