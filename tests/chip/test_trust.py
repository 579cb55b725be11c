"""The box's trust store: ``appliance trust import`` / ``show`` and ``chip read`` without --trust."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import READERS, bridge, virtual_chip


def appliance(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from appliance.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=60, env=env)


@pytest.fixture
def box(data_dir, monkeypatch):
    import os

    return {**os.environ}


def test_import_master_list_and_crl_then_show(box, pki, data_dir):
    r = appliance("trust", "import", str(pki / "masterlist.ml"), str(pki / "trust" / "csca.crl"), env=box)
    assert r.returncode == 0, r.stderr
    assert "1 CSCA certificate(s), 1 CRL(s)" in r.stdout
    shown = json.loads(appliance("trust", "show", "--json", env=box).stdout)
    assert sorted(a["kind"] for a in shown) == ["crl", "csca"]
    assert all(a["country"] == "UT" and "CSCA UTO TEST" in a["subject"] for a in shown)
    assert sorted(p.suffix for p in (data_dir / "trust").iterdir()) == [".crl", ".der"]
    again = appliance("trust", "import", str(pki / "trust" / "csca.pem"), env=box)
    assert again.returncode == 0 and "0 new trust anchor(s)" in again.stdout


def test_tampered_master_list_is_refused_and_nothing_stored(box, pki, tmp_path, data_dir):
    data = bytearray((pki / "masterlist.ml").read_bytes())
    data[-10] ^= 0xFF  # inside the signature
    bad = tmp_path / "bad.ml"
    bad.write_bytes(bytes(data))
    r = appliance("trust", "import", str(pki / "trust" / "csca.crl"), str(bad), env=box)
    assert r.returncode == 1 and "bad.ml" in r.stderr and "signature" in r.stderr
    assert "Traceback" not in r.stderr
    assert json.loads(appliance("trust", "show", "--json", env=box).stdout) == []


def test_master_list_signed_by_an_unknown_signer_is_refused(pki, tmp_path):
    from asn1crypto import x509 as ax509
    from cryptography.hazmat.primitives.serialization import Encoding

    from firmware_bridge.chip.errors import TrustError
    from firmware_bridge.chip.pki import create_pki, load_signer, sign_cms
    from firmware_bridge.chip.trust import ID_MASTER_LIST, CscaMasterList, parse_master_list

    other = tmp_path / "other"
    create_pki(other)
    # a list holding our CSCA, validly signed, but by a signer that CSCA never issued
    csca = ax509.Certificate.load(__import__("cryptography.x509", fromlist=["x"]).load_pem_x509_certificate(
        (pki / "trust" / "csca.pem").read_bytes()).public_bytes(Encoding.DER))
    cert, key = load_signer(other, "dsc")
    forged = sign_cms(ID_MASTER_LIST, CscaMasterList({"version": 0, "cert_list": [csca]}).dump(), cert, key, "ecdsa")
    with pytest.raises(TrustError, match="not issued by a CSCA"):
        parse_master_list(forged)
    assert len(parse_master_list((pki / "masterlist.ml").read_bytes())[0]) == 1
    with pytest.raises(TrustError):
        parse_master_list(b"not a master list")


def test_a_document_signer_is_not_a_trust_anchor(box, pki):
    r = appliance("trust", "import", str(pki / "dsc.pem"), env=box)
    assert r.returncode == 1 and "not a CA certificate" in r.stderr


@pytest.mark.slow
def test_chip_read_uses_the_box_trust_store(box, pki, slot, mrz_file, data_dir):
    assert appliance("trust", "import", str(pki / "masterlist.ml"), str(pki / "trust" / "csca.crl"), env=box).returncode == 0
    with virtual_chip(slot, mrz_file, pki, "--revoked-dsc"):
        proc = bridge("chip", "read", "--mrz-file", str(mrz_file), "--reader", READERS[slot], "--json")
    out = json.loads(proc.stdout)
    assert proc.returncode == 1 and out["passive_authentication"]["status"] == "revoked", out
