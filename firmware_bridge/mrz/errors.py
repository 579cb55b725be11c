"""Errors raised by the MRZ engine (all subclasses of ``firmware_bridge.errors.BridgeError``)."""

from __future__ import annotations

from ..errors import BridgeError


class MRZError(BridgeError):
    """Root of every error raised by ``firmware_bridge.mrz``."""

    exit_code = 1


class NotAnMRZ(MRZError):
    """The input is not a machine readable zone at all (garbage, empty, binary, too large)."""

    exit_code = 2


class ComposeError(MRZError, ValueError):
    """``compose`` was given field values that cannot make a valid MRZ."""
