"""ICAO Doc 9303 MRZ engine: parse, validate and compose TD1, TD2, TD3, MRV-A and MRV-B.

Pure code, no I/O. Public API::

    parse_mrz(text, *, today=None) -> MRZResult   # raises NotAnMRZ for non-MRZ input
    MRZResult.to_dict()                            # the JSON contract (docs/mrz.md)
    compose(fmt, **fields) -> str                  # a valid MRZ from field values
    check_digit(field) -> str                      # the 7-3-1 check digit
"""

from .checkdigit import check_digit
from .compose import compose
from .errors import ComposeError, MRZError, NotAnMRZ
from .parser import parse_mrz
from .result import RESULT_KEYS, MRZResult
from .states import TABLE_VERSION as STATE_TABLE_VERSION

__all__ = [
    "ComposeError",
    "MRZError",
    "MRZResult",
    "NotAnMRZ",
    "RESULT_KEYS",
    "STATE_TABLE_VERSION",
    "check_digit",
    "compose",
    "parse_mrz",
]
