"""ICAO Doc 9303 Part 3 check digits (weights 7-3-1)."""

_WEIGHTS = (7, 3, 1)


def char_value(ch: str) -> int:
    """Value of one MRZ character: digits as themselves, A-Z as 10-35, '<' as 0."""
    if "0" <= ch <= "9":
        return ord(ch) - 48
    if "A" <= ch <= "Z":
        return ord(ch) - 55
    if ch == "<":
        return 0
    raise ValueError(f"not an MRZ character: {ch!r}")


def check_digit(field: str) -> str:
    """Return the check digit ('0'-'9') of an MRZ field."""
    total = 0
    for i, ch in enumerate(field):
        total += char_value(ch) * _WEIGHTS[i % 3]
    return str(total % 10)


def verifies(field: str, digit: str) -> bool:
    """True when ``digit`` is the correct check digit of ``field``."""
    try:
        return check_digit(field) == digit
    except ValueError:
        return False
