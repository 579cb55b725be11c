"""Fictitious list records for the hub and sync tests."""

from __future__ import annotations


def doc(i: int, status: str = "stolen", state: str = "UTO") -> dict:
    """A fictitious lost/stolen document record (DocumentRecord.to_dict() shape)."""
    return {"issuing_state": state, "document_type": "P", "document_number": f"ZX{i:07d}", "status": status,
            "reported_on": "2030-01-02", "reference": f"REF-{i}"}


def docs(n: int, start: int = 0, status: str = "stolen") -> list[dict]:
    """``n`` fictitious document records."""
    return [doc(i, status) for i in range(start, start + n)]


def documents_csv(path, records: list[dict]) -> None:
    """Write records as a documents-csv file (the box's own import format)."""
    cols = ("issuing_state", "document_type", "document_number", "status", "reported_on", "reference")
    lines = [",".join(cols)] + [",".join(r[c] or "" for c in cols) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def person(i: int, name: str = "ERIKSSON") -> dict:
    """A fictitious watchlist entry (WatchlistEntry.to_dict() shape)."""
    return {"entry_id": f"T-{i}", "entity_type": "individual",
            "names": [{"name": f"{name} Anna {i}", "kind": "primary", "quality": None, "script": None}],
            "dates_of_birth": [], "places_of_birth": [], "nationalities": ["UTO"], "nationality_text": [], "sex": "F",
            "documents": [], "programme": "TEST", "remarks": None, "listed_on": "2030-01-01"}
