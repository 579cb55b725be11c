"""The MRZ's structure applied to OCR output: layouts, character classes, check digits.

Pure code, no I/O. OCR text goes in; out come candidate MRZs (lines of the right
length, each position forced into its character class) with the checks they pass.
Check digits choose between the alternatives a confusable character allows
(O/0, I/1, S/5, B/8, ...) in check-protected fields. Names are never altered except
for fillers after the name has ended.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from ..mrz.checkdigit import verifies

# Per-position classes: A letters+filler, N digits, X letters/digits/filler,
# C check digit (digit or filler), S sex, D digits (dates).
_TD1 = ("AAAAA" + "XXXXXXXXX" + "C" + "XXXXXXXXXXXXXXX", "DDDDDDC" + "S" + "DDDDDDC" + "AAA" + "XXXXXXXXXXX" + "C",
        "A" * 30)
_TD2 = ("A" * 36, "XXXXXXXXX" + "C" + "AAA" + "DDDDDDC" + "S" + "DDDDDDC" + "XXXXXXX" + "C")
_TD3 = ("A" * 44, "XXXXXXXXX" + "C" + "AAA" + "DDDDDDC" + "S" + "DDDDDDC" + "XXXXXXXXXXXXXX" + "C" + "C")
_MRVA = ("A" * 44, "XXXXXXXXX" + "C" + "AAA" + "DDDDDDC" + "S" + "DDDDDDC" + "X" * 16)
_MRVB = ("A" * 36, "XXXXXXXXX" + "C" + "AAA" + "DDDDDDC" + "S" + "DDDDDDC" + "X" * 8)

#: format -> per-line class strings
CLASSES = {"TD1": _TD1, "TD2": _TD2, "TD3": _TD3, "MRVA": _MRVA, "MRVB": _MRVB}

#: format -> name field (line, start, end)
NAME_FIELD = {"TD1": (2, 0, 30), "TD2": (0, 5, 36), "TD3": (0, 5, 44), "MRVA": (0, 5, 44),
              "MRVB": (0, 5, 36)}

#: format -> positions (line, index) outside the name that no check digit covers
UNPROTECTED = {
    "TD1": [(0, i) for i in range(5)] + [(1, 7)] + [(1, i) for i in range(15, 18)],
    "TD2": [(0, i) for i in range(5)] + [(1, i) for i in (10, 11, 12, 20)],
    "TD3": [(0, i) for i in range(5)] + [(1, i) for i in (10, 11, 12, 20)],
    "MRVA": [(0, i) for i in range(5)] + [(1, i) for i in (10, 11, 12, 20)] + [(1, i) for i in range(28, 44)],
    "MRVB": [(0, i) for i in range(5)] + [(1, i) for i in (10, 11, 12, 20)] + [(1, i) for i in range(28, 36)],
}

_TO_DIGIT = {"O": "0", "Q": "0", "D": "0", "U": "0", "I": "1", "L": "1", "J": "1", "T": "7",
             "Z": "2", "S": "5", "B": "8", "G": "6", "A": "4", "E": "8"}
_TO_LETTER = {"0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "7": "T", "8": "B"}
#: confusable twins tried in alphanumeric fields when a check fails
_TWINS = {"0": "O", "O": "0", "1": "I", "I": "1", "5": "S", "S": "5", "8": "B", "B": "8",
          "2": "Z", "Z": "2", "D": "0", "Q": "0"}
#: glyphs Tesseract produces for the filler chevron
_CHEVRON_LOOKALIKES = set("KXCEL")
_NOT_MRZ = re.compile(r"[^A-Z0-9<]")


@dataclass
class Candidate:
    """A read forced into an MRZ layout, with the checks it passes."""

    fmt: str
    lines: list[str]
    checks: dict[str, bool] = field(default_factory=dict)
    name_clean: bool = True
    corrected: bool = False
    codes_known: bool = True
    verified: bool = False  # unprotected fields confirmed by the glyph recogniser
    raw: list[str] | None = None  # Tesseract's lines before fitting them to the layout
    ambiguous: bool = False  # another reading with swapped look-alikes passes the checks too
    twin_doubt: bool = False  # like ambiguous, but nothing (no glyph read) could rule it out

    @property
    def text(self) -> str:
        """The MRZ text, lines joined with newlines."""
        return "\n".join(self.lines)

    @property
    def passed(self) -> int:
        """How many checks pass."""
        return sum(self.checks.values())

    @property
    def valid(self) -> bool:
        """Every check passes and the name field is well-formed."""
        return bool(self.checks) and all(self.checks.values()) and self.name_clean

    def score(self) -> tuple:
        """Ordering key: more passing checks first, then clean names."""
        return (self.valid, self.verified, self.codes_known, self.passed, self.name_clean,
                -int(self.corrected))


def clean_lines(text: str) -> list[str]:
    """OCR output to candidate MRZ lines: upper case, MRZ charset only, short lines dropped."""
    out = []
    for raw in text.replace("«", "<<").replace("‹", "<").splitlines():
        line = _NOT_MRZ.sub("", raw.upper().replace(" ", ""))
        if len(line) >= 20:
            out.append(line)
    return out


def _length_fits(line: str, width: int) -> bool:
    """A read line could be a ``width``-character MRZ line (fillers may have been lost)."""
    if len(line) > width + (10 if "<" in line else 4):
        return False
    slack = 6 + (8 if "<<<" in line else 0)
    return len(line) >= width - slack


def guess_formats(lines: list[str]) -> list[tuple[str, list[str]]]:
    """Possible (format, lines) groupings of cleaned OCR lines, most plausible first."""
    found = []
    n = len(lines)
    for count in (3, 2):
        for start in range(0, max(0, n - count + 1)):
            group = lines[start:start + count]
            avg = sum(len(x) for x in group) / count
            for fmt, (lc, width) in LAYOUT.items():
                # Tesseract often drops fillers from long runs of '<', so short lines with runs pass
                if lc != count or any(not _length_fits(x, width) for x in group):
                    continue
                first = group[0][:1]
                if fmt in ("MRVA", "MRVB") and first != "V":
                    continue
                if fmt in ("TD3", "TD2") and first == "V":
                    continue
                # the last line (digits, few fillers) tells the width best; the name line least
                dist = sum(abs(len(x) - width) * (1 if i == 0 else 2) for i, x in enumerate(group))
                found.append((dist / count, fmt, group))
    found.sort(key=lambda t: t[0])
    if not found:
        return []
    closest = found[0][0]
    return [(fmt, group) for dist, fmt, group in found if dist <= closest + 3]


LAYOUT = {"TD1": (3, 30), "TD2": (2, 36), "TD3": (2, 44), "MRVA": (2, 44), "MRVB": (2, 36)}


def _length_variants(line: str, width: int, limit: int = 6) -> list[str]:
    """Make a line ``width`` long by growing or shrinking its filler runs (or padding)."""
    if len(line) == width:
        return [line]
    diff = width - len(line)
    runs = [(m.start(), m.end()) for m in re.finditer(r"<+", line)]
    runs.sort(key=lambda r: r[0] - r[1])  # longest runs first
    variants = []
    for start, end in runs[:limit]:
        if diff > 0:
            variants.append(line[:end] + "<" * diff + line[end:])
        elif end - start > -diff:
            variants.append(line[:start] + line[start - diff:])
    if diff > 0:
        variants.append(line + "<" * diff)
    else:
        variants.append(line[:width])
        variants.append(line[-diff:])
    return [v for v in dict.fromkeys(variants) if len(v) == width]


def _force_class(line: str, classes: str) -> str:
    """Map each character into the class its position allows."""
    out = []
    for ch, cls in zip(line, classes):
        if cls in "DC":
            if ch == "<" and cls == "C":
                out.append(ch)
            else:
                out.append(_TO_DIGIT.get(ch, ch if ch.isdigit() else "<" if ch in _CHEVRON_LOOKALIKES else ch))
        elif cls == "A":
            out.append(_TO_LETTER.get(ch, ch))
        elif cls == "S":
            out.append(ch if ch in "MFX<" else {"H": "M", "N": "M", "P": "F", "E": "F"}.get(ch, "<"))
        else:
            out.append(ch)
    return "".join(out)


def _clean_fillers(field_text: str, name: bool) -> str:
    """Turn chevron look-alikes into fillers where only fillers can stand."""
    chars = list(field_text)
    if name:
        # After the name has ended ('<<<') only fillers may follow.
        tail = re.search(r"<<<", field_text)
        if tail:
            for i in range(tail.start(), len(chars)):
                if chars[i] in _CHEVRON_LOOKALIKES:
                    chars[i] = "<"
        return "".join(chars)
    # Other fields: a run of fillers and look-alikes (two fillers or more) is all fillers,
    for m in re.finditer(r"[<KX]{3,}", field_text):
        if m.group().count("<") >= 2:
            chars[m.start():m.end()] = "<" * (m.end() - m.start())
    # and a look-alike between fillers is a filler.
    for i, ch in enumerate(chars):
        if ch in _CHEVRON_LOOKALIKES:
            left = chars[i - 1] if i else ""
            right = chars[i + 1] if i + 1 < len(chars) else ""
            if left == "<" and right in ("<", "") or right == "<" and left == "<":
                chars[i] = "<"
    return "".join(chars)


def _name_ok(name: str, confirmed: bool = False) -> bool:
    """A well-formed name field: letters and fillers, no stray letters in the filler tail.

    Names carry no check digit, so a doubtful one (fillers read as K, a run of one
    letter, single letters strung together) is refused rather than guessed.
    """
    if not re.fullmatch(r"[A-Z<]+", name) or not name.strip("<"):
        return False
    body = name.rstrip("<")
    if "<<<" in body or re.search(r"([A-Z])\1\1", body):
        return False
    if re.search(r"(?:^|<)[A-Z]<[A-Z](?:<|$)", body) and re.search(r"(?:^|<)[KXCEL]<[KXCEL](?:<|$)", body):
        return False
    # Tesseract reads fillers as K or X; a K/X next to a filler needs the glyph recogniser's word
    if not confirmed and re.search(r"<[KX]|[KX]<", name):
        return False
    return True


def _check_fields(fmt: str, lines: list[str]) -> list[tuple[str, str, str]]:
    """(name, data, check digit) for each check digit of a format."""
    if fmt == "TD1":
        l1, l2 = lines[0], lines[1]
        checks = []
        if l1[14] == "<" and l1[15:30].strip("<"):
            ext = l1[15:30]
            m = re.match(r"([0-9A-Z]*?)([0-9])<", ext + "<")
            if m:
                checks.append(("document_number", l1[5:14] + m.group(1), m.group(2)))
            else:
                checks.append(("document_number", l1[5:14], l1[14]))
        else:
            checks.append(("document_number", l1[5:14], l1[14]))
        checks += [("birth_date", l2[0:6], l2[6]), ("expiry_date", l2[8:14], l2[14]),
                   ("composite", l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29], l2[29])]
        return checks
    l2 = lines[1]
    checks = [("document_number", l2[0:9], l2[9]), ("birth_date", l2[13:19], l2[19]),
              ("expiry_date", l2[21:27], l2[27])]
    if fmt == "TD2" and l2[9] == "<" and l2[28:35].strip("<"):
        m = re.match(r"([0-9A-Z]*?)([0-9])<", l2[28:35] + "<")
        if m:
            checks[0] = ("document_number", l2[0:9] + m.group(1), m.group(2))
    if fmt == "TD3":
        checks.append(("optional_data", l2[28:42], l2[42]))
        checks.append(("composite", l2[0:10] + l2[13:20] + l2[21:43], l2[43]))
    elif fmt == "TD2":
        checks.append(("composite", l2[0:10] + l2[13:20] + l2[21:35], l2[35]))
    return checks


def _check_ok(name: str, data: str, digit: str) -> bool:
    """One check digit, with ICAO's allowance for an empty optional-data field."""
    if name == "optional_data" and digit == "<" and not data.strip("<"):
        return True
    if name in ("birth_date", "expiry_date") and not _plausible_date(data, name):
        return False
    return verifies(data, digit)


def _plausible_date(value: str, name: str) -> bool:
    """YYMMDD with a real month and day (expiry may be all fillers on some documents)."""
    if not value.isdigit():
        return False
    month, day = int(value[2:4]), int(value[4:6])
    return 1 <= month <= 12 and 1 <= day <= 31


def evaluate(fmt: str, lines: list[str], name_confirmed: bool = False) -> Candidate:
    """Score fixed-length lines of a format: checks and name well-formedness."""
    checks = {name: _check_ok(name, data, digit) for name, data, digit in _check_fields(fmt, lines)}
    li, start, end = NAME_FIELD[fmt]
    return Candidate(fmt, list(lines), checks, _name_ok(lines[li][start:end], name_confirmed), False,
                     _codes_known(fmt, lines))


def _codes_known(fmt: str, lines: list[str]) -> bool:
    """Issuing state and nationality are codes ICAO knows (unknown codes are suspicious)."""
    try:
        from ..mrz.states import is_known
    except ImportError:  # the engine's table is not available: no opinion
        return True
    if fmt == "TD1":
        codes = (lines[0][2:5], lines[1][15:18])
    else:
        codes = (lines[0][2:5], lines[1][10:13])
    try:
        return all(is_known(c) for c in codes)
    except Exception:  # noqa: BLE001 - a table problem must not stop a read
        return True


def _alternative_fixes(fmt: str, lines: list[str], alts: dict[tuple[int, int], list[str]],
                       max_changes: int = 2, name_confirmed: bool = False) -> Candidate | None:
    """Try alternative characters at a few positions; the unique reading whose checks pass, or None."""
    positions = [p for p in alts if CLASSES[fmt][p[0]][p[1]] != "A"]
    if not positions or len(positions) > 16:
        return None
    winners: dict[str, Candidate] = {}
    for k in range(1, max_changes + 1):
        for combo in itertools.combinations(positions, k):
            for choice in itertools.product(*(alts[p] for p in combo)):
                trial = [list(x) for x in lines]
                for (li, i), ch in zip(combo, choice):
                    trial[li][i] = ch
                cand = evaluate(fmt, ["".join(x) for x in trial], name_confirmed)
                if cand.valid and cand.codes_known:
                    winners[cand.text] = cand
        if winners:
            break
    if len(winners) == 1:
        cand = next(iter(winners.values()))
        cand.corrected = True
        return cand
    return None


def _twin_fixes(fmt: str, lines: list[str], name_confirmed: bool = False) -> Candidate | None:
    """Try confusable twins in the alphanumeric fields whose check fails; None unless unique."""
    alts = {}
    for li, (line, cls) in enumerate(zip(lines, CLASSES[fmt])):
        for i, (ch, c) in enumerate(zip(line, cls)):
            if c == "X" and ch in _TWINS:
                alts[(li, i)] = [_TWINS[ch]]
    if len(alts) > 14:
        return None
    return _alternative_fixes(fmt, lines, alts, 2 if fmt in ("TD1", "TD2", "TD3") else 1, name_confirmed)


def _numeric_fields(line: str, classes: str) -> str:
    """In an alphanumeric field that is mostly digits, an ``O`` is a zero."""
    out = list(line)
    for m in re.finditer(r"X+", classes):
        field = line[m.start():m.end()]
        body = field.replace("<", "")
        if body and sum(c.isdigit() for c in body) >= 0.6 * len(body):
            for i in range(m.start(), m.end()):
                if out[i] == "O":
                    out[i] = "0"
    return "".join(out)


def shape(fmt: str, raw_lines: list[str] | tuple[str, ...]) -> list[str]:
    """Force fixed-length raw lines into a format's classes and clean filler look-alikes."""
    lines = []
    name_line, start, end = NAME_FIELD[fmt]
    for li, line in enumerate(raw_lines):
        forced = _numeric_fields(_force_class(line, CLASSES[fmt][li]), CLASSES[fmt][li])
        if li == name_line:  # names are never "corrected": a digit there leaves the read doubtful
            forced = forced[:start] + line[start:end] + forced[end:]
        if li == name_line:
            forced = forced[:start] + _clean_fillers(forced[start:end], True) + forced[end:]
        else:
            forced = _clean_fillers(forced, False)
        lines.append(forced)
    return lines


def candidates(text: str) -> list[Candidate]:
    """Every MRZ reading the OCR text allows, best first."""
    out: list[Candidate] = []
    for fmt, group in guess_formats(clean_lines(text)):
        width = LAYOUT[fmt][1]
        per_line = [_length_variants(line, width) for line in group]
        for combo in itertools.islice(itertools.product(*per_line), 24):
            lines = shape(fmt, combo)
            cand = evaluate(fmt, lines)
            cand.raw = list(group)
            if not cand.valid and cand.name_clean:
                fixed = _twin_fixes(fmt, lines)
                if fixed is not None:
                    cand = fixed
            # without glyph evidence a confusable swap cannot be ruled out: the reader asks
            # for more passes to agree instead of refusing the read
            cand.twin_doubt = cand.valid and ambiguous(fmt, cand.lines)
            out.append(cand)
            if cand.valid:
                return _unique_valid(out)
    out.sort(key=lambda c: c.score(), reverse=True)
    return out


#: characters OCR confuses; pairs whose values differ by a multiple of 10 (8/S, 9/J, 6/G, 0/U,
#: 1/L, 3/D, K/<, ...) even leave the check digit unchanged
_CONFUSABLE = ("0O", "0D", "0Q", "0U", "1I", "1L", "1T", "2Z", "3D", "4A", "5S", "5Z", "6G", "7T",
               "8B", "8S", "9J", "BR", "IJ", "UV", "CG", "MN", "HN", "EF", "PR", "OQ", "DO", "IT",
               "FP", "GQ", "HR", "MW", "5F", "4E", "7H", "2C", "JT", "1B")
_TWIN_MAP: dict[str, str] = {}
for _a, _b in _CONFUSABLE:
    _TWIN_MAP[_a] = _TWIN_MAP.get(_a, "") + _b
    _TWIN_MAP[_b] = _TWIN_MAP.get(_b, "") + _a


def ambiguous(fmt: str, lines: list[str], reads: list | None = None) -> bool:
    """True when swapping one or two confusable characters (O/0, 8/S, 9/J, ...) also passes every check.

    7-3-1 check digits cannot see a swap between characters whose values differ by 10,
    nor two swaps that cancel out. Positions where the glyph recogniser clearly prefers
    the character read are not counted as doubtful.
    """
    spots = []
    for li, (line, cls) in enumerate(zip(lines, CLASSES[fmt])):
        for i, (ch, c) in enumerate(zip(line, cls)):
            if c != "X":
                continue
            twins = [t for t in _TWIN_MAP.get(ch, "")
                     if reads is None or not _glyph_prefers(reads[li], i, ch, t)]
            if twins:
                spots.append((li, i, twins))
    spots = spots[:14]
    for k in (1, 2):
        for combo in itertools.combinations(spots, k):
            for choice in itertools.product(*(t for _, _, t in combo)):
                trial = [list(x) for x in lines]
                for (li, i, _), ch in zip(combo, choice):
                    trial[li][i] = ch
                if evaluate(fmt, ["".join(x) for x in trial], True).valid:
                    return True
    return False


def _glyph_prefers(read, i: int, ch: str, twin: str, margin: float = 0.08) -> bool:
    """The glyph recogniser scores ``ch`` clearly above ``twin`` at cell ``i``."""
    from .glyphs import CHARSET

    row = read.matrix[i]
    return float(row[CHARSET.index(ch)] - row[CHARSET.index(twin)]) >= margin


def _unique_valid(found: list[Candidate]) -> list[Candidate]:
    """Put the valid candidate first."""
    found.sort(key=lambda c: c.score(), reverse=True)
    return found
