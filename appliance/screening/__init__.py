"""Screening engine: MRZ-aware watchlist matching and lost/stolen document checks.

``Screener(db_path, config).screen(mrz_text)`` gives a :class:`ScreeningResult`;
:func:`appliance.screening.index.reindex` keeps the candidate keys in step with the lists.
"""

from .engine import DECISIONS, Screener, ScreeningResult, screening_policy
from .errors import ScreeningError, ScreeningIndexError, ScreeningInputError

__all__ = [
    "DECISIONS",
    "Screener",
    "ScreeningResult",
    "ScreeningError",
    "ScreeningIndexError",
    "ScreeningInputError",
    "screening_policy",
]
