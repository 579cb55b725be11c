"""What a manifest holds once read: the voyage, the persons, and the problems found reading it.

Pure code (no I/O): the PAXLST and FAL CSV readers fill these objects; the store saves them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field

#: most problems reported for one refused import (the first ones are the useful ones)
MAX_PROBLEMS = 200

#: document type codes that are not travel documents (a visa is checked with the passport)
NON_TRAVEL_DOCUMENTS = {"V", "VISA"}

_CODE3 = re.compile(r"^[A-Z]{3}$")
_NUMBER = re.compile(r"[^A-Z0-9]")


class Problems:
    """Collects ``{"line", "reason"}`` problems while a file is read."""

    def __init__(self, source: str = ""):
        self.items: list[dict] = []
        self.source = source

    def add(self, line: int | None, reason: str) -> None:
        """Record one problem (after MAX_PROBLEMS only a count is kept)."""
        if len(self.items) < MAX_PROBLEMS:
            prefix = f"{self.source}: " if self.source else ""
            self.items.append({"line": line, "reason": prefix + reason})
        elif len(self.items) == MAX_PROBLEMS:
            self.items.append({"line": None, "reason": "more problems not shown"})

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass
class Document:
    """A travel document (or visa) listed for a person."""

    type: str = ""
    number: str = ""
    issuing_state: str | None = None
    expiry_date: str | None = None
    issue_date: str | None = None


@dataclass
class Person:
    """One person on the list: crew member or passenger, as the carrier reported them."""

    kind: str  # "crew" or "passenger"
    surname: str
    given_names: str = ""
    sex: str | None = None  # M, F, X or None
    birth_date: str | None = None  # ISO date
    nationality: str | None = None
    documents: list[Document] = field(default_factory=list)
    role: str | None = None  # NAD qualifier (FL, FM, DDT, DDU) or the FAL form
    in_transit: bool = False
    rank: str | None = None  # crew function / rank or rating
    place_of_birth: str | None = None
    residence: str | None = None
    embarkation: str | None = None
    disembarkation: str | None = None
    references: dict = field(default_factory=dict)
    address: str | None = None
    verified: bool | None = None
    line: int | None = None  # where the person starts in the file
    source: str = ""  # file name

    def travel_document(self) -> Document | None:
        """The document to screen: the first passport, else the first non-visa document."""
        docs = [d for d in self.documents if d.number]
        for d in docs:
            if d.type.upper().startswith("P"):
                return d
        for d in docs:
            if d.type.upper() not in NON_TRAVEL_DOCUMENTS:
                return d
        return None

    def to_dict(self) -> dict:
        """JSON-ready dict (every field)."""
        return asdict(self)


@dataclass
class Voyage:
    """The conveyance and the arrival the list is about."""

    carrier: str | None = None
    voyage: str | None = None
    vessel: str | None = None
    vessel_id: str | None = None
    mode: str | None = None
    departure_port: str | None = None
    departure_at: str | None = None
    arrival_port: str | None = None
    arrival_at: str | None = None
    flag_state: str | None = None

    def key(self) -> tuple:
        """Fields that identify one arrival (used to join files and find an open manifest)."""
        day = (self.arrival_at or "")[:10]
        conveyance = norm_text(self.voyage) or norm_text(self.vessel_id) or norm_text(self.vessel) \
            or norm_text(self.carrier)
        return (conveyance, norm_text(self.arrival_port), day)

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)


@dataclass
class ParsedManifest:
    """A list read from one or more files: one voyage, its persons, and notes for the officer."""

    voyage: Voyage
    persons: list[Person]
    format: str
    sources: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    declared_counts: dict = field(default_factory=dict)  # kind -> count stated by the sender

    @property
    def kinds(self) -> set[str]:
        """Kinds of persons present ("crew", "passenger")."""
        return {p.kind for p in self.persons}


def norm_text(value: str | None) -> str:
    """Upper-case, trimmed, inner whitespace collapsed (for comparisons)."""
    return " ".join((value or "").upper().split())


def norm_number(value: str | None) -> str:
    """A document number as compared: upper-case letters and digits only."""
    return _NUMBER.sub("", (value or "").upper())


def norm_state(value: str | None) -> str | None:
    """An ICAO/ISO 3166 alpha-3 code, upper-case; Germany's ISO ``DEU`` becomes the ICAO ``D``."""
    v = norm_text(value).replace(" ", "")
    if not v:
        return None
    if v in ("DEU", "D<<", "D"):
        return "D"
    return v


def valid_state(value: str | None) -> bool:
    """True for a three-letter code or ICAO's one-letter ``D``."""
    return value is None or value == "D" or bool(_CODE3.match(value))


def resolve_two_digit(yy: int, mm: int, dd: int, *, past: bool, today: dt.date) -> dt.date:
    """A YYMMDD date's century: the latest on or before today (past) or at most 20 years ahead."""
    base = today.year // 100 * 100
    if past:
        year = base + yy
        if (year, mm, dd) > (today.year, today.month, today.day):
            year -= 100
    else:
        year = base + 100 + yy
        while (year, mm, dd) > (today.year + 20, today.month, today.day):
            year -= 100
    return dt.date(year, mm, dd)


def iso_or_none(value) -> str | None:
    """ISO text of a date/datetime, or None."""
    if value is None:
        return None
    return value.isoformat()
