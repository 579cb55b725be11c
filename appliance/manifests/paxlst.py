"""PAXLST (UN/EDIFACT D02B, D05B and later directories) to a voyage and its persons.

Follows the WCO/IATA/ICAO PAXLST implementation guide: BGM gives the list type (745
passengers, 250/336 crew), segment group 2-3 (TDT, LOC, DTM) the voyage, group 4 (NAD with
FL/FM/DDT/DDU and its ATT, DTM, GEI, FTX, LOC, EMP, NAT, RFF) each person, group 5 (DOC, DTM,
LOC) their documents, CNT the sender's totals. Parts of a multi-part list (UNH S010
``01:C`` ... ``nn:F``, one common access reference) are joined; a missing part refuses the import.
"""

from __future__ import annotations

import datetime as dt
import logging

from . import edifact
from .dates import DateProblem, edifact_date
from .model import Document, ParsedManifest, Person, Problems, Voyage, iso_or_none, norm_state, valid_state

log = logging.getLogger(__name__)

#: BGM document name code -> list kind
LIST_KINDS = {"745": "passenger", "250": "crew", "336": "crew", "266": "passenger", "655": "passenger"}
#: NAD party qualifier -> (kind, in transit)
PERSON_QUALIFIERS = {"FL": ("passenger", False), "FM": ("crew", False), "DDU": ("passenger", True),
                     "DDT": ("crew", True)}
#: person LOC qualifiers -> Person attribute
PERSON_LOCATIONS = {"174": "residence", "178": "embarkation", "179": "disembarkation", "180": "place_of_birth"}
MODES = {"1": "sea", "2": "rail", "3": "road", "4": "air", "8": "inland water"}
SUPPORTED = ("D02B", "D05B")
HANDLED = frozenset(("BGM", "TDT", "LOC", "DTM", "NAD", "ATT", "NAT", "EMP", "RFF", "GEI", "DOC", "CNT"))
#: segments the guides allow that carry nothing screening needs
QUIET = frozenset(("COM", "CTA", "MEA", "GIS", "FTX", "CPI", "QTY", "GID", "TDT"))


class _Reader:
    """Reads one message's body into a voyage, persons and the declared totals."""

    def __init__(self, msg: edifact.Message, problems: Problems, warnings: list[str], today: dt.date):
        self.msg, self.problems, self.warnings, self.today = msg, problems, warnings, today
        self.voyage = Voyage()
        self.kind: str | None = None
        self.persons: list[Person] = []
        self.counts: dict[str, tuple[int, edifact.Segment]] = {}
        self.person: Person | None = None
        self.doc: Document | None = None
        self.last_loc: str | None = None
        self.seen_tdt = False
        self.leg_arrival_set = False

    def bad(self, seg: edifact.Segment, reason: str) -> None:
        """Record a problem at ``seg``."""
        self.problems.add(seg.line, f"{seg.where()}: {reason}")

    def date(self, seg: edifact.Segment, role: str):
        """The DTM value for ``role`` or None (a problem recorded when unreadable)."""
        try:
            return edifact_date(seg.get(0, 1), seg.get(0, 2), role, self.today)
        except DateProblem as exc:
            self.bad(seg, str(exc))
            return None

    def read(self) -> None:
        """Walk the body segments."""
        for seg in self.msg.body:
            if seg.tag in HANDLED:
                getattr(self, f"_{seg.tag.lower()}")(seg)
            elif seg.tag not in QUIET:
                self.warnings.append(f"{seg.where()}: segment not used by PAXLST ignored")
        if self.kind is None:
            self.problems.add(self.msg.unh.line, f"message {self.msg.reference!r}: no BGM segment (list type)")

    # --- header and voyage --------------------------------------------------------------
    def _bgm(self, seg):
        code = seg.get(0)
        self.kind = LIST_KINDS.get(code)
        if self.kind is None:
            self.warnings.append(f"{seg.where()}: list type {code!r} is not 745 (passengers) or 250 (crew); "
                                 "persons are classed by their NAD qualifier")
            self.kind = "passenger"

    def _tdt(self, seg):
        if self.persons:  # a person's own itinerary (segment group 7): not the voyage
            return
        v = self.voyage
        if self.seen_tdt:
            self.warnings.append(f"{seg.where()}: a further leg; the first leg arriving in the reporting state is used")
            return
        self.seen_tdt = True
        v.voyage = seg.get(1) or None
        v.mode = MODES.get(seg.get(2, 0), seg.get(2, 0) or None)
        v.carrier = seg.get(4, 0) or seg.get(4, 3) or None
        v.vessel_id = seg.get(7, 0) or None
        v.vessel = seg.get(7, 3) or None
        v.flag_state = norm_state(seg.get(7, 4)) or None
        if v.mode is None and v.vessel:
            v.mode = "sea"

    def _loc(self, seg):
        qual, code = seg.get(0), seg.get(1, 0) or seg.get(1, 3)
        self.last_loc = qual
        if self.doc is not None:
            if qual == "91":
                state = norm_state(code)
                if not valid_state(state):
                    self.bad(seg, f"document issuing state {code!r} is not a three-letter country code")
                self.doc.issuing_state = state
            return
        if self.person is not None:
            attr = PERSON_LOCATIONS.get(qual)
            if attr:
                text = code if not seg.get(1, 3) or seg.get(1, 3) == code else f"{code} {seg.get(1, 3)}".strip()
                setattr(self.person, attr, text or None)
            return
        if qual == "125" and self.voyage.departure_port is None:
            self.voyage.departure_port = code or None
        elif qual == "87" and not self.leg_arrival_set:
            self.voyage.arrival_port = code or None
            self.leg_arrival_set = True

    def _dtm(self, seg):
        qual = seg.get(0, 0)
        if self.doc is not None:
            if qual == "36":
                self.doc.expiry_date = iso_or_none(self.date(seg, "expiry"))
            elif qual == "182":
                self.doc.issue_date = iso_or_none(self.date(seg, "issue"))
            return
        if self.person is not None:
            if qual == "329":
                value = self.date(seg, "birth")
                self.person.birth_date = value if isinstance(value, str) else iso_or_none(value)
            return
        if qual == "189" and self.last_loc == "125" and self.voyage.departure_at is None:
            self.voyage.departure_at = iso_or_none(self.date(seg, "event"))
        elif qual == "232" and self.last_loc == "87" and self.voyage.arrival_at is None:
            self.voyage.arrival_at = iso_or_none(self.date(seg, "event"))

    # --- persons -------------------------------------------------------------------------
    def _nad(self, seg):
        qual = seg.get(0).upper()
        if not self.seen_tdt and qual not in PERSON_QUALIFIERS:
            return  # segment group 1: the party reporting the list
        self.doc = None
        kind, transit = PERSON_QUALIFIERS.get(qual, (self.kind or "passenger", False))
        if qual not in PERSON_QUALIFIERS:
            self.warnings.append(f"{seg.where()}: party qualifier {qual!r} is not FL, FM, DDT or DDU; read as {kind}")
        surname, given = _name(seg)
        if not surname and not given:
            self.bad(seg, "person without a name")
        address = " ".join(x for x in (" ".join(c.strip() for c in seg.elements[4]) if len(seg.elements) > 4 else "",
                                       seg.get(5), seg.get(6), seg.get(7), seg.get(8)) if x.strip()) or None
        self.person = Person(kind=kind, surname=surname, given_names=given, role=qual, in_transit=transit,
                             address=address, line=seg.line)
        self.persons.append(self.person)

    def _att(self, seg):
        if self.person is None or seg.get(0) != "2":
            return
        sex = seg.get(2, 0).upper()
        if sex in ("M", "F", "X"):
            self.person.sex = sex
        elif sex not in ("U", ""):
            self.warnings.append(f"{seg.where()}: gender code {sex!r} is not M, F, X or U; left unknown")

    def _nat(self, seg):
        if self.person is None:
            return
        code = norm_state(seg.get(1, 0))
        if not valid_state(code):
            self.bad(seg, f"nationality {seg.get(1, 0)!r} is not a three-letter country code")
        if self.person.nationality is None:
            self.person.nationality = code

    def _emp(self, seg):
        if self.person is not None:
            self.person.rank = seg.get(1, 0) or seg.get(1, 3) or None

    def _rff(self, seg):
        if self.person is not None and self.doc is None and seg.get(0, 0):
            self.person.references[seg.get(0, 0)] = seg.get(0, 1)

    def _gei(self, seg):
        if self.person is not None and seg.get(0) == "4":
            self.person.verified = seg.get(1, 0) == "173"

    def _doc(self, seg):
        if self.person is None:
            self.bad(seg, "document before any person (NAD)")
            return
        dtype, number = seg.get(0, 0).upper(), seg.get(1, 0)
        if not number:
            self.warnings.append(f"{seg.where()}: document without a number ignored")
            self.doc = Document(type=dtype)  # its DTM/LOC still belong to it
            return
        self.doc = Document(type=dtype or "P", number=number.upper())
        self.person.documents.append(self.doc)

    def _cnt(self, seg):
        qual, value = seg.get(0, 0), seg.get(0, 1)
        if qual in ("41", "42"):
            if not value.strip().isdigit():
                self.bad(seg, f"control total {value!r} is not a number")
                return
            self.counts["crew" if qual == "41" else "passenger"] = (int(value), seg)


def _name(seg: edifact.Segment) -> tuple[str, str]:
    """(surname, given names) from NAD C080, else the unstructured C058."""
    comps = [c.strip() for c in seg.elements[3]] if len(seg.elements) > 3 else []
    comps = [c for c in comps if c]
    if not comps and len(seg.elements) > 2:
        comps = [" ".join(c.strip() for c in seg.elements[2] if c.strip())]
        comps = [c for c in comps if c]
    if not comps:
        return "", ""
    if len(comps) == 1:
        for sep in ("/", ","):
            if sep in comps[0]:
                sur, _, giv = comps[0].partition(sep)
                return sur.strip(), giv.strip()
        return comps[0], ""
    return comps[0], " ".join(comps[1:])


def read_paxlst(files: list[tuple[str, bytes]], *, today: dt.date | None = None) -> ParsedManifest:
    """Read PAXLST files (parts and lists of one voyage) into one manifest; raise ManifestRefused."""
    from .errors import ManifestRefused
    from .joining import join_messages

    today = today or dt.date.today()
    all_problems: list[dict] = []
    readers, warnings, sources = [], [], []
    for name, data in files:
        problems = Problems(name if len(files) > 1 else "")
        ic = edifact.interchange(data, problems)
        if ic is None:
            all_problems += problems.items
            continue
        warnings += [f"{name}: {w}" for w in ic.warnings]
        for msg in ic.messages:
            if msg.type != "PAXLST":
                problems.add(msg.unh.line, f"{msg.unh.where()}: message type {msg.type!r} is not PAXLST")
                continue
            if msg.version not in SUPPORTED:
                warnings.append(f"{name}: message {msg.reference!r} is {msg.version}; read with the D05B layout")
            r = _Reader(msg, problems, warnings, today)
            r.read()
            if not r.voyage.carrier:
                r.voyage.carrier = (msg.group_sender or ic.sender).split(":")[0] or None
            readers.append((name, r))
        sources.append({"file": name, "messages": len(ic.messages), "sender": ic.sender,
                        "reference": ic.reference})
        all_problems += problems.items
    if all_problems:
        raise ManifestRefused(all_problems)
    voyage, persons, declared, join_warnings = join_messages(readers)
    versions = sorted({r.msg.version for _, r in readers})
    return ParsedManifest(voyage=voyage, persons=persons, format="paxlst-" + "+".join(v.lower() for v in versions),
                          sources=sources, warnings=warnings + join_warnings, declared_counts=declared)
