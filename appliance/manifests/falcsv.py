"""IMO FAL Form 5 (crew list) and Form 6 (passenger list) as CSV exports with a header row.

The columns are documented in docs/manifests.md. Header names are matched without regard to
case, spaces, hyphens or underscores, and a few common spellings are accepted. The voyage
columns repeat on every row and must agree. Comma, semicolon and tab separators are recognised;
the file must be UTF-8 (a byte-order mark is fine).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from .dates import DateProblem, sheet_date
from .errors import ManifestRefused
from .model import Document, ParsedManifest, Person, Problems, Voyage, iso_or_none, norm_state, norm_text, valid_state

#: canonical column -> accepted header spellings (normalised: lower case, letters and digits only)
COLUMNS = {
    "ship_name": ("shipname", "nameofship", "vessel", "vesselname"),
    "imo_number": ("imonumber", "imo", "imono"),
    "call_sign": ("callsign",),
    "voyage_number": ("voyagenumber", "voyage", "voyageno", "tripnumber"),
    "carrier": ("carrier", "operator", "company"),
    "flag_state": ("flagstate", "flagstateofship", "flag"),
    "arrival_port": ("arrivalport", "portofarrival", "portofarrivaldeparture"),
    "arrival_date": ("arrivaldate", "dateofarrival", "dateofarrivaldeparture", "eta"),
    "last_port": ("lastport", "lastportofcall"),
    "list": ("list", "listtype", "category", "form"),
    "no": ("no", "number", "seq", "sequence"),
    "family_name": ("familyname", "surname", "lastname"),
    "given_names": ("givennames", "givenname", "firstnames", "firstname", "forenames"),
    "rank_or_rating": ("rankorrating", "rank", "rating", "function"),
    "sex": ("sex", "gender"),
    "nationality": ("nationality",),
    "date_of_birth": ("dateofbirth", "birthdate", "dob"),
    "place_of_birth": ("placeofbirth", "birthplace"),
    "document_type": ("documenttype", "natureofidentitydocument", "identitydocumenttype", "typeofidentitydocument"),
    "document_number": ("documentnumber", "numberofidentitydocument", "identitydocumentnumber",
                        "serialnumberofidentitydocument", "passportnumber"),
    "document_issuing_state": ("documentissuingstate", "issuingstate", "issuingstateofidentitydocument",
                               "documentcountry"),
    "document_expiry_date": ("documentexpirydate", "expirydate", "expirydateofidentitydocument", "dateofexpiry"),
    "port_of_embarkation": ("portofembarkation", "embarkation"),
    "port_of_disembarkation": ("portofdisembarkation", "disembarkation"),
    "transit": ("transit", "transitpassenger"),
    "visa_number": ("visanumber", "visa"),
}
VOYAGE_COLUMNS = ("ship_name", "imo_number", "call_sign", "voyage_number", "carrier", "flag_state",
                  "arrival_port", "arrival_date", "last_port")
REQUIRED = ("family_name", "date_of_birth", "nationality", "document_number")
_ALIASES = {alias: canon for canon, aliases in COLUMNS.items() for alias in aliases}
_KINDS = {"crew": "crew", "5": "crew", "form5": "crew", "passenger": "passenger", "passengers": "passenger",
          "6": "passenger", "form6": "passenger", "pax": "passenger"}
_YES = {"y", "yes", "true", "1", "transit", "t"}


def _key(header: str) -> str:
    """A header name compared: lower case letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _columns(header: list[str], problems: Problems) -> dict[str, int] | None:
    """Canonical column -> index, problems for unknown, duplicate or missing columns."""
    out: dict[str, int] = {}
    for i, name in enumerate(header):
        if not name.strip():
            continue
        canon = _ALIASES.get(_key(name))
        if canon is None:
            problems.add(1, f"column {name.strip()!r} is not a FAL list column (see docs/manifests.md)")
        elif canon in out:
            problems.add(1, f"column {name.strip()!r} appears twice")
        else:
            out[canon] = i
    missing = [c for c in REQUIRED if c not in out]
    if missing:
        problems.add(1, f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    if not ({"ship_name", "voyage_number", "imo_number"} & set(out)):
        problems.add(1, "the list names no ship: add a ship_name, imo_number or voyage_number column")
    return None if problems else out


def _text(data: bytes, problems: Problems) -> str | None:
    """The file as text (UTF-8, BOM allowed)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.add(data[: exc.start].count(b"\n") + 1, "the file is not UTF-8 text (save it as 'CSV UTF-8')")
        return None


def _rows(text: str):
    """(line number, cells) for each non-empty row, with the separator sniffed from the header."""
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for cells in reader:
        if any(c.strip() for c in cells):
            yield reader.line_num, [c.strip() for c in cells]


def _person(cells, cols, kind_default, line, problems, today) -> Person | None:
    """One row as a Person (None with problems recorded when unusable)."""
    def cell(name):
        i = cols.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    kind = kind_default
    if cell("list"):
        kind = _KINDS.get(_key(cell("list")))
        if kind is None:
            problems.add(line, f"list {cell('list')!r} is not crew or passenger")
            return None
    family, given = cell("family_name"), cell("given_names")
    if not family and not given:
        problems.add(line, "no family name or given names")
        return None

    def date(col, role):
        try:
            return sheet_date(cell(col), role, today)
        except DateProblem as exc:
            problems.add(line, f"{col}: {exc}")
            return None

    birth, expiry = date("date_of_birth", "birth"), date("document_expiry_date", "expiry")
    nat, state = norm_state(cell("nationality")), norm_state(cell("document_issuing_state"))
    for col, code in (("nationality", nat), ("document_issuing_state", state)):
        if not valid_state(code):
            problems.add(line, f"{col}: {cell(col)!r} is not a three-letter country code")
    sex = cell("sex").upper()[:1] or None
    if sex not in (None, "M", "F", "X"):
        sex = None
    docs = []
    if cell("document_number"):
        dtype = norm_text(cell("document_type")) or "P"
        docs.append(Document(type="P" if dtype.startswith("PASS") else dtype[:3], number=cell("document_number").upper(),
                             issuing_state=state, expiry_date=iso_or_none(expiry)))
    if cell("visa_number"):
        docs.append(Document(type="V", number=cell("visa_number").upper()))
    p = Person(kind=kind, surname=family, given_names=given, sex=sex, birth_date=iso_or_none(birth), nationality=nat,
               documents=docs, role="FAL5" if kind == "crew" else "FAL6", in_transit=cell("transit").lower() in _YES,
               rank=cell("rank_or_rating") or None, place_of_birth=cell("place_of_birth") or None,
               embarkation=cell("port_of_embarkation") or None, disembarkation=cell("port_of_disembarkation") or None,
               line=line)
    return p


def _voyage(cells, cols, line, problems, today) -> Voyage:
    """The voyage columns of one row."""
    def cell(name):
        i = cols.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    try:
        arrival = sheet_date(cell("arrival_date"), "event", today)
    except DateProblem as exc:
        problems.add(line, f"arrival_date: {exc}")
        arrival = None
    return Voyage(carrier=cell("carrier") or cell("ship_name") or None, voyage=cell("voyage_number") or None,
                  vessel=cell("ship_name") or None, vessel_id=cell("imo_number") or cell("call_sign") or None,
                  mode="sea", departure_port=cell("last_port") or None, arrival_port=cell("arrival_port") or None,
                  arrival_at=iso_or_none(arrival), flag_state=norm_state(cell("flag_state")))


def read_fal_csv(files: list[tuple[str, bytes]], *, today: dt.date | None = None) -> ParsedManifest:
    """Read FAL Form 5/6 CSV files of one voyage into one manifest; raise ManifestRefused."""
    today = today or dt.date.today()
    all_problems, persons, voyage, first_row = [], [], None, None
    for name, data in files:
        problems = Problems(name if len(files) > 1 else "")
        text = _text(data, problems)
        rows = list(_rows(text)) if text is not None else []
        if text is not None and not rows:
            problems.add(None, "the file is empty")
        cols = _columns(rows[0][1], problems) if rows else None
        if cols is not None:
            kind = "crew" if "rank_or_rating" in cols else "passenger"
            for line, cells in rows[1:]:
                v = _voyage(cells, cols, line, problems, today)
                if voyage is None:
                    voyage, first_row = v, (name, line)
                else:
                    for f in VOYAGE_COLUMNS_FIELDS:
                        a, b = getattr(voyage, f), getattr(v, f)
                        if a and b and norm_text(a) != norm_text(b):
                            problems.add(line, f"{f.replace('_', ' ')} {b!r} differs from {a!r} "
                                               f"(line {first_row[1]} of {first_row[0]}): one voyage per import")
                        elif b and not a:
                            setattr(voyage, f, b)
                p = _person(cells, cols, kind, line, problems, today)
                if p is not None:
                    p.source = name
                    persons.append(p)
            if len(rows) == 1:
                problems.add(None, "the file has a header row but no person")
        all_problems += problems.items
    if all_problems:
        raise ManifestRefused(all_problems)
    return ParsedManifest(voyage=voyage or Voyage(), persons=persons, format="fal-csv",
                          sources=[{"file": n, "rows": None} for n, _ in files])


VOYAGE_COLUMNS_FIELDS = ("carrier", "voyage", "vessel", "vessel_id", "arrival_port", "arrival_at", "flag_state")
