"""Passive authentication (9303 part 11 section 5.1 and part 12): is the chip's data the issuer's?

1. EF.SOD's CMS signature verifies with its document signer certificate (DSC);
2. the hash of every data group read equals the one the SOD lists;
3. the DSC chains to a CSCA in the trust store, is not revoked by that CSCA's CRL, and the
   DSC and CSCA are within their validity periods.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field

from asn1crypto import algos, core

from . import cms
from .errors import ChipError, LDSError
from .lds import sod_content
from .trust import TrustStore

ID_LDS_SECURITY_OBJECT = "2.23.136.1.1.1"
#: most serious first: the status reported is the first that applies
STATUS_ORDER = ("invalid_signature", "hash_mismatch", "revoked", "expired", "unknown_csca", "valid")


class DataGroupHash(core.Sequence):
    """DataGroupHash ::= SEQUENCE { dataGroupNumber INTEGER, dataGroupHashValue OCTET STRING }."""

    _fields = [("number", core.Integer), ("hash", core.OctetString)]


class DataGroupHashes(core.SequenceOf):
    """SEQUENCE OF DataGroupHash."""

    _child_spec = DataGroupHash


class LDSSecurityObject(core.Sequence):
    """LDSSecurityObject ::= SEQUENCE { version, hashAlgorithm, dataGroupHashValues, ldsVersionInfo OPTIONAL }."""

    _fields = [("version", core.Integer), ("hash_algorithm", algos.DigestAlgorithm),
               ("hashes", DataGroupHashes), ("lds_version_info", core.Any, {"optional": True})]


@dataclass
class PassiveResult:
    """The ``passive_authentication`` object of ``chip read``."""

    status: str
    dsc_subject: str | None = None
    csca_subject: str | None = None
    data_groups: dict[str, str] = field(default_factory=dict)
    hash_algorithm: str | None = None
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON form."""
        return {"status": self.status, "dsc_subject": self.dsc_subject, "csca_subject": self.csca_subject,
                "data_groups": dict(self.data_groups), "hash_algorithm": self.hash_algorithm,
                "problems": list(self.problems)}

    def dg_valid(self, number: int) -> bool:
        """Whether DG<number> was read and its hash matched a validly signed SOD."""
        return self.status_signature_ok and self.data_groups.get(f"DG{number}") == "valid"

    status_signature_ok: bool = False


def _validity_problem(cert, what: str, now: dt.datetime) -> str | None:
    v = cert["tbs_certificate"]["validity"]
    start, end = v["not_before"].native, v["not_after"].native
    if now < start:
        return f"the {what} is not valid before {start.date().isoformat()}"
    if now > end:
        return f"the {what} expired on {end.date().isoformat()}"
    return None


def parse_sod(sod: bytes):
    """The SignedData and LDSSecurityObject of EF.SOD."""
    sd = cms.load_signed_data(sod_content(sod), ID_LDS_SECURITY_OBJECT)
    try:
        lso = LDSSecurityObject.load(cms._econtent(sd))
        lso.native  # noqa: B018
    except (ValueError, TypeError) as exc:
        raise LDSError(f"EF.SOD's security object is malformed: {exc}") from None
    return sd, lso


def verify_passive(sod: bytes, groups: dict[int, bytes], trust: TrustStore, now: dt.datetime | None = None) -> PassiveResult:
    """Run passive authentication over the data groups read (number -> raw file)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    found: set[str] = set()
    res = PassiveResult("valid")
    try:
        sd, lso = parse_sod(sod)
    except ChipError as exc:
        res.status, res.problems = "invalid_signature", [f"EF.SOD cannot be used: {exc}"]
        res.data_groups = {f"DG{n}": "not_verified" for n in sorted(groups)}
        return res
    check = cms.verify_signed_data(sd)
    res.problems += check.problems
    dsc = check.signer
    if not check.signature_valid:
        found.add("invalid_signature" if dsc is not None else "unknown_csca")
    res.status_signature_ok = check.signature_valid
    # data group hashes
    hash_name = lso["hash_algorithm"]["algorithm"].native
    res.hash_algorithm = hash_name
    listed = {int(h["number"].native): h["hash"].native for h in lso["hashes"]}
    for n in sorted(set(groups) | set(listed)):
        if n not in groups:
            res.data_groups[f"DG{n}"] = "not_read"
            continue
        if n not in listed:
            res.data_groups[f"DG{n}"] = "not_in_sod"
            res.problems.append(f"DG{n} is on the chip but not in EF.SOD")
            found.add("hash_mismatch")
            continue
        try:
            digest = hashlib.new(hash_name, groups[n]).digest()
        except (ValueError, TypeError):
            res.problems.append(f"EF.SOD uses an unsupported hash {hash_name}")
            found.add("invalid_signature")
            break
        ok = hmac.compare_digest(digest, listed[n])
        res.data_groups[f"DG{n}"] = "valid" if ok else "hash_mismatch"
        if not ok:
            res.problems.append(f"DG{n}'s hash differs from the one signed in EF.SOD")
            found.add("hash_mismatch")
    # certificate chain
    if dsc is not None:
        res.dsc_subject = dsc.subject.human_friendly
        problem = _validity_problem(dsc, "document signer certificate", now)
        if problem:
            res.problems.append(problem)
            found.add("expired")
        candidates = trust.issuers_of(dsc)
        csca = next((ca for ca in candidates if cms.certificate_signed_by(dsc, ca)), None)
        if csca is None:
            if candidates:
                res.problems.append("the document signer certificate is not signed by the CSCA named as its issuer")
                found.add("invalid_signature")
            else:
                res.problems.append(f"no CSCA in the trust store for {dsc.issuer.human_friendly}")
                found.add("unknown_csca")
        else:
            res.csca_subject = csca.subject.human_friendly
            problem = _validity_problem(csca, "CSCA certificate", now)
            if problem:
                res.problems.append(problem)
                found.add("expired")
            for obj in trust.crls_of(csca):
                revoked = obj["tbs_cert_list"]["revoked_certificates"]
                if any(r["user_certificate"].native == dsc.serial_number for r in revoked):
                    res.problems.append("the document signer certificate is revoked by its CSCA's CRL")
                    found.add("revoked")
                    break
    res.status = next(s for s in STATUS_ORDER if s in found or s == "valid")
    return res
