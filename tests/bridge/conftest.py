"""Fixtures of the scanner bridge tests: virtual scanners, lanes, and a wait helper."""

from __future__ import annotations

import time

import pytest

from firmware_bridge.generate import generate_documents
from firmware_bridge.lanes import LaneRunner
from firmware_bridge.mrz.compose import compose
from firmware_bridge.simulate import VirtualScanner

SPECIMEN_TD3 = compose(
    "TD3", issuing_state="UTO", surname="ERIKSSON", given_names="ANNA MARIA", document_number="L898902C3",
    nationality="UTO", birth_date="740812", sex="F", expiry_date="320415", optional_data="ZE184226B",
)
SPECIMEN_TD1 = compose(
    "TD1", document_code="I<", issuing_state="UTO", surname="ERIKSSON", given_names="ANNA MARIA",
    document_number="D23145890", nationality="UTO", birth_date="740812", sex="F", expiry_date="320415",
)
SPECIMEN_TD2 = compose(
    "TD2", issuing_state="UTO", surname="ERIKSSON", given_names="ANNA MARIA", document_number="D23145890",
    nationality="UTO", birth_date="740812", sex="F", expiry_date="320415",
)


def wait_until(predicate, timeout: float = 10.0) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds passed (never a timing assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


@pytest.fixture(scope="session")
def documents() -> list[str]:
    """Ten fictitious valid documents, two of every ICAO format."""
    return generate_documents(10, seed=7)


@pytest.fixture
def scanner_factory(tmp_path):
    """Start virtual scanners (pseudo-terminals) that are stopped after the test."""
    made: list[VirtualScanner] = []

    def make(profile: str = "lines", **kwargs) -> VirtualScanner:
        kwargs.setdefault("link", tmp_path / f"scanner-{len(made)}")
        kwargs.setdefault("seed", len(made))
        scanner = VirtualScanner(profile, **kwargs)
        scanner.start()
        made.append(scanner)
        return scanner

    yield make
    for scanner in made:
        scanner.stop()


@pytest.fixture
def lane_factory():
    """Start LaneRunners collecting their reads in ``runner.got``; stopped after the test."""
    made: list[LaneRunner] = []

    def make(name: str, port: str, profile: str = "lines", **settings) -> LaneRunner:
        got: list[dict] = []
        runner = LaneRunner(name, {"port": port, "profile": profile, **settings}, got.append)
        runner.got = got
        runner.start()
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.stop()
