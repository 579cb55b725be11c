"""Errors of chip access and verification (all subclasses of :class:`BridgeError`)."""

from __future__ import annotations

from ..errors import BridgeError


class ChipError(BridgeError):
    """Root of chip errors; ``reason`` is the ``chip`` value of ``chip read`` it leads to."""

    exit_code = 2
    reason = "error"


class ReaderError(ChipError):
    """No PC/SC service, no such reader, or the reader cannot be used."""


class ChipAbsent(ChipError):
    """No card is in the reader's field."""

    reason = "absent"


class CardRemoved(ChipError):
    """The card left the field (or the connection broke) during the read."""


class AccessDenied(ChipError):
    """The chip refused BAC and PACE with the access key derived from the MRZ (or CAN)."""

    reason = "access_denied"


class ProtocolError(ChipError):
    """The chip answered something the protocol does not allow (bad status word, bad TLV, bad MAC)."""

    def __init__(self, message: str, *, sw: int | None = None):
        super().__init__(message)
        self.sw = sw


class SecureMessagingError(ProtocolError):
    """A secure-messaging response failed its MAC or format check."""


class UnsupportedError(ChipError):
    """The chip uses a protocol variant or algorithm this reader does not implement."""


class LDSError(ChipError):
    """A data group or EF.SOD is malformed."""


class TrustError(ChipError):
    """Trust material (CSCA certificate, CRL, master list) is unusable or fails verification."""

    exit_code = 1
