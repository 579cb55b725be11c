"""Names to MRZ characters as ICAO Doc 9303 Part 3 recommends (Latin with diacritics, Cyrillic).

``to_mrz_name(text)`` returns the name in A-Z, digits, spaces and hyphens, plus the characters
that could not be transliterated (so the caller can say the screened name is incomplete).
Pure code.
"""

from __future__ import annotations

import unicodedata

#: Latin letters with a multi-letter or non-obvious ICAO transliteration (upper case)
_LATIN = {
    "Ä": "AE", "Å": "AA", "Æ": "AE", "Ö": "OE", "Ø": "OE", "Œ": "OE", "Ü": "UE", "ß": "SS", "ẞ": "SS",
    "Þ": "TH", "Ð": "D", "Đ": "D", "Ħ": "H", "Ĳ": "IJ", "Ł": "L", "Ŀ": "L", "Ŋ": "N", "Ŧ": "T", "ı": "I",
}
#: ICAO Doc 9303 Part 3, transliteration of Cyrillic characters (upper case)
_CYRILLIC = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Ґ": "G", "Д": "D", "Ѓ": "G", "Ђ": "D", "Е": "E", "Ё": "E",
    "Є": "IE", "Ж": "ZH", "З": "Z", "Ѕ": "DZ", "И": "I", "І": "I", "Ї": "I", "Й": "I", "Ј": "J", "К": "K",
    "Л": "L", "Љ": "LJ", "М": "M", "Н": "N", "Њ": "NJ", "О": "O", "П": "P", "Р": "R", "С": "S", "Т": "T",
    "Ћ": "C", "Ќ": "K", "У": "U", "Ў": "U", "Ф": "F", "Х": "KH", "Ц": "TS", "Ч": "CH", "Џ": "DZ", "Ш": "SH",
    "Щ": "SHCH", "Ъ": "IE", "Ы": "Y", "Ь": "", "Э": "E", "Ю": "IU", "Я": "IA",
}
#: marks that separate name parts (become spaces); apostrophes and dots are dropped
_SEPARATORS = {"-": "-", "‐": "-", "‑": "-", "–": "-", ",": " ", "/": " ", "<": " ", "_": " "}
_DROPPED = {"'", "’", "‘", "`", "´", ".", "\u02bc"}


def _letter(ch: str) -> str | None:
    """One upper-case character in MRZ letters, or None when it has no transliteration."""
    if "A" <= ch <= "Z" or "0" <= ch <= "9":
        return ch
    if ch in _LATIN:
        return _LATIN[ch]
    if ch in _CYRILLIC:
        return _CYRILLIC[ch]
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if base and all("A" <= c <= "Z" for c in base.upper()):
        return base.upper()
    return None


def to_mrz_name(text: str) -> tuple[str, list[str]]:
    """(name in MRZ letters with spaces and hyphens, characters that could not be transliterated)."""
    out: list[str] = []
    lost: list[str] = []
    for ch in unicodedata.normalize("NFC", text or ""):
        if ch.isspace():
            out.append(" ")
            continue
        if ch in _SEPARATORS:
            out.append(_SEPARATORS[ch])
            continue
        if ch in _DROPPED:
            continue
        up = ch.upper() if ch not in ("ß", "ı") else ch
        got = _letter(up)
        if got is None:
            if unicodedata.category(ch).startswith("L"):
                lost.append(ch)
            out.append(" ")  # a symbol or an untransliterable letter: keep the word boundary
            continue
        out.append(got)
    name = " ".join("".join(out).split())
    return name, lost


def mrz_key(surname: str, given_names: str) -> str:
    """A name as an MRZ would hold it, for comparing names: 'SURNAME<<GIVEN<NAMES' without fillers at the end."""
    sur, _ = to_mrz_name(surname)
    giv, _ = to_mrz_name(given_names)
    key = sur.replace(" ", "<").replace("-", "<")
    if giv:
        key += "<<" + giv.replace(" ", "<").replace("-", "<")
    return key
