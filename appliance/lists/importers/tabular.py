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
from ..model import DateOfBirth, DocumentRecord, IdentityDocument, Name, WatchlistEntry
from .base import Reader, bad_text, csv_rows
from .common import parse_dob, script_of

WATCHLIST_COLUMNS = (
    "entry_id", "entity_type", "name", "original_script_name", "aliases", "low_quality_aliases",
    "dates_of_birth", "nationalities", "sex", "documents", "programme", "remarks", "listed_on",
)
REQUIRED_COLUMNS = ("entry_id", "name")
DOCUMENT_COLUMNS = ("issuing_state", "document_type", "document_number", "status", "reported_on", "reference")


def _split(value: str) -> list[str]:
    """Values of a multi-valued cell, separated by '|'."""
    return [v.strip() for v in (value or "").split("|") if v.strip()]


def _document(text: str) -> IdentityDocument:
    """'P:IRN:K1234567' (type:state:number; state may be empty) -> IdentityDocument."""
    parts = text.split(":", 2)
    if len(parts) != 3 or not normalize_number(parts[2]):
        raise RowError("documents must look like TYPE:STATE:NUMBER, e.g. P:IRN:K1234567")
    return IdentityDocument(normalize_type(parts[0]) or parts[0].strip().upper()[:1], parts[2].strip(),
                            normalize_state(parts[1]), parts[1].strip() or None)


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
                    unknown = [h for h in header if h not in WATCHLIST_COLUMNS]
                    missing = [h for h in REQUIRED_COLUMNS if h not in header]
                    if bad_text(*fields) or unknown or missing:
                        raise FileFormatError(path.name, line, "wrong columns: " + "; ".join(filter(None, (
                            "unknown " + ", ".join(unknown) if unknown else "",
                            "missing " + ", ".join(missing) if missing else "",
                            "header is not valid UTF-8" if bad_text(*fields) else "",
                        ))) + f" (expected some of: {', '.join(WATCHLIST_COLUMNS)})")
                    continue
                if bad_text(*fields):
                    self.reject(path, line, "bytes that are not valid UTF-8")
                    continue
                if len(fields) != len(header):
                    self.reject(path, line, f"expected {len(header)} columns, found {len(fields)}")
                    continue
                try:
                    yield self._entry(dict(zip(header, fields)))
                except (RowError, ValueError) as exc:
                    self.reject(path, line, str(exc))
            if header is None:
                raise FileFormatError(path.name, None, "empty file (no header row)")

    @staticmethod
    def _entry(row: dict) -> WatchlistEntry:
        """Map one CSV row."""
        name = (row.get("name") or "").strip()
        names = [Name(name, "primary", None, script_of(name))] if name else []
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
                    yield self._entry(obj)
                except json.JSONDecodeError as exc:
                    self.reject(path, line, f"not valid JSON ({exc.msg})")
                except (RowError, ValueError, TypeError, KeyError, AttributeError) as exc:
                    self.reject(path, line, str(exc) or type(exc).__name__)

    @staticmethod
    def _entry(obj: dict) -> WatchlistEntry:
        """Coerce the friendly shorthand forms, then build the entry."""
        d = dict(obj)
        d["entry_id"] = str(d.get("entry_id") or "")
        d.setdefault("entity_type", "individual")
        names = []
        if d.get("name"):
            names.append({"name": d.pop("name"), "kind": "primary"})
        for n in d.get("names", []):
            names.append({"name": n, "kind": "alias", "quality": "good"} if isinstance(n, str) else n)
        for n in d.pop("aliases", []):
            names.append({"name": n, "kind": "alias", "quality": "good"} if isinstance(n, str) else n)
        for n in names:
            n.setdefault("script", script_of(n["name"]))
        d["names"] = names
        dobs = []
        try:
            for x in d.get("dates_of_birth", []):
                dobs.append(parse_dob(x).to_dict() if isinstance(x, str) else DateOfBirth.from_dict(x).to_dict())
        except (ValueError, TypeError):
            raise RowError("bad date of birth") from None  # never echo the value (personal data)
        d["dates_of_birth"] = dobs
        nats = d.pop("nationalities", [])
        d["documents"] = [
            {**x, "document_type": normalize_type(x.get("document_type")),
             "issuing_state": normalize_state(x.get("issuing_state"))} for x in d.get("documents", [])
        ]
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
