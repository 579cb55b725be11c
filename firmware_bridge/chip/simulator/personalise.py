"""Personalise a virtual chip: LDS files from an MRZ and a face image, signed by a test PKI.

Faults are part of the feature: ``tamper`` (dg1, dg2, sod) changes data after signing,
``clone`` keeps the data but not the chip's private keys, ``expired_dsc``/``revoked_dsc``
sign with those document signers, ``no_aa`` leaves out DG15.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field

from asn1crypto import core, keys as akeys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .. import curves, tlv
from ..access import AccessKey
from ..errors import ChipError
from ..lds import DG_TAGS
from ..passive import ID_LDS_SECURITY_OBJECT, LDSSecurityObject
from ..pki import load_signer, sign_cms
from ..securityinfo import CIPHER_SUFFIX, ECDSA_PLAIN, ID_AA, ID_CA, ID_PACE, ID_PK_ECDH, SecurityInfo, encode_security_infos

log = logging.getLogger(__name__)
TAMPER = ("dg1", "dg2", "sod")


@dataclass
class ChipProfile:
    """Everything a virtual chip holds: files, secrets, and which protocols it offers."""

    files: dict[str, bytes]
    key: AccessKey
    pace: list[tuple[str, int]] = field(default_factory=list)  # (protocol OID, parameter id)
    bac: bool = True
    aa_key: object = None  # private key used to answer INTERNAL AUTHENTICATE
    aa_hash: str = "sha256"
    ca_key: tuple | None = None  # (domain, private scalar, cipher)
    extended_length: bool = True


def default_face(size: tuple[int, int] = (240, 320), quality: int = 85, noise: int = 0) -> bytes:
    """A fictitious portrait (drawn shapes) as JPEG; ``noise`` adds grain to make it larger."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, (196, 214, 230))
    d = ImageDraw.Draw(img)
    w, h = size
    d.ellipse((w * 0.25, h * 0.18, w * 0.75, h * 0.68), fill=(224, 186, 160))
    d.rectangle((w * 0.2, h * 0.72, w * 0.8, h), fill=(40, 60, 90))
    for ex in (0.4, 0.6):
        d.ellipse((w * ex - 8, h * 0.38, w * ex + 8, h * 0.44), fill=(40, 30, 20))
    d.line((w * 0.42, h * 0.56, w * 0.58, h * 0.56), fill=(140, 60, 60), width=3)
    if noise:
        import random

        rng = random.Random(noise)
        px = img.load()
        for _ in range(noise):
            x, y = rng.randrange(w), rng.randrange(h)
            px[x, y] = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


def face_record(image: bytes) -> bytes:
    """An ISO/IEC 19794-5 face record holding one image."""
    from ..lds import _image_size, image_format

    fmt = image_format(image)
    if fmt == "unknown":
        raise ChipError("the face image must be JPEG or JPEG 2000")
    width, height = _image_size(image)
    info = bytes([1, 0 if fmt == "jpeg" else 1]) + width.to_bytes(2, "big") + height.to_bytes(2, "big") + bytes([1, 2, 0, 0, 0, 0])
    record_body = (0).to_bytes(2, "big") + bytes([0, 0, 0]) + bytes(3) + bytes(2) + bytes(3) + bytes(3) + info + image
    record = (len(record_body) + 4).to_bytes(4, "big") + record_body
    return b"FAC\x00010\x00" + (14 + len(record)).to_bytes(4, "big") + (1).to_bytes(2, "big") + record


def _dg2(image: bytes) -> bytes:
    header = tlv.tlv(0xA1, tlv.tlv(0x80, b"\x01\x01") + tlv.tlv(0x87, b"\x01\x01") + tlv.tlv(0x88, b"\x00\x08"))
    inst = tlv.tlv(0x7F60, header + tlv.tlv(0x5F2E, face_record(image)))
    return tlv.tlv(0x75, tlv.tlv(0x7F61, tlv.tlv(0x02, b"\x01") + inst))


def _spki(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _ec_spki(dom, point_bytes: bytes) -> akeys.PublicKeyInfo:
    return akeys.PublicKeyInfo({"algorithm": {"algorithm": "ec", "parameters": akeys.ECDomainParameters(name="named", value=dom.asn1_name)},
                                "public_key": point_bytes})


def _sod(hashes: dict[int, bytes], signer_dir, signer: str, algorithm: str) -> bytes:
    cert, key = load_signer(signer_dir, signer)
    lso = LDSSecurityObject({"version": 0, "hash_algorithm": {"algorithm": "sha256"},
                             "hashes": [{"number": n, "hash": h} for n, h in sorted(hashes.items())]})
    return tlv.tlv(0x77, sign_cms(ID_LDS_SECURITY_OBJECT, lso.dump(), cert, key, algorithm))


def personalise(mrz: str, pki_dir, *, face: bytes | None = None, tamper: str | None = None, clone: bool = False,
                expired_dsc: bool = False, revoked_dsc: bool = False, no_aa: bool = False, pace: bool = True,
                pace_domain: str = "brainpoolP256r1", pace_cipher: str = "AES-128", bac: bool = True,
                aa_type: str = "rsa", ca: bool = True, ca_domain: str = "brainpoolP256r1", ca_cipher: str = "AES-128",
                extended_length: bool = True) -> ChipProfile:
    """Build the files and keys of a virtual ePassport for this MRZ."""
    import hashlib

    key = AccessKey.from_mrz(mrz)
    if tamper not in (None, *TAMPER):
        raise ChipError(f"unknown tamper target {tamper} (choose {', '.join(TAMPER)})")
    files: dict[str, bytes] = {}
    groups: dict[int, bytes] = {}
    groups[1] = tlv.tlv(0x61, tlv.tlv(0x5F1F, key.printed_mrz.replace("\n", "").encode("ascii")))
    groups[2] = _dg2(face or default_face())
    profile = ChipProfile(files, key, bac=bac, extended_length=extended_length)
    dg14_infos = []
    if ca:
        dom = curves.DOMAINS[ca_domain]
        if dom.kind != "EC":
            raise ChipError("the simulator offers chip authentication on elliptic curves only")
        sk, pk = dom.keypair()
        oid = f"{ID_CA}.2.{CIPHER_SUFFIX[ca_cipher]}"
        dg14_infos.append(SecurityInfo({"protocol": ID_PK_ECDH, "required_data": _ec_spki(dom, dom.encode(pk))}))
        dg14_infos.append(SecurityInfo({"protocol": oid, "required_data": core.Integer(1)}))
        profile.ca_key = (dom, dom.random_private() if clone else sk, ca_cipher)
    if not no_aa:
        aa = rsa.generate_private_key(65537, 2048) if aa_type == "rsa" else ec.generate_private_key(ec.BrainpoolP256R1())
        groups[15] = tlv.tlv(0x6F, _spki(aa.public_key()))
        if aa_type != "rsa":
            dg14_infos.append(SecurityInfo({"protocol": ID_AA, "required_data": core.Integer(1),
                                            "optional_data": core.ObjectIdentifier(f"{ECDSA_PLAIN}.3")}))
        if clone:  # a copy of the data cannot copy the private key
            aa = rsa.generate_private_key(65537, 2048) if aa_type == "rsa" else ec.generate_private_key(ec.BrainpoolP256R1())
        profile.aa_key = aa
    if dg14_infos:
        groups[14] = tlv.tlv(0x6E, encode_security_infos(dg14_infos))
    signer = "dsc-expired" if expired_dsc else "dsc-revoked" if revoked_dsc else "dsc"
    algorithm = "rsa-pss" if "PSS" in str(load_signer(pki_dir, signer)[0].signature_algorithm_oid) else "ecdsa"
    if isinstance(load_signer(pki_dir, signer)[1], rsa.RSAPrivateKey) and algorithm != "rsa-pss":
        algorithm = "rsa"
    sod = _sod({n: hashlib.sha256(v).digest() for n, v in groups.items()}, pki_dir, signer, algorithm)
    if tamper == "dg1":  # change the holder's name after signing
        mrz_bytes = bytearray(groups[1])
        idx = mrz_bytes.index(b"<", 10)
        mrz_bytes[idx - 1] = ord("X") if mrz_bytes[idx - 1] != ord("X") else ord("Y")
        groups[1] = bytes(mrz_bytes)
    elif tamper == "dg2":  # swap the photo's bytes after signing
        dg2 = bytearray(groups[2])
        for i in range(len(dg2) - 200, len(dg2) - 100):
            dg2[i] ^= 0x5A
        groups[2] = bytes(dg2)
    elif tamper == "sod":  # change a signed hash value: the signature no longer matches
        digest = hashlib.sha256(groups[1]).digest()
        pos = sod.index(digest)
        sod = sod[:pos] + bytes([sod[pos] ^ 1]) + sod[pos + 1:]
    for n, data in groups.items():
        files[f"DG{n}"] = data
    files["SOD"] = sod
    tags = bytes(DG_TAGS[n] for n in sorted(groups))
    files["COM"] = tlv.tlv(0x60, tlv.tlv(0x5F01, b"0107") + tlv.tlv(0x5F36, b"040000") + tlv.tlv(0x5C, tags))
    if pace:
        oid = f"{ID_PACE}.{2 if curves.DOMAINS[pace_domain].kind == 'EC' else 1}.{CIPHER_SUFFIX[pace_cipher]}"
        pid = curves.STANDARD_ID_OF[pace_domain]
        profile.pace.append((oid, pid))
        files["CardAccess"] = encode_security_infos([SecurityInfo({"protocol": oid, "required_data": core.Integer(2),
                                                                   "optional_data": core.Integer(pid)})])
    return profile
