"""National list formats: watchlist CSV and NDJSON, and the lost/stolen documents CSV.

The schemas are documented in docs/lists.md.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Iterator

from ..countries import country_code, normalize_state
from ..docnumbers import STATUS_CODES, STATUSES, normalize_number, normalize_status, normalize_type
from ..errors import FileFormatError, RowError
from ..model import DOB_PRECISIONS, NAME_KINDS, DateOfBirth, DocumentRecord, IdentityDocument, Name, WatchlistEntry
from .base import Reader, bad_text, csv_rows
from .common import parse_dob, script_of

WATCHLIST_COLUMNS = (
    "entry_id", "entity_type", "name", "original_script_name", "aliases", "low_quality_aliases",
    "dates_of_birth", "nationalities", "sex", "documents", "programme", "remarks", "listed_on",
)
REQUIRED_COLUMNS = ("entry_id", "name")
#: top-level fields of an ndjson line: WatchlistEntry.to_dict() keys plus the shorthands name and aliases
NDJSON_FIELDS = ("entry_id", "entity_type", "name", "names", "aliases", "dates_of_birth", "places_of_birth",
                 "nationalities", "nationality_text", "sex", "documents", "programme", "remarks", "listed_on")
DOCUMENT_COLUMNS = ("issuing_state", "document_type", "document_number", "status", "reported_on", "reference")


def _split(value: str) -> list[str]:
    """Values of a multi-valued cell, separated by '|'."""
    return [v.strip() for v in (value or "").split("|") if v.strip()]


def _document(text: str) -> IdentityDocument:
    """'P:IRN:K1234567' (type:state:number; state may be empty) -> IdentityDocument."""
    parts = text.split(":", 2)
    if len(parts) != 3 or not normalize_number(parts[2]):
        raise RowError("documents must look like TYPE:STATE:NUMBER, e.g. P:IRN:K1234567")
    state = normalize_state(parts[1]) if parts[1].strip() else ""
    if parts[1].strip() and not state:
        raise RowError("documents: the issuing state is not an ICAO code")
    return IdentityDocument(normalize_type(parts[0]) or parts[0].strip().upper()[:1], parts[2].strip(),
                            state, parts[1].strip() or None)


def _sex(value: str | None) -> str | None:
    """'M', 'F' or None from M/F/male/female/empty."""
    v = (value or "").strip().lower()
    if not v:
        return None
    if v in ("m", "male"):
        return "M"
    if v in ("f", "female"):
        return "F"
    raise RowError("sex must be M, F or empty")


def _nationalities(values: list[str], entry: WatchlistEntry) -> None:
    """Resolve nationality codes or names into ``entry``."""
    for v in values:
        entry.nationality_text.append(v)
        code = normalize_state(v) if len(v) <= 3 else country_code(v)
        if not code:
            raise RowError("unknown nationality")
        if code not in entry.nationalities:
            entry.nationalities.append(code)


def _listed_on(value: str | None) -> str | None:
    """An ISO date or None; raises RowError on anything else."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise RowError("listed_on is not a YYYY-MM-DD date") from None


def _header_problem(header: list[str], bad_bytes: bool) -> str | None:
    """Why a watchlist CSV header is wrong, or None; names only our own columns (the row may be personal data)."""
    import difflib

    if bad_bytes:
        return "wrong columns: the header row is not valid UTF-8"
    problems = []
    for i, h in enumerate(header, 1):
        if h not in WATCHLIST_COLUMNS:
            near = difflib.get_close_matches(h, WATCHLIST_COLUMNS, n=1, cutoff=0.75)
            problems.append(f"column {i} is not a known column" + (f" (did you mean {near[0]}?)" if near else ""))
    for c in WATCHLIST_COLUMNS:
        if header.count(c) > 1:
            problems.append(f"column {c} appears {header.count(c)} times")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        problems.append("missing " + ", ".join(missing))
    if not problems:
        return None
    return "wrong columns: " + "; ".join(problems) + f" (the first row must name the columns: {', '.join(WATCHLIST_COLUMNS)})"


class _CsvBase(Reader):
    """Shared CSV plumbing: strict UTF-8 per line, physical line numbers, header checks."""

    def _csv(self, path: Path) -> Iterator[tuple[int, list[str]]]:
        """(first line of the row, fields) for every row of ``path``."""
        return csv_rows(self, path)


class WatchlistCsvReader(_CsvBase):
    """A national watchlist as CSV with a header row (columns in WATCHLIST_COLUMNS)."""

    format = "csv"

    def records(self) -> Iterator[WatchlistEntry]:
        """Yield one entry per data row."""
        for path in self.files:
            header: list[str] | None = None
            for line, fields in self._csv(path):
                if header is None:
                    header = [h.strip().lower() for h in fields]
                    problem = _header_problem(header, bad_text(*fields))
                    if problem:
                        raise FileFormatError(path.name, line, problem)
                    continue
                if bad_text(*fields):
                    self.reject(path, line, "bytes that are not valid UTF-8")
                    continue
                if len(fields) != len(header):
                    self.reject(path, line, f"expected {len(header)} columns, found {len(fields)}")
                    continue
                try:
                    entry = self._entry(dict(zip(header, fields)))
                except (RowError, ValueError) as exc:
                    self.reject(path, line, str(exc))
                    continue
                if self.first_time(path, line, entry.entry_id):
                    yield entry
            if header is None:
                raise FileFormatError(path.name, None, "empty file (no header row)")
        self.check_some_accepted()

    @staticmethod
    def _entry(row: dict) -> WatchlistEntry:
        """Map one CSV row."""
        name = (row.get("name") or "").strip()
        if not name:
            raise RowError("name is empty")
        names = [Name(name, "primary", None, script_of(name))]
        if row.get("original_script_name", "").strip():
            n = row["original_script_name"].strip()
            names.append(Name(n, "original_script", None, script_of(n)))
        names += [Name(a, "alias", "good", script_of(a)) for a in _split(row.get("aliases", ""))]
        names += [Name(a, "alias", "low", script_of(a)) for a in _split(row.get("low_quality_aliases", ""))]
        entry = WatchlistEntry(
            entry_id=(row.get("entry_id") or "").strip(),
            entity_type=(row.get("entity_type") or "individual").strip().lower(),
            names=names,
            sex=_sex(row.get("sex")),
            programme=(row.get("programme") or "").strip() or None,
            remarks=(row.get("remarks") or "").strip() or None,
            listed_on=_listed_on(row.get("listed_on")),
        )
        try:
            entry.dates_of_birth = [parse_dob(d) for d in _split(row.get("dates_of_birth", ""))]
        except ValueError:
            raise RowError("bad date of birth") from None
        _nationalities(_split(row.get("nationalities", "")), entry)
        entry.documents = [_document(d) for d in _split(row.get("documents", ""))]
        return entry


class WatchlistNdjsonReader(Reader):
    """A national watchlist as NDJSON: one JSON object per line (WatchlistEntry.to_dict() shape)."""

    format = "ndjson"

    def records(self) -> Iterator[WatchlistEntry]:
        """Yield one entry per non-empty line."""
        for path in self.files:
            for line, text in self.lines(path):
                if not text.strip():
                    continue
                if bad_text(text):
                    self.reject(path, line, "bytes that are not valid UTF-8")
                    continue
                try:
                    obj = json.loads(text)
                    if not isinstance(obj, dict):
                        raise RowError("line is not a JSON object")
                    entry = self._entry(obj)
                except json.JSONDecodeError as exc:
                    self.reject(path, line, f"not valid JSON ({exc.msg})")
                    continue
                except (RowError, ValueError, TypeError, KeyError, AttributeError) as exc:
                    self.reject(path, line, str(exc) or type(exc).__name__)
                    continue
                if self.first_time(path, line, entry.entry_id):
                    yield entry
        self.check_some_accepted()

    @staticmethod
    def _entry(obj: dict) -> WatchlistEntry:
        """Check the documented fields, coerce the friendly shorthand forms, then build the entry."""
        unknown = sorted(k for k in obj if k not in NDJSON_FIELDS)
        if unknown:
            raise RowError("unknown field(s): " + ", ".join(unknown[:5]) + " (see docs/lists.md, ndjson)"
                           if all(k.isidentifier() and len(k) <= 40 for k in unknown[:5]) else "unknown field(s)")
        d = dict(obj)
        d.pop("name", None)
        d.pop("aliases", None)
        for key in ("names", "aliases", "dates_of_birth", "nationalities", "documents", "places_of_birth",
                    "nationality_text"):
            if not isinstance(obj.get(key, []), list):
                raise RowError(f"{key} must be a JSON array")
        for key in ("entity_type", "sex", "programme", "remarks", "listed_on"):
            if obj.get(key) is not None and not isinstance(obj[key], str):
                raise RowError(f"{key} must be a string or null")
        if not isinstance(obj.get("entry_id"), (str, int)) or isinstance(obj.get("entry_id"), bool):
            raise RowError("entry_id must be a string (or a number)")
        d["entry_id"] = str(obj["entry_id"]).strip()
        d["entity_type"] = (obj.get("entity_type") or "individual").strip().lower()
        names = []
        if obj.get("name") is not None:
            if not isinstance(obj["name"], str):
                raise RowError("name must be a string")
            names.append({"name": obj["name"], "kind": "primary"})
        for n in list(obj.get("names", [])) + list(obj.get("aliases", [])):
            if isinstance(n, str):
                n = {"name": n, "kind": "alias", "quality": "good"}
            if not isinstance(n, dict) or not isinstance(n.get("name"), str):
                raise RowError("each name must be a string or an object with a string \"name\"")
            n = dict(n)
            n.setdefault("kind", "alias")
            if n["kind"] not in NAME_KINDS:
                raise RowError("name kind must be one of " + ", ".join(NAME_KINDS))
            if n["kind"] == "alias":
                n["quality"] = n.get("quality") or "good"
            if n.get("quality") not in (None, "good", "low"):
                raise RowError("name quality must be good, low or null")
            names.append(n)
        for n in names:
            if not n.get("script"):
                n["script"] = script_of(n["name"])
        d["names"] = names
        dobs = []
        try:
            for x in obj.get("dates_of_birth", []):
                if isinstance(x, str):
                    dobs.append(parse_dob(x).to_dict())
                elif isinstance(x, dict):
                    dob = DateOfBirth.from_dict(x)
                    dt.date.fromisoformat(dob.date_from), dt.date.fromisoformat(dob.date_to)
                    if dob.precision not in DOB_PRECISIONS or dob.date_to < dob.date_from:
                        raise ValueError
                    dobs.append(dob.to_dict())
                else:
                    raise ValueError
        except (ValueError, TypeError):
            raise RowError("bad date of birth") from None  # never echo the value (personal data)
        d["dates_of_birth"] = dobs
        docs = []
        for x in obj.get("documents", []):
            if not isinstance(x, dict) or not isinstance(x.get("number"), str) or not normalize_number(x["number"]):
                raise RowError("each document must be an object with document_type, number and issuing_state")
            state_text = x.get("issuing_state") or ""
            state = normalize_state(state_text) if state_text else ""
            if state_text and not state:
                raise RowError("documents: the issuing state is not an ICAO code")
            docs.append({**x, "document_type": normalize_type(x.get("document_type")), "issuing_state": state})
        d["documents"] = docs
        nats = d.pop("nationalities", [])
        if not all(isinstance(v, str) for v in nats):
            raise RowError("nationalities must be strings")
        d.pop("nationality_text", None)
        entry = WatchlistEntry.from_dict(d)
        entry.sex = _sex(entry.sex)
        entry.listed_on = _listed_on(entry.listed_on)
        _nationalities(list(nats), entry)
        return entry


class DocumentsCsvReader(_CsvBase):
    """Lost/stolen/revoked documents: issuing_state,document_type,document_number,status,reported_on[,reference]."""

    kind = "documents"
    format = "documents-csv"

    def rows(self) -> Iterator[tuple[str, str, str, str, str | None, str | None]]:
        """Fast path for bulk loads: validated (state, type, number, status, reported_on, reference) tuples.

        Written as one tight loop (it runs 10^8 times for an INTERPOL-sized list); the slow
        checks run only for values not seen before.
        """
        states: dict[str, str] = {}
        types: dict[str, str] = {}
        statuses: dict[str, str | None] = {s: s for s in STATUS_CODES if s != "listed_person"}
        dates: dict[str, bool] = {"": True}
        for path in self.files:
            first = True
            for line, f in self._csv(path):
                if first:
                    first = False
                    if f and f[0].strip().lower() == "issuing_state":
                        names = [x.strip().lower() for x in f]
                        if tuple(names) not in (DOCUMENT_COLUMNS, DOCUMENT_COLUMNS[:5]):
                            raise FileFormatError(path.name, line, "wrong columns: expected " + ",".join(DOCUMENT_COLUMNS))
                        continue
                n = len(f)
                if n == 6:
                    state_text, type_text, number, status_text, reported, ref = f
                    ref = ref.strip() or None
                elif n == 5:
                    state_text, type_text, number, status_text, reported = f
                    ref = None
                else:
                    self.reject(path, line, f"expected 5 or 6 columns, found {n}")
                    continue
                state = states.get(state_text)
                status = statuses.get(status_text)
                dtype = types.get(type_text)
                ok_date = dates.get(reported)
                if (not state or status is None or dtype is None or ok_date is None
                        or not (number.isascii() and number.isalnum()) or (ref and not ref.isascii())):
                    reason = self._check_slow(f, states, types, statuses, dates)
                    if reason:
                        self.reject(path, line, reason)
                        continue
                    state, status, dtype = states[state_text], statuses[status_text], types[type_text]
                elif not ok_date:
                    self.reject(path, line, "reported_on is not a YYYY-MM-DD date")
                    continue
                yield state, dtype, number, status, (reported or None), ref

    @staticmethod
    def _check_slow(f, states, types, statuses, dates) -> str | None:
        """Validate a row with values not seen before; fills the caches; returns a reason or None."""
        if bad_text(*f):
            return "bytes that are not valid UTF-8"
        state_text, type_text, number, status_text, reported = f[:5]
        if state_text not in states:
            states[state_text] = normalize_state(state_text)
        if not states[state_text]:
            return "issuing_state is not a country code"
        if not normalize_number(number):
            return "document_number is empty"
        if status_text not in statuses:
            try:
                statuses[status_text] = normalize_status(status_text)
            except ValueError as exc:
                return str(exc)
        if statuses[status_text] is None:
            return "status must be one of " + ", ".join(STATUSES[:-1])
        if type_text not in types:
            types[type_text] = normalize_type(type_text)
        if reported not in dates:
            text = reported.strip()
            try:
                dt.date.fromisoformat(text)
                ok = len(text) == 10
            except ValueError:
                ok = False
            if len(dates) < 100_000:
                dates[reported] = ok
            if not ok:
                return "reported_on is not a YYYY-MM-DD date"
        elif not dates[reported]:
            return "reported_on is not a YYYY-MM-DD date"
        return None

    def records(self) -> Iterator[DocumentRecord]:
        """Yield one DocumentRecord per data row."""
        for state, dtype, number, status, reported, ref in self.rows():
            yield DocumentRecord(state, dtype, number, status, reported, ref)
