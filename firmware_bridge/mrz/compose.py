"""Compose valid MRZ text (all five ICAO formats) from field values.

Used by the virtual scanner, the demo lists, test fixtures, the OCR image generator
and the benchmarks. Pure code: no I/O.
"""

from __future__ import annotations

import datetime as _dt
import re

from .checkdigit import check_digit
from .errors import ComposeError

#: Line count and length per format.
LAYOUT = {
    "TD1": (3, 30),
    "TD2": (2, 36),
    "TD3": (2, 44),
    "MRVA": (2, 44),
    "MRVB": (2, 36),
}

_DEFAULT_CODE = {"TD1": "I<", "TD2": "I<", "TD3": "P<", "MRVA": "V<", "MRVB": "V<"}
_NON_MRZ = re.compile(r"[^A-Z0-9<]")


def _clean(value: str) -> str:
    """Upper-case a field value and turn spaces, hyphens and other marks into fillers."""
    value = (value or "").upper().replace(" ", "<").replace("-", "<").replace("'", "")
    return _NON_MRZ.sub("<", value)


def _pad(value: str, width: int) -> str:
    """Pad (or cut) a field to ``width`` with fillers."""
    return (value + "<" * width)[:width]


def _date(value) -> str:
    """Accept a date, 'YYYY-MM-DD' or 'YYMMDD' and return 'YYMMDD'."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.strftime("%y%m%d")
    value = str(value)
    if len(value) == 10 and value[4] == "-":
        return value[2:4] + value[5:7] + value[8:10]
    if len(value) == 6:
        return value
    raise ComposeError(f"unusable date {value!r}")


def name_field(surname: str, given_names: str, width: int) -> str:
    """Return the MRZ name field: SURNAME<<GIVEN<NAMES, filled or cut to ``width``."""
    field = _clean(surname).strip("<")
    given = _clean(given_names).strip("<")
    if given:
        field += "<<" + given
    return _pad(field, width)


def compose(
    fmt: str,
    *,
    issuing_state: str,
    surname: str,
    given_names: str,
    document_number: str,
    nationality: str,
    birth_date,
    sex: str,
    expiry_date,
    document_code: str | None = None,
    optional_data: str = "",
    optional_data_2: str = "",
    number_check_variant: str = "standard",
) -> str:
    """Return a valid MRZ (lines joined with "\\n") for ``fmt`` in TD1, TD2, TD3, MRVA, MRVB.

    Document numbers longer than 9 characters use the TD1/TD2 extended layout (Doc 9303
    Part 5/6 note j); ``number_check_variant="filler_included"`` computes that check digit
    with the ``<`` included, as some specimens do. Raises ``ComposeError`` (a ValueError).
    """
    fmt = (fmt or "").upper().replace("-", "")
    if fmt not in LAYOUT:
        raise ComposeError(f"unknown MRZ format {fmt!r}")
    if number_check_variant not in ("standard", "filler_included"):
        raise ComposeError(f"unknown number_check_variant {number_check_variant!r}")
    code = _pad(_clean(document_code or _DEFAULT_CODE[fmt]), 2)
    state = _pad(_clean(issuing_state), 3)
    nat = _pad(_clean(nationality), 3)
    number = _clean(document_number).replace("<", "")
    dob = _date(birth_date)
    exp = _date(expiry_date)
    sex = (sex or "<").upper()[:1].replace("X", "X") or "<"
    if sex not in "MFX<":
        sex = "<"
    opt = _clean(optional_data)
    opt2 = _clean(optional_data_2)
    if not number:
        raise ComposeError("a document number is required")
    if len(number) > 9 and fmt not in ("TD1", "TD2"):
        raise ComposeError(f"{fmt} document numbers have at most 9 characters")
    if len(number) > 9:
        room = 15 if fmt == "TD1" else 7
        if len(number) - 9 + 2 + len(opt) > room:
            raise ComposeError("the extended document number and optional data do not fit")

    def long_check(num: str) -> str:
        """Check digit of an extended number in the chosen variant."""
        if number_check_variant == "filler_included":
            return check_digit(num[:9] + "<" + num[9:])
        return check_digit(num)

    if fmt == "TD1":
        if len(number) > 9:
            num_field = number[:9] + "<"
            opt1 = _pad(number[9:] + long_check(number) + "<" + opt, 15)
        else:
            num_field = _pad(number, 9) + check_digit(_pad(number, 9))
            opt1 = _pad(opt, 15)
        line1 = code + state + num_field + opt1
        line2 = dob + check_digit(dob) + sex + exp + check_digit(exp) + nat + _pad(opt2, 11)
        composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
        line2 += check_digit(composite)
        line3 = name_field(surname, given_names, 30)
        return "\n".join((line1, line2, line3))

    width = LAYOUT[fmt][1]
    line1 = code + state + name_field(surname, given_names, width - 5)
    if fmt == "TD2" and len(number) > 9:
        num_field = number[:9] + "<"
        opt = number[9:] + long_check(number) + "<" + opt
    else:
        num_field = _pad(number, 9) + check_digit(_pad(number, 9))
    head = num_field + nat + dob + check_digit(dob) + sex + exp + check_digit(exp)
    if fmt == "TD3":
        opt_field = _pad(opt, 14)
        opt_check = check_digit(opt_field) if opt_field.strip("<") else "<"
        body = head + opt_field + opt_check
        composite = body[0:10] + body[13:20] + body[21:43]
        line2 = body + check_digit(composite)
    elif fmt == "TD2":
        body = head + _pad(opt, 7)
        composite = body[0:10] + body[13:20] + body[21:35]
        line2 = body + check_digit(composite)
    elif fmt == "MRVA":
        line2 = head + _pad(opt, 16)
    else:  # MRVB
        line2 = head + _pad(opt, 8)
    return "\n".join((line1, line2))
