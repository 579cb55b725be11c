"""CMS SignedData verification shared by EF.SOD and ICAO master lists."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from asn1crypto import cms, x509

from . import keys
from .errors import LDSError, UnsupportedError


@dataclass
class SignedDataCheck:
    """What a SignedData holds and whether its signer's signature verifies."""

    econtent: bytes
    certificates: list[x509.Certificate]
    signer: x509.Certificate | None
    signature_valid: bool
    problems: list[str] = field(default_factory=list)


def load_signed_data(der: bytes, expected_type: str) -> cms.SignedData:
    """Parse a ContentInfo holding SignedData with the expected encapsulated content type."""
    try:
        info = cms.ContentInfo.load(der)
        if info["content_type"].native != "signed_data":
            raise LDSError("not CMS SignedData")
        sd = info["content"]
        ctype = sd["encap_content_info"]["content_type"].dotted
        sd["signer_infos"].native  # noqa: B018 - parse fully now
    except (ValueError, TypeError, KeyError) as exc:
        raise LDSError(f"malformed CMS SignedData: {exc}") from None
    if ctype != expected_type:
        raise LDSError(f"SignedData holds {ctype}, not {expected_type}")
    return sd


def _econtent(sd: cms.SignedData) -> bytes:
    content = sd["encap_content_info"]["content"]
    value = content.native if hasattr(content, "native") else None
    if isinstance(value, bytes):
        return value
    return content.contents if hasattr(content, "contents") and isinstance(content.contents, bytes) else b""


def _find_signer(sd: cms.SignedData, sid) -> x509.Certificate | None:
    certs = [c.chosen for c in sd["certificates"] if c.name == "certificate"] if sd["certificates"].native else []
    for cert in certs:
        if sid.name == "issuer_and_serial_number":
            ias = sid.chosen
            if cert.issuer == ias["issuer"] and cert.serial_number == ias["serial_number"].native:
                return cert
        elif sid.name == "subject_key_identifier" and cert.key_identifier == sid.chosen.native:
            return cert
    return None


def verify_signed_data(sd: cms.SignedData, extra_certs: list[x509.Certificate] = ()) -> SignedDataCheck:
    """Check the first signer's signature (and signed attributes) over the encapsulated content."""
    econtent = _econtent(sd)
    certs = [c.chosen for c in sd["certificates"] if c.name == "certificate"] if sd["certificates"].native else []
    infos = list(sd["signer_infos"])
    if not infos:
        return SignedDataCheck(econtent, certs, None, False, ["no signer information"])
    si = infos[0]
    signer = _find_signer(sd, si["sid"])
    if signer is None:
        for cert in extra_certs:
            sid = si["sid"]
            if (sid.name == "issuer_and_serial_number" and cert.issuer == sid.chosen["issuer"]
                    and cert.serial_number == sid.chosen["serial_number"].native):
                signer = cert
    if signer is None:
        return SignedDataCheck(econtent, certs, None, False, ["the signer's certificate is not included"])
    digest_name = si["digest_algorithm"]["algorithm"].native
    problems = []
    attrs = si["signed_attrs"]
    if attrs.native:
        signed = b"\x31" + attrs.dump()[1:]
        try:
            digest = hashlib.new(digest_name, econtent).digest()
        except (ValueError, TypeError):
            raise UnsupportedError(f"digest algorithm {digest_name} is not supported") from None
        found = [a["values"][0].native for a in attrs if a["type"].native == "message_digest"]
        if not found or not hmac.compare_digest(found[0], digest):
            problems.append("the signed message digest does not match the content")
        types = [a["values"][0].dotted for a in attrs if a["type"].native == "content_type"]
        if types and types[0] != sd["encap_content_info"]["content_type"].dotted:
            problems.append("the signed content type does not match the content")
    else:
        signed = econtent
    try:
        public_key = keys.load_public_key(signer.public_key)
        ok = keys.verify(public_key, si["signature_algorithm"], si["signature"].native, signed, digest_name)
    except UnsupportedError as exc:
        problems.append(str(exc))
        ok = False
    if not ok:
        problems.append("the signature does not verify with the signer's certificate")
    return SignedDataCheck(econtent, certs, signer, ok and not problems, problems)


def certificate_signed_by(cert, issuer) -> bool:
    """Whether ``cert`` (certificate or CRL) carries a valid signature of ``issuer``'s key."""
    try:
        public_key = keys.load_public_key(issuer.public_key)
    except UnsupportedError:
        return False
    if isinstance(cert, x509.Certificate):
        tbs, algo, sig = cert["tbs_certificate"].dump(), cert["signature_algorithm"], cert["signature_value"].native
    else:
        tbs, algo, sig = cert["tbs_cert_list"].dump(), cert["signature_algorithm"], cert["signature"].native
    try:
        return keys.verify(public_key, algo, sig, tbs)
    except UnsupportedError:
        return False
