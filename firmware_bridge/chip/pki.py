"""A test country PKI (fictitious state UTO): CSCA, document signers, a CRL and a master list.

``create_pki(directory)`` writes::

    trust/csca.pem, trust/csca.crl   what a box trusts (use with ``chip read --trust DIR/trust``)
    csca.key                         the CSCA's private key
    dsc.pem/.key                     a valid document signer
    dsc-expired.pem/.key             a document signer whose certificate has expired
    dsc-revoked.pem/.key             a document signer revoked by trust/csca.crl
    masterlist.ml, ml-signer.pem     an ICAO master list holding the CSCA, signed by a list signer

For tests and demonstrations only: the keys are written unencrypted.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from asn1crypto import cms, core, x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from .errors import ChipError

ALGORITHMS = ("ecdsa", "rsa", "rsa-pss")


def _name(common: str, country: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, country[:2]),  # X.509 wants 2 letters
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Utopia Passport Office (TEST)"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def new_key(algorithm: str, strong: bool = False):
    """A private key for this PKI's algorithm (stronger for the CSCA)."""
    if algorithm == "ecdsa":
        return ec.generate_private_key(ec.SECP384R1() if strong else ec.BrainpoolP256R1())
    return rsa.generate_private_key(65537, 3072 if strong else 2048)


def _sign_args(key, algorithm: str):
    if isinstance(key, rsa.RSAPrivateKey) and algorithm == "rsa-pss":
        return {"algorithm": hashes.SHA256(), "rsa_padding": padding.PSS(padding.MGF1(hashes.SHA256()), 32)}
    return {"algorithm": hashes.SHA384() if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp384r1" else hashes.SHA256()}


def _write_key(path: Path, key) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    path.chmod(0o600)


def _cert(subject, issuer, public_key, issuer_key, algorithm, start, end, *, ca: bool, serial=None, issuer_cert=None):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
         .serial_number(serial or x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
         .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=False, key_encipherment=False,
                                      data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                                      encipher_only=False, decipher_only=False), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))
    aki_key = issuer_cert.public_key() if issuer_cert is not None else public_key
    b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(aki_key), critical=False)
    return b.sign(issuer_key, **_sign_args(issuer_key, algorithm))


def sign_cms(econtent_type: str, econtent: bytes, signer_cert: x509.Certificate, signer_key, algorithm: str,
             extra_certs=()) -> bytes:
    """A CMS SignedData (DER ContentInfo) over ``econtent`` with signed attributes."""
    import hashlib

    digest_name = "sha256"
    cert = ax509.Certificate.load(signer_cert.public_bytes(serialization.Encoding.DER))
    attrs = cms.CMSAttributes([
        cms.CMSAttribute({"type": "content_type", "values": [econtent_type]}),
        cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": dt.datetime.now(dt.timezone.utc)})]}),
        cms.CMSAttribute({"type": "message_digest", "values": [hashlib.new(digest_name, econtent).digest()]}),
    ])
    to_sign = attrs.dump()
    if isinstance(signer_key, ec.EllipticCurvePrivateKey):
        signature = signer_key.sign(to_sign, ec.ECDSA(hashes.SHA256()))
        sig_algo = {"algorithm": "sha256_ecdsa"}
    elif algorithm == "rsa-pss":
        signature = signer_key.sign(to_sign, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
        sig_algo = {"algorithm": "rsassa_pss", "parameters": {
            "hash_algorithm": {"algorithm": "sha256"},
            "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": "sha256"}},
            "salt_length": 32, "trailer_field": "trailer_field_bc"}}
    else:
        signature = signer_key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
        sig_algo = {"algorithm": "sha256_rsa"}
    signer_info = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier(name="issuer_and_serial_number", value={"issuer": cert.issuer, "serial_number": cert.serial_number}),
        "digest_algorithm": {"algorithm": digest_name},
        "signed_attrs": attrs,
        "signature_algorithm": sig_algo,
        "signature": signature,
    })
    certs = [cert] + [ax509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in extra_certs]
    sd = cms.SignedData({
        "version": "v3",
        "digest_algorithms": [{"algorithm": digest_name}],
        "encap_content_info": {"content_type": econtent_type, "content": core.ParsableOctetString(econtent)},
        "certificates": certs,
        "signer_infos": [signer_info],
    })
    return cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()


def create_pki(directory, *, country: str = "UTO", algorithm: str = "ecdsa") -> dict:
    """Write a test CSCA, three document signers, a CRL and a master list; return their paths."""
    if algorithm not in ALGORITHMS:
        raise ChipError(f"unknown PKI algorithm {algorithm} (choose {', '.join(ALGORITHMS)})")
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    (root / "trust").mkdir(exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    year = dt.timedelta(days=365)
    csca_key = new_key(algorithm, strong=True)
    csca_name = _name(f"CSCA {country} TEST", country)
    csca = _cert(csca_name, csca_name, csca_key.public_key(), csca_key, algorithm, now - year, now + 15 * year, ca=True)
    pem = serialization.Encoding.PEM
    (root / "trust" / "csca.pem").write_bytes(csca.public_bytes(pem))
    _write_key(root / "csca.key", csca_key)
    out = {"csca": str(root / "trust" / "csca.pem")}
    specs = {"dsc": (now - dt.timedelta(days=30), now + 11 * year), "dsc-expired": (now - 12 * year, now - dt.timedelta(days=2)),
             "dsc-revoked": (now - dt.timedelta(days=30), now + 11 * year)}
    revoked_serial = None
    for name, (start, end) in specs.items():
        key = new_key(algorithm)
        cert = _cert(_name(f"DS {country} {name} TEST", country), csca_name, key.public_key(), csca_key, algorithm,
                     start, end, ca=False, issuer_cert=csca)
        (root / f"{name}.pem").write_bytes(cert.public_bytes(pem))
        _write_key(root / f"{name}.key", key)
        out[name] = str(root / f"{name}.pem")
        if name == "dsc-revoked":
            revoked_serial = cert.serial_number
    crl = (x509.CertificateRevocationListBuilder().issuer_name(csca_name).last_update(now - dt.timedelta(days=1))
           .next_update(now + dt.timedelta(days=90))
           .add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(revoked_serial)
                                    .revocation_date(now - dt.timedelta(days=1)).build())
           .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(csca_key.public_key()), critical=False)
           .add_extension(x509.CRLNumber(1), critical=False)
           .sign(csca_key, **_sign_args(csca_key, algorithm)))
    (root / "trust" / "csca.crl").write_bytes(crl.public_bytes(serialization.Encoding.DER))
    out["crl"] = str(root / "trust" / "csca.crl")
    # master list: a list signer issued by the CSCA signs a CscaMasterList holding the CSCA
    ml_key = new_key(algorithm)
    ml_signer = _cert(_name(f"Master List Signer {country} TEST", country), csca_name, ml_key.public_key(), csca_key,
                      algorithm, now - dt.timedelta(days=30), now + 5 * year, ca=False, issuer_cert=csca)
    (root / "ml-signer.pem").write_bytes(ml_signer.public_bytes(pem))
    from .trust import ID_MASTER_LIST, CscaMasterList

    content = CscaMasterList({"version": 0, "cert_list": [ax509.Certificate.load(csca.public_bytes(serialization.Encoding.DER))]})
    (root / "masterlist.ml").write_bytes(sign_cms(ID_MASTER_LIST, content.dump(), ml_signer, ml_key, algorithm, [csca]))
    out["master_list"] = str(root / "masterlist.ml")
    return out


def load_signer(directory, name: str = "dsc"):
    """(certificate, private key) of a document signer written by :func:`create_pki`."""
    root = Path(directory)
    try:
        cert = x509.load_pem_x509_certificate((root / f"{name}.pem").read_bytes())
        key = serialization.load_pem_private_key((root / f"{name}.key").read_bytes(), None)
    except (OSError, ValueError) as exc:
        raise ChipError(f"{root}: not a PKI made by `chip pki create` ({name}: {exc})") from None
    return cert, key
