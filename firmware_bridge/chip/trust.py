"""Trust anchors for passive authentication: CSCA certificates, CRLs and ICAO master lists.

A *trust directory* (``chip read --trust DIR``, and the box's store under
``<data_dir>/trust``) holds certificates (``*.pem``, ``*.crt``, ``*.cer``, ``*.der``), CRLs
(``*.crl``) and master lists (``*.ml``, verified when loaded). Unusable files are skipped
and reported in ``problems``.
"""

from __future__ import annotations

import logging

from asn1crypto import core, crl, pem, x509

from . import cms
from .errors import LDSError, TrustError

log = logging.getLogger(__name__)
ID_MASTER_LIST = "2.23.136.1.1.2"


class _Certs(core.SetOf):
    _child_spec = x509.Certificate


class CscaMasterList(core.Sequence):
    """CscaMasterList ::= SEQUENCE { version INTEGER, certList SET OF Certificate }."""

    _fields = [("version", core.Integer), ("cert_list", _Certs)]


def _blocks(data: bytes) -> list[tuple[str, bytes]]:
    """(PEM type or "DER", DER bytes) for every object in a file."""
    if pem.detect(data):
        return [(kind, der) for kind, _headers, der in pem.unarmor(data, multiple=True)]
    return [("DER", data)]


def load_certificate(der: bytes) -> x509.Certificate:
    """Parse one DER certificate fully (TrustError when it is not one)."""
    try:
        cert = x509.Certificate.load(der)
        cert.native  # noqa: B018
        return cert
    except (ValueError, TypeError) as exc:
        raise TrustError(f"not an X.509 certificate: {exc}") from None


def load_crl(der: bytes) -> crl.CertificateList:
    """Parse one DER CRL fully (TrustError when it is not one)."""
    try:
        obj = crl.CertificateList.load(der)
        obj.native  # noqa: B018
        return obj
    except (ValueError, TypeError) as exc:
        raise TrustError(f"not a CRL: {exc}") from None


def parse_master_list(data: bytes, extra_trust: list[x509.Certificate] = ()) -> tuple[list[x509.Certificate], x509.Certificate]:
    """The CSCA certificates of an ICAO master list whose own signature and signer chain verify."""
    try:
        sd = cms.load_signed_data(data, ID_MASTER_LIST)
    except LDSError as exc:
        raise TrustError(f"not an ICAO master list: {exc}") from None
    check = cms.verify_signed_data(sd)
    if not check.signature_valid or check.signer is None:
        raise TrustError("the master list's signature does not verify: " + "; ".join(check.problems))
    try:
        ml = CscaMasterList.load(check.econtent)
        certs = [c for c in ml["cert_list"]]
        for c in certs:
            c.native  # noqa: B018
    except (ValueError, TypeError) as exc:
        raise TrustError(f"master list content is malformed: {exc}") from None
    issuers = [c for c in list(certs) + list(extra_trust) + check.certificates
               if c.subject == check.signer.issuer and c.self_signed in ("maybe", "yes")]
    if not any(cms.certificate_signed_by(check.signer, c) for c in issuers):
        raise TrustError("the master list signer's certificate is not issued by a CSCA in the list or the trust store")
    return certs, check.signer


def describe(cert: x509.Certificate) -> dict:
    """Country, subject, validity and fingerprint of a certificate (for listings)."""
    country = cert.subject.native.get("country_name", "")
    return {
        "country": country,
        "subject": cert.subject.human_friendly,
        "serial": format(cert.serial_number, "X"),
        "not_before": cert["tbs_certificate"]["validity"]["not_before"].native.isoformat(),
        "not_after": cert["tbs_certificate"]["validity"]["not_after"].native.isoformat(),
        "sha256": cert.sha256.hex(),
    }


class TrustStore:
    """CSCA certificates and CRLs used to check a document signer certificate."""

    def __init__(self):
        self.cscas: list[x509.Certificate] = []
        self.crls: list[crl.CertificateList] = []
        self.problems: list[str] = []
        self.source = ""

    def __len__(self) -> int:
        return len(self.cscas)

    def add_certificate(self, cert: x509.Certificate) -> None:
        """Add a CSCA certificate (duplicates ignored; a certificate that is no CA is refused)."""
        basic = cert.basic_constraints_value
        if basic is None or not basic.native.get("ca"):
            raise TrustError(f"{cert.subject.human_friendly} is not a CA certificate (a CSCA is)")
        if all(c.sha256 != cert.sha256 for c in self.cscas):
            self.cscas.append(cert)

    def add_crl(self, obj: crl.CertificateList) -> None:
        """Add a CRL (checked against its CSCA when used)."""
        self.crls.append(obj)

    def add_file(self, name: str, data: bytes) -> None:
        """Add every certificate, CRL or master list in one file's bytes."""
        lower = name.lower()
        if lower.endswith(".ml"):
            certs, _signer = parse_master_list(data, self.cscas)
            for c in certs:
                self.add_certificate(c)
            return
        for kind, der in _blocks(data):
            if "CRL" in kind or (kind == "DER" and lower.endswith(".crl")):
                self.add_crl(load_crl(der))
            else:
                self.add_certificate(load_certificate(der))

    @classmethod
    def from_dir(cls, path) -> "TrustStore":
        """Load a trust directory (files that cannot be used are listed in ``problems``)."""
        from pathlib import Path

        store = cls()
        store.source = str(path)
        root = Path(path)
        if not root.is_dir():
            raise TrustError(f"trust directory {root} does not exist")
        suffixes = (".pem", ".crt", ".cer", ".der", ".crl", ".ml")
        for file in sorted(root.rglob("*")):
            if not file.is_file() or file.suffix.lower() not in suffixes:
                continue
            try:
                store.add_file(file.name, file.read_bytes())
            except (TrustError, OSError) as exc:
                store.problems.append(f"{file.name}: {exc}")
                log.warning("trust file %s skipped: %s", file.name, exc)
        return store

    def issuers_of(self, cert: x509.Certificate) -> list[x509.Certificate]:
        """CSCA certificates whose subject is the certificate's issuer (key id checked when given)."""
        out = []
        for ca in self.cscas:
            if ca.subject != cert.issuer:
                continue
            aki, ski = cert.authority_key_identifier, ca.key_identifier
            if aki and ski and aki != ski:
                continue
            out.append(ca)
        return out

    def crls_of(self, ca: x509.Certificate) -> list[crl.CertificateList]:
        """CRLs issued and validly signed by this CSCA."""
        out = []
        for obj in self.crls:
            if obj.issuer == ca.subject and cms.certificate_signed_by(obj, ca):
                out.append(obj)
        return out
