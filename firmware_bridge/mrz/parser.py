"""``parse_mrz``: validate an MRZ against ICAO Doc 9303 and return an ``MRZResult``. Pure code."""

from __future__ import annotations

import datetime as _dt
import logging

from . import fields, national
from .checkdigit import verifies
from .correct import correct
from .layouts import EXPECTED_FIRST_LETTER, LAYOUTS, Layout
from .normalise import normalise
from .result import MRZResult

log = logging.getLogger(__name__)

#: An expiry further ahead than this many years gets a warning (policy belongs to screening).
LONG_VALIDITY_YEARS = 10

_DATE_LABEL = {"birth_date": "birth date", "expiry_date": "expiry date"}


def parse_mrz(text, *, today: _dt.date | None = None) -> MRZResult:
    """Parse and validate MRZ text; raise ``NotAnMRZ`` when it is not an MRZ at all."""
    today = today or _dt.date.today()
    if isinstance(today, _dt.datetime):
        today = today.date()
    elif isinstance(today, str):
        today = _dt.date.fromisoformat(today)
    norm = normalise(text)
    result = MRZResult(warnings=list(norm.warnings))
    if norm.format is None:
        result.lines = tuple(norm.lines)
        result.errors = list(norm.read_errors)
        result.status = "read_error"
        log.debug("MRZ read error: %s", result.errors)
        return result
    layout = LAYOUTS[norm.format]
    lines = norm.lines
    if national.is_french_id(lines):
        national.parse_french_id(lines, result, today, norm.read_errors)
        return _finish(result, norm.read_errors)
    if not norm.read_errors:
        lines, result.corrections, suggestions = correct(layout, lines)
        result.warnings.extend(suggestions)
    result.format = layout.name
    result.lines = tuple(lines)
    _interpret(layout, lines, result, today)
    return _finish(result, norm.read_errors)


def _finish(result: MRZResult, read_errors: list[str]) -> MRZResult:
    """Set status and validity from read errors and document errors."""
    if read_errors:
        result.errors = list(read_errors) + result.errors
        result.status = "read_error"
    else:
        result.status = "invalid" if result.errors else "valid"
    result.valid = result.status == "valid"
    log.debug("MRZ parsed: format=%s status=%s errors=%s", result.format, result.status, result.errors)
    return result


def _interpret(layout: Layout, lines: list[str], res: MRZResult, today: _dt.date) -> None:
    """Fill ``res`` from clean lines of a known layout."""
    warnings, errors = res.warnings, res.errors
    _document_code(layout, layout.take(lines, "document_code"), res)
    res.issuing_state = fields.state_code(layout.take(lines, "issuing_state"), "issuing state", warnings, errors)
    res.nationality = fields.state_code(layout.take(lines, "nationality"), "nationality", warnings, errors)
    _names(layout.take(lines, "name"), res)
    _document_number(layout, lines, res)
    if layout.name == "TD3":
        _personal_number(layout, lines, res)
    birth = _date(layout, lines, res, "birth_date", today)
    expiry = _date(layout, lines, res, "expiry_date", today)
    if birth and expiry and expiry < birth:
        earlier = fields.earlier_century(birth)
        if earlier is not None:
            birth = earlier
    res.birth_date = birth.isoformat() if birth else None
    res.expiry_date = expiry.isoformat() if expiry else None
    if expiry is not None:
        if expiry < today:
            warnings.append(f"document expired on {expiry.isoformat()}")
        elif expiry > _add_years(today, LONG_VALIDITY_YEARS):
            warnings.append(f"expiry date is more than {LONG_VALIDITY_YEARS} years ahead")
    sex = layout.take(lines, "sex")
    res.sex = sex
    if sex not in fields.SEXES:
        errors.append(f"sex field {sex!r} is not M, F, X or <")
    if layout.name == "TD1":
        res.optional_data_2 = fields.optional_text(layout.take(lines, "optional_data_2"))
    if layout.composite_digit is not None:
        li, a, b = layout.composite_digit
        digit = lines[li][a:b]
        res.check_digits["composite"] = digit
        ok = verifies(layout.composite_input(lines), digit)
        res.checks["composite"] = ok
        if not ok:
            errors.append(
                "composite check digit is missing ('<')" if digit == "<" else "composite check digit does not match"
            )
    res.checks = {key: res.checks[key] for key in _CHECK_ORDER if key in res.checks}


def _add_years(d: _dt.date, years: int) -> _dt.date:
    """``d`` moved ``years`` ahead (29 February becomes 28 February)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def _document_code(layout: Layout, code: str, res: MRZResult) -> None:
    """Check the two-character document code against the format."""
    res.document_code = code
    if not code[:1].isalpha():
        res.errors.append("document code must start with a letter")
    elif code[0] not in EXPECTED_FIRST_LETTER[layout.name]:
        res.warnings.append(f"document code {code} is unusual for the {layout.name} format")
    if code[1:2].isdigit():
        res.warnings.append(f"document code {code} has a digit as second character")


def _names(field: str, res: MRZResult) -> None:
    """Split the name field; flag truncation, digits and emptiness (names are never corrected)."""
    res.surname, res.given_names, res.name_truncated = fields.split_name(field)
    if res.name_truncated:
        res.warnings.append("name field is full: the name is probably truncated")
    if any(map(str.isdigit, field)):
        res.warnings.append("name field contains digits (possible OCR confusion; names are not corrected)")
    if not res.surname and not res.given_names:
        res.warnings.append("name field is empty")


def _document_number(layout: Layout, lines: list[str], res: MRZResult) -> None:
    """Read the document number, check it and take the optional data that follows it."""
    doc = fields.document_number(layout.name, lines)
    res.document_number = doc.number
    res.check_digits["document_number"] = doc.check_char
    ok = False
    if doc.problem:
        res.errors.append(doc.problem)
    elif verifies(doc.check_inputs[0], doc.check_char):
        ok = True
        res.document_number_check_variant = "standard"
    elif doc.extended and verifies(doc.check_inputs[1], doc.check_char):
        ok = True
        res.document_number_check_variant = "filler_included"
        res.warnings.append(
            "document number check digit verifies only with the filler included (non-standard variant)"
        )
    elif not doc.check_char.isdigit():
        res.errors.append("document number check digit is not a digit")
    else:
        res.errors.append("document number check digit does not match")
    res.checks["document_number"] = ok
    if not doc.number:
        res.errors.append("document number is empty")
    if doc.extended:
        res.optional_data = fields.optional_text(doc.optional_rest or "")
    else:
        res.optional_data = fields.optional_text(layout.take(lines, "optional_data"))


def _personal_number(layout: Layout, lines: list[str], res: MRZResult) -> None:
    """TD3 optional data check: '<' or '0' allowed only when the field is all fillers."""
    raw, digit = layout.take(lines, "optional_data"), layout.take(lines, "optional_data_check")
    res.check_digits["optional_data"] = digit
    if raw == "<" * len(raw):
        ok = digit in ("<", "0")
    else:
        ok = verifies(raw, digit)
    res.checks["optional_data"] = ok
    if not ok:
        res.errors.append(
            "optional data check digit is '<' but the field is not empty"
            if digit == "<"
            else "optional data (personal number) check digit does not match"
        )


_CHECK_ORDER = ("document_number", "birth_date", "expiry_date", "optional_data", "composite")


def _date(layout: Layout, lines: list[str], res: MRZResult, name: str, today: _dt.date):
    """Check and resolve a date field; return a date or None."""
    raw, digit = layout.take(lines, name), layout.take(lines, name + "_check")
    label = _DATE_LABEL[name]
    res.check_digits[name] = digit
    ok = verifies(raw, digit)
    res.checks[name] = ok
    if not ok:
        res.errors.append(
            f"{label} check digit is not a digit" if not digit.isdigit() else f"{label} check digit does not match"
        )
    read = fields.resolve_birth(raw, today) if name == "birth_date" else fields.resolve_expiry(raw, today)
    if read.problem == "missing":
        res.warnings.append(f"no {label} given (field is all fillers)")
    elif read.problem == "incomplete":
        if name == "birth_date":
            res.warnings.append("birth date is incomplete (fillers for unknown parts)")
        else:
            res.errors.append("expiry date is incomplete")
    elif read.problem == "not_digits":
        res.errors.append(f"{label} contains characters that are not digits")
    elif read.problem == "impossible":
        res.errors.append(f"{label} is not a calendar date")
    return read.value
