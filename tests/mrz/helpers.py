"""Fictitious MRZ fixtures shared by the MRZ tests (ICAO specimen data and composed documents)."""

from __future__ import annotations

import datetime as dt

TODAY = dt.date(2026, 11, 27)

# ICAO Doc 9303 specimens (fictitious people, fictitious state UTO).
TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
TD1 = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
TD2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6"
MRVA = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL8988901C4XXX4009078F96121096ZE184226B<<<<<<"
MRVB = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL8988901C4XXX4009078F9612109<<<<<<<<"
TD1_EXTENDED = "I<UTOD23145890<7349<<<<<<<<<<<\n3407127M9507122UTO<<<<<<<<<<<2\nSTEVENSON<<PETER<JOHN<<<<<<<<<"
TD2_EXTENDED = "I<UTOSTEVENSON<<PETER<JOHN<<<<<<<<<<\nD23145890<UTO3407127M95071227349<<<8"

SPECIMENS = {"TD1": TD1, "TD2": TD2, "TD3": TD3, "MRVA": MRVA, "MRVB": MRVB}


def replace_at(mrz: str, line: int, pos: int, new: str) -> str:
    """Return ``mrz`` with the character at (1-based line, 1-based position) replaced."""
    lines = mrz.split("\n")
    row = lines[line - 1]
    lines[line - 1] = row[: pos - 1] + new + row[pos - 1 + len(new):]
    return "\n".join(lines)
