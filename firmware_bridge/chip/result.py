"""The result of a chip read: the JSON of ``firmware-bridge chip read`` and its exit status."""

from __future__ import annotations

from dataclasses import dataclass, field

from .lds import FaceImage
from .passive import PassiveResult


@dataclass
class ChipResult:
    """Everything learnt from one chip; ``to_dict()`` is the ``chip read --json`` object.

    ``face`` (image bytes), ``dg11`` and ``dg12`` are personal data: they are kept on the
    object for the caller but never put in ``to_dict()`` nor logged.
    """

    chip: str  # read, absent, access_denied, error
    access: str | None = None
    dg1_mrz: str | None = None
    matches_printed_mrz: bool | None = None
    passive: PassiveResult | None = None
    active_authentication: str = "not_supported"
    chip_authentication: str = "not_supported"
    face: FaceImage | None = None
    elapsed_ms: float = 0.0
    message: str | None = None
    reader: str | None = None
    data_groups_read: list[str] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)
    dg11: dict | None = None
    dg12: dict | None = None
    signature_image: bytes | None = None

    @property
    def checks_passed(self) -> bool:
        """Whether the chip was read and every check it supports passed."""
        return (
            self.chip == "read"
            and self.passive is not None and self.passive.status == "valid"
            and self.matches_printed_mrz is not False
            and self.active_authentication != "invalid"
            and self.chip_authentication != "invalid"
        )

    @property
    def exit_code(self) -> int:
        """0 read and every supported check passed, 1 a check failed, 2 the chip could not be read."""
        if self.chip != "read":
            return 2
        return 0 if self.checks_passed else 1

    @property
    def failures(self) -> list[str]:
        """Machine-readable reasons for a failed read or check (``chip_...`` codes)."""
        if self.chip != "read":
            return [f"chip_{self.chip}"]
        out = []
        if self.passive is None or self.passive.status != "valid":
            out.append(f"chip_{self.passive.status if self.passive else 'no_sod'}")
        if self.matches_printed_mrz is False:
            out.append("chip_mrz_mismatch")
        if self.active_authentication == "invalid":
            out.append("chip_active_authentication_failed")
        if self.chip_authentication == "invalid":
            out.append("chip_authentication_failed")
        return out

    def to_dict(self) -> dict:
        """The JSON object of ``chip read``."""
        return {
            "chip": self.chip,
            "access": self.access,
            "dg1_mrz": self.dg1_mrz,
            "matches_printed_mrz": self.matches_printed_mrz,
            "passive_authentication": self.passive.to_dict() if self.passive else None,
            "active_authentication": self.active_authentication,
            "chip_authentication": self.chip_authentication,
            "face_image": self.face.summary() if self.face else None,
            "elapsed_ms": round(self.elapsed_ms, 1),
            "message": self.message,
            "reader": self.reader,
            "data_groups_read": list(self.data_groups_read),
            "failures": self.failures,
            "details": dict(self.details),
        }
