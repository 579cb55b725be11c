"""The sync protocol: canonical JSON, Ed25519 signatures, key rotation, manifests, payloads."""

from __future__ import annotations

import datetime as dt
import zlib

import pytest

from sync.errors import ManifestRefused, PayloadError, ProtocolError, SignatureError
from sync.protocol import (
    HubKey,
    PublicKey,
    build_manifest,
    canonical_json,
    check_index,
    check_manifest,
    decode_payload,
    encode_payload,
    open_payload,
    rotation_statement,
    sha256_hex,
    sign_document,
    verify_rotation,
)
from sync.protocol.identity import record_key
from sync.client.keyring import follow_rotations

NOW = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)


def manifest(key, **over):
    args = dict(list_name="lost", kind="documents", fmt="documents-csv", version=3, base_version=2, full=False,
                payload_sha256="a" * 64, payload_size=10, record_count=1, upserts=1, removals=0,
                created=NOW, ttl=dt.timedelta(hours=1), key=key, now=NOW)
    args.update(over)
    return build_manifest(**args)


def test_canonical_json_is_stable_and_compact():
    assert canonical_json({"b": 1, "a": [1, "é"]}) == '{"a":[1,"é"],"b":1}'.encode()
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_public_key_text_round_trip_and_bad_keys():
    key = HubKey.generate()
    text = key.public.text
    assert text.startswith("ed25519:") and PublicKey.parse(text) == key.public
    assert PublicKey.parse(text[len("ed25519:"):]) == key.public
    for bad in ("ed25519:not base64!", "ed25519:" + "QUJD", ""):
        with pytest.raises(ProtocolError):
            PublicKey.parse(bad)


def test_key_files_are_private_and_not_overwritten(tmp_path):
    key = HubKey.generate()
    path = tmp_path / "k.pem"
    key.save(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert HubKey.load(path).public == key.public
    with pytest.raises(FileExistsError):
        key.save(path)
    (tmp_path / "junk.pem").write_text("junk")
    with pytest.raises(ProtocolError):
        HubKey.load(tmp_path / "junk.pem")


def test_manifest_verifies_and_every_tamper_is_caught():
    key = HubKey.generate()
    ring = {key.key_id: key.public}
    doc = manifest(key)
    body = check_manifest(doc, ring, list_name="lost", held_version=2, now=NOW)
    assert body["version"] == 3 and body["expires"] == "2030-01-01T01:00:00Z"
    for field, value in (("version", 4), ("payload_sha256", "b" * 64), ("payload_size", 11), ("expires", "2031-01-01T00:00:00Z"),
                         ("full", True), ("list", "other")):
        tampered = {**doc, field: value}
        with pytest.raises(SignatureError):
            check_manifest(tampered, ring, list_name="lost", held_version=2, now=NOW)
    other = HubKey.generate()
    with pytest.raises(SignatureError):
        check_manifest(manifest(other), ring, list_name="lost", held_version=2, now=NOW)
    forged = {**manifest(other), "key_id": key.key_id}
    with pytest.raises(SignatureError):
        check_manifest(forged, ring, list_name="lost", held_version=2, now=NOW)


def test_manifest_refusals_expired_rollback_replay_wrong_base():
    key = HubKey.generate()
    ring = {key.key_id: key.public}
    doc = manifest(key)
    with pytest.raises(ManifestRefused) as exc:
        check_manifest(doc, ring, list_name="lost", held_version=2, now=NOW + dt.timedelta(hours=2))
    assert exc.value.reason == "expired"
    for held in (3, 5):
        with pytest.raises(ManifestRefused) as exc:
            check_manifest(doc, ring, list_name="lost", held_version=held, now=NOW)
        assert exc.value.reason == "rollback"
    with pytest.raises(ManifestRefused) as exc:
        check_manifest(doc, ring, list_name="lost", held_version=1, now=NOW)
    assert exc.value.reason == "wrong_base"
    with pytest.raises(ManifestRefused) as exc:
        check_manifest(doc, ring, list_name="other", held_version=2, now=NOW)
    assert exc.value.reason == "wrong_list"
    snap = manifest(key, full=True, base_version=0)
    assert check_manifest(snap, ring, list_name="lost", held_version=1, now=NOW)["full"] is True
    with pytest.raises(ProtocolError):
        check_manifest(sign_document({"type": "list-update", "list": "lost"}, key), ring, list_name="lost", held_version=0, now=NOW)


def test_index_is_signed_and_expires():
    key = HubKey.generate()
    ring = {key.key_id: key.public}
    doc = sign_document({"type": "list-index", "lists": [{"name": "a", "version": 2}], "created": "2030-01-01T00:00:00Z",
                         "expires": "2030-01-02T00:00:00Z"}, key)
    assert check_index(doc, ring, now=NOW)["lists"][0]["version"] == 2
    with pytest.raises(SignatureError):
        check_index({**doc, "lists": [{"name": "a", "version": 1}]}, ring, now=NOW)
    with pytest.raises(ManifestRefused):
        check_index(doc, ring, now=NOW + dt.timedelta(days=2))


def test_rotation_is_signed_by_the_old_key_and_chains():
    k1, k2, k3 = HubKey.generate(), HubKey.generate(), HubKey.generate()
    s12 = rotation_statement(k1, k2.public)
    s23 = rotation_statement(k2, k3.public)
    assert verify_rotation(s12, k1.public) == k2.public
    assert follow_rotations(k1.public, {"rotations": [s23, s12]}) == k3.public
    evil = HubKey.generate()
    forged = rotation_statement(evil, evil.public)
    forged = {**forged, "old_key": k1.public.text}
    with pytest.raises(SignatureError):
        verify_rotation(forged, k1.public)
    with pytest.raises(SignatureError):
        verify_rotation({**s12, "new_key": evil.public.text}, k1.public)
    with pytest.raises(SignatureError):
        verify_rotation(s23, k1.public)


def test_payload_round_trip_hash_and_corruption():
    upserts = [{"document_number": f"X{i}", "issuing_state": "UTO"} for i in range(100)]
    data = encode_payload({"list": "l", "version": 1}, upserts, ["doc:UTO:P:Z1"])
    assert data == encode_payload({"list": "l", "version": 1}, upserts, ["doc:UTO:P:Z1"])  # deterministic
    header, ups, rems = decode_payload(data)
    assert header["version"] == 1 and ups == upserts and rems == ["doc:UTO:P:Z1"]
    assert len(sha256_hex(data)) == 64
    with pytest.raises(PayloadError):
        decode_payload(data[: len(data) // 2])
    with pytest.raises(PayloadError):
        decode_payload(b"not gzip at all")
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = comp.compress(b"\n" * (4 * 1024 * 1024)) + comp.flush()
    with pytest.raises(PayloadError):
        decode_payload(bomb, max_inflated=1024 * 1024)


def test_open_payload_streams_removals_first_and_catches_corruption():
    upserts = [{"document_number": f"X{i}", "reference": "r" * 200 + str(i)} for i in range(20000)]
    data = encode_payload({"list": "l", "version": 2}, upserts, ["doc:UTO:P:Z1", "doc:UTO:P:Z2"])
    header, removals, ups = open_payload(data)
    assert header["version"] == 2 and removals == ["doc:UTO:P:Z1", "doc:UTO:P:Z2"]
    assert list(ups) == upserts
    header, removals, ups = open_payload(data[: len(data) - 40])
    with pytest.raises(PayloadError):
        list(ups)
    with pytest.raises(PayloadError):
        list(open_payload(data, max_inflated=100_000)[2])
    with pytest.raises(PayloadError):
        open_payload(b"\x1f\x8b garbage")


def test_record_identity():
    assert record_key({"issuing_state": "UTO", "document_type": "P", "document_number": "L898902C3"}) == "doc:UTO:P:L898902C3"
    assert record_key({"entry_id": "QDi.001", "names": []}) == "id:QDi.001"
    assert record_key({"x": 1}).startswith("sha:")
