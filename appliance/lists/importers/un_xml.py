"""The UN Security Council consolidated list (XML), read with expat so every record has a line."""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..countries import country_code
from ..docnumbers import normalize_number, normalize_type
from ..errors import FileFormatError, RowError
from ..model import DateOfBirth, IdentityDocument, Name, WatchlistEntry
from .base import Reader, parse_row
from .common import MONTHS, parse_day, parse_dob, script_of

_RECORD_TAGS = {"INDIVIDUAL": "individual", "ENTITY": "entity"}
_CHUNK = 1 << 16


@dataclass
class Node:
    """A small element: tag, text, children, and the line it starts on."""

    tag: str
    line: int
    text: str = ""
    children: list["Node"] = field(default_factory=list)

    def find(self, tag: str) -> "Node | None":
        """First child with ``tag``."""
        for c in self.children:
            if c.tag == tag:
                return c
        return None

    def findall(self, tag: str) -> list["Node"]:
        """Children with ``tag``."""
        return [c for c in self.children if c.tag == tag]

    def get(self, tag: str) -> str:
        """Stripped text of the first child with ``tag`` ('' when absent)."""
        c = self.find(tag)
        return " ".join(c.text.split()) if c is not None else ""

    def values(self, tag: str) -> list[str]:
        """Texts of the VALUE children of every ``tag`` child."""
        out = []
        for c in self.findall(tag):
            for v in c.findall("VALUE"):
                t = " ".join(v.text.split())
                if t:
                    out.append(t)
        return out


class UNXmlReader(Reader):
    """Reader of CONSOLIDATED_LIST XML files (INDIVIDUALS and ENTITIES)."""

    format = "un-xml"

    def records(self) -> Iterator[WatchlistEntry]:
        """Yield one WatchlistEntry per INDIVIDUAL and ENTITY."""
        for path in self.files:
            for node in self._nodes(path):
                entry = parse_row(self, path, node.line, self._entry, node)
                if entry is not None and self.first_time(path, node.line, entry.entry_id):
                    yield entry
        self.check_some_accepted()

    def _nodes(self, path: Path) -> Iterator[Node]:
        """Parse ``path`` incrementally, yielding complete INDIVIDUAL / ENTITY nodes."""
        parser = xml.parsers.expat.ParserCreate()
        stack: list[Node] = []
        done: list[Node] = []
        saw_root = []

        def start(tag, attrs):
            if not saw_root:
                saw_root.append(tag)
                if tag != "CONSOLIDATED_LIST":
                    raise FileFormatError(path.name, parser.CurrentLineNumber, f"not a UN consolidated list (root <{tag}>)")
                generated = attrs.get("dateGenerated")
                if generated:
                    self.published_at = generated
                    self.version = generated[:10]
            if stack or tag in _RECORD_TAGS:
                node = Node(tag, parser.CurrentLineNumber)
                if stack:
                    stack[-1].children.append(node)
                stack.append(node)

        def end(tag):
            if stack:
                node = stack.pop()
                if not stack:
                    done.append(node)

        def chars(data):
            if stack:
                stack[-1].text += data

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = chars
        with self.open_binary(path) as fh:
            try:
                while True:
                    chunk = fh.read(_CHUNK)
                    self.advance(len(chunk))
                    parser.Parse(chunk, not chunk)
                    yield from done
                    done.clear()
                    if not chunk:
                        break
            except xml.parsers.expat.ExpatError as exc:
                reason = xml.parsers.expat.ErrorString(exc.code)
                if exc.code == xml.parsers.expat.errors.codes[xml.parsers.expat.errors.XML_ERROR_NO_ELEMENTS]:
                    reason = "file is empty or truncated"
                if "unclosed token" in reason or (not chunk and stack):
                    reason += " (truncated file?)"
                raise FileFormatError(path.name, exc.lineno, f"XML is not well-formed: {reason}") from None
        self.flush_progress()
        if not saw_root:
            raise FileFormatError(path.name, None, "no XML content")

    def _entry(self, node: Node) -> WatchlistEntry:
        """Map one INDIVIDUAL or ENTITY node to a WatchlistEntry."""
        kind = _RECORD_TAGS[node.tag]
        entry_id = node.get("REFERENCE_NUMBER") or node.get("DATAID")
        if not entry_id:
            raise RowError(f"{node.tag} without REFERENCE_NUMBER or DATAID")
        parts = [node.get(t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
        primary = " ".join(p for p in parts if p)
        if not primary:
            raise RowError(f"{node.tag} {entry_id} has no name")
        names = [Name(primary, "primary", None, script_of(primary))]
        original = node.get("NAME_ORIGINAL_SCRIPT")
        if original:
            names.append(Name(original, "original_script", None, script_of(original)))
        alias_dobs: list[DateOfBirth] = []
        alias_tag = "INDIVIDUAL_ALIAS" if kind == "individual" else "ENTITY_ALIAS"
        for alias in node.findall(alias_tag):
            text = alias.get("ALIAS_NAME")
            if text:
                names.append(Name(text, "alias", _quality(alias.get("QUALITY")), script_of(text)))
                alias_dob = alias.get("DATE_OF_BIRTH")
                if alias_dob and kind == "individual":
                    try:
                        d = parse_dob(alias_dob)
                    except ValueError:
                        continue  # an alias's date is extra information; an unreadable one is left out
                    d.text = "under an alias"
                    alias_dobs.append(d)
        entry = WatchlistEntry(
            entry_id=entry_id,
            entity_type=kind,
            names=names,
            programme=node.get("UN_LIST_TYPE") or None,
            remarks=node.get("COMMENTS1") or None,
            listed_on=node.get("LISTED_ON") or None,
        )
        if kind == "individual":
            self._individual(node, entry)
            for d in alias_dobs:
                if (d.date_from, d.date_to) not in {(x.date_from, x.date_to) for x in entry.dates_of_birth}:
                    entry.dates_of_birth.append(d)
        return entry

    def _individual(self, node: Node, entry: WatchlistEntry) -> None:
        """Dates of birth, nationalities, sex, places of birth and documents of a person."""
        for dob in node.findall("INDIVIDUAL_DATE_OF_BIRTH"):
            parsed = _dob(dob)
            if parsed is not None:
                entry.dates_of_birth.append(parsed)
        for text in node.values("NATIONALITY"):
            entry.nationality_text.append(text)
            code = country_code(text)
            if code and code not in entry.nationalities:
                entry.nationalities.append(code)
        gender = node.get("GENDER").lower()
        entry.sex = {"male": "M", "female": "F"}.get(gender)
        for pob in node.findall("INDIVIDUAL_PLACE_OF_BIRTH"):
            text = ", ".join(p for p in (pob.get("CITY"), pob.get("STATE_PROVINCE"), pob.get("COUNTRY")) if p)
            if text:
                entry.places_of_birth.append(text)
        for doc in node.findall("INDIVIDUAL_DOCUMENT"):
            number = doc.get("NUMBER")
            detail = doc.get("TYPE_OF_DOCUMENT2")
            if not normalize_number(number):
                number, detail = _number_elsewhere(detail, doc.get("NOTE"))
                if not number:
                    continue
            doc_type = normalize_type(doc.get("TYPE_OF_DOCUMENT") or detail)
            if doc_type != "P" and re.search(r"(?i)\bpassport\b", detail):
                doc_type = "P"  # 'National Identification Number' / 'national passport' (Russian internal passports)
            country = doc.get("ISSUING_COUNTRY") or doc.get("COUNTRY_OF_ISSUE")
            entry.documents.append(
                IdentityDocument(doc_type, number, country_code(country), country or None, doc.get("NOTE") or None)
            )


_TYPE2_NUMBER = re.compile(r"\b(?:number|no\.?)\s*:?\s*([A-Z0-9][A-Z0-9 /-]*[0-9][A-Z0-9]*)\s*$", re.I)
_NOTE_NUMBER = re.compile(r"\b(?:passport|identity card|identity|card|number|no\.)(?:\s+(?:number|no\.?))?\s*:?\s*"
                          r"((?:[A-Z]{1,3}-?\s?)?\d{5,}[A-Z]?)\b", re.I)
_LEADING_NUMBER = re.compile(r"^\s*(\d{5,}[A-Z]?)\b")


def _number_elsewhere(detail: str, note: str) -> tuple[str, str]:
    """(number, type text) of a document whose NUMBER is empty: at the end of TYPE_OF_DOCUMENT2
    ('... (tazkira) number 545167') or in the NOTE ('Tunisian passport number L 191609 issued on ...');
    ('', detail) when neither holds one (numbers of fewer than five digits are not taken)."""
    m = _TYPE2_NUMBER.search(detail)
    if m and sum(c.isdigit() for c in m.group(1)) >= 5:
        return m.group(1), detail[:m.start()].strip()
    if note:
        m = _NOTE_NUMBER.search(note) or _LEADING_NUMBER.match(note)
        if m:
            return m.group(1).strip(), detail or note
    return "", detail


def _quality(text: str) -> str:
    """An alias quality: UN 'Good'/'Low'; entity aliases say 'a.k.a.' (good) or 'f.k.a.' (former name: low)."""
    t = text.strip().lower()
    if t in ("low", "f.k.a.", "fka", "n.k.a.", "nka", "weak"):
        return "low"
    return "good"


def _dob(node: Node) -> DateOfBirth | None:
    """One INDIVIDUAL_DATE_OF_BIRTH element, or None when it holds no date."""
    kind = node.get("TYPE_OF_DATE").upper()
    note = node.get("NOTE") or None
    approximate = kind == "APPROXIMATELY" or bool(note and re.match(r"(?i)approx", note))
    date, year = node.get("DATE"), node.get("YEAR")
    try:
        if kind == "BETWEEN" or node.get("FROM_YEAR"):
            return DateOfBirth.years(int(node.get("FROM_YEAR")), int(node.get("TO_YEAR")), approximate=approximate, text=note)
        if date:
            return DateOfBirth.exact(parse_day(date), approximate=approximate, text=note)
        if year:
            month = MONTHS.get((note or "").strip().rstrip(".")[:3].lower()) if note and len(note) <= 10 else None
            if month:  # YEAR 1958 with NOTE 'Sep.'
                return DateOfBirth.month(int(year), month, approximate=approximate, text=note)
            return DateOfBirth.year(int(year), approximate=approximate, text=note)
    except ValueError:
        raise RowError(f"bad date of birth on line {node.line}") from None
    if note:  # the date only in the note: 'Nov. 1973', 'August 1961'; other notes stay unread
        try:
            parsed = parse_dob(note)
        except ValueError:
            return None
        parsed.approximate = parsed.approximate or approximate
        return parsed
    return None
