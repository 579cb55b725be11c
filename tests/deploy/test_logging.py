"""Log redaction: no MRZ text, names, document numbers or birth dates above DEBUG."""

from __future__ import annotations

import io
import logging
import os

import pytest

from appliance.ops import logging as ops_logging
from appliance.ops.logging import Personal, configure, redact

MRZ1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
MRZ2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
SECRETS = ("ERIKSSON", "ANNA", "L898902C3", "1974-08-12", "740812", "D23145890")


@pytest.fixture
def capture():
    """configure() writing into a buffer; the root logger is restored afterwards."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    buf = io.StringIO()
    handler = configure("DEBUG", stream=buf, journal=False)
    yield buf
    root.removeHandler(handler)
    root.setLevel(saved[0])
    for h in saved[1]:
        if h not in root.handlers:
            root.addHandler(h)


@pytest.mark.parametrize(
    "text",
    [
        f"scan read {MRZ1}\n{MRZ2}",
        "\n".join(TD1),
        f"{MRZ1}{MRZ2}",
        "partial read P<UTOERIK__ON<<AN",
        'record {"surname": "ERIKSSON", "given_names": "ANNA MARIA", "document_number": "L898902C3", "birth_date": "1974-08-12"}',
        "{'surname': 'ERIKSSON', 'aliases': ['ANNA ERIKSON', 'A. ERIKSSON'], 'dob': '740812'}",
        "hit surname=ERIKSSON given_names=ANNA document_number=L898902C3 birth_date=740812",
        "traveller born 1974-08-12 number=D23145890",
        "HIT for lane1 (born 12 August 1974) passport L898902C3",
        "DOB 1974-08-12, document no. D23145890",
        "date of birth: 740812 doc=L898902C3",
        "scan 7 doc_key UTO:L898902C3 decision=HIT",
        "hit on UTO/D23145890 in sltd",
        "match name=ANNA MARIA ERIKSSON lane=lane1 score=0.93",
        "name: Anna Maria Eriksson, list national",
    ],
)
def test_personal_data_is_redacted(text):
    """Every kind of personal data in a message becomes [redacted]."""
    out = redact(text)
    for secret in SECRETS:
        assert secret not in out, (secret, out)
    assert "[redacted]" in out


@pytest.mark.parametrize(
    "text",
    [
        "scan 42 on lane lane-1: CLEAR",
        "list un version 2026-01-01T00:00:00Z imported 1234 entries",
        "bridge read_id=9f86d081884c7d65 lane=lane1 state=connected port=/dev/mrz-lane1",
        "GET /api/v1/scans 201 12.5ms",
        "sync: 500 records delivered to https://hub.example.org",
        "lane1 on /dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A9XYZ12345-if00-port0",
        "key 8ec9a77d52649805 active",
        "documents list sltd has 10000000 records; document check took 12 ms",
        "HTTP/1.1 200 TCP:8080",
        "list national version 3 applied",
    ],
)
def test_operational_text_is_kept(text):
    """What a technician needs stays readable."""
    assert redact(text) == text


def test_records_above_debug_are_redacted_and_debug_is_not(capture):
    """INFO/WARNING/ERROR lines are redacted, DEBUG keeps detail, args and extras included."""
    log = logging.getLogger("deploytest.redaction")
    log.debug("raw read %s", MRZ1)
    log.info("read %s on lane %s", MRZ1, "lane1")
    log.warning("screening %s", Personal("ERIKSSON ANNA"))
    log.error("document rejected", extra={"document_number": "L898902C3", "lane": "lane1"})
    log.info("match %(surname)s", {"surname": Personal("ERIKSSON")})
    lines = capture.getvalue().splitlines()
    debug = [l for l in lines if " DEBUG " in l]
    above = [l for l in lines if " DEBUG " not in l]
    assert MRZ1 in debug[0]
    assert len(above) == 4
    for line in above:
        for secret in SECRETS:
            assert secret not in line, line
    assert "lane1" in above[0] and "lane=lane1" in above[2] and "document_number=[redacted]" in above[2]


def test_tracebacks_are_redacted(capture):
    """An exception message carrying an MRZ is redacted in the logged traceback."""
    log = logging.getLogger("deploytest.redaction")
    try:
        raise ValueError(f"cannot parse {MRZ2}")
    except ValueError:
        log.exception("parse failed")
    text = capture.getvalue()
    assert "Traceback" in text and "ValueError" in text
    assert MRZ2 not in text and "L898902C3" not in text


def test_journal_format_has_priorities(monkeypatch):
    """Under the journal each line starts with its syslog priority and has no timestamp."""
    buf = io.StringIO()
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    handler = configure("INFO", stream=buf, journal=True)
    try:
        log = logging.getLogger("deploytest.journal")
        log.info("ready")
        log.error("reader lost")
        log.debug("hidden")
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
    assert buf.getvalue().splitlines() == [
        "<6>INFO deploytest.journal: ready",
        "<3>ERROR deploytest.journal: reader lost",
    ]


def test_journal_detection(tmp_path, monkeypatch):
    """JOURNAL_STREAM must name the very stream we write to."""
    path = tmp_path / "stream"
    with open(path, "w") as fh:
        st = os.fstat(fh.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{st.st_dev}:{st.st_ino}")
        assert ops_logging.journal_attached(fh)
        monkeypatch.setenv("JOURNAL_STREAM", f"{st.st_dev}:{st.st_ino + 1}")
        assert not ops_logging.journal_attached(fh)


def test_configure_replaces_basic_config_and_filters_other_handlers():
    """Calling configure twice keeps one handler; plain console handlers are replaced."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    other = logging.StreamHandler(io.StringIO())
    root.addHandler(other)
    try:
        h1 = configure("INFO", stream=io.StringIO(), journal=False)
        h2 = configure("WARNING", stream=io.StringIO(), journal=False)
        assert h1 not in root.handlers and h2 in root.handlers
        assert any(isinstance(f, ops_logging.RedactingFilter) for f in other.filters)
    finally:
        for h in list(root.handlers):
            if h not in saved[1]:
                root.removeHandler(h)
        root.setLevel(saved[0])


def test_unknown_level_is_refused():
    """A typo in the level is an error, not silence."""
    with pytest.raises(ValueError):
        configure("LOUD", stream=io.StringIO())


def test_names_run_on_over_capitalised_words_only():
    """A name value ends at the next key= or the first word that is not capitalised."""
    assert redact("name=Ivan Fictitious Traveller lane=lane1") == "name=[redacted] lane=lane1"
    assert redact("list name=national version 3") == "list name=[redacted] version 3"
    assert redact("born on 12 Aug 1974") == "born on [redacted]"
