"""Joining PAXLST messages: the parts of a multi-part list, and the crew and passenger lists of one voyage.

A multi-part list shares a common access reference (UNH 0068) and numbers its parts in
UNH S010 (``01:C`` first, ``nn:F`` final). Every part must be present; all messages must be
about the same arrival. The sender's control totals (CNT) are compared with what arrived.
"""

from __future__ import annotations

from .errors import ManifestRefused
from .model import Person, Voyage, norm_text


def _describe(v: Voyage) -> str:
    """'voyage X arriving P on D' for messages."""
    return f"voyage {v.voyage or '?'} arriving {v.arrival_port or '?'} on {(v.arrival_at or '?')[:10]}"


def _same_arrival(a: Voyage, b: Voyage) -> bool:
    """True when two voyages cannot be told apart (absent fields do not disagree)."""
    for x, y in ((a.voyage, b.voyage), (a.arrival_port, b.arrival_port),
                 ((a.arrival_at or "")[:10] or None, (b.arrival_at or "")[:10] or None),
                 (a.vessel_id, b.vessel_id)):
        if x and y and norm_text(x) != norm_text(y):
            return False
    return True


def _merge(voyages: list[Voyage]) -> Voyage:
    """One voyage: for each field the first value given."""
    out = Voyage()
    for field in out.__dataclass_fields__:
        for v in voyages:
            if getattr(v, field):
                setattr(out, field, getattr(v, field))
                break
    return out


def _check_parts(key, parts, problems: list[dict], warnings: list[str]) -> None:
    """Every part of a multi-part list present, once, ending with the final part."""
    label = f"list {key!r}" if key else "the list"
    seqs = [(r.msg.part[0], r.msg.part[1], r) for _, r in parts]
    numbered = [s for s in seqs if s[0] is not None]
    if len(parts) == 1:
        seq, flag, r = seqs[0]
        if flag == "C" or (seq is not None and seq > 1 and flag != "F"):
            problems.append({"line": r.msg.unh.line, "reason": f"{label}: only part {seq} of a multi-part message "
                             "arrived; the other parts are missing"})
        elif seq is not None and seq > 1:  # carriers also number re-transmissions this way ("02:F")
            warnings.append(f"{label}: the message is numbered {seq} (final); if it is the last part of a "
                            "split list, import all its parts together")
        return
    if len(numbered) != len(seqs):
        problems.append({"line": None, "reason": f"{label}: {len(parts)} messages share a reference but not "
                         "all carry a part number (UNH S010)"})
        return
    numbers = sorted(s[0] for s in numbered)
    dupes = sorted({n for n in numbers if numbers.count(n) > 1})
    if dupes:
        problems.append({"line": None, "reason": f"{label}: part {', '.join(map(str, dupes))} arrived twice"})
    missing = [n for n in range(1, max(numbers) + 1) if n not in numbers]
    if missing:
        problems.append({"line": None, "reason": f"{label}: part {', '.join(map(str, missing))} of the "
                         f"multi-part message is missing"})
    last = max(numbered, key=lambda s: s[0])
    if last[1] != "F":
        problems.append({"line": last[2].msg.unh.line, "reason": f"{label}: no final part (UNH S010 'F'); "
                         f"the last part that arrived is {last[0]}"})


def join_messages(readers) -> tuple[Voyage, list[Person], dict, list[str]]:
    """(voyage, persons, declared totals, warnings) of all messages; ManifestRefused when they do not fit."""
    problems: list[dict] = []
    warnings: list[str] = []
    groups: dict[tuple, list] = {}
    for name, r in readers:
        key = r.msg.common_reference or _describe(r.voyage)
        groups.setdefault((key, r.kind), []).append((name, r))
    for (key, _kind), parts in groups.items():
        _check_parts(key, parts, problems, warnings)
    base = readers[0][1].voyage
    for name, r in readers[1:]:
        if not _same_arrival(base, r.voyage):
            problems.append({"line": r.msg.unh.line, "reason": f"{name}: message {r.msg.reference!r} is about "
                             f"{_describe(r.voyage)}, not {_describe(base)}: import each voyage on its own"})
    if problems:
        raise ManifestRefused(problems)
    voyage = _merge([r.voyage for _, r in readers])
    ordered = sorted(readers, key=lambda x: (x[1].msg.common_reference, x[1].kind or "", x[1].msg.part[0] or 0))
    persons: list[Person] = []
    declared: dict[str, int] = {}
    for parts in groups.values():
        parts = sorted(parts, key=lambda x: x[1].msg.part[0] or 0)
        totals = {"crew": 0, "passenger": 0}
        for _, r in parts:
            for p in r.persons:
                totals[p.kind] += 1
        running = {"crew": 0, "passenger": 0}
        for name, r in parts:
            here = {"crew": 0, "passenger": 0}
            for p in r.persons:
                here[p.kind] += 1
                running[p.kind] += 1
            for k, (value, seg) in r.counts.items():
                if value not in (here[k], running[k], totals[k]):
                    warnings.append(f"{name}: {seg.where()}: the sender counts {value} {k} entries, "
                                    f"{here[k]} arrived in this message: the list may be incomplete")
                declared[k] = max(declared.get(k, 0), value)
    for name, r in ordered:
        for p in r.persons:
            p.source = name
            persons.append(p)
    if not persons:
        raise ManifestRefused([{"line": None, "reason": "the messages list no person (no NAD+FL/FM/DDT/DDU)"}])
    return voyage, persons, declared, warnings
