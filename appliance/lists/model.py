"""The list model: watchlist entries and lost/stolen document records (plain dataclasses).

``to_dict()`` gives JSON-ready dicts (the sync payload format); ``from_dict()`` reads them back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields

from .countries import normalize_state
from .docnumbers import normalize_number, normalize_status, normalize_type

ENTITY_TYPES = ("individual", "entity", "vessel", "aircraft")
NAME_KINDS = ("primary", "alias", "original_script")
DOB_PRECISIONS = ("exact", "month", "year", "range")


def _pick(cls, data: dict) -> dict:
    """Only the keys ``cls`` knows (forward compatible with newer payloads)."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


@dataclass
class Name:
    """One name of a listed party: primary, alias (quality good/low) or in the original script."""

    name: str
    kind: str = "primary"
    quality: str | None = None
    script: str | None = None

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"name": self.name, "kind": self.kind, "quality": self.quality, "script": self.script}

    @classmethod
    def from_dict(cls, data: dict) -> "Name":
        """Build from :meth:`to_dict` output."""
        return cls(**_pick(cls, data))


@dataclass
class DateOfBirth:
    """A date of birth as listed: an inclusive ISO date range plus how precise the source is."""

    date_from: str
    date_to: str
    precision: str = "exact"
    approximate: bool = False
    text: str | None = None

    @classmethod
    def exact(cls, day: dt.date, **kw) -> "DateOfBirth":
        """A single day."""
        return cls(day.isoformat(), day.isoformat(), "exact", **kw)

    @classmethod
    def year(cls, year: int, **kw) -> "DateOfBirth":
        """A whole year."""
        return cls(f"{year:04d}-01-01", f"{year:04d}-12-31", "year", **kw)

    @classmethod
    def month(cls, year: int, month: int, **kw) -> "DateOfBirth":
        """A whole month."""
        last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
        return cls(f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}", "month", **kw)

    @classmethod
    def years(cls, first: int, last: int, **kw) -> "DateOfBirth":
        """A range of whole years."""
        if last < first:
            first, last = last, first
        return cls(f"{first:04d}-01-01", f"{last:04d}-12-31", "range", **kw)

    def contains(self, day: dt.date) -> bool:
        """True when ``day`` lies in the listed range."""
        return self.date_from <= day.isoformat() <= self.date_to

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"date_from": self.date_from, "date_to": self.date_to, "precision": self.precision,
                "approximate": self.approximate, "text": self.text}

    @classmethod
    def from_dict(cls, data: dict) -> "DateOfBirth":
        """Build from :meth:`to_dict` output."""
        return cls(**_pick(cls, data))


@dataclass
class IdentityDocument:
    """A document listed for a person: type (P, I, ...), number as listed, issuing state."""

    document_type: str
    number: str
    issuing_state: str = ""
    country: str | None = None
    note: str | None = None

    @property
    def numbers(self) -> list[str]:
        """Normalised numbers this document is indexed under: each number in the (free) text, then the whole text."""
        from .common_numbers import document_numbers

        return document_numbers(self.number)

    @property
    def normalized(self) -> str:
        """The document's number reduced to A-Z0-9 ('OB 0243318 (expired)' -> 'OB0243318')."""
        numbers = self.numbers
        return numbers[0] if numbers else normalize_number(self.number)

    def to_dict(self) -> dict:
        """JSON-ready dict (with the normalised number and all indexed forms for convenience)."""
        numbers = self.numbers
        return {"document_type": self.document_type, "number": self.number, "issuing_state": self.issuing_state,
                "country": self.country, "note": self.note,
                "normalized": numbers[0] if numbers else normalize_number(self.number), "numbers": numbers}

    @classmethod
    def from_dict(cls, data: dict) -> "IdentityDocument":
        """Build from :meth:`to_dict` output."""
        return cls(**_pick(cls, data))


@dataclass
class WatchlistEntry:
    """A listed person or organisation, keyed by the source's own identifier (``entry_id``)."""

    entry_id: str
    entity_type: str
    names: list[Name]
    dates_of_birth: list[DateOfBirth] = field(default_factory=list)
    places_of_birth: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    nationality_text: list[str] = field(default_factory=list)
    sex: str | None = None
    documents: list[IdentityDocument] = field(default_factory=list)
    programme: str | None = None
    remarks: str | None = None
    listed_on: str | None = None

    def __post_init__(self):
        if self.entity_type not in ENTITY_TYPES:
            raise ValueError(f"entity_type must be one of {', '.join(ENTITY_TYPES)}")
        if not str(self.entry_id).strip():
            raise ValueError("entry_id is empty")
        if not any(n.name.strip() for n in self.names):
            raise ValueError("entry has no name")

    @property
    def primary_name(self) -> str:
        """The first primary name (else the first name)."""
        for n in self.names:
            if n.kind == "primary":
                return n.name
        return self.names[0].name

    @property
    def is_person(self) -> bool:
        """True for individuals."""
        return self.entity_type == "individual"

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {
            "entry_id": self.entry_id,
            "entity_type": self.entity_type,
            "names": [n.to_dict() for n in self.names],
            "dates_of_birth": [d.to_dict() for d in self.dates_of_birth],
            "places_of_birth": list(self.places_of_birth),
            "nationalities": list(self.nationalities),
            "nationality_text": list(self.nationality_text),
            "sex": self.sex,
            "documents": [d.to_dict() for d in self.documents],
            "programme": self.programme,
            "remarks": self.remarks,
            "listed_on": self.listed_on,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "WatchlistEntry":
        """Build from :meth:`to_dict` output."""
        d = _pick(cls, data)
        d["names"] = [Name.from_dict(n) for n in d.get("names", [])]
        d["dates_of_birth"] = [DateOfBirth.from_dict(x) for x in d.get("dates_of_birth", [])]
        d["documents"] = [IdentityDocument.from_dict(x) for x in d.get("documents", [])]
        return cls(**d)


@dataclass
class DocumentRecord:
    """A lost, stolen, revoked or invalidated travel document."""

    issuing_state: str
    document_type: str
    document_number: str
    status: str
    reported_on: str | None = None
    reference: str | None = None

    def __post_init__(self):
        self.status = normalize_status(self.status)
        self.issuing_state = normalize_state(self.issuing_state)
        if not self.issuing_state:
            raise ValueError("issuing_state is not a country code")
        self.document_type = normalize_type(self.document_type)
        if not normalize_number(self.document_number):
            raise ValueError("document number is empty")
        if self.reported_on:
            dt.date.fromisoformat(self.reported_on)  # raises ValueError on a bad date

    @property
    def normalized(self) -> str:
        """The number reduced to A-Z0-9."""
        return normalize_number(self.document_number)

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"issuing_state": self.issuing_state, "document_type": self.document_type,
                "document_number": self.document_number, "status": self.status, "reported_on": self.reported_on,
                "reference": self.reference}

    @classmethod
    def from_dict(cls, data: dict) -> "DocumentRecord":
        """Build from :meth:`to_dict` output."""
        return cls(**_pick(cls, data))
