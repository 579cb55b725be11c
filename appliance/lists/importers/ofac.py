"""OFAC SDN / consolidated CSV sets: sdn.csv or cons_prim.csv with alt, add and comments files.

The files have no header. ``-0-`` means empty. Dates of birth, nationality, sex, passports and
national IDs are read out of the free-text remarks (continued in the comments file).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from ..countries import country_code
from ..errors import FileFormatError, RowError
from ..model import IdentityDocument, Name, WatchlistEntry
from .base import Reader, bad_text, csv_rows
from .common import parse_dob, script_of

_TYPES = {"individual": "individual", "vessel": "vessel", "aircraft": "aircraft", "": "entity", "entity": "entity"}
_DOC_PATTERNS = (
    ("P", re.compile(r"^(?:[A-Z][A-Za-z.]*\s+){0,3}Passport(?:\s+No\.?:?)?\s+(?P<rest>.+)$")),
    ("I", re.compile(r"^(?:National ID No\.|Cedula No\.|D\.N\.I\.|Identity Card(?: No\.)?|Personal ID Card|"
                     r"National Identification Number|Identification Number)\s+(?P<rest>.+)$")),
)
_NUMBER_END = re.compile(r"(?:^|\s+|,\s*)(?:issued|expires|exp\.|valid)\b.*$", re.I)
_WEAK_ALIAS = re.compile(r"^(?:a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)\s+'(.+)'$", re.I)
_NUMBER_LEAD = re.compile(r"^(?:No\.?:?|Number:?|#|(?P<booklet>Booklet):?)\s*", re.I)
_TRAILING_COUNTRY = re.compile(r"\s*\(([^()]*)\)\s*$")


def split_items(remarks: str) -> list[str]:
    """The '; '-separated items of OFAC remarks, not splitting inside parentheses."""
    items, depth, start = [], 0, 0
    for i, ch in enumerate(remarks):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == ";" and depth == 0:
            items.append(remarks[start:i])
            start = i + 1
    items.append(remarks[start:])
    if depth:  # an unclosed parenthesis: do not let it swallow the rest of the remarks
        return re.split(r";\s*", remarks)
    return items


def document_of(doc_type: str, rest: str) -> IdentityDocument | None:
    """A document from the text after 'Passport' / 'National ID No.': 'AB 149814 (Colombia) issued ...'."""
    text = _NUMBER_END.sub("", rest).strip().rstrip(".,").strip()
    note = None
    lead = _NUMBER_LEAD.match(text)
    if lead:
        note = "booklet number" if lead.group("booklet") else None
        text = text[lead.end():]
    country = None
    m = _TRAILING_COUNTRY.search(text)
    if m and not any(c.isdigit() for c in m.group(1)) and len(m.group(1)) > 1:
        country, text = m.group(1).strip(), text[:m.start()]  # '(Hong Kong)' at the end; 'D489833(9)' keeps its '(9)'
    elif not m:
        words = text.rsplit(" ", 3)  # 'AF465508 Colombia': a country name without parentheses
        for k in range(1, len(words)):
            tail = " ".join(words[-k:])
            if len(tail) >= 4 and not tail.isupper() and not any(c.isdigit() for c in tail) and country_code(tail):
                country, text = tail, " ".join(words[:-k])
                break
    if "," in text:  # 'D000000483, Diplomatic'
        text, extra = text.split(",", 1)
        note = "; ".join(filter(None, (note, extra.strip()))) or None
    number = text.strip()
    if not any(c.isdigit() for c in number):
        return None
    return IdentityDocument(doc_type, number, country_code(country), country, note)


def _empty(value: str) -> str:
    """'' for OFAC's -0- placeholder, else the stripped value."""
    v = value.strip()
    return "" if v == "-0-" else v


def parse_remarks(remarks: str, entry: WatchlistEntry) -> None:
    """Fill DOBs, nationalities, sex and documents of ``entry`` from OFAC remarks text."""
    for raw in split_items(remarks):
        item = raw.strip().rstrip(".").strip()
        if item.lower().startswith("alt."):
            item = item[4:].strip()
        if not item:
            continue
        low = item.lower()
        weak = _WEAK_ALIAS.match(item)
        if weak:  # OFAC keeps weak aliases (nicknames) in the remarks: a.k.a. 'EL SOCIO'
            text = _split_name(weak.group(1), entry.entity_type).strip()
            if text and text.upper() not in {n.name.upper() for n in entry.names}:
                entry.names.append(Name(text, "alias", "low", script_of(text)))
        elif low.startswith("dob "):
            try:
                entry.dates_of_birth.append(parse_dob(item[4:]))
            except ValueError:
                raise RowError("bad date of birth in remarks") from None
        elif low.startswith("nationality ") or low.startswith("citizen "):
            text = item.split(" ", 1)[1].strip()
            entry.nationality_text.append(text)
            code = country_code(text)
            if code and code not in entry.nationalities:
                entry.nationalities.append(code)
        elif low.startswith("pob "):
            entry.places_of_birth.append(item[4:].strip())
        elif low.startswith("gender "):
            entry.sex = {"male": "M", "female": "F"}.get(low[7:].strip(), entry.sex)
        else:
            for doc_type, pattern in _DOC_PATTERNS:
                m = pattern.match(item)
                if not m:
                    continue
                doc = document_of(doc_type, m.group("rest"))
                if doc is not None:
                    entry.documents.append(doc)
                break


def _split_name(text: str, kind: str) -> str:
    """'LAST, First' -> 'First LAST' for people; organisations keep their name."""
    if kind == "individual" and "," in text:
        last, first = text.split(",", 1)
        return f"{first.strip()} {last.strip()}".strip()
    return text.strip()


class OfacReader(Reader):
    """Reader of the OFAC CSV set; the main file is sdn.csv / cons_prim.csv (the one with 12 columns)."""

    format = "ofac-csv"

    def _rows(self, path: Path, width: int) -> Iterator[tuple[int, list[str]]]:
        """(line, fields) of a headerless OFAC CSV file with ``width`` columns."""
        for line, fields in csv_rows(self, path):
            if bad_text(*fields):
                self.reject(path, line, "bytes that are not valid UTF-8")
                continue
            if len(fields) != width:
                self.reject(path, line, f"expected {width} columns, found {len(fields)}")
                continue
            yield line, fields

    def _classify(self) -> tuple[Path, list[Path], list[Path], list[Path]]:
        """Find the main, alt, add and comments files by name."""
        main, alts, adds, comments = [], [], [], []
        for f in self.files:
            words = set(re.split(r"[^a-z0-9]+", f.name.lower()))  # sdn.csv, cons_alt.csv, sdn_comments.csv
            if words & {"alt", "alts"}:
                alts.append(f)
            elif words & {"add", "adds"}:
                adds.append(f)
            elif words & {"comment", "comments"}:
                comments.append(f)
            else:
                main.append(f)
        if len(main) != 1:
            raise FileFormatError(", ".join(f.name for f in self.files), None,
                                  "give exactly one main file (sdn.csv or cons_prim.csv) plus optional alt/add/comments files")
        return main[0], alts, adds, comments

    def records(self) -> Iterator[WatchlistEntry]:
        """Yield one WatchlistEntry per row of the main file, with aliases and remarks applied."""
        main, alts, _adds, comments = self._classify()
        extra: dict[str, str] = {}
        for f in comments:
            for _line, fields in self._rows(f, 2):
                extra[fields[0].strip()] = extra.get(fields[0].strip(), "") + fields[1]
        aliases: dict[str, list[Name]] = {}
        for f in alts:
            for _line, fields in self._rows(f, 5):
                text = _empty(fields[3])
                if text:
                    weak = "weak" in _empty(fields[4]).lower()
                    quality = "low" if weak or _empty(fields[2]).lower() in ("fka", "nka") else "good"
                    aliases.setdefault(fields[0].strip(), []).append(Name(text, "alias", quality, script_of(text)))
        for line, fields in self._rows(main, 12):
            try:
                entry = self._entry(fields, aliases, extra)
            except (RowError, ValueError) as exc:
                self.reject(main, line, str(exc))
                continue
            if self.first_time(main, line, entry.entry_id):
                yield entry
        self.check_some_accepted()

    def _entry(self, fields: list[str], aliases: dict, extra: dict) -> WatchlistEntry:
        """Map one main-file row."""
        ent_num = fields[0].strip()
        if not ent_num.isdigit():
            raise RowError("ent_num is not a number")
        kind = _TYPES.get(_empty(fields[2]).lower())
        if kind is None:
            raise RowError("unknown SDN_Type")
        name = _empty(fields[1])
        if not name:
            raise RowError("empty SDN_Name")
        primary = _split_name(name, kind)
        names = [Name(primary, "primary", None, script_of(primary))]
        for alias in aliases.get(ent_num, []):
            names.append(Name(_split_name(alias.name, kind), "alias", alias.quality, alias.script))
        main_remarks = "" if fields[11].strip() == "-0-" else fields[11]
        remarks = (main_remarks + extra.get(ent_num, "")).strip()
        entry = WatchlistEntry(
            entry_id=ent_num,
            entity_type=kind,
            names=names,
            programme=_empty(fields[3]).replace("] [", " ") or None,
            remarks=remarks or None,
        )
        if remarks:
            parse_remarks(remarks, entry)
        if kind != "individual":
            entry.dates_of_birth, entry.sex, entry.places_of_birth = [], None, []
            entry.documents = []
        return entry
