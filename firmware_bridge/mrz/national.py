"""National MRZ layouts that are not ICAO Doc 9303 but are still carried by travellers.

Only the pre-2021 French national identity card (2 x 36, ``IDFRA``) is read: it is a
travel document inside the EU/Schengen area and for several neighbouring states, and its
holder must still be screened. Its result has ``format`` None (it is none of the five
Doc 9303 formats) and a warning naming the layout. Pure code.

Layout (line 1): ``ID`` + ``FRA`` + surname (25) + administrative code (6).
Layout (line 2): document number (12: issue year and month, department, office, serial)
+ its check digit + given names (14, ``<<`` between names) + birth date (6) + its check
digit + sex + a composite check digit over line 1 and line 2 positions 1-35.
There is no expiry date in this MRZ.
"""

from __future__ import annotations

import datetime as _dt

from . import fields
from .checkdigit import verifies
from .correct import correct
from .layouts import Layout
from .result import MRZResult

FRENCH_ID = Layout(
    name="FRA_ID",
    lines=2,
    width=36,
    fields={
        "document_code": (0, 0, 2),
        "issuing_state": (0, 2, 5),
        "surname": (0, 5, 30),
        "optional_data": (0, 30, 36),
        "document_number": (1, 0, 12),
        "given_names": (1, 13, 27),
        "birth_date": (1, 27, 33),
        "sex": (1, 34, 35),
    },
    checks={"document_number": (1, 12, 13), "birth_date": (1, 33, 34)},
    composite=((0, 0, 36), (1, 0, 35)),
    composite_digit=(1, 35, 36),
)

LAYOUT_WARNING = (
    "French national identity card (pre-2021 layout, not ICAO Doc 9303): the MRZ holds no "
    "expiry date, check it on the card"
)


def is_french_id(lines: list[str]) -> bool:
    """True for the pre-2021 French identity card: 2 x 36, 'IDFRA', no state code in line 2."""
    return (
        len(lines) == 2
        and len(lines[0]) == 36
        and lines[0].startswith("IDFRA")
        and not lines[1][10:13].isalpha()
    )


def parse_french_id(lines: list[str], res: MRZResult, today: _dt.date, read_errors: list[str]) -> None:
    """Fill ``res`` from a pre-2021 French identity card (status set by the caller)."""
    layout = FRENCH_ID
    if not read_errors:
        lines, res.corrections, suggestions = correct(layout, lines)
        res.warnings.extend(suggestions)
    res.lines = tuple(lines)
    res.warnings.append(LAYOUT_WARNING)
    res.document_code = layout.take(lines, "document_code")
    res.issuing_state = "FRA"
    res.nationality = "FRA"  # the card is issued to French nationals only
    surname_field = layout.take(lines, "surname")
    res.surname = " ".join(part for part in surname_field.split("<") if part)
    res.given_names = " ".join(part for part in layout.take(lines, "given_names").split("<") if part)
    res.name_truncated = surname_field[-1] != "<" or lines[1][26] != "<"
    if res.name_truncated:
        res.warnings.append("name field is full: the name is probably truncated")
    res.document_number = layout.take(lines, "document_number").replace("<", "")
    res.optional_data = fields.optional_text(layout.take(lines, "optional_data"))
    res.sex = layout.take(lines, "sex")
    if res.sex not in fields.SEXES:
        res.errors.append(f"sex field {res.sex!r} is not M, F, X or <")
    for name, label in (("document_number", "document number"), ("birth_date", "birth date")):
        digit = layout.take(lines, name + "_check")
        res.check_digits[name] = digit
        ok = verifies(layout.take(lines, name), digit)
        res.checks[name] = ok
        if not ok:
            res.errors.append(f"{label} check digit does not match")
    birth = fields.resolve_birth(layout.take(lines, "birth_date"), today)
    if birth.value is None:
        res.errors.append("birth date is not a calendar date")
    res.birth_date = birth.value.isoformat() if birth.value else None
    digit = lines[1][35]
    res.check_digits["composite"] = digit
    res.checks["composite"] = verifies(layout.composite_input(lines), digit)
    if not res.checks["composite"]:
        res.errors.append("composite check digit does not match")
