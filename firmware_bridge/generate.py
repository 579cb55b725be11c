"""Fictitious but valid travel documents, in every ICAO format, for the virtual scanner.

Names are invented; issuing states are ICAO's specimen state ``UTO`` and a few real codes.
Every document has a distinct number, so a stream of them has no duplicates.
"""

from __future__ import annotations

import datetime as dt
import random

from .mrz.compose import compose

FORMATS = ("TD3", "TD1", "TD2", "MRVA", "MRVB")
_SURNAMES = (
    "ERIKSSON", "MUSTERMANN", "OKAFOR", "NGUYEN", "DA SILVA", "AL-FARSI", "KOWALSKA", "TANAKA",
    "MARTIN", "O'BRIEN", "VAN DER BERG", "HAKIMI", "PETROVA", "SANTOS", "MBEKI", "JOHANSEN",
)
_GIVEN = (
    "ANNA MARIA", "ERIKA", "CHIDI", "LAN", "JOAO PEDRO", "LAYLA", "ZOFIA", "HIRO", "CLAIRE",
    "SEAN", "PIETER JAN", "YOUSSEF", "IRINA", "MARIA", "THABO", "INGRID",
)
_STATES = ("UTO", "UTO", "D", "FRA", "NLD", "KEN", "BRA", "JPN", "CAN", "NGA")
_CODES = {"TD3": "P<", "TD1": "ID", "TD2": "I<", "MRVA": "V<", "MRVB": "V<"}


def generate_documents(n: int, *, seed: int | None = None, formats=FORMATS, today: dt.date | None = None) -> list[str]:
    """Return ``n`` valid, distinct, fictitious MRZs cycling through ``formats``."""
    rng = random.Random(seed)
    today = today or dt.date.today()
    docs = []
    for i in range(n):
        fmt = formats[i % len(formats)]
        state = rng.choice(_STATES)
        birth = dt.date(rng.randint(1940, 2010), rng.randint(1, 12), rng.randint(1, 28))
        expiry = today + dt.timedelta(days=rng.randint(60, 3650))
        letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2))
        docs.append(
            compose(
                fmt,
                document_code=_CODES[fmt],
                issuing_state=state,
                surname=rng.choice(_SURNAMES),
                given_names=rng.choice(_GIVEN),
                document_number=f"{letters}{i:07d}",
                nationality=state,
                birth_date=birth,
                sex=rng.choice("MF"),
                expiry_date=expiry,
            )
        )
    return docs
