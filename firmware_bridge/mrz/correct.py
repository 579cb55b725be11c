"""Position-aware correction of OCR confusions (O/0, I/1, S/5, B/8, Z/2, G/6). Pure code.

Doc 9303 fixes the character set of every position, so the position tells which reading
is possible. Rules:

- only positions that must hold digits are corrected: the birth and expiry dates and every
  check digit (document number, dates, personal number, composite);
- a confusable letter there becomes its digit, and the change is kept only when the field's
  check digit then verifies (for a check digit alone: when it then verifies its field);
- alphanumeric fields (document number, optional data), state codes and names are never
  changed. A check digit is only 1-in-10 evidence, and the composite adds none for a change
  inside one field (its weights line up with the field's own), so rewriting a document
  number would risk turning a misread into a wrong number used for lost/stolen checks.
  When exactly one letter-to-digit reading would make an alphanumeric field verify, a
  warning suggests it to the officer instead;
- every change is listed in the result's ``corrections``.
"""

from __future__ import annotations

from .checkdigit import verifies
from .layouts import Layout, Slice

TO_DIGIT = {"O": "0", "I": "1", "S": "5", "B": "8", "Z": "2", "G": "6"}


class _Grid:
    """Mutable MRZ lines plus the corrections applied to them."""

    def __init__(self, lines: list[str]):
        self.rows = [list(line) for line in lines]
        self.corrections: list[dict] = []

    def text(self, sl: Slice) -> str:
        """Current text of a slice."""
        li, a, b = sl
        return "".join(self.rows[li][a:b])

    def set(self, field: str, sl: Slice, new: str) -> None:
        """Replace a slice, recording each changed character."""
        li, a, _ = sl
        for i, ch in enumerate(new):
            old = self.rows[li][a + i]
            if old != ch:
                self.rows[li][a + i] = ch
                self.corrections.append(
                    {"field": field, "line": li + 1, "position": a + i + 1, "from": old, "to": ch}
                )

    def lines(self) -> list[str]:
        """The lines as strings."""
        return ["".join(row) for row in self.rows]


def _digits(text: str) -> str:
    """Map confusable letters to digits."""
    return "".join(TO_DIGIT.get(ch, ch) for ch in text)


def _fix_date(grid: _Grid, layout: Layout, name: str) -> None:
    """Correct a date and its check digit when the digit reading verifies."""
    fsl, csl = layout.fields[name], layout.checks[name]
    raw, chk = grid.text(fsl), grid.text(csl)
    new, newchk = _digits(raw), _digits(chk)
    if (new, newchk) == (raw, chk):
        return  # (a raw letter may "verify": G and 6 weigh the same modulo 10)
    if all(ch.isdigit() or ch == "<" for ch in new) and verifies(new, newchk):
        grid.set(name, fsl, new)
        grid.set(name + "_check", csl, newchk)


def _fix_check_char(grid: _Grid, layout: Layout, name: str, warnings: list[str]) -> None:
    """Correct a letter in the check digit of an alphanumeric field; suggest field readings."""
    fsl, csl = layout.fields[name], layout.checks[name]
    raw, chk = grid.text(fsl), grid.text(csl)
    if chk == "<" or verifies(raw, chk):
        return
    newchk = _digits(chk)
    if newchk != chk and newchk.isdigit() and verifies(raw, newchk):
        grid.set(name + "_check", csl, newchk)
        return
    if not newchk.isdigit():
        return
    hits = [
        i for i, ch in enumerate(raw)
        if ch in TO_DIGIT and verifies(raw[:i] + TO_DIGIT[ch] + raw[i + 1:], newchk)
    ]
    if len(hits) == 1:
        i = hits[0]
        label = name.replace("_", " ")
        warnings.append(
            f"{label}: reading {raw[i]!r} at line {fsl[0] + 1} position {fsl[1] + i + 1} as "
            f"{TO_DIGIT[raw[i]]!r} would make its check digit verify; not corrected (this field "
            "may hold letters), check the document"
        )


def _fix_composite(grid: _Grid, layout: Layout) -> None:
    """Map a letter in the composite digit position when the composite then verifies."""
    if layout.composite_digit is None:
        return
    raw = grid.text(layout.composite_digit)
    new = _digits(raw)
    if new != raw and new.isdigit() and verifies(layout.composite_input(grid.lines()), new):
        grid.set("composite_check", layout.composite_digit, new)


def correct(layout: Layout, lines: list[str]) -> tuple[list[str], list[dict], list[str]]:
    """Return corrected lines, the corrections applied and suggestion warnings."""
    grid = _Grid(lines)
    warnings: list[str] = []
    for name in ("birth_date", "expiry_date"):
        if name in layout.checks:
            _fix_date(grid, layout, name)
    _fix_check_char(grid, layout, "document_number", warnings)
    if "optional_data" in layout.checks:
        _fix_check_char(grid, layout, "optional_data", warnings)
    _fix_composite(grid, layout)
    return grid.lines(), grid.corrections, warnings
