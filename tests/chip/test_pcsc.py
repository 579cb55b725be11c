"""End to end through the real PC/SC stack: pcscd + vpcd + ``chip simulate`` + ``chip read``."""

from __future__ import annotations

import hashlib

import pytest

from .conftest import MRZ, OTHER_MRZ, chip_read, virtual_chip

pytestmark = pytest.mark.slow


def test_genuine_chip_with_pace(slot, mrz_file, pki):
    with virtual_chip(slot, mrz_file, pki):
        rc, out, _ = chip_read(slot, mrz_file, pki / "trust")
    assert rc == 0, out
    assert out["chip"] == "read" and out["access"] == "PACE"
    assert out["dg1_mrz"] == MRZ and out["matches_printed_mrz"] is True
    pa = out["passive_authentication"]
    assert pa["status"] == "valid" and pa["problems"] == []
    assert "CSCA UTO TEST" in pa["csca_subject"] and "DS UTO dsc TEST" in pa["dsc_subject"]
    assert pa["data_groups"] == {"DG1": "valid", "DG2": "valid", "DG14": "valid", "DG15": "valid"}
    assert out["active_authentication"] == "valid" and out["chip_authentication"] == "valid"
    assert out["face_image"]["format"] == "jpeg" and (out["face_image"]["width"], out["face_image"]["height"]) == (240, 320)
    assert out["failures"] == [] and out["elapsed_ms"] > 0


def test_bac_only_chip_and_given_face(slot, mrz_file, pki, tmp_path):
    from firmware_bridge.chip.simulator.personalise import default_face

    face = tmp_path / "face.jpg"
    face.write_bytes(default_face((300, 400), noise=3000))
    with virtual_chip(slot, mrz_file, pki, "--no-pace", "--face", str(face), "--no-extended-length"):
        rc, out, _ = chip_read(slot, mrz_file, pki / "trust")
    assert rc == 0, out
    assert out["access"] == "BAC"
    assert out["face_image"] == {"format": "jpeg", "width": 300, "height": 400,
                                 "sha256": hashlib.sha256(face.read_bytes()).hexdigest()}


def test_wrong_mrz_is_access_denied(slot, mrz_file, pki, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text(OTHER_MRZ)
    with virtual_chip(slot, mrz_file, pki):
        rc, out, _ = chip_read(slot, other, pki / "trust")
    assert rc == 2 and out["chip"] == "access_denied" and out["dg1_mrz"] is None


def test_wrong_mrz_on_bac_chip_is_access_denied(slot, mrz_file, pki, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text(OTHER_MRZ)
    with virtual_chip(slot, mrz_file, pki, "--no-pace"):
        rc, out, _ = chip_read(slot, other, pki / "trust")
    assert rc == 2 and out["chip"] == "access_denied"


@pytest.mark.parametrize("target,group", [("dg1", "DG1"), ("dg2", "DG2")])
def test_tampered_data_group_is_a_hash_mismatch(slot, mrz_file, pki, target, group):
    with virtual_chip(slot, mrz_file, pki, "--tamper", target):
        rc, out, _ = chip_read(slot, mrz_file, pki / "trust")
    assert rc == 1
    pa = out["passive_authentication"]
    assert pa["status"] == "hash_mismatch" and pa["data_groups"][group] == "hash_mismatch"
    assert [v for k, v in pa["data_groups"].items() if k != group] == ["valid"] * 3
    assert out["matches_printed_mrz"] is (target != "dg1")
    assert "chip_hash_mismatch" in out["failures"]


def test_tampered_sod_is_an_invalid_signature(slot, mrz_file, pki):
    with virtual_chip(slot, mrz_file, pki, "--tamper", "sod"):
        rc, out, _ = chip_read(slot, mrz_file, pki / "trust")
    assert rc == 1 and out["passive_authentication"]["status"] == "invalid_signature"
    # keys not covered by a valid signature cannot vouch for the chip
    assert out["active_authentication"] == "invalid" and out["chip_authentication"] == "invalid"


def test_clone_fails_active_and_chip_authentication(slot, mrz_file, pki):
    with virtual_chip(slot, mrz_file, pki, "--clone"):
        rc, out, _ = chip_read(slot, mrz_file, pki / "trust")
    assert rc == 1
    assert out["passive_authentication"]["status"] == "valid"  # the copied data are genuine
    assert out["active_authentication"] == "invalid" and out["chip_authentication"] == "invalid"
    assert out["failures"] == ["chip_active_authentication_failed", "chip_authentication_failed"]


def test_expired_document_signer(slot, mrz_file, pki):
    with virtual_chip(slot, mrz_file, pki, "--expired-dsc"):
        rc, out, _ = chip_read(slot, mrz_file, pki / "trust")
    assert rc == 1 and out["passive_authentication"]["status"] == "expired"
    assert any("expired" in p for p in out["passive_authentication"]["problems"])


def test_revoked_document_signer(slot, mrz_file, pki):
    with virtual_chip(slot, mrz_file, pki, "--revoked-dsc"):
        rc, out, _ = chip_read(slot, mrz_file, pki / "trust")
    assert rc == 1 and out["passive_authentication"]["status"] == "revoked"


def test_unknown_csca(slot, mrz_file, pki, tmp_path):
    empty = tmp_path / "trust"
    empty.mkdir()
    with virtual_chip(slot, mrz_file, pki):
        rc, out, _ = chip_read(slot, mrz_file, empty)
    assert rc == 1 and out["passive_authentication"]["status"] == "unknown_csca"
    assert out["passive_authentication"]["csca_subject"] is None


def test_chip_without_active_authentication(slot, mrz_file, pki):
    with virtual_chip(slot, mrz_file, pki, "--no-aa"):
        rc, out, _ = chip_read(slot, mrz_file, pki / "trust")
    assert rc == 0, out
    assert out["active_authentication"] == "not_supported" and out["chip_authentication"] == "valid"
    assert "DG15" not in out["passive_authentication"]["data_groups"]


def test_printed_mrz_differs_from_chip(slot, mrz_file, pki, tmp_path):
    # same access key (number, dates) but another printed name: a altered data page
    printed = tmp_path / "printed.txt"
    printed.write_text(MRZ.replace("ERIKSSON", "ERIKSSEN"))
    with virtual_chip(slot, mrz_file, pki):
        rc, out, _ = chip_read(slot, printed, pki / "trust")
    assert rc == 1 and out["matches_printed_mrz"] is False and out["failures"] == ["chip_mrz_mismatch"]


def test_card_removed_mid_read(slot, mrz_file, pki):
    with virtual_chip(slot, mrz_file, pki, "--remove-after", "12"):
        rc, out, err = chip_read(slot, mrz_file, pki / "trust")
    assert rc == 2 and out["chip"] == "error"
    assert "left the reader" in out["message"]


def test_no_card_is_absent(slot, mrz_file, pki):
    rc, out, _ = chip_read(slot, mrz_file, pki / "trust")
    assert rc == 2 and out["chip"] == "absent"


def test_human_output(slot, mrz_file, pki):
    from .conftest import READERS, bridge

    with virtual_chip(slot, mrz_file, pki, "--clone"):
        proc = bridge("chip", "read", "--mrz-file", str(mrz_file), "--reader", READERS[slot], "--trust", str(pki / "trust"))
    assert proc.returncode == 1
    assert "REFUSED: chip_active_authentication_failed, chip_authentication_failed" in proc.stdout
    assert "Traceback" not in proc.stderr
