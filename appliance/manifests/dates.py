"""Dates as carriers write them: EDIFACT DTM values (format codes 2379) and FAL spreadsheet cells.

Liberal in the layouts the guides allow, strict about values: an impossible date is an error,
never a guess. Two-digit years take the century a document reader would: a birth date the
latest century not in the future, an expiry date at most twenty years ahead.
"""

from __future__ import annotations

import datetime as dt
import re

from .model import resolve_two_digit


class DateProblem(ValueError):
    """A date value that cannot be read; the message says why."""


#: DTM format code (2379) -> (pattern, has_century, has_time)
EDIFACT_FORMATS = {
    "2": ("DDMMYY", False, False),
    "101": ("YYMMDD", False, False),
    "102": ("CCYYMMDD", True, False),
    "201": ("YYMMDDHHMM", False, True),
    "203": ("CCYYMMDDHHMM", True, True),
    "204": ("CCYYMMDDHHMMSS", True, True),
}
_BY_LENGTH = {6: "101", 8: "102", 10: "201", 12: "203", 14: "204"}
_MONTHS = {m: i for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}


def edifact_date(value: str, fmt: str, role: str, today: dt.date):
    """A DTM value as a date (``birth``/``expiry``/``issue``) or datetime (``event``); None if empty.

    A birth date may leave month and day unknown (``00``): the result is then the text
    ``"YYYY"`` or ``"YYYY-MM"``.
    """
    value = (value or "").strip()
    fmt = (fmt or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise DateProblem(f"date {value!r} is not all digits")
    if not fmt:
        fmt = _BY_LENGTH.get(len(value), "")
        if not fmt:
            raise DateProblem(f"date {value!r} has no format code and an unusual length")
    if fmt not in EDIFACT_FORMATS:
        raise DateProblem(f"date format code {fmt} is not supported (use 101, 102, 201, 203 or 204)")
    pattern, century, _time = EDIFACT_FORMATS[fmt]
    if len(value) != len(pattern):
        raise DateProblem(f"date {value!r} does not have the {len(pattern)} digits of format {fmt} ({pattern})")
    parts = {}
    for key in ("CCYY", "YY", "MM", "DD", "HH", "SS"):
        pos = pattern.find(key)
        if pos >= 0 and not (key == "YY" and century):
            parts[key] = int(value[pos:pos + len(key)])
    mi = pattern.find("MM", pattern.find("HH")) if "HH" in pattern else -1
    minute = int(value[mi:mi + 2]) if mi >= 0 else 0
    year = parts.get("CCYY")
    mm, dd = parts["MM"], parts["DD"]
    if role == "birth" and (mm == 0 or dd == 0):
        return _partial_birth(year, parts.get("YY"), mm, dd, today)
    try:
        if year is None:
            day = resolve_two_digit(parts["YY"], mm, dd, past=role in ("birth", "issue"), today=today)
        else:
            day = dt.date(year, mm, dd)
    except ValueError:
        raise DateProblem(f"date {value!r} is not a calendar date") from None
    if role != "event":
        _sane(day, role, today)
        return day
    try:
        return dt.datetime(day.year, day.month, day.day, parts.get("HH", 0), minute, parts.get("SS", 0))
    except ValueError:
        raise DateProblem(f"time in {value!r} is not a time of day") from None


def _partial_birth(year, yy, mm, dd, today):
    """A birth date with unknown month/day as 'YYYY' or 'YYYY-MM'."""
    if year is None:
        year = resolve_two_digit(yy, 1, 1, past=True, today=today).year
    if mm == 0:
        if dd:
            raise DateProblem("birth date has a day but no month")
        return f"{year:04d}"
    if not 1 <= mm <= 12:
        raise DateProblem(f"birth month {mm} does not exist")
    return f"{year:04d}-{mm:02d}"


def _sane(day: dt.date, role: str, today: dt.date) -> None:
    """Refuse dates that cannot be right for their role."""
    if role == "birth" and day > today:
        raise DateProblem(f"birth date {day.isoformat()} is in the future")
    if role == "birth" and day.year < today.year - 130:
        raise DateProblem(f"birth date {day.isoformat()} is more than 130 years ago")
    if role == "issue" and day > today + dt.timedelta(days=1):
        raise DateProblem(f"issue date {day.isoformat()} is in the future")


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_DOTS = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?: (\d{1,2}):(\d{2}))?$")
_TEXT = re.compile(r"^(\d{1,2})[- ]([A-Za-z]{3})[- ](\d{4})(?: (\d{1,2}):(\d{2}))?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def sheet_date(value: str, role: str, today: dt.date):
    """A spreadsheet date: 2026-03-01, 20260301, 01.03.2026 or 01-MAR-2026 (time allowed for events).

    Day/month order with slashes (01/03/2026) is ambiguous between countries and is refused.
    """
    value = (value or "").strip()
    if not value:
        return None
    hh = mi = ss = 0
    m = _ISO.match(value)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
        hh, mi, ss = int(m[4] or 0), int(m[5] or 0), int(m[6] or 0)
    elif (m := _COMPACT.match(value)):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    elif (m := _DOTS.match(value)):
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
        hh, mi = int(m[4] or 0), int(m[5] or 0)
    elif (m := _TEXT.match(value)):
        mo = _MONTHS.get(m[2].upper())
        if mo is None:
            raise DateProblem(f"month {m[2]!r} is not an English month abbreviation")
        d, y = int(m[1]), int(m[3])
        hh, mi = int(m[4] or 0), int(m[5] or 0)
    elif "/" in value:
        raise DateProblem(f"date {value!r} is ambiguous (day/month order); write YYYY-MM-DD")
    else:
        raise DateProblem(f"date {value!r} is not a date (write YYYY-MM-DD)")
    try:
        day = dt.date(y, mo, d)
    except ValueError:
        raise DateProblem(f"date {value!r} is not a calendar date") from None
    if role == "event":
        try:
            return dt.datetime(y, mo, d, hh, mi, ss)
        except ValueError:
            raise DateProblem(f"time in {value!r} is not a time of day") from None
    _sane(day, role, today)
    return day
