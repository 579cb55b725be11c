"""The access key of BAC and PACE: the MRZ information (or a CAN) the chip's keys derive from."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..mrz import parse_mrz
from ..mrz.checkdigit import check_digit
from .errors import ChipError


class AccessKeyError(ChipError):
    """The MRZ given for chip access is unusable (not an MRZ, or lacks the key fields)."""


@dataclass(frozen=True)
class AccessKey:
    """What the terminal proves knowledge of: MRZ information, or a card access number."""

    kind: str  # "MRZ" or "CAN"
    secret: str
    printed_mrz: str | None = None

    def __repr__(self) -> str:  # never show the secret (personal data)
        return f"AccessKey({self.kind})"

    @property
    def password(self) -> bytes:
        """PACE password pi: SHA-1 of the MRZ information, or the CAN's characters."""
        if self.kind == "MRZ":
            return hashlib.sha1(self.secret.encode("ascii")).digest()
        return self.secret.encode("latin-1")

    @property
    def bac_seed(self) -> bytes:
        """BAC K_seed: the first 16 bytes of SHA-1 of the MRZ information."""
        if self.kind != "MRZ":
            raise AccessKeyError("BAC needs the MRZ, not a CAN")
        return hashlib.sha1(self.secret.encode("ascii")).digest()[:16]

    @classmethod
    def from_can(cls, can: str) -> "AccessKey":
        """A CAN (the 6 digits printed on the data page)."""
        if not can.isdigit() or not 1 <= len(can) <= 16:
            raise AccessKeyError("a CAN is a short string of digits")
        return cls("CAN", can)

    @classmethod
    def from_mrz(cls, text: str) -> "AccessKey":
        """The MRZ information (document number, birth date, expiry date with check digits) of a printed MRZ."""
        try:
            result = parse_mrz(text)
        except Exception as exc:  # NotAnMRZ and friends
            raise AccessKeyError(f"the MRZ file does not hold an MRZ ({type(exc).__name__})") from None
        lines = list(getattr(result, "lines", None) or [])
        if result.format not in ("TD1", "TD2", "TD3") or not lines:
            raise AccessKeyError("the MRZ is not a TD1, TD2 or TD3 document MRZ (visas have no chip access key)")
        return cls("MRZ", mrz_information(result.format, lines), "\n".join(lines))


def mrz_information(fmt: str, lines: list[str]) -> str:
    """Document number + check digit, birth date + check digit, expiry date + check digit."""
    if fmt == "TD1":
        l1, l2 = lines[0], lines[1]
        number, cd = l1[5:14], l1[14]
        if cd == "<" and l1[15:30].strip("<"):  # long number continues in the optional data
            rest = l1[15:30].rstrip("<")
            number, cd = number + rest[:-1], rest[-1]
        dob, exp = l2[0:7], l2[8:15]
    else:
        l2 = lines[1]
        number, cd = l2[0:9], l2[9]
        dob, exp = l2[13:20], l2[21:28]
    if not (cd.isdigit() and dob[-1].isdigit() and exp[-1].isdigit()):
        cd = check_digit(number) if not cd.isdigit() else cd
    info = number + cd + dob + exp
    if len(info) < 24:
        raise AccessKeyError("the MRZ lacks the document number or dates the chip key derives from")
    return info
