"""Helpers shared by the watchlist readers: dates, scripts, free-text document numbers."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from ..model import DateOfBirth

MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


def script_of(text: str) -> str | None:
    """A four-letter script tag (Latn, Arab, Cyrl, Hani, ...) from the first letter of ``text``."""
    for ch in text:
        if ch.isalpha():
            try:
                name = unicodedata.name(ch)
            except ValueError:
                return None
            for word, tag in (("LATIN", "Latn"), ("ARABIC", "Arab"), ("CYRILLIC", "Cyrl"), ("CJK", "Hani"),
                              ("HANGUL", "Hang"), ("HEBREW", "Hebr"), ("GREEK", "Grek"), ("THAI", "Thai"),
                              ("DEVANAGARI", "Deva"), ("HIRAGANA", "Hira"), ("KATAKANA", "Kana"),
                              ("ETHIOPIC", "Ethi"), ("GEORGIAN", "Geor"), ("ARMENIAN", "Armn")):
                if name.startswith(word):
                    return tag
            return None
    return None


def parse_day(text: str) -> dt.date:
    """A day from '1951-06-19', '19 Jun 1951' or '19/06/1951'; raises ValueError."""
    t = text.strip().rstrip(".")
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:T.*)?", t)
    if m:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?\s+(\d{4})", t)
    if m and m[2].lower() in MONTHS:
        return dt.date(int(m[3]), MONTHS[m[2].lower()], int(m[1]))
    m = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", t)
    if m:
        return dt.date(int(m[3]), int(m[2]), int(m[1]))
    raise ValueError("not a date")


def _point(text: str) -> tuple[str, str, str]:
    """(from, to, precision) for '1951', 'Jun 1951', '19 Jun 1951' or '1951-06-19'."""
    t = text.strip().rstrip(".")
    if re.fullmatch(r"\d{4}", t):
        y = int(t)
        if not 1800 <= y <= 2100:
            raise ValueError("year out of range")
        return f"{y:04d}-01-01", f"{y:04d}-12-31", "year"
    m = re.fullmatch(r"([A-Za-z]{3})[a-z]*\.?\s+(\d{4})", t)
    if m and m[1].lower() in MONTHS:
        d = DateOfBirth.month(int(m[2]), MONTHS[m[1].lower()])
        return d.date_from, d.date_to, "month"
    day = parse_day(t)
    return day.isoformat(), day.isoformat(), "exact"


def parse_dob(text: str) -> DateOfBirth:
    """A date of birth from free text: '1962', 'circa 1960', '1955 to 1958', 'Jan 1960', '19 Jun 1951'."""
    raw = text.strip().rstrip(".").strip()
    t = raw
    approximate = False
    m = re.match(r"(?i)(circa|approximately|approx\.?|about|c\.)\s+", t)
    if m:
        approximate = True
        t = t[m.end():]
    parts = re.split(r"\s+to\s+|(?<=\d{4})\s*-\s*(?=\d{4}$)", t)
    if len(parts) == 2:
        a, _, _ = _point(parts[0])
        _, b, _ = _point(parts[1])
        if b < a:
            a, b = b, a
        return DateOfBirth(a, b, "range", approximate, raw)
    a, b, precision = _point(t)
    return DateOfBirth(a, b, precision, approximate, raw)


_SHORT_PREFIX = re.compile(r"^[A-Z]{1,3}(?:[-/.][A-Z]{0,2})?[-/.]?$")


def extract_numbers(text: str) -> list[str]:
    """Document numbers in a free-text NUMBER field, as written ('OB 0243318', 'TR-P 614 166').

    Parenthesised notes and words are dropped; a run of tokens holding digits (with a short
    capital prefix such as 'OB' or 'TR-P' before it) is one number. Several runs give several numbers.
    """
    cleaned = re.sub(r"\([^)]*\)?", " ", text)
    out: list[str] = []
    for chunk in re.split(r"[;,]|\band\b|\bor\b", cleaned):
        tokens = chunk.split()
        run: list[str] = []
        runs: list[list[str]] = []
        for tok in tokens:
            tok_clean = tok.strip(".:")
            if any(c.isdigit() for c in tok_clean) and re.fullmatch(r"[A-Za-z0-9\-/.]+", tok_clean):
                run.append(tok_clean)
            elif _SHORT_PREFIX.match(tok_clean) and not run:
                run = [tok_clean]
            else:
                if any(any(c.isdigit() for c in t) for t in run):
                    runs.append(run)
                run = []
                if _SHORT_PREFIX.match(tok_clean):
                    run = [tok_clean]
        if any(any(c.isdigit() for c in t) for t in run):
            runs.append(run)
        for r in runs:
            # a run may end with a date-like token list ("Expired 25 Jan. 2016" was in parentheses); keep the first
            out.append(" ".join(r))
            break
    return [n for n in out if n]
