"""Linking a scanned document to a manifest entry. Pure code: no database, no I/O.

A scan links to a person on a manifest when the document is the same (same number and
issuing state), or, failing that, when the person is the same (same name as an MRZ holds
it and the same full birth date). A truncated MRZ name matches a manifest name that starts
with it. Used by the booth (a later change): ``link(scan_document, persons)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import norm_number, norm_state
from .translit import mrz_key


@dataclass(frozen=True)
class Link:
    """A manifest entry a scan belongs to, and how it was recognised."""

    person_id: int | None
    manifest_id: int | None
    how: str  # "document", "document_number" (no issuing state to compare) or "name_and_birth_date"
    decision: str | None = None


def _scan_name_key(doc: dict) -> tuple[str, bool]:
    """(MRZ name key of the scanned document, name truncated?)."""
    return mrz_key(doc.get("surname") or "", doc.get("given_names") or ""), bool(doc.get("name_truncated"))


def scan_keys(doc: dict) -> tuple[str, str, str | None]:
    """(document number key, MRZ name key, birth date) of a scanned document, for looking up candidates."""
    return norm_number(doc.get("document_number")), _scan_name_key(doc)[0], doc.get("birth_date")


def _field(p, name):
    """A person's attribute from a dict row or an object."""
    return p.get(name) if isinstance(p, dict) else getattr(p, name, None)


def _person_doc(p) -> tuple[str | None, str | None]:
    """(number key, issuing state) of a person's travel document (store row or Person)."""
    if isinstance(p, dict):
        return norm_number(p.get("doc_number")) or None, norm_state(p.get("doc_state"))
    doc = p.travel_document()
    return (norm_number(doc.number) or None, norm_state(doc.issuing_state)) if doc else (None, None)


def link(doc: dict, persons) -> list[Link]:
    """Manifest entries this scanned document belongs to: document matches first, then name and birth date.

    ``doc`` is the MRZ engine's document dict (issuing_state, document_number, surname,
    given_names, birth_date, name_truncated); ``persons`` are manifest person rows (dicts with
    id, manifest_id, surname, given_names, birth_date, doc_number, doc_state, decision) or
    :class:`~appliance.manifests.model.Person` objects. An empty list means "not on the manifest".
    """
    number = norm_number(doc.get("document_number"))
    state = norm_state(doc.get("issuing_state"))
    birth = doc.get("birth_date")
    name, truncated = _scan_name_key(doc)
    by_doc: list[Link] = []
    by_name: list[Link] = []
    for p in persons:
        pid, mid, decision = _field(p, "id"), _field(p, "manifest_id"), _field(p, "decision")
        p_number, p_state = _person_doc(p)
        if number and p_number == number:
            if p_state and state and p_state == state:
                by_doc.append(Link(pid, mid, "document", decision))
                continue
            if not p_state or not state:  # the list gave no issuing state: the number alone
                by_doc.append(Link(pid, mid, "document_number", decision))
                continue
        p_birth = _field(p, "birth_date")
        if not birth or not p_birth or len(p_birth) != 10 or p_birth != birth or not name:
            continue
        p_name = mrz_key(_field(p, "surname") or "", _field(p, "given_names") or "")
        if p_name == name or (truncated and p_name.startswith(name.rstrip("<"))):
            by_name.append(Link(pid, mid, "name_and_birth_date", decision))
    return by_doc + by_name
