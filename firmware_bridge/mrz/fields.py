"""Interpret single MRZ fields: names, dates, sex, document numbers, codes (pure)."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from . import states


# --- names -------------------------------------------------------------------------------


def split_name(field: str) -> tuple[str, str, bool]:
    """Return (surname, given_names, field_is_full) from an MRZ name field.

    ``<<`` separates the primary identifier from the secondary one; ``<`` separates name
    parts. Without ``<<`` the whole field is the primary identifier. A field whose last
    position is not a filler is full, so the name is probably truncated.
    """
    full = bool(field) and field[-1] != "<"
    body = field.rstrip("<")
    primary, _, secondary = body.partition("<<")
    surname = " ".join(part for part in primary.split("<") if part)
    given = " ".join(part for part in secondary.split("<") if part)
    return surname, given, full


# --- dates -------------------------------------------------------------------------------


@dataclass
class DateRead:
    """A resolved MRZ date: ``value`` is None when the field is not a date."""

    value: _dt.date | None
    problem: str | None = None  # "missing", "incomplete", "not_digits", "impossible"


def _ymd(raw: str) -> tuple[int, int, int] | None:
    """Split YYMMDD into integers (None unless six ASCII digits)."""
    if len(raw) != 6 or not raw.isascii() or not raw.isdigit():
        return None
    return int(raw[0:2]), int(raw[2:4]), int(raw[4:6])


def _date_parts(raw: str) -> tuple[int, int, int] | DateRead:
    """(YY, MM, DD) of a plausible date field, else the DateRead that explains why it is not one."""
    parts = _ymd(raw)
    if parts is None:
        return DateRead(None, _shape_problem(raw))
    if not (1 <= parts[1] <= 12 and 1 <= parts[2] <= 31):
        return DateRead(None, "impossible")
    return parts


def _shape_problem(raw: str) -> str | None:
    """Classify a date field that is not six digits."""
    if raw == "<" * len(raw):
        return "missing"
    if all(ch.isdigit() or ch == "<" for ch in raw):
        return "incomplete"
    return "not_digits"


def _make(year: int, month: int, day: int) -> DateRead:
    """Build a date, reporting impossible calendar values."""
    try:
        return DateRead(_dt.date(year, month, day))
    except ValueError:
        return DateRead(None, "impossible")


def resolve_birth(raw: str, today: _dt.date) -> DateRead:
    """Resolve a YYMMDD birth date: the latest century that puts it on or before ``today``."""
    parts = _date_parts(raw)
    if isinstance(parts, DateRead):
        return parts
    yy, mm, dd = parts
    base = today.year // 100 * 100
    year = base + yy
    if (year, mm, dd) > (today.year, today.month, today.day):
        year -= 100
    return _make(year, mm, dd)


def resolve_expiry(raw: str, today: _dt.date, ahead_years: int = 20) -> DateRead:
    """Resolve a YYMMDD expiry date: the latest century at most ``ahead_years`` ahead."""
    parts = _date_parts(raw)
    if isinstance(parts, DateRead):
        return parts
    yy, mm, dd = parts
    base = today.year // 100 * 100
    limit = (today.year + ahead_years, today.month, today.day)
    year = base + 100 + yy
    while (year, mm, dd) > limit:
        year -= 100
    return _make(year, mm, dd)


def earlier_century(d: _dt.date) -> _dt.date | None:
    """The same day and month one hundred years earlier (None if impossible)."""
    try:
        return d.replace(year=d.year - 100)
    except ValueError:
        return None


# --- document numbers --------------------------------------------------------------------


@dataclass
class DocumentNumber:
    """A document number as read, with what its check digit must cover."""

    number: str  # fillers removed
    check_char: str
    check_inputs: tuple[str, ...]  # standard input first, then the filler-included variant
    extended: bool = False
    optional_rest: str | None = None  # optional data left after an extended number
    problem: str | None = None


def document_number(layout_name: str, lines: list[str]) -> DocumentNumber:
    """Read the document number, following the TD1/TD2 extended-number rule.

    When the check-digit position holds ``<`` in TD1 or TD2, the number continues in the
    optional data: the overflow characters, then the check digit, then a ``<``. Specimens
    compute that check digit either over the whole number (Doc 9303 Part 5/6 note) or over
    the first nine characters, the ``<`` and the overflow; both are accepted.
    """
    if layout_name == "TD1":
        head, check, opt = lines[0][5:14], lines[0][14], lines[0][15:30]
    else:
        head, check, opt = lines[1][0:9], lines[1][9], lines[1][28:]
        if layout_name == "TD2":
            opt = lines[1][28:35]
    if check != "<" or layout_name not in ("TD1", "TD2"):
        return DocumentNumber(head.replace("<", ""), check, (head,))
    run = opt.split("<", 1)[0]
    if not run:
        return DocumentNumber(
            head.replace("<", ""), "<", (head,), extended=True, optional_rest=opt,
            problem="the check-digit position signals an extended number but none follows",
        )
    overflow, digit = run[:-1], run[-1]
    rest = opt[len(run) + 1:]
    number = (head + overflow).replace("<", "")
    return DocumentNumber(
        number, digit, (head + overflow, head + "<" + overflow), extended=True, optional_rest=rest
    )


# --- codes and sex -----------------------------------------------------------------------


def state_code(raw: str, label: str, warnings: list[str], errors: list[str]) -> str:
    """Return a state code without trailing fillers; report unknown or malformed codes."""
    code = states.normalise_code(raw)
    kind = states.classify(code)
    if kind == "malformed":
        guess = "".join(_TO_LETTER.get(ch, ch) for ch in code)
        if code and guess != code and states.is_known(guess):
            errors.append(
                f"{label} code is malformed (a digit where letters belong); {guess} would be a known "
                "code, not corrected: state codes have no check digit"
            )
        elif code:
            errors.append(f"{label} code is malformed (must be letters followed by fillers)")
        else:
            errors.append(f"{label} code is missing")
    elif kind == "deprecated":
        warnings.append(f"{label} code {code} is not current: {states.DEPRECATED[code]}")
    elif kind == "unknown":
        warnings.append(f"unknown {label} code {code} (state table {states.TABLE_VERSION})")
    return code


SEXES = frozenset("MFX<")
_TO_LETTER = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"}


def optional_text(raw: str) -> str:
    """Optional data as shown: leading and trailing fillers removed, inner fillers kept."""
    return raw.strip("<")
