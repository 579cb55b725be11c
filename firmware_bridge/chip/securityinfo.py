"""SecurityInfos of EF.CardAccess and DG14 (9303 part 11 section 9.2): PACE, CA and AA infos."""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import core, keys

from .errors import LDSError

BSI = "0.4.0.127.0.7.2.2"
ID_PK_DH, ID_PK_ECDH = f"{BSI}.1.1", f"{BSI}.1.2"
ID_TA = f"{BSI}.2"
ID_CA = f"{BSI}.3"
ID_PACE = f"{BSI}.4"
ID_AA = "2.23.136.1.1.5"
ECDSA_PLAIN = "0.4.0.127.0.7.1.1.4.1"
PLAIN_HASHES = {f"{ECDSA_PLAIN}.1": "sha1", f"{ECDSA_PLAIN}.2": "sha224", f"{ECDSA_PLAIN}.3": "sha256",
                f"{ECDSA_PLAIN}.4": "sha384", f"{ECDSA_PLAIN}.5": "sha512"}
CIPHERS = {1: "3DES", 2: "AES-128", 3: "AES-192", 4: "AES-256"}
CIPHER_SUFFIX = {name: n for n, name in CIPHERS.items()}
PACE_MAPPINGS = {1: ("DH", "GM"), 2: ("ECDH", "GM"), 3: ("DH", "IM"), 4: ("ECDH", "IM"), 6: ("ECDH", "CAM")}


class SecurityInfo(core.Sequence):
    """SecurityInfo ::= SEQUENCE { protocol OID, requiredData ANY, optionalData ANY OPTIONAL }."""

    _fields = [("protocol", core.ObjectIdentifier), ("required_data", core.Any), ("optional_data", core.Any, {"optional": True})]


class SecurityInfos(core.SetOf):
    """SecurityInfos ::= SET OF SecurityInfo."""

    _child_spec = SecurityInfo


@dataclass
class PACEInfo:
    """A PACE protocol the chip offers: key agreement, mapping, cipher and domain parameter id."""

    oid: str
    agreement: str  # "DH" or "ECDH"
    mapping: str  # "GM", "IM", "CAM"
    cipher: str
    version: int
    parameter_id: int | None


@dataclass
class CAInfo:
    """Chip Authentication: protocol (cipher) and version, with the key id it applies to."""

    oid: str
    agreement: str
    cipher: str
    version: int
    key_id: int | None


@dataclass
class CAPublicKey:
    """A chip authentication public key from DG14."""

    agreement: str
    public_key: keys.PublicKeyInfo
    key_id: int | None


@dataclass
class AAInfo:
    """Active Authentication info (present in DG14 for ECDSA AA)."""

    version: int
    signature_algorithm: str | None


@dataclass
class ParsedSecurityInfos:
    """Everything understood in a SecurityInfos set; unknown protocols are kept by OID."""

    pace: list[PACEInfo]
    ca: list[CAInfo]
    ca_keys: list[CAPublicKey]
    aa: AAInfo | None
    other: list[str]


def _present(value) -> bool:
    return not isinstance(value, core.Void)


def _int(any_value) -> int:
    return int(any_value.parse(core.Integer).native)


def parse_security_infos(der: bytes) -> ParsedSecurityInfos:
    """Parse a DER SecurityInfos (the content of EF.CardAccess, or DG14 without its 6E tag)."""
    try:
        infos = SecurityInfos.load(der, strict=False)
        items = list(infos)
    except (ValueError, TypeError) as exc:
        raise LDSError(f"SecurityInfos are not valid DER: {exc}") from exc
    out = ParsedSecurityInfos([], [], [], None, [])
    for info in items:
        try:
            oid = info["protocol"].dotted
            opt = info["optional_data"]
            if oid.startswith(ID_PACE + ".") and oid.count(".") == ID_PACE.count(".") + 2:
                mapping_id, cipher_id = (int(x) for x in oid.rsplit(".", 2)[1:])
                if mapping_id in PACE_MAPPINGS and cipher_id in CIPHERS:
                    agreement, mapping = PACE_MAPPINGS[mapping_id]
                    pid = _int(opt) if _present(opt) else None
                    out.pace.append(PACEInfo(oid, agreement, mapping, CIPHERS[cipher_id], _int(info["required_data"]), pid))
                    continue
            if oid.startswith(ID_CA + ".") and oid.count(".") == ID_CA.count(".") + 2:
                agr_id, cipher_id = (int(x) for x in oid.rsplit(".", 2)[1:])
                if agr_id in (1, 2) and cipher_id in CIPHERS:
                    kid = _int(opt) if _present(opt) else None
                    out.ca.append(CAInfo(oid, "DH" if agr_id == 1 else "ECDH", CIPHERS[cipher_id], _int(info["required_data"]), kid))
                    continue
            if oid in (ID_PK_DH, ID_PK_ECDH):
                kid = _int(opt) if _present(opt) else None
                spki = info["required_data"].parse(keys.PublicKeyInfo)
                spki.native  # parse fully now: a malformed key is an LDS error, not a later crash
                out.ca_keys.append(CAPublicKey("DH" if oid == ID_PK_DH else "ECDH", spki, kid))
                continue
            if oid == ID_AA:
                algo = opt.parse(core.ObjectIdentifier).dotted if _present(opt) else None
                out.aa = AAInfo(_int(info["required_data"]), algo)
                continue
        except (ValueError, TypeError, KeyError) as exc:
            raise LDSError(f"SecurityInfo {info['protocol'].dotted} is malformed: {exc}") from exc
        out.other.append(oid)
    return out


def pace_info_der(oid: str, version: int, parameter_id: int) -> SecurityInfo:
    """A PACEInfo as a SecurityInfo (used by the card simulator)."""
    return SecurityInfo({"protocol": oid, "required_data": core.Integer(version), "optional_data": core.Integer(parameter_id)})


def encode_security_infos(items: list[SecurityInfo]) -> bytes:
    """DER of a SecurityInfos set."""
    return SecurityInfos(items).dump(force=True)
