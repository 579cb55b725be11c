"""The bridge between a manifest person and the booth's screening engine.

``screen_person`` is the ONE place that calls the engine: it composes a TD3 (or, for document
numbers longer than nine characters, TD1) MRZ from the person's fields, screens it with
``Screener.screen`` exactly as a booth scan is screened, and keeps the engine's verdict with
what the composition could not carry faithfully. When the engine gains a "screen these fields"
entry point, only this function changes.

Notes added to the engine's reasons (all prefixed ``manifest_``) say what came from the list and
not from a printed MRZ. The engine's decision is kept, except where the manifest itself says more:

* a document that expires before the arrival date is DOCUMENT_INVALID (when the policy treats
  an expired document as invalid), as the booth will find it on arrival;
* a CLEAR that could not see the whole person (a name with letters that have no MRZ
  transliteration, a birth date whose century a two-digit MRZ year would change) becomes
  POSSIBLE_MATCH: when in doubt, the verdict says so.
"""

from __future__ import annotations

import datetime as dt
import logging

from firmware_bridge.mrz import check_digit, compose
from firmware_bridge.mrz.compose import name_field

from .model import Person, norm_number, resolve_two_digit
from .translit import to_mrz_name

log = logging.getLogger(__name__)

#: document type codes read as identity cards (document code I)
ID_CARD_TYPES = {"I", "ID", "A", "C", "IP", "AC"}
MRZ_NAME_WIDTH = {"TD3": 39, "TD1": 30}


def _mrz_date(value: str | None, *, past: bool, today: dt.date) -> tuple[str, bool]:
    """(YYMMDD with fillers for unknown parts, True when the two-digit year keeps the century)."""
    if not value:
        return "<<<<<<", True
    year = int(value[:4])
    mm = value[5:7] if len(value) >= 7 else "<<"
    dd = value[8:10] if len(value) >= 10 else "<<"
    text = f"{year % 100:02d}{mm}{dd}"
    probe = resolve_two_digit(year % 100, int(mm) if mm.isdigit() else 1, int(dd) if dd.isdigit() else 1,
                              past=past, today=today)
    return text, probe.year == year


def _patch_no_number(mrz: str) -> str:
    """A TD3 MRZ whose document number field is empty (fillers) with valid check digits."""
    line1, line2 = mrz.split("\n")
    body = "<<<<<<<<<" + check_digit("<<<<<<<<<") + line2[10:43]
    composite = body[0:10] + body[13:20] + body[21:43]
    return line1 + "\n" + body + check_digit(composite)


def compose_for(person: Person, today: dt.date) -> tuple[str, list[str], list[str]]:
    """(MRZ text, notes, gaps) for a person: gaps are what the MRZ could not carry."""
    notes: list[str] = ["manifest_entry"]
    gaps: list[str] = []
    sur, lost_s = to_mrz_name(person.surname)
    giv, lost_g = to_mrz_name(person.given_names)
    if lost_s or lost_g:
        gaps.append("name_not_transliterable")
    doc = person.travel_document()
    number = norm_number(doc.number) if doc else ""
    fmt = "TD1" if len(number) > 9 else "TD3"
    if len(number) > 22:
        notes.append("manifest_document_number_too_long_for_mrz")
        number, fmt = "", "TD3"
    if not number:
        notes.append("manifest_no_travel_document")
    full = name_field(sur, giv, 200).rstrip("<")
    if len(full) > MRZ_NAME_WIDTH[fmt]:
        notes.append("manifest_name_truncated_for_mrz")
    nationality, state = person.nationality, doc.issuing_state if doc else None
    if not state:
        if number:
            notes.append("manifest_issuing_state_assumed_from_nationality" if nationality else
                         "manifest_no_issuing_state")
        state = nationality or "XXX"
    if not nationality:
        notes.append("manifest_no_nationality")
        nationality = "XXX"  # ICAO: person of unspecified nationality
    birth, kept = _mrz_date(person.birth_date, past=True, today=today)
    if not kept:
        gaps.append("birth_century")
    if not person.birth_date:
        notes.append("manifest_no_birth_date")
    expiry, kept_e = _mrz_date(doc.expiry_date if doc else None, past=False, today=today)
    if not kept_e:
        gaps.append("expiry_century")
    if number and not (doc and doc.expiry_date):
        notes.append("manifest_no_expiry_date")
    dtype = (doc.type if doc else "P").upper()
    code = "P" if dtype.startswith("P") else ("I" if dtype in ID_CARD_TYPES else (dtype[:1] or "P"))
    if not code.isalpha():
        code = "P"
    mrz = compose(fmt, issuing_state=state, surname=sur, given_names=giv, document_number=number or "0",
                  nationality=nationality, birth_date=birth, sex=person.sex or "<", expiry_date=expiry,
                  document_code=code + "<")
    if not number:
        mrz = _patch_no_number(mrz)
    return mrz, notes, gaps


def screen_person(screener, person: Person, *, policy: dict, arrival: dt.date | None = None,
                  now: dt.datetime | None = None) -> dict:
    """Screen one manifest person with the booth's engine and policy; the verdict kept per person."""
    now = now or dt.datetime.now(dt.timezone.utc)
    today = now.date()
    mrz, notes, gaps = compose_for(person, today)
    result = screener.screen(mrz, now=now).to_dict()
    decision = result["decision"]
    reasons = list(result["reasons"]) + notes
    if decision == "READ_ERROR":  # the composition failed: never a silent CLEAR
        log.warning("a manifest entry could not be screened (composed MRZ unreadable)")
        decision, reasons = "POSSIBLE_MATCH", reasons + ["manifest_not_screenable"]
    doc = person.travel_document()
    if (arrival and doc and doc.expiry_date and len(doc.expiry_date) == 10 and policy.get("expired_is_invalid", True)
            and today <= dt.date.fromisoformat(doc.expiry_date) < arrival):
        reasons.append("expires_before_arrival")
        if decision in ("CLEAR", "POSSIBLE_MATCH"):
            decision = "DOCUMENT_INVALID"
    if gaps:
        reasons += [f"manifest_incomplete:{g}" for g in gaps]
        if decision == "CLEAR":
            decision = "POSSIBLE_MATCH"
    return {
        "decision": decision,
        "reasons": list(dict.fromkeys(reasons)),
        "matches": result["matches"],
        "lists": [{"name": x["name"], "version": x["version"]} for x in result["lists"]],
        "stale": result["stale"],
        "screened_at": now.isoformat(timespec="seconds"),
        "source": "manifest",
    }
