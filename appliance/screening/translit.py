"""ICAO Doc 9303 Part 3 transliteration into MRZ space (A-Z), with the common variants.

Each function returns *several* spellings because issuing states differ in practice:
Ä is written AE (ICAO recommendation) or A; Cyrillic Й as I (ICAO) or Y; Greek ΑΥ as AV
or AF; Arabic either in the ICAO reversible X-digraph scheme or in a conventional
consonant spelling. Pure code, no I/O.
"""

from __future__ import annotations

import re
import unicodedata

# --- Latin: ICAO recommended value, and the plain accent-stripped alternative -------------
_LATIN_ICAO = {
    "Ä": "AE", "Å": "AA", "Æ": "AE", "Ö": "OE", "Ø": "OE", "Ü": "UE", "Þ": "TH", "Ĳ": "IJ",
    "Œ": "OE", "ß": "SS", "ẞ": "SS", "Ð": "D", "Đ": "D", "Ł": "L", "Ħ": "H", "Ŧ": "T",
    "Ŋ": "N", "Ŀ": "L", "ı": "I", "ſ": "S", "Ə": "A",
}
_LATIN_PLAIN = {"Ä": "A", "Å": "A", "Ö": "O", "Ø": "O", "Ü": "U", "Æ": "AE", "Œ": "OE"}

# --- Cyrillic (Doc 9303 Part 3, Russian table) and a common-practice alternative ----------
_CYR_ICAO = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Е": "E", "Ё": "E", "Ж": "ZH", "З": "Z",
    "И": "I", "Й": "I", "К": "K", "Л": "L", "М": "M", "Н": "N", "О": "O", "П": "P", "Р": "R",
    "С": "S", "Т": "T", "У": "U", "Ф": "F", "Х": "KH", "Ц": "TS", "Ч": "CH", "Ш": "SH",
    "Щ": "SHCH", "Ъ": "IE", "Ы": "Y", "Ь": "", "Э": "E", "Ю": "IU", "Я": "IA",
    # other Cyrillic alphabets (Ukrainian, Belarusian, Serbian, Macedonian, Kazakh ...)
    "Є": "IE", "І": "I", "Ї": "I", "Ґ": "G", "Ў": "U", "Ђ": "D", "Ј": "J", "Љ": "LJ",
    "Њ": "NJ", "Ћ": "C", "Џ": "DZ", "Ѓ": "G", "Ќ": "K", "Ѕ": "DZ", "Қ": "K", "Ғ": "G",
    "Ң": "N", "Ү": "U", "Ұ": "U", "Һ": "H", "Ә": "A", "Ө": "O",
}
_CYR_COMMON = {
    "Ё": "YO", "Й": "Y", "Ю": "YU", "Я": "YA", "Ъ": "", "Х": "H", "Ж": "ZH", "Є": "YE",
    "Ї": "YI", "Г": "H", "И": "Y", "Ц": "C",
}
# Only some of the common alternatives are applied together: (russian-practice, ukrainian)
_CYR_PRACTICE = {k: _CYR_COMMON[k] for k in ("Ё", "Й", "Ю", "Я", "Ъ")}
_CYR_UKRAINIAN = {"Г": "H", "И": "Y", "Й": "I", "Є": "IE", "Ї": "I", "Х": "KH"}

# --- Greek (ELOT 743 / Doc 9303 practice), digraphs first --------------------------------
_GREEK_DIGRAPHS = [
    ("ΟΥ", "OU"), ("ΜΠ", "MP"), ("ΝΤ", "NT"), ("ΓΚ", "GK"), ("ΓΓ", "NG"), ("ΤΣ", "TS"), ("ΤΖ", "TZ"),
]
_GREEK = {
    "Α": "A", "Β": "V", "Γ": "G", "Δ": "D", "Ε": "E", "Ζ": "Z", "Η": "I", "Θ": "TH", "Ι": "I",
    "Κ": "K", "Λ": "L", "Μ": "M", "Ν": "N", "Ξ": "X", "Ο": "O", "Π": "P", "Ρ": "R", "Σ": "S",
    "Τ": "T", "Υ": "Y", "Φ": "F", "Χ": "CH", "Ψ": "PS", "Ω": "O", "Ϊ": "I", "Ϋ": "Y",
}
_GREEK_VOICELESS = set("ΘΚΞΠΣΤΦΧΨ")

# --- Arabic: ICAO reversible scheme (X-digraphs) and a conventional consonant spelling -----
_ARABIC_ICAO = {
    "ء": "XE", "آ": "XAA", "أ": "XAE", "ؤ": "XWE", "إ": "XI", "ئ": "XYE", "ا": "A", "ب": "B",
    "ة": "XTA", "ت": "T", "ث": "XTH", "ج": "J", "ح": "XH", "خ": "XKH", "د": "D", "ذ": "XDH",
    "ر": "R", "ز": "Z", "س": "S", "ش": "XSH", "ص": "XSS", "ض": "XDZ", "ط": "XTT", "ظ": "XZZ",
    "ع": "E", "غ": "XGH", "ف": "F", "ق": "Q", "ك": "K", "ل": "L", "م": "M", "ن": "N", "ه": "H",
    "و": "W", "ى": "XAY", "ي": "Y", "پ": "XP", "چ": "XC", "ژ": "XJ", "گ": "XG", "ک": "K",
    "ی": "Y", "ٹ": "XT", "ڈ": "XD", "ڑ": "XR", "ں": "XN", "ے": "XE", "ھ": "H", "ۀ": "H",
}
_ARABIC_CONVENTIONAL = {
    "ء": "", "آ": "A", "أ": "A", "ؤ": "U", "إ": "I", "ئ": "I", "ا": "A", "ب": "B", "ة": "A",
    "ت": "T", "ث": "TH", "ج": "J", "ح": "H", "خ": "KH", "د": "D", "ذ": "DH", "ر": "R",
    "ز": "Z", "س": "S", "ش": "SH", "ص": "S", "ض": "D", "ط": "T", "ظ": "Z", "ع": "", "غ": "GH",
    "ف": "F", "ق": "Q", "ك": "K", "ل": "L", "م": "M", "ن": "N", "ه": "H", "و": "W", "ى": "A",
    "ي": "Y", "پ": "P", "چ": "CH", "ژ": "ZH", "گ": "G", "ک": "K", "ی": "Y", "ٹ": "T",
    "ڈ": "D", "ڑ": "R", "ں": "N", "ے": "E", "ھ": "H", "ۀ": "H",
}
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")  # harakat, dagger alif, tatweel

_NON_LETTERS = re.compile(r"[^A-Z]+")


def script_of(text: str) -> str:
    """Return the dominant script of ``text``: latin, cyrillic, greek, arabic or other."""
    if text.isascii():
        return "latin"
    counts = {"latin": 0, "cyrillic": 0, "greek": 0, "arabic": 0, "other": 0}
    for ch in text:
        if not ch.isalpha():
            continue
        o = ord(ch)
        if o < 0x250 or 0x1E00 <= o < 0x1F00:
            counts["latin"] += 1
        elif 0x400 <= o < 0x530:
            counts["cyrillic"] += 1
        elif 0x370 <= o < 0x400 or 0x1F00 <= o < 0x2000:
            counts["greek"] += 1
        elif 0x600 <= o < 0x700 or 0x750 <= o < 0x780 or 0xFB50 <= o < 0xFF00:
            counts["arabic"] += 1
        else:
            counts["other"] += 1
    best = max(counts, key=counts.get)
    return best if counts[best] else "latin"


def _map_chars(text: str, table: dict, fallback: dict | None = None) -> str:
    """Replace every character through ``table`` (then ``fallback``), keeping the rest."""
    out = []
    for ch in text:
        if ch in table:
            out.append(table[ch])
        elif fallback and ch in fallback:
            out.append(fallback[ch])
        else:
            out.append(ch)
    return "".join(out)


def _strip_marks(text: str) -> str:
    """Decompose and drop combining marks (Á -> A), keeping base letters."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _to_mrz_space(text: str) -> str:
    """Upper-case, drop apostrophes, turn everything else that is not A-Z into spaces."""
    text = text.replace("'", "").replace("’", "").replace("`", "").replace("ʼ", "")
    return " ".join(_NON_LETTERS.sub(" ", text.upper()).split())


def latin_variants(text: str) -> list[str]:
    """ICAO spelling (Ä->AE) and plain spelling (Ä->A) of a Latin-script name."""
    if text.isascii():
        return [_to_mrz_space(text)]
    up = unicodedata.normalize("NFC", text).upper()
    icao = _to_mrz_space(_strip_marks(_map_chars(up, _LATIN_ICAO)))
    plain = _to_mrz_space(_strip_marks(_map_chars(up, _LATIN_PLAIN, _LATIN_ICAO)))
    return _unique([icao, plain])


def cyrillic_variants(text: str) -> list[str]:
    """Doc 9303 Russian table, Russian common practice, and the Ukrainian-style spelling."""
    up = unicodedata.normalize("NFC", text).upper()
    icao = _map_chars(up, _CYR_ICAO)
    practice = _map_chars(up, _CYR_PRACTICE, _CYR_ICAO)
    ukr = _map_chars(up, _CYR_UKRAINIAN, _CYR_ICAO)
    return _unique([_to_mrz_space(_strip_marks(v)) for v in (icao, practice, ukr)])


def greek_variants(text: str) -> list[str]:
    """Greek to Latin with digraphs; ΑΥ/ΕΥ as AV/EV (or AF/EF before voiceless letters)."""
    up = _strip_marks(unicodedata.normalize("NFC", text)).upper().replace("ς", "Σ")
    out = []
    i = 0
    while i < len(up):
        pair = up[i : i + 2]
        if pair in ("ΑΥ", "ΕΥ"):
            nxt = up[i + 2] if i + 2 < len(up) else ""
            soft = "F" if (not nxt.isalpha() or nxt in _GREEK_VOICELESS) else "V"
            out.append(_GREEK[pair[0]] + soft)
            i += 2
            continue
        for dg, lat in _GREEK_DIGRAPHS:
            if pair == dg:
                out.append(lat)
                i += 2
                break
        else:
            out.append(_GREEK.get(up[i], up[i]))
            i += 1
    primary = _to_mrz_space("".join(out))
    simple = _to_mrz_space("".join(_GREEK.get(ch, ch) for ch in up))
    return _unique([primary, simple])


def arabic_variants(text: str) -> list[str]:
    """Conventional consonant spelling (MHMD) and the ICAO X-digraph spelling (MXHMD)."""
    clean = _ARABIC_MARKS.sub("", unicodedata.normalize("NFC", text))
    # a word-initial ain is written as a vowel in practice (ALI, UMAR, ABD)
    clean = re.sub(r"(^|\s)ع", r"\1ا", clean)
    conventional = _to_mrz_space(_map_chars(clean, _ARABIC_CONVENTIONAL))
    icao = _to_mrz_space(_map_chars(clean, _ARABIC_ICAO))
    return _unique([conventional, icao])


def to_mrz_variants(text: str) -> list[str]:
    """All MRZ-space spellings (A-Z words separated by spaces) of a name in any script."""
    if not text or not text.strip():
        return []
    script = script_of(text)
    if script == "cyrillic":
        variants = cyrillic_variants(text)
    elif script == "greek":
        variants = greek_variants(text)
    elif script == "arabic":
        variants = arabic_variants(text)
    else:
        variants = latin_variants(text)
    return [v for v in variants if v]


def _unique(items: list[str]) -> list[str]:
    """Keep the first occurrence of each item, in order."""
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen
