"""Errors of the screening engine (all subclasses of ApplianceError)."""

from __future__ import annotations

from ..errors import ApplianceError


class ScreeningError(ApplianceError):
    """Root of the screening engine's errors."""


class ScreeningIndexError(ScreeningError):
    """An entry cannot be indexed, or the index tables are unusable."""


class ScreeningInputError(ScreeningError):
    """The input to screen is unusable (too large, not text)."""

    exit_code = 2
