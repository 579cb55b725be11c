"""Fixtures of the OCR tests: the image generator shared with the benchmark."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def imagegen():
    """``bench/ocr_imagegen.py`` as a module (documents rendered in OCR-B, with degradations)."""
    name = "ocr_imagegen"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "ocr_imagegen.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
