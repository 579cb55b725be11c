"""ICAO Doc 9303 Part 3 check digits (weights 7-3-1)."""

from __future__ import annotations

from itertools import cycle
from operator import mul

_WEIGHTS = (7, 3, 1)

#: Value of every MRZ character: digits as themselves, A-Z as 10-35, '<' as 0.
VALUES = {ch: i for i, ch in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
VALUES["<"] = 0


def char_value(ch: str) -> int:
    """Value of one MRZ character: digits as themselves, A-Z as 10-35, '<' as 0."""
    try:
        return VALUES[ch]
    except (KeyError, TypeError):
        raise ValueError(f"not an MRZ character: {ch!r}") from None


def check_digit(field: str) -> str:
    """Return the check digit ('0'-'9') of an MRZ field; ValueError for non-MRZ characters."""
    try:
        total = sum(map(mul, map(VALUES.__getitem__, field), cycle(_WEIGHTS)))
    except KeyError as exc:
        raise ValueError(f"not an MRZ character: {exc.args[0]!r}") from None
    return str(total % 10)


def verifies(field: str, digit: str) -> bool:
    """True when ``digit`` is the correct check digit of ``field``."""
    if len(digit) != 1 or not "0" <= digit <= "9":
        return False
    try:
        return check_digit(field) == digit
    except ValueError:
        return False
