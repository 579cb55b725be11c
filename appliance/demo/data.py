"""Fictitious demo data: a watchlist, a lost/stolen document list and the travellers who pass.

Everyone here is invented. All documents are issued by Utopia (``UTO``), the ICAO specimen
state, and every list entry says it is a demo. The traveller set is built with
:func:`firmware_bridge.mrz.compose` so that some documents HIT (a listed person, a stolen
passport), some are a POSSIBLE MATCH (a similar name), a few are invalid, and most are CLEAR.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from firmware_bridge.mrz import compose

WATCHLIST_NAME = "demo-watchlist"
DOCUMENTS_NAME = "demo-lost-stolen"
STATE = "UTO"

#: (entry_id, name as listed, date of birth, sex, listed document or "")
LISTED = [
    ("DEMO-001", "VEXMOOR, Zoran Idris", "1975-03-14", "M", "P:UTO:VX7734012"),
    ("DEMO-002", "KALDERIN, Mirela Oona", "1982-06-05", "F", ""),
    ("DEMO-003", "DRAVOSKI, Teodor", "1968-11-23", "M", ""),
    ("DEMO-004", "QUENNELL-ASHBY, Petra", "1990-01-30", "F", ""),
    ("DEMO-005", "ORVANDIL, Kasimir Lute", "1979", "M", ""),
    ("DEMO-006", "MBELLARO, Sefu Anouk", "1986-09-17", "M", ""),
    ("DEMO-007", "TRASK-ILVEN, Noor", "1993-04-02", "F", ""),
    ("DEMO-008", "HALVORSENKA, Brisa", "1971-12-08", "F", ""),
]

#: (state, type, number, status, reported_on, reference)
LOST_STOLEN = [
    (STATE, "P", "LS9021877", "stolen", "2026-01-12", "DEMO-LS-1"),
    (STATE, "P", "LS4410236", "lost", "2025-11-03", "DEMO-LS-2"),
    (STATE, "I", "IDL882011", "stolen_blank", "2026-02-20", "DEMO-LS-3"),
    (STATE, "P", "LS0000777", "revoked", "2025-08-30", "DEMO-LS-4"),
]

_SURNAMES = ["ABERNATHY", "BELLWEATHER", "CORVINO", "DELACROIX", "ESTERHAZ", "FONTAINE", "GALLOWAY", "HARROWGATE",
             "IBARRIN", "JESPERSEN", "KOVALENKO", "LINDQVIST", "MARCHETTI", "NAKAMURA", "OKONKWO", "PELLEGRINI",
             "QUARTERMAIN", "ROSSETTI", "SANTAMARIA", "TOLLIVER", "UMBERFIELD", "VANTERPOOL", "WHITLOCK", "YAMADORI"]
_GIVEN = ["ADA", "BORIS", "CELESTE", "DMITRI", "ELODIE", "FARID", "GRETA", "HUGO", "INES", "JONAS", "KIRA", "LEANDRO",
          "MAREN", "NILS", "OLIVE", "PAVEL", "QUINN", "ROSA", "SVEN", "TAMSIN", "ULRIK", "VIOLA", "WREN", "XAVIER"]


@dataclass
class DemoDocument:
    """One traveller's document and what the demo expects the appliance to say."""

    mrz: str
    expect: str
    note: str


def write_lists(folder: Path) -> tuple[Path, Path]:
    """Write the demo watchlist (``csv`` format) and lost/stolen list (``documents-csv``)."""
    folder.mkdir(parents=True, exist_ok=True)
    wl = folder / "demo-watchlist.csv"
    with wl.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["entry_id", "name", "dates_of_birth", "nationalities", "sex", "documents", "programme", "remarks", "listed_on"])
        for entry_id, name, dob, sex, doc in LISTED:
            w.writerow([entry_id, name, dob, STATE, sex, doc, "DEMO (fictitious)", "Invented person for the appliance demo", "2026-01-01"])
    docs = folder / "demo-lost-stolen.csv"
    with docs.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["issuing_state", "document_type", "document_number", "status", "reported_on", "reference"])
        for row in LOST_STOLEN:
            w.writerow(row)
    return wl, docs


def _passport(surname: str, given: str, number: str, birth: str, sex: str, expiry: dt.date, code: str = "P") -> str:
    return compose("TD3", document_code=code, issuing_state=STATE, surname=surname, given_names=given, document_number=number,
                   nationality=STATE, birth_date=birth, sex=sex, expiry_date=expiry)


def _id_card(surname: str, given: str, number: str, birth: str, sex: str, expiry: dt.date) -> str:
    return compose("TD1", issuing_state=STATE, surname=surname, given_names=given, document_number=number,
                   nationality=STATE, birth_date=birth, sex=sex, expiry_date=expiry)


def travellers(today: dt.date | None = None, *, clear_count: int = 24, seed: int = 2396) -> list[DemoDocument]:
    """The demo's travellers: a few HITs, POSSIBLE MATCHes and invalid documents among many CLEAR."""
    today = today or dt.date.today()
    rng = random.Random(seed)
    valid_to = today.replace(year=today.year + 4)
    special = [
        DemoDocument(_passport("VEXMOOR", "ZORAN IDRIS", "VX7734012", "1975-03-14", "M", valid_to), "HIT", "listed person, listed passport"),
        DemoDocument(_passport("DRAVOSKI", "TEODOR", "TD5512093", "1968-11-23", "M", valid_to), "HIT", "listed person, new passport"),
        DemoDocument(_passport("NAKAMURA", "ELODIE", "LS9021877", "1988-02-11", "F", valid_to), "HIT", "passport reported stolen"),
        DemoDocument(_id_card("KOVALENKO", "PAVEL", "IDL882011", "1979-05-30", "M", valid_to), "HIT", "ID card blank reported stolen"),
        DemoDocument(_passport("KALDERON", "MIRELA OONA", "KM3390214", "1983-07-19", "F", valid_to), "POSSIBLE_MATCH", "similar name, birth a year apart"),
        DemoDocument(_passport("QUENNEL ASHBY", "PETRA", "QP1200458", "1991-03-30", "F", valid_to), "POSSIBLE_MATCH", "similar name, near birth date"),
        DemoDocument(_passport("MBELLARO", "SEFU", "MS6671320", "1986-10-17", "M", valid_to), "POSSIBLE_MATCH", "same name, birth date a month apart"),
        DemoDocument(_passport("WHITLOCK", "GRETA", "WG5500213", "1970-08-08", "F", today.replace(year=today.year - 1)), "DOCUMENT_INVALID", "expired passport"),
    ]
    broken = _passport("FONTAINE", "HUGO", "FH2211876", "1992-12-01", "M", valid_to)
    line1, line2 = broken.split("\n")
    special.append(DemoDocument(line1 + "\n" + line2[:9] + str((int(line2[9]) + 1) % 10) + line2[10:], "DOCUMENT_INVALID", "wrong check digit"))
    clear = []
    for i in range(clear_count):
        surname, given = rng.choice(_SURNAMES), rng.choice(_GIVEN)
        birth = dt.date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
        number = f"{surname[0]}{given[0]}{rng.randint(1000000, 9999999)}"
        sex = rng.choice("MF")
        if i % 4 == 3:
            mrz = _id_card(surname, given, number, birth.isoformat(), sex, valid_to)
        else:
            mrz = _passport(surname, given, number, birth.isoformat(), sex, valid_to)
        clear.append(DemoDocument(mrz, "CLEAR", "ordinary traveller"))
    out: list[DemoDocument] = []
    specials = list(special)
    rng.shuffle(specials)
    # about one special document in three, so the booth shows mostly CLEAR
    for i, doc in enumerate(clear):
        out.append(doc)
        if i % 3 == 1 and specials:
            out.append(specials.pop())
    out.extend(specials)
    return out
