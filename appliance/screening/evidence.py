"""Date-of-birth, nationality, sex and document evidence, and how each moves a score.

No-profiling rule (UNSCR 2396 paras 4 and 38): nationality and sex are *qualifiers*. They
are looked at only for a candidate that already matches on name and date of birth, or on
a document number (:func:`qualifiers_allowed`), and they only move its score a little.
Nothing here can create a candidate, and no rule looks at nationality alone.
"""

from __future__ import annotations

import datetime as dt

#: score contribution of each date-of-birth outcome (added to 0.8 x name score)
DOB_WEIGHTS = {
    "exact": 0.20,
    "day_month_swapped": 0.14,
    "within_listed_month": 0.17,
    "within_listed_year": 0.16,
    "within_listed_range": 0.15,
    "within_approximate_range": 0.12,
    "same_year_other_day": 0.03,
    "unknown": 0.05,
    "near_year": 0.0,
    "conflicting": -0.15,
}
_RANK = list(DOB_WEIGHTS)  # best first
#: outcomes that count as "matches on date of birth" (opens the qualifiers)
DOB_CONSISTENT = {"exact", "day_month_swapped", "within_listed_month", "within_listed_year",
                  "within_listed_range", "within_approximate_range", "same_year_other_day"}
NAME_WEIGHT = 0.80
NATIONALITY_MATCH = 0.03
NATIONALITY_MISMATCH = -0.05
SEX_MISMATCH = -0.10


def birth_candidates(birth: str | None, today: dt.date) -> list[dt.date]:
    """Possible birth dates of an MRZ date (YYMMDD or ISO): both centuries when plausible."""
    if not birth:
        return []
    b = str(birth).replace("-", "")
    if len(b) == 8:
        yy, mm, dd = b[2:4], b[4:6], b[6:8]
    elif len(b) == 6:
        yy, mm, dd = b[0:2], b[2:4], b[4:6]
    else:
        return []
    if not (yy.isdigit() and mm.isdigit() and dd.isdigit()):
        return []
    out = []
    for century in (1900, 2000):
        year = century + int(yy)
        if year > today.year or today.year - year > 120:
            continue
        try:
            day = dt.date(year, int(mm), int(dd))
        except ValueError:
            continue
        if day <= today:
            out.append(day)
    return out


def _one(day: dt.date, listed: list) -> tuple[str, float]:
    """Outcome of comparing one candidate birth date with one listed date or range."""
    lo = dt.date.fromisoformat(listed[0])
    hi = dt.date.fromisoformat(listed[1])
    precision = listed[2] if len(listed) > 2 else "exact"
    approximate = bool(listed[3]) if len(listed) > 3 else False
    if lo == hi:
        if day == lo:
            return "exact", 0
        if day.year == lo.year and day.month == lo.day and day.day == lo.month:
            return "day_month_swapped", 0
        if day.year == lo.year:
            return "same_year_other_day", 0
        if approximate and abs(day.year - lo.year) <= 2:
            return "within_approximate_range", 0
        if abs(day.year - lo.year) <= 1:
            return "near_year", 0
        return "conflicting", abs(day.year - lo.year)
    if lo <= day <= hi:
        return {"month": "within_listed_month", "year": "within_listed_year"}.get(precision, "within_listed_range"), 0
    if approximate and lo.year - 2 <= day.year <= hi.year + 2:
        return "within_approximate_range", 0
    if lo.year - 1 <= day.year <= hi.year + 1:
        return "near_year", 0
    return "conflicting", min(abs(day.year - lo.year), abs(day.year - hi.year))


def dob_evidence(birth: str | None, listed: list[list], today: dt.date) -> dict:
    """Compare the MRZ birth date with every listed date of birth; the best outcome wins."""
    days = birth_candidates(birth, today)
    shown = [x[0] if x[0] == x[1] else f"{x[0]}..{x[1]}" for x in listed]
    if not days or not listed:
        return {"result": "unknown", "query": days[0].isoformat() if len(days) == 1 else None,
                "listed": shown, "adjustment": DOB_WEIGHTS["unknown"]}
    best = None
    for day in days:
        for item in listed:
            try:
                outcome, _ = _one(day, item)
            except (ValueError, TypeError, IndexError):
                continue
            key = _RANK.index(outcome)
            if best is None or key < best[0]:
                best = (key, outcome, day)
    if best is None:
        return {"result": "unknown", "query": None, "listed": shown, "adjustment": DOB_WEIGHTS["unknown"]}
    _, outcome, day = best
    ev = {"result": outcome, "query": day.isoformat(), "listed": shown, "adjustment": DOB_WEIGHTS[outcome]}
    if len(days) > 1:
        ev["century_ambiguous"] = True
    return ev


def qualifiers_allowed(name_ok: bool, dob_result: str, document_match: bool) -> bool:
    """True when a candidate already matches on name and date of birth, or on a document."""
    return document_match or (name_ok and dob_result in DOB_CONSISTENT)


def nationality_evidence(query: str | None, listed: list[str], allowed: bool) -> dict:
    """Nationality as a qualifier of an existing candidate (never a reason on its own)."""
    ev = {"query": query or None, "listed": list(listed)}
    if not allowed:
        return {**ev, "result": "not_applied", "adjustment": 0.0}
    if not query or not listed:
        return {**ev, "result": "unknown", "adjustment": 0.0}
    if query in listed:
        return {**ev, "result": "match", "adjustment": NATIONALITY_MATCH}
    return {**ev, "result": "mismatch", "adjustment": NATIONALITY_MISMATCH}


def sex_evidence(query: str | None, listed: str | None, allowed: bool) -> dict:
    """Sex as a qualifier of an existing candidate (never a reason on its own)."""
    q = query if query in ("M", "F") else None
    ev = {"query": q, "listed": listed}
    if not allowed:
        return {**ev, "result": "not_applied", "adjustment": 0.0}
    if not q or listed not in ("M", "F"):
        return {**ev, "result": "unknown", "adjustment": 0.0}
    if q == listed:
        return {**ev, "result": "match", "adjustment": 0.0}
    return {**ev, "result": "mismatch", "adjustment": SEX_MISMATCH}


def document_evidence(number: str | None, state: str | None, listed_docs: list[dict]) -> dict:
    """Whether the MRZ document number is one listed for the person (full or first 9 chars)."""
    num = "".join(ch for ch in (number or "").upper() if ch.isalnum())
    if not num or not listed_docs:
        return {"result": "unknown", "query": num or None, "listed": [d["number"] for d in listed_docs]}
    for d in listed_docs:
        ln = d["number"]
        if num == ln or (len(ln) > 9 and num == ln[:9]) or (len(num) >= 5 and ln.endswith(num) and ln[: len(ln) - len(num)].isalpha()):
            same_state = not d.get("issuing_state") or not state or d["issuing_state"] == state
            return {"result": "match" if same_state else "match_other_state", "query": num,
                    "listed": [x["number"] for x in listed_docs]}
    return {"result": "different", "query": num, "listed": [d["number"] for d in listed_docs]}
