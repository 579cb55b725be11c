"""Protocol and verification tests without PC/SC: ICAO worked examples and every variant in process."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from asn1crypto import keys as akeys
from cryptography.hazmat.primitives.asymmetric import ec

from firmware_bridge.chip import curves
from firmware_bridge.chip.access import AccessKey, mrz_information
from firmware_bridge.chip.apdu import Command, parse_command
from firmware_bridge.chip.bac import bac_keys
from firmware_bridge.chip.cipher import CipherSuite
from firmware_bridge.chip.errors import LDSError
from firmware_bridge.chip.keys import load_public_key
from firmware_bridge.chip.passive import verify_passive
from firmware_bridge.chip.pki import create_pki
from firmware_bridge.chip.reader import read_document
from firmware_bridge.chip.simulator import EmrtdCard, personalise
from firmware_bridge.chip.sm import SecureChannel
from firmware_bridge.chip.trust import TrustStore
from firmware_bridge.mrz.compose import compose

from .conftest import MRZ


def test_icao_worked_example_bac_keys():
    # ICAO Doc 9303 part 11, appendix D: MRZ information, K_seed, K_enc, K_mac
    lines = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C<3UTO6908061F9406236ZE184226B<<<<<14"]
    info = mrz_information("TD3", lines)
    assert info == "L898902C<369080619406236"
    seed = hashlib.sha1(info.encode()).digest()[:16]
    assert seed.hex() == "239ab9cb282daf66231dc5a4df6bfbae"
    assert [k.hex() for k in bac_keys(seed)] == ["ab94fdecf2674fdfb9b391f85d7f76f2", "7962d9ece03d1acd4c76089dce131543"]


def test_icao_worked_example_secure_messaging():
    channel = SecureChannel(CipherSuite("3DES"), bytes.fromhex("979EC13B1CBFE9DCD01AB0FED307EAE5"),
                            bytes.fromhex("F1CB1F1FB5ADF208806B89DC579DC1F8"), 0x887022120C06C226)
    protected = channel.protect(Command(0x00, 0xA4, 0x02, 0x0C, bytes.fromhex("011E"))).encode()
    assert protected.hex().upper() == "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"


def test_td1_access_key_with_long_document_number():
    mrz = compose("TD1", document_code="I<", issuing_state="UTO", surname="ERIKSSON", given_names="ANNA",
                  document_number="D23145890734", nationality="UTO", birth_date="740812", sex="F", expiry_date="320415")
    key = AccessKey.from_mrz(mrz)
    assert key.secret.startswith("D23145890734") and len(key.secret) == 12 + 1 + 14
    assert "D231" not in repr(key)


@pytest.mark.parametrize("curve,name", [(ec.SECP256R1(), "P-256"), (ec.BrainpoolP384R1(), "brainpoolP384r1"),
                                        (ec.SECP521R1(), "P-521")])
def test_curve_arithmetic_matches_openssl(curve, name):
    key = ec.generate_private_key(curve)
    dom = curves.DOMAINS[name]
    point = dom.g * key.private_numbers().private_value
    pub = key.public_key().public_numbers()
    assert (point.x(), point.y()) == (pub.x, pub.y)


def test_apdu_encoding_round_trip():
    for cmd in (Command(0, 0xB0, 0, 0, le=256), Command(0, 0xB0, 1, 2, le=4096), Command(0, 0xA4, 2, 12, b"\x01\x1e"),
                Command(0, 0x88, 0, 0, b"x" * 300, le=65536), Command(0, 0x88, 0, 0, b"12345678", le=256)):
        assert parse_command(cmd.encode()) == cmd


@pytest.fixture(scope="module")
def pki_trust(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    create_pki(d)
    return d, TrustStore.from_dir(d / "trust")


def _read(profile, trust, mrz=MRZ, extended=True):
    return read_document(EmrtdCard(profile), AccessKey.from_mrz(mrz), trust, extended=extended)


@pytest.mark.parametrize("domain", sorted(curves.STANDARD_ID_OF, key=curves.STANDARD_ID_OF.get))
def test_pace_on_every_standard_domain(pki_trust, domain):
    d, trust = pki_trust
    r = _read(personalise(MRZ, d, pace_domain=domain, bac=False, no_aa=True, ca=False), trust)
    assert r.access == "PACE" and r.exit_code == 0, r.to_dict()


@pytest.mark.parametrize("cipher", ["3DES", "AES-128", "AES-192", "AES-256"])
def test_pace_and_chip_authentication_ciphers(pki_trust, cipher):
    d, trust = pki_trust
    r = _read(personalise(MRZ, d, pace_cipher=cipher, ca_cipher=cipher, bac=False), trust, extended=False)
    assert (r.access, r.chip_authentication, r.active_authentication) == ("PACE", "valid", "valid"), r.details


def test_ecdsa_active_authentication(pki_trust):
    d, trust = pki_trust
    assert _read(personalise(MRZ, d, aa_type="ec"), trust).active_authentication == "valid"
    assert _read(personalise(MRZ, d, aa_type="ec", clone=True), trust).active_authentication == "invalid"


@pytest.mark.parametrize("algorithm", ["rsa", "rsa-pss"])
def test_rsa_pkis(tmp_path, algorithm):
    create_pki(tmp_path, algorithm=algorithm)
    trust = TrustStore.from_dir(tmp_path / "trust")
    r = _read(personalise(MRZ, tmp_path, pace=False), trust)
    assert r.passive.status == "valid" and r.exit_code == 0, r.passive.problems
    assert _read(personalise(MRZ, tmp_path, revoked_dsc=True), trust).passive.status == "revoked"


def test_another_states_csca_does_not_vouch(tmp_path, pki_trust):
    d, _ = pki_trust
    create_pki(tmp_path / "other")  # same names, different keys: a forger's own "CSCA UTO"
    forged_trust = TrustStore.from_dir(tmp_path / "other" / "trust")
    r = _read(personalise(MRZ, d), forged_trust)
    assert r.passive.status == "unknown_csca" and r.exit_code == 1  # its key id is not the DSC's issuer key


def test_dsc_expiry_judged_at_read_time(pki_trust):
    d, trust = pki_trust
    profile = personalise(MRZ, d)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=365 * 13)
    r = read_document(EmrtdCard(profile), AccessKey.from_mrz(MRZ), trust, now=later)
    assert r.passive.status == "expired"


def test_data_group_missing_from_sod_is_refused(pki_trust):
    d, trust = pki_trust
    profile = personalise(MRZ, d)
    groups = {1: profile.files["DG1"], 2: profile.files["DG2"], 3: b"\x63\x00"}
    r = verify_passive(profile.files["SOD"], groups, trust)
    assert r.status == "hash_mismatch" and r.data_groups["DG3"] == "not_in_sod"


@pytest.mark.parametrize("cut", [0, 3, 40, 400])
def test_truncated_sod_is_an_invalid_signature_not_a_crash(pki_trust, cut):
    d, trust = pki_trust
    profile = personalise(MRZ, d)
    r = verify_passive(profile.files["SOD"][:cut], {1: profile.files["DG1"]}, trust)
    assert r.status == "invalid_signature" and r.problems


def test_explicit_curve_parameters_are_recognised():
    key = ec.generate_private_key(ec.BrainpoolP256R1())
    dom = curves.DOMAINS["brainpoolP256r1"]
    c = dom.curve
    size = dom.size
    specified = akeys.SpecifiedECDomain({
        "version": "ecdpVer1",
        "field_id": {"field_type": "prime_field", "parameters": c.p()},
        "curve": {"a": (c.a() % c.p()).to_bytes(size, "big"), "b": c.b().to_bytes(size, "big")},
        "base": dom.encode(dom.g), "order": dom.order, "cofactor": 1})
    pub = key.public_key().public_numbers()
    spki = akeys.PublicKeyInfo({"algorithm": {"algorithm": "ec", "parameters": akeys.ECDomainParameters(name="specified", value=specified)},
                                "public_key": b"\x04" + pub.x.to_bytes(size, "big") + pub.y.to_bytes(size, "big")})
    loaded = load_public_key(akeys.PublicKeyInfo.load(spki.dump()))
    assert loaded.public_numbers() == pub


def test_malformed_dg1_is_an_lds_error():
    from firmware_bridge.chip.lds import parse_dg1

    for bad in (b"", b"\x61\x05\x5f\x1f\x02AB", b"\x62\x00", b"\x61\x82\xff\xff"):
        with pytest.raises(LDSError):
            parse_dg1(bad)


def test_card_refuses_reads_before_access_control(pki_trust):
    d, _ = pki_trust
    card = EmrtdCard(personalise(MRZ, d))
    assert card.transmit(bytes.fromhex("00A4040C07A0000002471001"))[-2:] == b"\x90\x00"
    assert card.transmit(bytes.fromhex("00A4020C020101"))[-2:] == b"\x69\x82"
    assert card.transmit(b"\x00")[-2:] == b"\x67\x00"


class _Corrupting:
    """A transport that flips one byte of the n-th response (an RF error or an active attacker)."""

    def __init__(self, card, n):
        self.card, self.n, self.count = card, n, 0

    def transmit(self, apdu):
        out = bytearray(self.card.transmit(apdu))
        self.count += 1
        if self.count == self.n and len(out) > 4:
            out[len(out) // 2] ^= 0x01
        return bytes(out)


@pytest.mark.parametrize("n", [12, 20, 30])
def test_corrupted_protected_response_is_a_chip_error(pki_trust, n):
    from firmware_bridge.chip.errors import ChipError

    d, trust = pki_trust
    card = EmrtdCard(personalise(MRZ, d, no_aa=True))
    with pytest.raises(ChipError):
        read_document(_Corrupting(card, n), AccessKey.from_mrz(MRZ), trust, extended=False)


def test_unusable_mrz_file_is_exit_2(tmp_path):
    from .conftest import bridge

    f = tmp_path / "mrz.txt"
    f.write_text("hello world\n")
    proc = bridge("chip", "read", "--mrz-file", str(f), "--json", "--trust", str(tmp_path))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert '"chip": "error"' in proc.stdout and "does not hold an MRZ" in proc.stdout
