"""Where each field sits in the five ICAO Doc 9303 MRZ formats (pure data).

Positions are 0-based ``(line, start, end)`` slices. Sources: Doc 9303 Part 4 (TD3),
Part 5 (TD1), Part 6 (TD2) and Part 7 (MRV-A, MRV-B).
"""

from __future__ import annotations

from dataclasses import dataclass

Slice = tuple[int, int, int]


@dataclass(frozen=True)
class Layout:
    """One MRZ format: geometry, field slices, check-digit pairs and composite coverage."""

    name: str
    lines: int
    width: int
    fields: dict[str, Slice]
    #: field name -> slice of its check digit
    checks: dict[str, Slice]
    composite: tuple[Slice, ...] = ()
    composite_digit: Slice | None = None

    def take(self, lines: list[str], name: str) -> str:
        """Return the raw text of field ``name``, or of a check digit as ``<name>_check``."""
        if name.endswith("_check"):
            li, a, b = self.checks[name[: -len("_check")]]
        else:
            li, a, b = self.fields[name]
        return lines[li][a:b]

    def composite_input(self, lines: list[str]) -> str:
        """Concatenate the character ranges the composite check digit covers."""
        return "".join(lines[li][a:b] for li, a, b in self.composite)


def _line2_passport(width: int, optional_end: int) -> dict[str, Slice]:
    """Line 2 of TD2/TD3/MRV: number, nationality, dates, sex, optional data."""
    return {
        "document_number": (1, 0, 9),
        "nationality": (1, 10, 13),
        "birth_date": (1, 13, 19),
        "sex": (1, 20, 21),
        "expiry_date": (1, 21, 27),
        "optional_data": (1, 28, optional_end),
    }


_TOP = {"document_code": (0, 0, 2), "issuing_state": (0, 2, 5)}
_CHECKS_2LINE = {
    "document_number": (1, 9, 10),
    "birth_date": (1, 19, 20),
    "expiry_date": (1, 27, 28),
}

TD1 = Layout(
    name="TD1",
    lines=3,
    width=30,
    fields={
        **_TOP,
        "document_number": (0, 5, 14),
        "optional_data": (0, 15, 30),
        "birth_date": (1, 0, 6),
        "sex": (1, 7, 8),
        "expiry_date": (1, 8, 14),
        "nationality": (1, 15, 18),
        "optional_data_2": (1, 18, 29),
        "name": (2, 0, 30),
    },
    checks={
        "document_number": (0, 14, 15),
        "birth_date": (1, 6, 7),
        "expiry_date": (1, 14, 15),
    },
    composite=((0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)),
    composite_digit=(1, 29, 30),
)

TD2 = Layout(
    name="TD2",
    lines=2,
    width=36,
    fields={**_TOP, "name": (0, 5, 36), **_line2_passport(36, 35)},
    checks=dict(_CHECKS_2LINE),
    composite=((1, 0, 10), (1, 13, 20), (1, 21, 35)),
    composite_digit=(1, 35, 36),
)

TD3 = Layout(
    name="TD3",
    lines=2,
    width=44,
    fields={**_TOP, "name": (0, 5, 44), **_line2_passport(44, 42)},
    checks={**_CHECKS_2LINE, "optional_data": (1, 42, 43)},
    composite=((1, 0, 10), (1, 13, 20), (1, 21, 43)),
    composite_digit=(1, 43, 44),
)

MRVA = Layout(
    name="MRVA",
    lines=2,
    width=44,
    fields={**_TOP, "name": (0, 5, 44), **_line2_passport(44, 44)},
    checks=dict(_CHECKS_2LINE),
)

MRVB = Layout(
    name="MRVB",
    lines=2,
    width=36,
    fields={**_TOP, "name": (0, 5, 36), **_line2_passport(36, 36)},
    checks=dict(_CHECKS_2LINE),
)

LAYOUTS = {layout.name: layout for layout in (TD1, TD2, TD3, MRVA, MRVB)}

#: Document codes whose first letter fits each format (Doc 9303 Parts 4-7).
EXPECTED_FIRST_LETTER = {"TD1": "IAC", "TD2": "IAC", "TD3": "P", "MRVA": "V", "MRVB": "V"}
